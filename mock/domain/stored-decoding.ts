// Entities read back from a shared store (mock/redis/), where another process, another version of the mock or a hand
// edit may have written them. What the state machine, the clock, the views and replays compute with must decode, or
// the entity is refused with the reason; the parts that are only shown or listed lose what does not decode.

import { jsonLimitErrors } from '../contract/json-limits.js';
import { LEDGER_SLOT } from '../support/bounded.js';
import { replayableHeaders } from '../support/header-value.js';
import { isInstant } from './dates.js';
import { address } from './evaluate.js';
import { isOrderReason, none, ORDER_STATUS, type Order, type OrderRefund } from './order-states.js';
import { type EvaluateStatus, FATE_KINDS, TEST_CARD_DETAILS, type TestCardName } from './outcomes.js';
import type { IdempotencyRecord, VaultedCard } from './partition.js';

type Fields = Record<string, unknown>;

const STATUSES: ReadonlySet<unknown> = new Set(Object.values(ORDER_STATUS));
const EVALUATE_STATUSES: Record<EvaluateStatus, true> = {
  APPROVED: true,
  DECLINED: true,
  CHALLENGE: true,
  SUBMITTED: true,
  CAPTUREREQUIRED: true,
};
const SCHEDULED: ReadonlySet<unknown> = new Set<Order['schedule'][number]['fate']>([
  ...FATE_KINDS,
  'pickUp',
  'autoVoid',
]);
const TEXTS = ['session', 'mid', 'externalOrderId', 'referenceNumber', 'currencyCode'] as const;
const AMOUNTS = ['amount', 'capturedAmount', 'refundedAmount'] as const;
const FLAGS = ['isMIT', 'isRecurring', 'chargeback'] as const;

/**
 * The statuses the mock keeps for a key: 0 while its first request is in flight, then its answer's. Every handler
 * that keeps answers (evaluate, capture, cancel) answers 200 when its action succeeds, and a failed action releases
 * the key instead of keeping an answer.
 */
const KEPT_STATUS = 200;
/**
 * The bytes of JSON a replay of a kept body may write. The mock's own answers are a few hundred bytes, but evaluate's
 * echoes the request's senseKey, so one can be as large as a request body: 1 MiB, the default --body-limit. A body of
 * tens of MiB made each concurrent replay build a copy and its JSON text, until the heap ran out.
 */
export const MAX_KEPT_BODY_BYTES = 1024 * 1024;
/**
 * Headers a kept answer may carry: the mock keeps none today, and the headers it writes itself are its x-mock-*
 * ones. Any other (Set-Cookie, Location, WWW-Authenticate, caching) would change what the client does, and
 * Content-Type is written by the reply itself.
 */
const KEPT_HEADER_PREFIX = 'x-mock-';
/**
 * At most this many kept headers, of at most MAX_KEPT_HEADER_BYTES together (name, value, ": " and CRLF each).
 * Clients refuse an answer whose head is larger than 16 KiB (undici); a replay adds its own headers to the kept ones,
 * x-mock-warning alone up to 4 KiB, so 8 KiB leaves room for both.
 */
export const MAX_KEPT_HEADERS = 32;
export const MAX_KEPT_HEADER_BYTES = 8 * 1024;

const isFields = (value: unknown): value is Fields =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/** The order a shared store holds under `id`, or why it is not one (a sentence for the log). */
export function decodeOrder(value: unknown, id: string): Order | string {
  if (!isFields(value)) return 'it is not a JSON object';
  if (value.id !== id) return 'its id is not the one it is stored under';
  for (const key of TEXTS) if (typeof value[key] !== 'string') return `${key} is not a string`;
  for (const key of AMOUNTS) if (!Number.isFinite(value[key])) return `${key} is not a number`;
  for (const key of FLAGS) if (typeof value[key] !== 'boolean') return `${key} is not true or false`;
  if (!STATUSES.has(value.status)) return 'status is not an order status';
  if (!isOrderReason(value.reason)) return 'reason is not a reason the mock writes';
  if (typeof value.evaluateStatus !== 'string' || !Object.hasOwn(EVALUATE_STATUSES, value.evaluateStatus))
    return 'evaluateStatus is not an evaluate answer';
  if (value.transactionType !== 'PURCHASE' && value.transactionType !== 'AUTHORIZATION')
    return 'transactionType is neither PURCHASE nor AUTHORIZATION';
  if (!isInstant(value.createdOn)) return 'createdOn is not a time a date can hold';
  if (value.expiryDate !== null && !isInstant(value.expiryDate))
    return 'expiryDate is not a time a date can hold';
  const card = isFields(value.card) ? value.card : {};
  return {
    id,
    session: value.session as string,
    mid: value.mid as string,
    externalOrderId: value.externalOrderId as string,
    correlationId: text(value.correlationId),
    referenceNumber: value.referenceNumber as string,
    status: value.status as Order['status'],
    reason: value.reason as Order['reason'],
    evaluateStatus: value.evaluateStatus as EvaluateStatus,
    createdOn: value.createdOn,
    expiryDate: value.expiryDate,
    isMIT: value.isMIT as boolean,
    isRecurring: value.isRecurring as boolean,
    transactionType: value.transactionType,
    amount: value.amount as number,
    currencyCode: value.currencyCode as string,
    capturedAmount: value.capturedAmount as number,
    refundedAmount: value.refundedAmount as number,
    billingAddress: address(isFields(value.billingAddress) ? value.billingAddress : {}),
    shippingAddress: isFields(value.shippingAddress) ? address(value.shippingAddress) : null,
    firstName: text(value.firstName),
    lastName: text(value.lastName),
    email: text(value.email),
    phone: text(value.phone),
    card: {
      bin: text(card.bin),
      last4: text(card.last4),
      brand: text(card.brand),
      tokenized: card.tokenized === true,
    },
    confirmationId: text(value.confirmationId),
    chargeback: value.chargeback as boolean,
    // Pairs that do not decode are skipped where the history is read (statusHistory, lastUpdated).
    history: Array.isArray(value.history) ? value.history : none(),
    refunds: refunds(value.refunds),
    schedule: schedule(value.schedule),
    // Declared here, as evaluate declares it, so admission into the budget stores the slot in the object itself.
    [LEDGER_SLOT]: -1,
  };
}

/** The vaulted card a shared store holds under `token`, or why it is not one. */
export function decodeCard(value: unknown, token: string): VaultedCard | string {
  if (!isFields(value)) return 'it is not a JSON object';
  if (value.token !== token) return 'its token is not the one it is stored under';
  if (typeof value.testCard !== 'string' || !Object.hasOwn(TEST_CARD_DETAILS, value.testCard))
    return 'testCard is not a test card the mock knows';
  for (const key of ['firstSix', 'lastFour', 'brand'] as const)
    if (typeof value[key] !== 'string') return `${key} is not a string`;
  if (!Number.isInteger(value.month) || !Number.isInteger(value.year))
    return 'month or year is not a whole number';
  if (!isInstant(value.createdOn)) return 'createdOn is not a time a date can hold';
  return {
    token,
    testCard: value.testCard as TestCardName,
    firstSix: value.firstSix as string,
    lastFour: value.lastFour as string,
    brand: value.brand as string,
    month: value.month as number,
    year: value.year as number,
    createdOn: value.createdOn,
    [LEDGER_SLOT]: -1,
  };
}

/** An idempotency record as a shared store holds it, or why it is not one. */
export function decodeIdempotencyRecord(value: unknown): IdempotencyRecord | string {
  if (!isFields(value)) return 'it is not a JSON object';
  for (const key of ['scope', 'key', 'fingerprint'] as const)
    if (typeof value[key] !== 'string') return `${key} is not a string`;
  if (!isInstant(value.at)) return 'at is not a time a date can hold';
  // 0 while the first request is in flight, which keeps no answer yet; else the status of the answer kept.
  const status = value.status;
  if (status !== 0 && status !== KEPT_STATUS) return `status is neither 0 (in flight) nor ${KEPT_STATUS}`;
  if (status === 0) {
    if (value.body !== undefined) return 'a key still in flight keeps a body';
  } else {
    if (!isFields(value.body)) return 'body is not a JSON object';
    // Replays, the journal and redaction walk the kept body recursively: held to the limits of a request's body (the
    // mock keeps a few dozen values, a few levels deep), as JSON.parse reads any depth. Measured after that walk,
    // which bounds the depth JSON.stringify recurses to.
    const limits = jsonLimitErrors(value.body);
    if (limits !== null)
      return `body is beyond the JSON limits of a request: ${Object.values(limits)[0]?.[0]}`;
    if (Buffer.byteLength(JSON.stringify(value.body)) > MAX_KEPT_BODY_BYTES)
      return `body is more than ${MAX_KEPT_BODY_BYTES} bytes of JSON`;
  }
  let headers: Record<string, string> | undefined;
  if (value.headers !== undefined && value.headers !== null) {
    if (!isFields(value.headers)) return 'headers is not an object';
    const names = Object.keys(value.headers);
    if (names.length > MAX_KEPT_HEADERS) return `headers has more than ${MAX_KEPT_HEADERS} names`;
    let bytes = 0;
    const allowed: Fields = {};
    for (const name of names) {
      const header = value.headers[name];
      bytes += name.length + 4 + (typeof header === 'string' ? header.length : 0);
      if (name.toLowerCase().startsWith(KEPT_HEADER_PREFIX)) allowed[name] = header;
    }
    if (bytes > MAX_KEPT_HEADER_BYTES) return `headers are more than ${MAX_KEPT_HEADER_BYTES} bytes`;
    // A name that is not an HTTP token or a value with CR/LF would make the replay's write throw or split a header;
    // framing headers would describe another message than the replay.
    headers = replayableHeaders(allowed, 'drop');
  }
  return {
    scope: value.scope as string,
    key: value.key as string,
    fingerprint: value.fingerprint as string,
    at: value.at,
    status: value.status as number,
    body: value.body,
    headers,
    [LEDGER_SLOT]: -1,
  };
}

function refunds(value: unknown): OrderRefund[] {
  if (!Array.isArray(value)) return none();
  const kept: OrderRefund[] = [];
  for (const refund of value) {
    if (!isFields(refund) || typeof refund.id !== 'string' || !Number.isFinite(refund.amount)) continue;
    if (typeof refund.createdOn !== 'string') continue;
    kept.push({
      id: refund.id,
      amount: refund.amount as number,
      message: text(refund.message),
      transactionId: text(refund.transactionId),
      createdOn: refund.createdOn,
    });
  }
  return kept.length === 0 ? none() : kept;
}

function schedule(value: unknown): Order['schedule'] {
  if (!Array.isArray(value)) return none();
  const kept: Order['schedule'] = [];
  for (const due of value) {
    if (isFields(due) && isInstant(due.at) && SCHEDULED.has(due.fate))
      kept.push({ at: due.at, fate: due.fate as Order['schedule'][number]['fate'] });
  }
  return kept.length === 0 ? none() : kept.sort((a, b) => a.at - b.at);
}
