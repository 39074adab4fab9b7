// One merchant's share of a test session: its orders (and their merchant orderIds), vaulted cards and idempotency
// records, each admitted into the store's shared budgets. With a shared store (mock/redis/), what a request touches
// is reported to the session's open transaction, to be written back in one commit.

import {
  ChurnIndex,
  KEPT_STRINGS,
  LEDGER_SLOT,
  type Ledger,
  type LedgerOwner,
  type Slotted,
  valueBytes,
} from '../support/bounded.js';
import { fingerprint } from '../support/fingerprint.js';
import { replayableHeaders } from '../support/header-value.js';
import { cardSafeId } from '../support/redact.js';
import {
  type Address,
  none,
  type Order,
  type StatusChange,
  shareOrderStrings,
  type TransitionName,
} from './order-states.js';
import type { TestCardName } from './outcomes.js';
import type { PartnerRecord } from './partner-store.js';

/** A vaulted card: only what survives tokenization. The PAN and CVV are never stored. */
export interface VaultedCard extends Slotted {
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

/**
 * A claimed idempotency key and, once its first request succeeded, the response kept for replays. The response's parts
 * are fields of the record rather than an object of their own: 20,000 keys are kept for a day.
 */
export interface IdempotencyRecord extends Slotted {
  scope: string;
  key: string;
  fingerprint: string;
  at: number;
  /** The kept response's status; 0 while the first request is still being handled. */
  status: number;
  body: unknown;
  headers: Record<string, string> | undefined;
}

/**
 * Idempotency keys kept per order in the count budget. An order takes up to three (evaluate, capture, cancel); with
 * fewer, its keys would be forgotten before it, and a retry after both were gone would silently make a second order.
 * With this many the keys outlive their order, and such a retry replays (the byte budget below may still bind first).
 */
export const KEYS_PER_ORDER = 3;
/**
 * Bounds that keep memory flat in long runs, across all sessions and merchants together: beyond them the oldest
 * entries are forgotten (invented; an order is about 2 KB). Override with createApp({ maxOrders }).
 */
export const STORE_LIMITS = { ...storeLimits(20_000), partner: 30_000 };

/** The count budgets for a number of orders: as many cards, and KEYS_PER_ORDER times as many idempotency keys. */
export function storeLimits(orders: number): { orders: number; idempotencyKeys: number; cards: number } {
  return { orders, idempotencyKeys: orders * KEYS_PER_ORDER, cards: orders };
}
/**
 * Byte budgets besides the counts: an order's strings come from the request (names, addresses, ids), and a partner
 * record (API key, onboarding application, document) keeps its request fields whole, so without one a client sending
 * long strings could make 20,000 orders, or 30,000 partner records, take gigabytes. Estimated from the strings each
 * entry keeps.
 */
export const STORE_BYTE_LIMITS = {
  orders: 48 * 1024 * 1024,
  idempotencyKeys: 16 * 1024 * 1024,
  partner: 16 * 1024 * 1024,
};
/** What an order costs besides the strings a client gave it (its objects, ids, history and schedule). */
const ORDER_OVERHEAD = 2048;
/** What a refund costs besides its message and transactionId (the object, its id and time, its slot). */
const REFUND_OVERHEAD = 256;
/** What an idempotency record costs besides its key and kept response (the record, its fingerprint, two index slots). */
const KEY_OVERHEAD = 256;

/** The shared budgets of one store. */
export interface StoreBudget {
  orders: Ledger<Order>;
  idempotencyKeys: Ledger<IdempotencyRecord>;
  cards: Ledger<VaultedCard>;
  /** Partner records of every session (mock/domain/partner-store.ts). */
  partner: Ledger<PartnerRecord>;
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

/** An index that reports every order it hands out to the session's open transaction (shared stores only). */
class TrackedOrders extends ChurnIndex<string, Order> {
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
  readonly orders: ChurnIndex<string, Order>;
  // These indexes keep up to a budget's worth of entries under constant churn: ChurnIndex keeps their tables at their
  // live size.
  /** merchant orderId → FlexFactor order id */
  readonly byExternalId = new ChurnIndex<string, string>();
  readonly cards = new ChurnIndex<string, VaultedCard>();
  /** scope (operation) → idempotency key → record */
  readonly #idempotency = new Map<string, ChurnIndex<string, IdempotencyRecord>>();
  // What the shared budgets call to forget an entry of this partition.
  readonly #orderOwner: LedgerOwner<Order> = {
    evict: (order) => {
      this.#evicted();
      this.orders.delete(order.id);
      if (this.byExternalId.get(order.externalOrderId) === order.id)
        this.byExternalId.delete(order.externalOrderId);
      // A forgotten order has no future: nothing of it may stay reachable from the store's schedule.
      order.schedule = none();
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
    this.orders = tx ? new TrackedOrders(tx) : new ChurnIndex();
  }

  addOrder(order: Order): void {
    shareOrderStrings(order);
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
    order.schedule = none();
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
      keys = new ChurnIndex();
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
    // Orders keep a merchant orderId holding card data as its card-safe form (evaluate), so it is looked up so too.
    const id = this.byExternalId.get(cardSafeId(externalOrderId));
    return id === undefined ? undefined : this.orders.get(id);
  }

  addCard(card: VaultedCard): void {
    // A suite vaults the same few test cards again and again: their digits and brand are held once.
    card.firstSix = KEPT_STRINGS.share(card.firstSix);
    card.lastFour = KEPT_STRINGS.share(card.lastFour);
    card.brand = KEPT_STRINGS.share(card.brand);
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
      keys = new ChurnIndex();
      this.#idempotency.set(scope, keys);
    }
    const print = fingerprint(body);
    const existing = keys.get(key);
    if (existing && now - existing.at < IDEMPOTENCY_WINDOW_MS) {
      if (existing.fingerprint !== print) return { kind: 'conflict' };
      if (!(existing.status > 0)) return { kind: 'in-progress' };
      const { status, body, headers } = existing;
      return {
        kind: 'replay',
        response: headers === undefined ? { status, body } : { status, body, headers },
      };
    }
    const record: IdempotencyRecord = {
      scope,
      key,
      fingerprint: print,
      at: now,
      status: 0,
      body: undefined,
      headers: undefined,
      [LEDGER_SLOT]: -1,
    };
    keys.set(key, record);
    this.#tx()?.keys.set(record, this.mid);
    // The key is held twice (map key and record) and the response kept later may echo it: three copies, two bytes each.
    this.#budget.idempotencyKeys.admit(record, this.#keyOwner, keyBytes(record));
    return { kind: 'new' };
  }

  /**
   * Give this partition's entries back to the shared budgets and let go of them (the partition is being dropped with
   * its session). Emptied too: a budget's queue may still hold this partition's owner objects until it compacts, and
   * they must not keep the dropped data reachable.
   */
  release(): void {
    for (const order of this.orders.values()) this.#budget.orders.forget(order);
    for (const card of this.cards.values()) this.#budget.cards.forget(card);
    for (const keys of this.#idempotency.values()) {
      for (const record of keys.values()) this.#budget.idempotencyKeys.forget(record);
    }
    this.orders.clear();
    this.byExternalId.clear();
    this.cards.clear();
    this.#idempotency.clear();
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
      record.status = response.status;
      record.body = response.body;
      // What a replay sends again with a message of its own: never the first message's framing.
      record.headers = response.headers && replayableHeaders(response.headers, 'make-safe');
      // The kept response is what makes a record large: count it now (resize leaves an evicted record alone).
      this.#budget.idempotencyKeys.resize(record, keyBytes(record));
      tx?.keys.set(record, this.mid);
    }
  }
}

/**
 * Estimated heap bytes of an idempotency record: its key (one string, held by the index and the record, at two bytes a
 * character and as much again for a response that echoes it) and the response it keeps for replays, body and headers.
 */
export function keyBytes(record: IdempotencyRecord): number {
  let bytes = KEY_OVERHEAD + record.key.length * 4;
  if (record.body !== undefined) bytes += valueBytes(record.body);
  if (record.headers !== undefined) bytes += valueBytes(record.headers);
  return bytes;
}

/**
 * Estimated heap bytes of an order: every string it took from a request, two bytes a character (one- or two-byte),
 * its refunds, and a fixed overhead for the rest (its id, history and schedule are the mock's own and bounded).
 */
export function orderBytes(order: Order): number {
  let chars =
    order.mid.length +
    order.externalOrderId.length +
    (order.correlationId?.length ?? 0) +
    order.referenceNumber.length +
    order.currencyCode.length +
    (order.firstName?.length ?? 0) +
    (order.lastName?.length ?? 0) +
    (order.email?.length ?? 0) +
    (order.phone?.length ?? 0) +
    addressChars(order.billingAddress) +
    addressChars(order.shippingAddress);
  let bytes = ORDER_OVERHEAD;
  for (const refund of order.refunds) {
    bytes += REFUND_OVERHEAD;
    chars += (refund.message?.length ?? 0) + (refund.transactionId?.length ?? 0);
  }
  return bytes + chars * 2;
}

function addressChars(address: Address | null): number {
  if (!address) return 0;
  return (
    (address.addressLine1?.length ?? 0) +
    (address.addressLine2?.length ?? 0) +
    (address.city?.length ?? 0) +
    (address.state?.length ?? 0) +
    (address.zipCode?.length ?? 0) +
    (address.country?.length ?? 0) +
    (address.countryCode?.length ?? 0)
  );
}
