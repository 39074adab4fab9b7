// In-memory state, partitioned by test session and merchant: orders, vaulted cards and idempotency records.
// Two sessions (or two merchants) never see each other's data; resetting one session leaves the others alone.
// One merchant's share of a session is a Partition (partition.ts); the Store holds the sessions, the shared
// budgets, the transition listeners and the schedule of time-driven changes.

import { evictOldest, Ledger } from '../support/bounded.js';
import { DataSource } from './fake-data.js';
import type { Order, StatusChange, TransitionListener, TransitionName } from './order-states.js';
import { appended, canTransition, none, refundable, transition } from './order-states.js';
import type { SessionTx, StoreBudget } from './partition.js';
import { orderBytes, Partition, STORE_BYTE_LIMITS, STORE_LIMITS } from './partition.js';
import { PartnerState } from './partner-store.js';

export {
  IDEMPOTENCY_WINDOW_MS,
  type IdempotencyRecord,
  keyBytes,
  orderBytes,
  Partition,
  type SessionTx,
  STORE_BYTE_LIMITS,
  STORE_LIMITS,
  type StoreBudget,
  type StoredResponse,
  storeLimits,
  type VaultedCard,
} from './partition.js';

const noop = (): void => undefined;

export class Session {
  readonly name: string;
  readonly data: DataSource;
  readonly #partitions = new Map<string, Partition>();
  readonly #budget: StoreBudget;
  readonly #shared: boolean;
  readonly #evicted: () => void;
  #partner: PartnerState | undefined;
  /** The request changing this session, when the store is shared; null between requests. */
  tx: SessionTx | null = null;

  constructor(name: string, seed: number, budget: StoreBudget, shared = false, evicted: () => void = noop) {
    this.name = name;
    this.data = new DataSource(seed, name, { randomTraces: shared });
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

  /** The session's partner data (API keys, onboarding applications, documents), made on first use. */
  partner(): PartnerState {
    this.#partner ??= new PartnerState(this.#budget.partner, this.#evicted);
    return this.#partner;
  }

  /** The session's partner data if it has any, without making it. */
  existingPartner(): PartnerState | undefined {
    return this.#partner;
  }

  /** Give everything back to the shared budgets, so a reset or evicted session's data is not kept alive by them. */
  release(): void {
    for (const partition of this.#partitions.values()) partition.release();
    this.#partner?.release();
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
  readonly #dropListeners = new Set<(session: string) => void>();
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
      partner: new Ledger(l.partner, options.byteLimits?.partner ?? STORE_BYTE_LIMITS.partner),
    };
  }

  session(name: string = DEFAULT_SESSION): Session {
    let session = this.#sessions.get(name);
    if (session) {
      // Least recently used goes first: re-inserting marks this session as just used, so a burst of new
      // session names evicts idle sessions, never the ones in use.
      this.#sessions.delete(name);
    } else {
      evictOldest(this.#sessions, MAX_SESSIONS, (evicted) => this.#dropped(evicted.name, evicted));
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
    const session = this.#sessions.get(name);
    this.#sessions.delete(name);
    this.#dropped(name, session);
  }

  resetAll(): void {
    const sessions = [...this.#sessions.values()];
    this.#sessions.clear();
    for (const session of sessions) this.#dropped(session.name, session);
  }

  /**
   * Tell `listener` the name of every session this store forgets (reset, or evicted beyond MAX_SESSIONS), so state
   * kept outside the store for a session (webhook faults) lives and dies with it. Returns the unsubscribe function.
   */
  onSessionDropped(listener: (session: string) => void): () => void {
    this.#dropListeners.add(listener);
    return () => this.#dropListeners.delete(listener);
  }

  #dropped(name: string, session: Session | undefined): void {
    session?.release();
    this.onEvicted?.(name);
    for (const listener of this.#dropListeners) listener(name);
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
    // A refund is the one change that grows an order after its admission (its message and transactionId are the
    // client's): count it at its new size, so the orders' byte total stays true.
    if (name === 'refundPartially' || name === 'refundFully')
      this.budget.orders.resize(order, orderBytes(order));
    // Statuses only move forward, so a scheduled change that cannot apply now never will (e.g. the auto-void of a
    // captured order): drop it, and the order from the schedule index once nothing is left.
    if (order.schedule.length > 0) {
      const left = order.schedule.filter((due) => canTransition(order, FATE_STEPS[due.fate].transition));
      order.schedule = left.length === 0 ? none() : left;
    }
    if (order.schedule.length === 0) this.#scheduled.delete(order);
  }

  /** Add a scheduled change to an order (kept sorted), so settleDue() will find it. */
  schedule(session: Session, order: Order, at: number, fate: Order['schedule'][number]['fate']): void {
    order.schedule = appended(order.schedule, { at, fate }).sort((a, b) => a.at - b.at);
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
    for (const _ of this.settleDueSteps(now, Number.POSITIVE_INFINITY));
  }

  /**
   * settleDue() in steps: each step settles at most `limit` orders that had something due (and looks at no more than
   * 20 times as many), and ends early once `work()` (what settling made elsewhere, e.g. webhook deliveries) grew by
   * `workLimit`, so a caller can let the event loop run between steps. The index is read live: an order scheduled or
   * settled by someone else between steps is handled as settleDue() would.
   */
  *settleDueSteps(
    now: number,
    limit: number,
    work: () => number = () => 0,
    workLimit = Number.POSITIVE_INFINITY,
  ): Generator<void, void, void> {
    let settled = 0;
    let looked = 0;
    let workAtStart = work();
    for (const [order, session] of this.#scheduled) {
      if (settled >= limit || looked >= limit * 20 || work() - workAtStart >= workLimit) {
        yield;
        settled = 0;
        looked = 0;
        workAtStart = work();
      }
      looked += 1;
      if (this.#sessions.get(session.name) !== session) {
        this.#scheduled.delete(order);
        continue;
      }
      if ((order.schedule[0]?.at ?? Number.POSITIVE_INFINITY) <= now) settled += 1;
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
    if (order.schedule.length === 0) order.schedule = none();
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
      order.refunds = appended(order.refunds, {
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
