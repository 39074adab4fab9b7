// In-memory state, partitioned by test session and merchant: orders, vaulted cards and idempotency records.
// Two sessions (or two merchants) never see each other's data; resetting one session leaves the others alone.

import { evictOldest, Ledger, type LedgerOwner } from '../support/bounded.js';
import { fingerprint } from '../support/fingerprint.js';
import { DataSource } from './fake-data.js';
import type { Order, StatusChange, TransitionListener, TransitionName } from './order-states.js';
import { canTransition, refundable, transition } from './order-states.js';
import type { TestCardName } from './outcomes.js';

/** A vaulted card: only what survives tokenization. The PAN and CVV are never stored. */
export interface VaultedCard {
  token: string;
  testCard: TestCardName;
  firstSix: string;
  lastFour: string;
  brand: string;
  month: number;
  year: number;
  createdOn: number;
}

export interface StoredResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface IdempotencyRecord {
  scope: string;
  key: string;
  fingerprint: string;
  at: number;
  /** null while the first request is still being handled. */
  response: StoredResponse | null;
}

/**
 * Bounds that keep memory flat in long runs, across all sessions and merchants together: beyond them the oldest
 * entries are forgotten (invented; an order is about 2 KB). Override with createApp({ maxOrders }).
 */
export const STORE_LIMITS = { orders: 20_000, idempotencyKeys: 20_000, cards: 20_000 };
/**
 * Byte budgets besides the counts: an order's strings come from the request (names, addresses, ids), so without one a
 * client sending long strings could make 20,000 orders take gigabytes. Estimated from the strings each entry keeps.
 */
export const STORE_BYTE_LIMITS = { orders: 48 * 1024 * 1024, idempotencyKeys: 16 * 1024 * 1024 };
/** What an order or idempotency record costs besides its request strings (objects, history, the response kept). */
const ORDER_OVERHEAD = 2048;
const KEY_OVERHEAD = 1024;

/** The shared budgets of one store. */
export interface StoreBudget {
  orders: Ledger<Order>;
  idempotencyKeys: Ledger<IdempotencyRecord>;
  cards: Ledger<VaultedCard>;
}

/** Idempotency replay window (24 h is documented for cancel; we apply it to every idempotent call — invented). */
export const IDEMPOTENCY_WINDOW_MS = 24 * 60 * 60 * 1000;

const noTx = (): SessionTx | null => null;
const noop = (): void => undefined;

/**
 * What one request changed in a session, when the store is shared (mock/redis/): the entities it touched, to be
 * written back in one commit, and the transitions whose listeners run only once that commit succeeded.
 */
export interface SessionTx {
  orders: Set<Order>;
  /** Touched cards and idempotency records, each with the partition (merchant id, lower case) it lives in. */
  cards: Map<VaultedCard, string>;
  keys: Map<IdempotencyRecord, string>;
  /** Idempotency records released (deleted) by this request. */
  releasedKeys: Map<IdempotencyRecord, string>;
  /** Transition events held back until the commit: [a copy of the order as it was, name, change]. */
  transitions: [Order, TransitionName, StatusChange][];
  /** The session's earliest scheduled change as the commit should record it, and whether it is exact. */
  due: number | null;
  dueExact: boolean;
}

/** A Map that reports every order it hands out to the session's open transaction (shared stores only). */
class TrackedOrders extends Map<string, Order> {
  readonly #tx: () => SessionTx | null;
  constructor(tx: () => SessionTx | null) {
    super();
    this.#tx = tx;
  }
  override get(id: string): Order | undefined {
    const order = super.get(id);
    if (order) this.#tx()?.orders.add(order);
    return order;
  }
}

export class Partition {
  /** The merchant id this partition holds, lower case. */
  readonly mid: string;
  readonly #budget: StoreBudget;
  readonly #tx: () => SessionTx | null;
  readonly orders: Map<string, Order>;
  /** merchant orderId → FlexFactor order id */
  readonly byExternalId = new Map<string, string>();
  readonly cards = new Map<string, VaultedCard>();
  /** scope (operation) → idempotency key → record */
  readonly #idempotency = new Map<string, Map<string, IdempotencyRecord>>();
  // What the shared budgets call to forget an entry of this partition.
  readonly #orderOwner: LedgerOwner<Order> = {
    evict: (order) => {
      this.#evicted();
      this.orders.delete(order.id);
      if (this.byExternalId.get(order.externalOrderId) === order.id)
        this.byExternalId.delete(order.externalOrderId);
      // A forgotten order has no future: nothing of it may stay reachable from the store's schedule.
      order.schedule.length = 0;
    },
  };
  readonly #cardOwner: LedgerOwner<VaultedCard> = {
    evict: (card) => {
      this.#evicted();
      this.cards.delete(card.token);
    },
  };
  readonly #keyOwner: LedgerOwner<IdempotencyRecord> = {
    evict: (record) => {
      this.#evicted();
      const keys = this.#idempotency.get(record.scope);
      if (keys?.get(record.key) === record) keys.delete(record.key);
    },
  };

  /** Called when the budget drops one of this partition's entries (a shared store's copy then is incomplete). */
  readonly #evicted: () => void;

  constructor(budget: StoreBudget, tx?: () => SessionTx | null, mid = '', evicted: () => void = noop) {
    this.mid = mid;
    this.#evicted = evicted;
    this.#budget = budget;
    this.#tx = tx ?? noTx;
    this.orders = tx ? new TrackedOrders(tx) : new Map();
  }

  addOrder(order: Order): void {
    this.orders.set(order.id, order);
    this.byExternalId.set(order.externalOrderId, order.id);
    this.#budget.orders.admit(order, this.#orderOwner, orderBytes(order));
    this.#tx()?.orders.add(order);
  }

  /** Replace or add an order as a shared store holds it (no transaction sees this: it is the store's own copy). */
  putOrder(order: Order): void {
    const old = this.orders.get(order.id);
    if (
      old &&
      old.externalOrderId !== order.externalOrderId &&
      this.byExternalId.get(old.externalOrderId) === old.id
    )
      this.byExternalId.delete(old.externalOrderId);
    if (old) this.#budget.orders.forget(old);
    this.orders.set(order.id, order);
    this.byExternalId.set(order.externalOrderId, order.id);
    this.#budget.orders.admit(order, this.#orderOwner, orderBytes(order));
  }

  dropOrder(id: string): void {
    const order = this.orders.get(id);
    if (!order) return;
    this.#budget.orders.forget(order);
    this.orders.delete(order.id);
    if (this.byExternalId.get(order.externalOrderId) === order.id)
      this.byExternalId.delete(order.externalOrderId);
    order.schedule.length = 0;
  }

  putCard(card: VaultedCard): void {
    const old = this.cards.get(card.token);
    if (old) this.#budget.cards.forget(old);
    this.cards.set(card.token, card);
    this.#budget.cards.admit(card, this.#cardOwner);
  }

  dropCard(token: string): void {
    const card = this.cards.get(token);
    if (!card) return;
    this.#budget.cards.forget(card);
    this.cards.delete(token);
  }

  idempotencyRecord(scope: string, key: string): IdempotencyRecord | undefined {
    return this.#idempotency.get(scope)?.get(key);
  }

  putIdempotencyRecord(record: IdempotencyRecord): void {
    this.dropIdempotencyRecord(record.scope, record.key);
    let keys = this.#idempotency.get(record.scope);
    if (!keys) {
      keys = new Map();
      this.#idempotency.set(record.scope, keys);
    }
    keys.set(record.key, record);
    this.#budget.idempotencyKeys.admit(record, this.#keyOwner, keyBytes(record));
  }

  dropIdempotencyRecord(scope: string, key: string): void {
    const record = this.#idempotency.get(scope)?.get(key);
    if (!record) return;
    this.#budget.idempotencyKeys.forget(record);
    this.#idempotency.get(scope)?.delete(key);
  }

  orderByExternalId(externalOrderId: string): Order | undefined {
    const id = this.byExternalId.get(externalOrderId);
    return id === undefined ? undefined : this.orders.get(id);
  }

  addCard(card: VaultedCard): void {
    this.cards.set(card.token, card);
    this.#budget.cards.admit(card, this.#cardOwner);
    this.#tx()?.cards.set(card, this.mid);
  }

  /**
   * Look up an idempotency key for an operation. Returns the replay (same body), a conflict (different body), an
   * in-progress marker, or null when the key is new — in which case it is claimed for this request.
   */
  claimIdempotencyKey(
    scope: string,
    key: string,
    body: unknown,
    now: number,
  ):
    | { kind: 'new' }
    | { kind: 'replay'; response: StoredResponse }
    | { kind: 'conflict' }
    | { kind: 'in-progress' } {
    let keys = this.#idempotency.get(scope);
    if (!keys) {
      keys = new Map();
      this.#idempotency.set(scope, keys);
    }
    const print = fingerprint(body);
    const existing = keys.get(key);
    if (existing && now - existing.at < IDEMPOTENCY_WINDOW_MS) {
      if (existing.fingerprint !== print) return { kind: 'conflict' };
      if (existing.response === null) return { kind: 'in-progress' };
      return { kind: 'replay', response: existing.response };
    }
    const record: IdempotencyRecord = { scope, key, fingerprint: print, at: now, response: null };
    keys.set(key, record);
    this.#tx()?.keys.set(record, this.mid);
    // The key is held twice (map key and record) and the response kept later may echo it: three copies, two bytes each.
    this.#budget.idempotencyKeys.admit(record, this.#keyOwner, keyBytes(record));
    return { kind: 'new' };
  }

  /** Give this partition's entries back to the shared budgets (the partition is being dropped with its session). */
  release(): void {
    for (const order of this.orders.values()) this.#budget.orders.forget(order);
    for (const card of this.cards.values()) this.#budget.cards.forget(card);
    for (const keys of this.#idempotency.values()) {
      for (const record of keys.values()) this.#budget.idempotencyKeys.forget(record);
    }
  }

  /** Record the response of a claimed key (or release the claim when the request failed before any effect). */
  completeIdempotencyKey(scope: string, key: string, response: StoredResponse | null): void {
    const keys = this.#idempotency.get(scope);
    const record = keys?.get(key);
    if (!keys || !record) return;
    const tx = this.#tx();
    if (response === null) {
      keys.delete(key);
      this.#budget.idempotencyKeys.forget(record);
      tx?.keys.delete(record);
      tx?.releasedKeys.set(record, this.mid);
    } else {
      record.response = response;
      tx?.keys.set(record, this.mid);
    }
  }
}

export class Session {
  readonly name: string;
  readonly data: DataSource;
  readonly #partitions = new Map<string, Partition>();
  readonly #budget: StoreBudget;
  readonly #shared: boolean;
  readonly #evicted: () => void;
  /** The request changing this session, when the store is shared; null between requests. */
  tx: SessionTx | null = null;

  constructor(name: string, seed: number, budget: StoreBudget, shared = false, evicted: () => void = noop) {
    this.name = name;
    this.data = new DataSource(seed, name);
    this.#initial.push(...this.data.state());
    this.#budget = budget;
    this.#shared = shared;
    this.#evicted = evicted;
  }

  partition(mid: string): Partition {
    const key = mid.toLowerCase();
    let partition = this.#partitions.get(key);
    if (!partition) {
      partition = new Partition(this.#budget, this.#shared ? () => this.tx : undefined, key, this.#evicted);
      this.#partitions.set(key, partition);
    }
    return partition;
  }

  partitions(): IterableIterator<[string, Partition]> {
    return this.#partitions.entries();
  }

  /** Give everything back to the shared budgets, so a reset or evicted session's data is not kept alive by them. */
  release(): void {
    for (const partition of this.#partitions.values()) partition.release();
  }

  /** Empty the session in place (a shared store reloading it): its data, and its fake-data stream from the seed. */
  clear(): void {
    this.release();
    this.#partitions.clear();
    this.data.restore(this.#initial);
  }

  readonly #initial: number[] = [];
}

export const DEFAULT_SESSION = 'default';
/** At most this many live sessions; the least recently created is dropped beyond it (invented bound). */
export const MAX_SESSIONS = 1000;

export class Store {
  readonly seed: number;
  /** Shared through Redis (mock/redis/): changes are tracked per request and transition events wait for the commit. */
  readonly shared: boolean;
  /**
   * Told when the budgets drop an entry of a session, or the session itself goes (a shared store then reads that
   * session whole again).
   */
  onEvicted: ((session: string) => void) | undefined;
  readonly #sessions = new Map<string, Session>();
  readonly #listeners = new Set<TransitionListener>();
  /** Orders with scheduled changes still to come, and the session they live in. */
  readonly #scheduled = new Map<Order, Session>();

  readonly budget: StoreBudget;

  constructor(
    seed: number,
    limits: Partial<typeof STORE_LIMITS> = {},
    options: { shared?: boolean; byteLimits?: Partial<typeof STORE_BYTE_LIMITS> } = {},
  ) {
    this.seed = seed;
    this.shared = options.shared ?? false;
    const l = { ...STORE_LIMITS, ...limits };
    this.budget = {
      orders: new Ledger(l.orders, options.byteLimits?.orders ?? STORE_BYTE_LIMITS.orders),
      idempotencyKeys: new Ledger(
        l.idempotencyKeys,
        options.byteLimits?.idempotencyKeys ?? STORE_BYTE_LIMITS.idempotencyKeys,
      ),
      cards: new Ledger(l.cards),
    };
  }

  session(name: string = DEFAULT_SESSION): Session {
    let session = this.#sessions.get(name);
    if (session) {
      // Least recently used goes first: re-inserting marks this session as just used, so a burst of new
      // session names evicts idle sessions, never the ones in use.
      this.#sessions.delete(name);
    } else {
      evictOldest(this.#sessions, MAX_SESSIONS, (evicted) => {
        evicted.release();
        this.onEvicted?.(evicted.name);
      });
      session = new Session(name, this.seed, this.budget, this.shared, () => this.onEvicted?.(name));
    }
    this.#sessions.set(name, session);
    return session;
  }

  /** The session if this process has it, without creating or reordering it. */
  peek(name: string): Session | undefined {
    return this.#sessions.get(name);
  }

  sessionNames(): string[] {
    return [...this.#sessions.keys()];
  }

  /** Forget everything of one session (orders, cards, keys); its fake-data stream restarts from the seed. */
  reset(name: string = DEFAULT_SESSION): void {
    this.#sessions.get(name)?.release();
    this.#sessions.delete(name);
    this.onEvicted?.(name);
  }

  resetAll(): void {
    for (const session of this.#sessions.values()) {
      session.release();
      this.onEvicted?.(session.name);
    }
    this.#sessions.clear();
  }

  onTransition(listener: TransitionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Apply a named transition and tell the listeners (webhooks, journal). */
  apply(order: Order, name: TransitionName, at: number): void {
    const tx = this.shared ? this.#sessions.get(order.session)?.tx : undefined;
    transition(order, name, at, (o, n, change) => {
      // Shared: nothing outside the store may learn of a change that the commit could still refuse.
      if (tx) tx.transitions.push([structuredClone(o), n, change]);
      else for (const listener of this.#listeners) listener(o, n, change);
    });
    tx?.orders.add(order);
    // Statuses only move forward, so a scheduled change that cannot apply now never will (e.g. the auto-void of a
    // captured order): drop it, and the order from the schedule index once nothing is left.
    order.schedule = order.schedule.filter((due) => canTransition(order, FATE_STEPS[due.fate].transition));
    if (order.schedule.length === 0) this.#scheduled.delete(order);
  }

  /** Add a scheduled change to an order (kept sorted), so settleDue() will find it. */
  schedule(session: Session, order: Order, at: number, fate: Order['schedule'][number]['fate']): void {
    order.schedule.push({ at, fate });
    order.schedule.sort((a, b) => a.at - b.at);
    this.#scheduled.set(order, session);
    session.tx?.orders.add(order);
  }

  /** Drop a session's orders from the schedule index (a shared store is about to reload the session). */
  forgetScheduled(session: Session): void {
    for (const [order, owner] of this.#scheduled) if (owner === session) this.#scheduled.delete(order);
  }

  /** Tell the transition listeners about changes a shared store has committed (held back by apply() until then). */
  emitTransitions(events: readonly [Order, TransitionName, StatusChange][]): void {
    for (const [order, name, change] of events) {
      for (const listener of this.#listeners) listener(order, name, change);
    }
  }

  /** Index (or drop from the index) an order a shared store loaded, so settleDue() sees its scheduled changes. */
  indexSchedule(session: Session, order: Order): void {
    if (order.schedule.length > 0) this.#scheduled.set(order, session);
    else this.#scheduled.delete(order);
  }

  /**
   * Settle one session's due changes and return its earliest change still to come (null: none), what a shared
   * store's due index keeps.
   */
  settleSession(session: Session, now: number): number | null {
    let earliest: number | null = null;
    for (const [order, owner] of this.#scheduled) {
      if (owner !== session) continue;
      this.settle(order, now);
      if (order.schedule.length === 0) this.#scheduled.delete(order);
      const at = order.schedule[0]?.at;
      if (at !== undefined && (earliest === null || at < earliest)) earliest = at;
    }
    return earliest;
  }

  /**
   * Settle every order whose scheduled change is due at `now`, in every live session — what makes webhooks fire when
   * the clock moves, without anyone reading the order. Orders of reset sessions are dropped.
   */
  settleDue(now: number): void {
    for (const [order, session] of this.#scheduled) {
      if (this.#sessions.get(session.name) !== session) {
        this.#scheduled.delete(order);
        continue;
      }
      this.settle(order, now);
      if (order.schedule.length === 0) this.#scheduled.delete(order);
    }
  }

  /**
   * Run the order's scheduled changes that are due at `now` (fates from the outcome table, MIT pick-up, capture
   * auto-void). Called before any read or action on the order, so time-driven changes need no background timer.
   */
  settle(order: Order, now: number): void {
    // Only orders in the schedule index have changes to come; asking the index first spares a list call that walks
    // 20,000 orders from touching 20,000 schedule arrays.
    if (!this.#scheduled.has(order)) return;
    while (order.schedule.length > 0 && (order.schedule[0]?.at ?? Infinity) <= now) {
      const due = order.schedule.shift();
      if (!due) break;
      this.#runFate(order, due.fate, due.at);
    }
  }

  #runFate(order: Order, fate: Order['schedule'][number]['fate'], at: number): void {
    const step = FATE_STEPS[fate];
    if (!canTransition(order, step.transition)) return;
    if (step.prepare?.(order, at) === false) return;
    this.apply(order, step.transition, at);
  }
}

/**
 * What each scheduled fate does: the transition it asks for and any money it moves first. A fate whose transition
 * is no longer allowed (the merchant cancelled, the order was captured) is dropped.
 */
const FATE_STEPS: Record<
  Order['schedule'][number]['fate'],
  { transition: TransitionName; prepare?: (order: Order, at: number) => boolean | undefined }
> = {
  pickUp: { transition: 'pickUp' },
  complete: { transition: 'complete', prepare: settleAmount },
  challengePass: { transition: 'passChallenge', prepare: settleAmount },
  challengeFail: { transition: 'failChallenge' },
  expire: { transition: 'expire' },
  cancel: { transition: 'cancelByFlexFactor' },
  autoVoid: { transition: 'autoVoid' },
  refund: {
    transition: 'refundFully',
    prepare: (order, at) => {
      const amount = refundable(order);
      if (amount === 0) return false;
      order.refunds.push({
        id: `refund-${order.refunds.length + 1}`,
        amount,
        message: 'Refunded by FlexFactor',
        transactionId: null,
        createdOn: new Date(at).toISOString(),
      });
      order.refundedAmount += amount;
      return true;
    },
  },
  chargeback: {
    transition: 'receiveChargeback',
    prepare: (order) => {
      order.chargeback = true;
      return true;
    },
  },
};

/** An approved rescue settles the full amount. */
function settleAmount(order: Order): boolean {
  order.capturedAmount = order.amount;
  return true;
}

/** Estimated heap bytes of an order: the strings it took from the request, twice each (one- or two-byte), and more. */
/** Estimated heap bytes of an idempotency record: the key is held three times (map key, record, the kept response). */
export function keyBytes(record: IdempotencyRecord): number {
  return KEY_OVERHEAD + record.key.length * 6;
}

export function orderBytes(order: Order): number {
  let chars = order.externalOrderId.length + (order.correlationId?.length ?? 0);
  for (const text of [order.firstName, order.lastName, order.email, order.phone]) chars += text?.length ?? 0;
  for (const address of [order.billingAddress, order.shippingAddress]) {
    if (!address) continue;
    for (const key in address) {
      const value = (address as unknown as Record<string, unknown>)[key];
      if (typeof value === 'string') chars += value.length;
    }
  }
  return ORDER_OVERHEAD + chars * 2;
}
