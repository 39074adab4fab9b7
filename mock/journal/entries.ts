// What the journal holds: the public entry types, the stored form of each (bodies as capped, redacted JSON text),
// the public copy built from a stored entry, and the estimated heap cost of one.

import type { OrderReason, OrderStatus, OrderStatusName, TransitionName } from '../domain/order-states.js';
import { stringBytes, valueBytes } from '../support/bounded.js';

export type JournalKind = 'request' | 'transition' | 'webhook';

interface EntryBase {
  /** Position in the journal, increasing; a request's is taken when it arrives. */
  seq: number;
  session: string;
  /** Virtual-clock time in ms since the epoch (a request: when it arrived). */
  at: number;
  /** `at` as ISO 8601. */
  time: string;
}

export interface RequestEntry extends EntryBase {
  kind: 'request';
  method: string;
  path: string;
  query: Record<string, unknown>;
  /** null when the connection ended without a response (a transport fault). */
  status: number | null;
  durationMs: number;
  scenarios: string[];
  operationId: string | null;
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string>;
  /** The parsed (redacted) body; a string ending in a `[truncated …]` marker when it was over 8 KB. */
  requestBody: unknown;
  responseBody: unknown;
  requestBodyTruncated: boolean;
  responseBodyTruncated: boolean;
  /** Order ids the request named or got back (path, query, body and response `orderId`/`orderSessionKey`). */
  orderIds: string[];
}

export interface TransitionEntry extends EntryBase {
  kind: 'transition';
  orderId: string;
  externalOrderId: string;
  transition: TransitionName;
  status: OrderStatus;
  statusName: OrderStatusName;
  reason: OrderReason;
}

export interface WebhookEntry extends EntryBase {
  kind: 'webhook';
  orderId: string | null;
  event: string;
  url: string;
  /** 1 for the first delivery attempt. */
  attempt: number;
  /** The receiver's HTTP status, or null when there was none (see `error`). */
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  isResent: boolean;
  /** The dispatcher's delivery id and the delivery's state after this attempt, when given. */
  deliveryId: string | null;
  deliveryStatus: string | null;
  /** Headers sent (x-fc-signature redacted). */
  requestHeaders: Record<string, string>;
  /** The delivered payload (redacted, capped), when the webhook module passes it. */
  payload: unknown;
}

export type JournalEntry = RequestEntry | TransitionEntry | WebhookEntry;

export interface EntryQuery {
  session?: string;
  kind?: JournalKind;
  /** Only entries at or after this virtual time (ms since the epoch, or an ISO 8601 string). */
  since?: number | string;
  /** Only entries with a larger `seq` (for polling). */
  afterSeq?: number;
  /** At most this many: the newest ones. */
  limit?: number;
}

/** A body as stored: redacted JSON text, possibly cut. */
export interface StoredBody {
  text: string | null;
  truncated: boolean;
}

export type StoredRequest = Omit<
  RequestEntry,
  'time' | 'requestBody' | 'responseBody' | 'requestBodyTruncated' | 'responseBodyTruncated'
> & { requestBody: StoredBody; responseBody: StoredBody };
export type StoredWebhook = Omit<WebhookEntry, 'time' | 'payload'> & { payload: StoredBody };
export type Stored = StoredRequest | Omit<TransitionEntry, 'time'> | StoredWebhook;

/** What an entry costs besides its strings: the objects and arrays that hold them. */
const ENTRY_OVERHEAD = 512;

/**
 * Estimated heap bytes of a stored entry: its strings, its headers and query by their structure (a client chooses
 * their names), plus a fixed overhead for the objects around them.
 */
export function entryBytes(entry: Stored): number {
  let bytes = ENTRY_OVERHEAD + stringBytes(entry.session);
  switch (entry.kind) {
    case 'request':
      bytes += stringBytes(entry.path) + stringBytes(entry.method);
      bytes += valueBytes(entry.requestHeaders) + valueBytes(entry.responseHeaders);
      bytes += bodyBytes(entry.requestBody) + bodyBytes(entry.responseBody);
      for (const id of entry.orderIds) bytes += stringBytes(id);
      bytes += valueBytes(entry.query);
      return bytes;
    case 'webhook':
      bytes +=
        stringBytes(entry.event) + stringBytes(entry.url) + (entry.error ? stringBytes(entry.error) : 0);
      return bytes + valueBytes(entry.requestHeaders) + bodyBytes(entry.payload);
    default:
      return bytes + stringBytes(entry.orderId) + stringBytes(entry.externalOrderId);
  }
}

function bodyBytes(body: StoredBody): number {
  return body.text === null ? 0 : stringBytes(body.text);
}

function parseBody(body: StoredBody): unknown {
  if (body.text === null) return null;
  if (body.truncated) return body.text;
  try {
    return JSON.parse(body.text);
  } catch {
    return body.text;
  }
}

/** The public, freshly built copy of a stored entry (callers may keep or change it). */
export function view(entry: Stored): JournalEntry {
  const time = new Date(entry.at).toISOString();
  switch (entry.kind) {
    case 'request':
      return {
        ...entry,
        time,
        query: { ...entry.query },
        scenarios: [...entry.scenarios],
        requestHeaders: { ...entry.requestHeaders },
        responseHeaders: { ...entry.responseHeaders },
        orderIds: [...entry.orderIds],
        requestBody: parseBody(entry.requestBody),
        responseBody: parseBody(entry.responseBody),
        requestBodyTruncated: entry.requestBody.truncated,
        responseBodyTruncated: entry.responseBody.truncated,
      };
    case 'webhook':
      return {
        ...entry,
        time,
        requestHeaders: { ...entry.requestHeaders },
        payload: parseBody(entry.payload),
      };
    default:
      return { ...entry, time };
  }
}
