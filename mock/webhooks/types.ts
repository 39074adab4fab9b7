// The webhook dispatcher's vocabulary: its options and defaults, what it is built from, receivers, deliveries and
// their attempts, and the record of one attempt the journal gets.

import type { AccountBook } from '../domain/accounts.js';
import type { VirtualClock } from '../domain/clock.js';
import type { OrderScheduler } from '../domain/scheduler.js';
import type { Store } from '../domain/store.js';
import type { Logger } from '../support/logger.js';
import type { WebhookEventName, WebhookPayload } from './events.js';

/** Options of createApp({ webhooks }). */
export interface WebhookOptions {
  /** Receivers registered at start-up (for every session). */
  receivers?: { mid: string; url: string; session?: string }[];
  /** Content-Type of deliveries (default `text/plain; charset=utf-8`: the docs say the body is not application/json). */
  contentType?: string;
  /** Real-time ms a receiver has to answer with a 2xx (default 5000). */
  timeoutMs?: number;
  /** Virtual-time ms to wait before each retry (default {@link DEFAULT_RETRY_SCHEDULE_MS}). */
  retrySchedule?: number[];
  /** Deliveries kept in memory, oldest finished ones dropped first (default 5000). */
  maxDeliveries?: number;
  /**
   * Hosts (names or addresses, `*` for any) receivers may use besides loopback (default none: loopback only;
   * docs/security.md, "Webhook receivers").
   */
  allowHosts?: readonly string[];
  /** Receivers one session may register through the admin API (default 20). */
  maxReceiversPerSession?: number;
  /** Receivers in all (default 200). */
  maxReceivers?: number;
  /**
   * Receivers for every session (registered without `sessionOnly`) the admin API accepts, counting those given at
   * start-up (default 20): every event of every session goes to each of them, so they multiply all webhook work.
   */
  maxSharedReceivers?: number;
  /** Delivery attempts in flight at once, across every receiver (default 8). */
  maxConcurrent?: number;
}

/** Invented backoff: retries 1 min, 5 min, 30 min, 2 h, 6 h and 24 h after each failed attempt (7 attempts). */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  60_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  6 * 3_600_000,
  24 * 3_600_000,
];
export const DEFAULT_WEBHOOK_CONTENT_TYPE = 'text/plain; charset=utf-8';
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_DELIVERIES = 5_000;

/** WebhookOptions with every default applied; throws a RangeError for a value out of range. */
export function resolveWebhookOptions(options: WebhookOptions) {
  const schedule = options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE_MS;
  const resolved = {
    contentType: options.contentType ?? DEFAULT_WEBHOOK_CONTENT_TYPE,
    timeoutMs: positive(options.timeoutMs, DEFAULT_WEBHOOK_TIMEOUT_MS, 'timeoutMs'),
    maxDeliveries: positive(options.maxDeliveries, DEFAULT_MAX_DELIVERIES, 'maxDeliveries'),
    maxReceiversPerSession: positive(options.maxReceiversPerSession, 20, 'maxReceiversPerSession'),
    maxReceivers: positive(options.maxReceivers, 200, 'maxReceivers'),
    maxSharedReceivers: positive(options.maxSharedReceivers, 20, 'maxSharedReceivers'),
    maxConcurrent: positive(options.maxConcurrent, 8, 'maxConcurrent'),
    retrySchedule: [...schedule] as readonly number[],
  };
  if (!schedule.every((ms) => Number.isFinite(ms) && ms >= 0)) {
    throw new RangeError('webhooks.retrySchedule must list non-negative numbers of ms');
  }
  return resolved;
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`webhooks.${name} must be a positive number`);
  return value;
}

export interface WebhookReceiver {
  id: string;
  mid: string;
  url: string;
  /** Only this test session's events; null = every session. */
  session: string | null;
  source: 'options' | 'accounts' | 'api';
  /** The session that registered it through the admin API (counts against that session's cap). */
  owner?: string;
}

export interface WebhookAttempt {
  /** Virtual time of the attempt (ms since the epoch). */
  at: number;
  /** Whether the body said `IsResent: true`. */
  isResent: boolean;
  /** HTTP status the receiver answered, or null when there was no answer. */
  statusCode: number | null;
  /** Transport failure (`ECONNREFUSED`, `timeout after 5000 ms`, `fault: failTimes`), or null. */
  error: string | null;
  /** Real time on the wire in ms, connection to last byte (as the timeout counts it; a wait for a slot is not in it). */
  durationMs: number;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event on its way to one receiver URL. */
export interface WebhookDelivery {
  id: string;
  session: string;
  mid: string;
  event: WebhookEventName;
  orderId: string;
  externalOrderId: string;
  receiverId: string;
  url: string;
  /** The payload of the first attempt (retries send it with `IsResent: true`). */
  payload: WebhookPayload;
  status: WebhookDeliveryStatus;
  attempts: WebhookAttempt[];
  /** Virtual time of the next attempt; null once delivered or failed. */
  nextAttemptAt: number | null;
  createdAt: number;
  /** Set on the copy a `duplicate` fault adds. */
  duplicateOf: string | null;
  /** Set on a delivery made by redeliver(). */
  redeliveryOf: string | null;
}

/**
 * One webhook delivery attempt as the journal records it. Only what identifies the attempt is required, so a sender
 * other than the dispatcher (a test, a custom dispatcher) may report less; the journal fills in the rest.
 */
export interface WebhookRecord {
  session: string;
  orderId: string | null;
  event: string;
  url: string;
  /** 1-based attempt number. */
  attempt: number;
  statusCode?: number | null;
  error?: string | null;
  durationMs?: number;
  isResent?: boolean;
  /** Virtual time of the attempt (default: the journal's clock). */
  at?: number;
  /** The body sent (as an object). */
  payload?: unknown;
  deliveryId?: string;
  /** The delivery's state after this attempt (`pending`, `delivered`, `failed`). */
  status?: string;
  /** Content type and x-fc-* signature headers sent (empty when the attempt never reached the network). */
  requestHeaders?: Record<string, unknown>;
}

/** What the dispatcher reports for every attempt: a {@link WebhookRecord} with every field set. */
export interface WebhookAttemptRecord extends WebhookAttempt, Omit<WebhookRecord, keyof WebhookAttempt> {
  deliveryId: string;
  mid: string;
  event: WebhookEventName;
  orderId: string;
  status: WebhookDeliveryStatus;
  payload: WebhookPayload;
  requestHeaders: Record<string, string>;
}

/** Where each attempt is recorded (the journal). */
export interface WebhookJournalSink {
  recordWebhook(record: WebhookAttemptRecord): void;
}

/** What a dispatcher works with, all built before it. */
export interface WebhookDeps {
  /** Merchants, their subscriber keys (signatures) and the receivers their accounts declare. */
  accounts: AccountBook;
  clock: VirtualClock;
  /** Order transitions, the events delivered. */
  store: Pick<Store, 'onTransition' | 'onSessionDropped'>;
  /** Settles due fates as time moves; the dispatcher queues what they caused after each tick. */
  scheduler: OrderScheduler;
  journal: WebhookJournalSink;
  log: Logger;
  /** Payload fields and nonces follow the seed and the capture window. */
  settings: { readonly seed: number; readonly captureWindowMs: number };
}

export interface DeliveryFilter {
  session?: string;
  orderId?: string;
  status?: WebhookDeliveryStatus;
  event?: string;
  mid?: string;
}
