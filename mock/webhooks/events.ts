// Which webhook events each order transition emits, and the PascalCase payload FlexFactor sends (fact sheet §3).
// The event names and the payload fields are documented; the mapping details, EventData and sub-ms digits are invented.

import {
  confirmationIdOf,
  type Order,
  type OrderReason,
  type StatusChange,
  type TransitionName,
} from '../domain/order-states.js';

/** Every event name of the fact sheet's list (§3.2). The mock does not model payouts: `payout.*` never fires. */
export const WEBHOOK_EVENTS = [
  'order.completed',
  'order.cancelled',
  'order.expired',
  'order.refunded',
  'order.capturerequired',
  'payment.chargeback.received',
  'challenge.presented',
  'challenge.attempted',
  'challenge.passed',
  'challenge.failed',
  'payout.created',
  'payout.updated',
] as const;

export type WebhookEventName = (typeof WEBHOOK_EVENTS)[number];

/** The delivered body (observed field names and order, §3.3). */
export interface WebhookPayload {
  Event: WebhookEventName;
  /** ISO 8601 UTC with a 6-digit fraction (observed format). */
  TimeStamp: string;
  /** null for order.completed (observed); a small invented object for the other events. */
  EventData: Record<string, unknown> | null;
  /** The merchant's `orderId`. */
  ExternalOrderId: string;
  /** FlexFactor's order id (= orderSessionKey). */
  OrderId: string;
  ConfirmationId: string;
  IsTestMode: boolean;
  IsResent: boolean;
}

/** How one transition maps to events. `when` narrows it (a rule that does not apply emits nothing). */
export interface TransitionEventRule {
  events: readonly WebhookEventName[];
  when?: (order: Order) => boolean;
  /** Why, for the README and for readers; `(invented)` marks what FlexFactor does not document. */
  note: string;
}

/**
 * The whole mapping, one row per state-machine transition (mock/domain/order-states.ts TRANSITIONS); `satisfies` makes a new
 * transition without a row a type error. Events of one row are emitted in the listed order.
 */
export const TRANSITION_EVENTS = {
  approve: { events: ['order.completed'], note: 'evaluate answered APPROVED' },
  decline: {
    events: ['order.cancelled'],
    when: (order) => order.isMIT,
    note: 'evaluate answered DECLINED: MIT orders only; an immediate CIT decline emits nothing — the merchant already has the answer (invented)',
  },
  submit: { events: [], note: 'managed MIT accepted (no documented event)' },
  presentChallenge: { events: ['challenge.presented'], note: 'evaluate answered CHALLENGE' },
  requireCapture: {
    events: ['order.capturerequired'],
    note: 'evaluate answered CAPTUREREQUIRED (documented)',
  },
  pickUp: { events: [], note: 'FlexFactor starts working on a managed MIT order (no documented event)' },
  complete: { events: ['order.completed'], note: 'a SUBMITTED order is rescued' },
  passChallenge: {
    events: ['challenge.attempted', 'challenge.passed', 'order.completed'],
    note: 'the shopper passes the challenge (sequence invented)',
  },
  failChallenge: {
    events: ['challenge.attempted', 'challenge.failed', 'order.cancelled'],
    note: 'the shopper fails the challenge (sequence invented)',
  },
  expire: { events: ['order.expired'], note: 'a managed MIT order reaches expiryDateUtc unrescued' },
  cancelByFlexFactor: { events: ['order.cancelled'], note: 'FlexFactor cancels the order' },
  capture: { events: ['order.completed'], note: '/v1/capture of a CAPTUREREQUIRED order (invented)' },
  autoVoid: {
    events: ['order.cancelled'],
    note: 'the capture window passes without /v1/capture (invented)',
  },
  cancelMit: { events: ['order.cancelled'], note: '/cancel or /external-cancel of an MIT order' },
  cancelCit: { events: ['order.cancelled'], note: '/cancel or /external-cancel of a CIT order' },
  refundPartially: { events: ['order.refunded'], note: 'a partial refund (invented: also order.refunded)' },
  refundFully: { events: ['order.refunded'], note: 'a refund that leaves nothing refundable' },
  receiveChargeback: { events: ['payment.chargeback.received'], note: 'the issuer files a chargeback' },
} as const satisfies Record<TransitionName, TransitionEventRule>;

/** The events a transition of `order` emits, in order (empty when none). */
export function eventsFor(order: Order, name: TransitionName): readonly WebhookEventName[] {
  const rule: TransitionEventRule = TRANSITION_EVENTS[name];
  if (rule.when && !rule.when(order)) return [];
  return rule.events;
}

/** Invented `Reason` values of order.cancelled, from the order's reason. */
const CANCEL_REASONS: Partial<Record<OrderReason, string>> = {
  declined: 'Declined',
  'challenge-failed': 'ChallengeFailed',
  'auto-voided': 'CaptureWindowExpired',
  'cancelled-by-merchant': 'CancelledByMerchant',
  'cancelled-by-flexfactor': 'CancelledByFlexFactor',
};

export interface PayloadContext {
  /** Seed of the engine, so generated ConfirmationIds are reproducible. */
  seed: number;
  /** Capture window (ms), for order.capturerequired's CaptureBeforeUtc. */
  captureWindowMs: number;
}

/**
 * Build the payload of one event. `index` is the event's position among its transition's events: it becomes the
 * sub-millisecond digits of TimeStamp, so events of one transition sort by TimeStamp in emission order (invented).
 */
export function buildPayload(
  event: WebhookEventName,
  order: Order,
  change: StatusChange,
  index: number,
  context: PayloadContext,
): WebhookPayload {
  const at = Date.parse(change.at);
  return {
    Event: event,
    TimeStamp: timeStamp(at, index),
    EventData: eventData(event, order, at, context),
    ExternalOrderId: order.externalOrderId,
    OrderId: order.id,
    ConfirmationId: confirmationIdOf(order, context.seed),
    IsTestMode: true,
    IsResent: false,
  };
}

/** `2026-06-01T12:00:00.000002Z`: the virtual instant with microseconds (the sample shows 6 fraction digits). */
export function timeStamp(at: number, micros = 0): string {
  return `${new Date(at).toISOString().slice(0, 23)}${String(micros % 1000).padStart(3, '0')}Z`;
}

/** EventData: null for order.completed (observed); everything else is invented (amounts in cents). */
function eventData(
  event: WebhookEventName,
  order: Order,
  at: number,
  context: PayloadContext,
): Record<string, unknown> | null {
  switch (event) {
    case 'order.completed':
      return null;
    case 'order.cancelled':
      return { Reason: CANCEL_REASONS[order.reason] ?? 'Cancelled' };
    case 'order.expired':
      return { ExpiryDateUtc: order.expiryDate === null ? null : new Date(order.expiryDate).toISOString() };
    case 'order.refunded': {
      const last = order.refunds[order.refunds.length - 1];
      return {
        Amount: last?.amount ?? 0,
        RefundedTotal: order.refundedAmount,
        Currency: order.currencyCode,
        IsPartial: order.refundedAmount < order.capturedAmount,
      };
    }
    case 'order.capturerequired':
      return {
        Amount: order.amount,
        Currency: order.currencyCode,
        CaptureBeforeUtc: new Date(at + context.captureWindowMs).toISOString(),
      };
    case 'payment.chargeback.received':
      return { Amount: order.capturedAmount, Currency: order.currencyCode };
    case 'challenge.presented':
    case 'challenge.attempted':
    case 'challenge.passed':
    case 'challenge.failed':
      return { Amount: order.amount, Currency: order.currencyCode };
    case 'payout.created':
    case 'payout.updated':
      return null;
  }
}
