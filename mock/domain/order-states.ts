// The order state machine: the documented numeric statuses and every transition between them, in one table.
// Handlers and the clock never set `order.status` themselves; they call `transition()`.

import { createHash } from 'node:crypto';
import { KEPT_STRINGS, RecordPool, type Slotted } from '../support/bounded.js';
import { isInstant } from './dates.js';
import type { EvaluateStatus, Fate } from './outcomes.js';

/** Documented numeric order statuses (GET /v1/orders). Names are upper case as observed for CAPTUREREQUIRED. */
export const ORDER_STATUS = {
  DRAFT: 0,
  ONHOLD: 1,
  CANCELLED: 2,
  PROBLEM: 3,
  PROCESSING: 4,
  CAPTUREREQUIRED: 5,
  RETURNED: 6,
  COMPLETED: 7,
} as const;

export type OrderStatusName = keyof typeof ORDER_STATUS;
export type OrderStatus = (typeof ORDER_STATUS)[OrderStatusName];

export const STATUS_NAMES: Record<OrderStatus, OrderStatusName> = Object.fromEntries(
  Object.entries(ORDER_STATUS).map(([name, code]) => [code, name]),
) as Record<OrderStatus, OrderStatusName>;

/** Why an order ended up where it is; drives /v1/outcome's vocabulary and the webhook event. */
const REASONS = [
  'approved',
  'declined',
  'submitted',
  'picked-up',
  'challenge',
  'challenge-passed',
  'challenge-failed',
  'authorized',
  'captured',
  'auto-voided',
  'expired',
  'cancelled-by-merchant',
  'cancelled-by-flexfactor',
  'partially-refunded',
  'refunded',
  'chargeback',
] as const;

export type OrderReason = (typeof REASONS)[number];

const REASON_INDEX = new Map<string, number>(REASONS.map((reason, index) => [reason, index]));

/** Whether a value is one of the reasons a transition records. */
export function isOrderReason(value: unknown): value is OrderReason {
  return typeof value === 'string' && REASON_INDEX.has(value);
}

export interface StatusChange {
  status: OrderStatus;
  statusName: OrderStatusName;
  at: string;
  reason: OrderReason;
}

export interface OrderRefund {
  id: string;
  amount: number;
  message: string | null;
  transactionId: string | null;
  createdOn: string;
}

export interface Address {
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  state: string | null;
  zipCode: string | null;
  country: string | null;
  countryCode: string | null;
}

/** An order as the store keeps it. Card data is reduced to BIN, last four and brand: the PAN is never kept. */
export interface Order extends Slotted {
  id: string;
  /** The test session the order lives in (x-mock-session). */
  session: string;
  mid: string;
  externalOrderId: string;
  correlationId: string | null;
  referenceNumber: string;
  status: OrderStatus;
  reason: OrderReason;
  evaluateStatus: EvaluateStatus;
  createdOn: number;
  expiryDate: number | null;
  isMIT: boolean;
  isRecurring: boolean;
  transactionType: 'PURCHASE' | 'AUTHORIZATION';
  amount: number;
  currencyCode: string;
  capturedAmount: number;
  refundedAmount: number;
  billingAddress: Address;
  shippingAddress: Address | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  card: { bin: string | null; last4: string | null; brand: string | null; tokenized: boolean };
  confirmationId: string | null;
  chargeback: boolean;
  /**
   * Every status change, oldest first, as two numbers each: its code (status and reason) and its time in epoch ms.
   * Read it with statusHistory(). Numbers only, because V8 keeps them unboxed, eight bytes each: an object and an ISO
   * string per change cost about 100 bytes more, at each of 20,000 orders a store keeps.
   */
  history: number[];
  refunds: OrderRefund[];
  /** Due changes driven by the clock (fates, pick-up, auto-void), earliest first. */
  schedule: { at: number; fate: Fate['kind'] | 'pickUp' | 'autoVoid' }[];
}

/**
 * Every transition: the statuses it may start from, where it goes, and why. `null` in `to` keeps the status
 * (a partial refund, a chargeback). This is the whole state machine.
 */
export const TRANSITIONS = {
  approve: { from: [], to: ORDER_STATUS.COMPLETED, reason: 'approved' },
  decline: { from: [], to: ORDER_STATUS.CANCELLED, reason: 'declined' },
  submit: { from: [], to: ORDER_STATUS.DRAFT, reason: 'submitted' },
  presentChallenge: { from: [], to: ORDER_STATUS.PROCESSING, reason: 'challenge' },
  requireCapture: { from: [], to: ORDER_STATUS.CAPTUREREQUIRED, reason: 'authorized' },
  pickUp: { from: [ORDER_STATUS.DRAFT], to: ORDER_STATUS.PROCESSING, reason: 'picked-up' },
  complete: {
    from: [ORDER_STATUS.DRAFT, ORDER_STATUS.PROCESSING, ORDER_STATUS.ONHOLD],
    to: ORDER_STATUS.COMPLETED,
    reason: 'approved',
  },
  passChallenge: { from: [ORDER_STATUS.PROCESSING], to: ORDER_STATUS.COMPLETED, reason: 'challenge-passed' },
  failChallenge: { from: [ORDER_STATUS.PROCESSING], to: ORDER_STATUS.CANCELLED, reason: 'challenge-failed' },
  expire: {
    from: [ORDER_STATUS.DRAFT, ORDER_STATUS.PROCESSING, ORDER_STATUS.ONHOLD],
    to: ORDER_STATUS.CANCELLED,
    reason: 'expired',
  },
  cancelByFlexFactor: {
    from: [ORDER_STATUS.DRAFT, ORDER_STATUS.PROCESSING, ORDER_STATUS.ONHOLD, ORDER_STATUS.CAPTUREREQUIRED],
    to: ORDER_STATUS.CANCELLED,
    reason: 'cancelled-by-flexfactor',
  },
  capture: { from: [ORDER_STATUS.CAPTUREREQUIRED], to: ORDER_STATUS.COMPLETED, reason: 'captured' },
  autoVoid: { from: [ORDER_STATUS.CAPTUREREQUIRED], to: ORDER_STATUS.CANCELLED, reason: 'auto-voided' },
  // Documented: MIT orders may be cancelled in Draft, Processing or CAPTUREREQUIRED; CIT orders only in CAPTUREREQUIRED.
  cancelMit: {
    from: [ORDER_STATUS.DRAFT, ORDER_STATUS.PROCESSING, ORDER_STATUS.CAPTUREREQUIRED],
    to: ORDER_STATUS.CANCELLED,
    reason: 'cancelled-by-merchant',
  },
  cancelCit: {
    from: [ORDER_STATUS.CAPTUREREQUIRED],
    to: ORDER_STATUS.CANCELLED,
    reason: 'cancelled-by-merchant',
  },
  refundPartially: { from: [ORDER_STATUS.COMPLETED], to: null, reason: 'partially-refunded' },
  refundFully: { from: [ORDER_STATUS.COMPLETED], to: ORDER_STATUS.RETURNED, reason: 'refunded' },
  receiveChargeback: {
    from: [ORDER_STATUS.COMPLETED, ORDER_STATUS.RETURNED],
    to: null,
    reason: 'chargeback',
  },
} as const satisfies Record<
  string,
  { from: readonly OrderStatus[]; to: OrderStatus | null; reason: OrderReason }
>;

export type TransitionName = keyof typeof TRANSITIONS;

export type TransitionListener = (order: Order, name: TransitionName, change: StatusChange) => void;

/** Whether `name` may be applied to `order` now. Initial transitions (empty `from`) apply only to a new order. */
export function canTransition(order: Order, name: TransitionName): boolean {
  const rule = TRANSITIONS[name];
  if (rule.from.length === 0) return order.history.length === 0;
  return (rule.from as readonly number[]).includes(order.status);
}

/** Statuses fit in this many codes: a change's code is its reason's index times this, plus its status. */
const STATUS_CODES = 8;

/**
 * The order's status changes, oldest first, decoded from its history: objects the caller owns. A pair that does not
 * decode (a shared store holding what another version wrote) is left out rather than answered as nonsense.
 */
export function statusHistory(order: Order): StatusChange[] {
  const history = order.history;
  const changes: StatusChange[] = [];
  for (let i = 0; i + 1 < history.length; i += 2) {
    const code = history[i];
    const at = history[i + 1];
    if (typeof code !== 'number' || !isInstant(at)) continue;
    const status = (code % STATUS_CODES) as OrderStatus;
    const reason = REASONS[Math.floor(code / STATUS_CODES)];
    const statusName = STATUS_NAMES[status];
    if (reason === undefined || statusName === undefined) continue;
    changes.push({ status, statusName, at: new Date(at).toISOString(), reason });
  }
  return changes;
}

/**
 * When the order last changed: its last status change (only a transition changes an order's state), or its creation.
 * Read from the history rather than kept beside it: a time field costs a boxed number at each order.
 */
export function lastUpdated(order: Order): number {
  const history = order.history;
  // The time of the last whole pair: a history of odd length (another version's data) ends in a code.
  const at = history[history.length - 1 - (history.length % 2)];
  return isInstant(at) ? at : order.createdOn;
}

/** Apply a transition; throws if the table does not allow it (callers check canTransition first). */
export function transition(
  order: Order,
  name: TransitionName,
  at: number,
  listener?: TransitionListener,
): StatusChange {
  if (!canTransition(order, name)) {
    throw new Error(`transition ${name} is not allowed from ${STATUS_NAMES[order.status]}`);
  }
  const rule = TRANSITIONS[name];
  if (rule.to !== null) order.status = rule.to;
  order.reason = rule.reason;
  const change: StatusChange = {
    status: order.status,
    statusName: STATUS_NAMES[order.status],
    at: new Date(at).toISOString(),
    reason: rule.reason,
  };
  order.history = withChange(
    order.history,
    (REASON_INDEX.get(rule.reason) as number) * STATUS_CODES + order.status,
    at,
  );
  listener?.(order, name, change);
  return change;
}

/**
 * Replace the order's request-given short strings (names, e-mail, address parts, currency, the card's BIN, last four
 * and brand) with pooled copies, and its addresses and card summary with pooled frozen records, so 20,000 orders from
 * one test fixture hold each of them once. Values are unchanged; the records are never written after this.
 */
export function shareOrderStrings(order: Order): void {
  const pool = KEPT_STRINGS;
  order.currencyCode = pool.share(order.currencyCode);
  order.firstName = pool.share(order.firstName);
  order.lastName = pool.share(order.lastName);
  order.email = pool.share(order.email);
  order.phone = pool.share(order.phone);
  order.billingAddress = sharedAddress(order.billingAddress);
  if (order.shippingAddress) order.shippingAddress = sharedAddress(order.shippingAddress);
  const card = order.card;
  // Orders built by hand (tests, a shared store's copies) may leave the card out; as for addresses, only the shape
  // evaluate builds is pooled.
  if (
    card &&
    Object.keys(card).length === 4 &&
    isText(card.bin) &&
    isText(card.last4) &&
    isText(card.brand) &&
    typeof card.tokenized === 'boolean'
  ) {
    const { bin, last4, brand, tokenized } = card;
    order.card = KEPT_CARDS.share(JSON.stringify([bin, last4, brand, tokenized]), {
      bin: pool.share(bin),
      last4: pool.share(last4),
      brand: pool.share(brand),
      tokenized,
    });
  }
}

const KEPT_ADDRESSES = new RecordPool<Address>();
const KEPT_CARDS = new RecordPool<Order['card']>();
const ADDRESS_FIELDS = [
  'addressLine1',
  'addressLine2',
  'city',
  'state',
  'zipCode',
  'country',
  'countryCode',
] as const satisfies readonly (keyof Address)[];

function isText(value: unknown): value is string | null {
  return value === null || typeof value === 'string';
}

function sharedAddress(address: Address): Address {
  // Only the shape evaluate builds (these seven fields, each a string or null) is pooled: an order built by hand keeps
  // its own address, whatever it holds. The key is JSON, so two different addresses never share one.
  if (
    !address ||
    Object.keys(address).length !== ADDRESS_FIELDS.length ||
    !ADDRESS_FIELDS.every((field) => isText(address[field]))
  )
    return address;
  const key = JSON.stringify(ADDRESS_FIELDS.map((field) => address[field]));
  const pool = KEPT_STRINGS;
  return KEPT_ADDRESSES.share(key, {
    addressLine1: pool.share(address.addressLine1),
    addressLine2: pool.share(address.addressLine2),
    city: pool.share(address.city),
    state: pool.share(address.state),
    zipCode: pool.share(address.zipCode),
    country: pool.share(address.country),
    countryCode: pool.share(address.countryCode),
  });
}

const NOTHING: readonly never[] = Object.freeze([]);

/**
 * The empty list an order starts with, one frozen array shared by every order: most orders never get a refund or a
 * scheduled change, and an empty array of their own costs 32 bytes each at 20,000 orders. Lists only ever grow by
 * appended() (a new array), so nothing writes to it.
 */
export function none<T>(): T[] {
  return NOTHING as unknown as T[];
}

/**
 * A copy of `list` with `items` at the end, its backing store exactly as long as its contents: push() would reserve 17
 * slots at the first growth (and half as many again at each later one), and an order keeps its few refunds, changes
 * and scheduled fates for as long as the store keeps it.
 */
export function appended<T>(list: readonly T[], ...items: T[]): T[] {
  const copy = new Array<T>(list.length + items.length);
  for (let i = 0; i < list.length; i++) copy[i] = list[i] as T;
  for (let i = 0; i < items.length; i++) copy[list.length + i] = items[i] as T;
  return copy;
}

/**
 * A history with one more change, copied as appended() copies, in code of its own: V8 remembers per `new Array` site,
 * and per store, what kinds of values the arrays there came to hold. appended() also builds refund and schedule
 * lists, so an array it makes (or fills) becomes one of pointers and holds each time as a boxed number: 16 bytes
 * more each, 40,000 numbers at a full budget. Here only numbers are ever stored, so a history stays a flat array of
 * doubles.
 */
function withChange(history: readonly number[], code: number, at: number): number[] {
  const next = new Array<number>(history.length + 2);
  next[history.length] = code;
  next[history.length + 1] = at;
  for (let i = 0; i < history.length; i++) next[i] = history[i] as number;
  return next;
}

/** Refundable amount in cents: what was captured (or approved) minus what was refunded. */
export function refundable(order: Order): number {
  return Math.max(0, order.capturedAmount - order.refundedAmount);
}

/**
 * The order's confirmation id, or for an order that has none (captured or cancelled orders) 8 upper-case hex
 * characters derived from the seed and the order, the same in every webhook and outcome of the order (invented).
 */
export function confirmationIdOf(order: Order, seed: number): string {
  if (order.confirmationId !== null) return order.confirmationId;
  return createHash('sha256')
    .update(`${seed}:${order.session}:${order.id}`)
    .digest('hex')
    .slice(0, 8)
    .toUpperCase();
}

/**
 * /v1/outcome's documented vocabulary for an order's current state: APPROVED, DECLINED, EXPIRED, CANCELLED, SUBMITTED,
 * NOTFOUND, and PROCESSING for MIT only. The mapping of the states the docs do not name is invented:
 * - CAPTUREREQUIRED → APPROVED: the rescue is authorized; capturing it is the merchant's next step.
 * - a CIT order still waiting (a CHALLENGE not yet answered) → SUBMITTED: "CIT only ever resolves to APPROVED or
 *   DECLINED", and PROCESSING is documented for MIT only.
 */
export function outcomeStatus(order: Order): OutcomeStatus {
  switch (order.status) {
    case ORDER_STATUS.COMPLETED:
    case ORDER_STATUS.RETURNED:
    case ORDER_STATUS.CAPTUREREQUIRED:
      return 'APPROVED';
    case ORDER_STATUS.DRAFT:
      return 'SUBMITTED';
    case ORDER_STATUS.PROCESSING:
    case ORDER_STATUS.ONHOLD:
    case ORDER_STATUS.PROBLEM:
      return order.isMIT ? 'PROCESSING' : 'SUBMITTED';
    case ORDER_STATUS.CANCELLED:
      if (order.reason === 'expired') return 'EXPIRED';
      if (order.reason === 'declined' || order.reason === 'challenge-failed') return 'DECLINED';
      return 'CANCELLED';
  }
}

export type OutcomeStatus = 'APPROVED' | 'DECLINED' | 'EXPIRED' | 'CANCELLED' | 'SUBMITTED' | 'PROCESSING';

const CURRENCY_SYMBOLS: Record<string, string> = {
  USD: '$',
  CAD: '$',
  AUD: '$',
  EUR: '€',
  GBP: '£',
  JPY: '¥',
};

/**
 * The GET /v1/orders/{id} representation: a copy the caller owns. The order's addresses and card summary are pooled
 * records other orders share, so a request hook that edits the reply must get copies of them.
 */
export function orderView(order: Order): Record<string, unknown> {
  return {
    id: order.id,
    correlationId: order.correlationId,
    referenceNumber: order.referenceNumber,
    mid: order.mid,
    externalOrderId: order.externalOrderId,
    status: order.status,
    statusName: STATUS_NAMES[order.status],
    evaluateStatus: order.evaluateStatus,
    orderPlacedDate: new Date(order.createdOn).toISOString(),
    createdOn: new Date(order.createdOn).toISOString(),
    lastUpdatedOn: new Date(lastUpdated(order)).toISOString(),
    expiryDate: order.expiryDate === null ? null : new Date(order.expiryDate).toISOString(),
    isMIT: order.isMIT,
    isRecurring: order.isRecurring,
    transactionType: order.transactionType,
    amount: order.amount,
    currencyCode: order.currencyCode,
    currencySymbol: CURRENCY_SYMBOLS[order.currencyCode] ?? order.currencyCode,
    capturedAmount: order.capturedAmount,
    refundedAmount: order.refundedAmount,
    refundableAmount: refundable(order),
    billingAddress: { ...order.billingAddress },
    shippingAddress: order.shippingAddress === null ? null : { ...order.shippingAddress },
    firstName: order.firstName,
    lastName: order.lastName,
    email: order.email,
    phone: order.phone,
    secondaryEmail: '',
    card: order.card ? { ...order.card } : order.card,
    confirmationId: order.confirmationId,
    chargeback: order.chargeback,
    statusHistory: statusHistory(order),
    refunds: order.refunds.map(({ id, amount, message, createdOn }) => ({ id, amount, message, createdOn })),
  };
}
