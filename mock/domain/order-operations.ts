// capture, refund and cancel over the store: each checks what the order's state allows (mock/domain/order-states.ts),
// changes the order and applies one named transition. The HTTP handlers find the order and shape the answer.

import { apiError } from '../errors/catalog.js';
import { redactText } from '../support/redact.js';
import { keptCurrency, type OrderDeps } from './evaluate.js';
import {
  appended,
  canTransition,
  ORDER_STATUS,
  type Order,
  refundable,
  STATUS_NAMES,
} from './order-states.js';
import type { Session } from './store.js';

/** A business failure the API answers with 200 and a code (invented 3001/3002; refund's 2001 is observed). */
export interface Refusal {
  ok: false;
  code: string;
  message: string;
}

export function captureOrder(
  deps: OrderDeps,
  order: Order,
  amount: number,
  currency: string,
): { ok: true } | Refusal {
  if (!canTransition(order, 'capture')) {
    return {
      ok: false,
      code: '3001',
      message: `Order is ${STATUS_NAMES[order.status]}; only a CAPTUREREQUIRED order can be captured.`,
    };
  }
  // The order keeps its currency redacted: the request's is compared in the same form, so a legitimate capture still
  // matches and a card number sent as a currency cannot be confirmed by trying captures against it.
  const kept = keptCurrency(currency);
  if (amount !== order.amount || kept !== order.currencyCode) {
    return {
      ok: false,
      code: '3002',
      message: `Capture ${redactText(String(amount))} ${kept} does not match the authorized ${order.amount} ${order.currencyCode}; partial and over-capture are not supported.`,
    };
  }
  order.capturedAmount = amount;
  deps.store.apply(order, 'capture', deps.clock.now());
  return { ok: true };
}

export interface RefundRequest {
  /** In dollars, as the API takes it. */
  dollars: number;
  message: string | null;
  /** The client's id for this refund: a repeat with the same one replays (invented key). */
  transactionId: string | null;
}

export function refundOrder(
  deps: OrderDeps,
  session: Session,
  order: Order,
  request: RefundRequest,
): { ok: true; refundId: string } | Refusal {
  const { dollars, transactionId } = request;
  // Below half a cent rounds to nothing: refuse it rather than record a zero refund.
  if (!(Math.round(dollars * 100) >= 1)) {
    throw apiError('400001', {
      errors: { AmountToRefund: ['The AmountToRefund field must be greater than 0 (dollars, e.g. 12.00).'] },
    });
  }
  const cents = Math.round(dollars * 100);
  // Refunds are idempotent per order (documented): a repeat carrying the same transactionId replays.
  const earlier = transactionId ? order.refunds.find((r) => r.transactionId === transactionId) : undefined;
  if (earlier) return { ok: true, refundId: earlier.id };

  const maximum = order.status === ORDER_STATUS.COMPLETED ? refundable(order) : 0;
  if (cents > maximum) {
    // The observed sandbox failure, wording (and its doubled parenthesis) included.
    return {
      ok: false,
      code: '2001',
      message: `Amount to refund (${redactText(dollars.toFixed(2))}) is greater than maximum refund amount in (${(maximum / 100).toFixed(2)}))`,
    };
  }
  const now = deps.clock.now();
  const refundId = session.data.uuid();
  // An exact-size copy: push() onto the empty list would reserve 17 slots in an order kept for hours.
  order.refunds = appended(order.refunds, {
    id: refundId,
    amount: cents,
    message: request.message,
    transactionId,
    createdOn: new Date(now).toISOString(),
  });
  order.refundedAmount += cents;
  deps.store.apply(order, refundable(order) === 0 ? 'refundFully' : 'refundPartially', now);
  return { ok: true, refundId };
}

/** Cancel (by id or by merchant orderId: the same order collapses into one cancellation). */
export function cancelOrder(deps: OrderDeps, order: Order): void {
  if (order.reason === 'cancelled-by-merchant') return;
  const name = order.isMIT ? 'cancelMit' : 'cancelCit';
  if (!canTransition(order, name)) {
    throw apiError('409003', {
      detail: `The order is ${STATUS_NAMES[order.status]}. MIT orders can be cancelled in DRAFT, PROCESSING or CAPTUREREQUIRED, CIT orders only in CAPTUREREQUIRED; a completed order must be refunded instead.`,
    });
  }
  deps.store.apply(order, name, deps.clock.now());
}
