// The request journal: every request/response, order transition and webhook attempt, per test session, in one
// ring buffer bounded twice: by entries and by bytes (the oldest entries go first, so memory stays flat in long runs).
// Everything is redacted on the way in (mock/support/redact.ts), every stored string is a copy that shares no memory with the
// request (see ownCopy), and bodies are kept as capped JSON text. Per-session and per-order views
// are derived by scanning the ring: there is no other per-session state to grow.

import type { Order, StatusChange, TransitionName } from '../domain/order-states.js';
import type { Store } from '../domain/store.js';
import type { Exchange, RequestHooks } from '../http/types.js';
import { flat, ownCopy } from '../support/bounded.js';
import {
  cardSafeId,
  redact,
  redactHeaders,
  redactJson,
  redactPath,
  redactText,
  redactUrl,
} from '../support/redact.js';
import type { WebhookRecord } from '../webhooks/types.js';
import {
  type EntryQuery,
  entryBytes,
  type JournalEntry,
  type Stored,
  type StoredBody,
  type StoredRequest,
  view,
} from './entries.js';
import { type Har, harLog } from './har.js';

export type { WebhookRecord } from '../webhooks/types.js';
export type {
  EntryQuery,
  JournalEntry,
  JournalKind,
  RequestEntry,
  Stored,
  StoredRequest,
  TransitionEntry,
  WebhookEntry,
} from './entries.js';
export { view } from './entries.js';
export { HAR_CREATOR, type Har, type HarEntry } from './har.js';

export const DEFAULT_JOURNAL_SIZE = 5_000;
/** Default byte budget of everything the journal keeps (estimated as the heap cost of its strings). */
export const DEFAULT_JOURNAL_BYTES = 32 * 1024 * 1024;
/** Bodies longer than this (characters of JSON text) are cut, with a marker saying how long they were. */
export const MAX_BODY_CHARS = 8 * 1024;
/** Query parameters that carry credentials (the tokenization key of /v1/tokenize). */
const SECRET_QUERY_KEYS = ['environment'];
const ORDER_PATH = /^\/v1\/orders\/([^/]+)/i;
const ORDER_ID_KEYS = new Set(['orderid', 'ordersessionkey']);
const MAX_ORDER_IDS = 4;
/** Shared by every stored entry without scenarios (stored entries are never handed out: view() copies). */
const NO_SCENARIOS: string[] = Object.freeze([]) as unknown as string[];
const NO_IDS: string[] = Object.freeze([]) as unknown as string[];
/** Shared by every stored entry whose request had no query string (most of them). */
const NO_QUERY: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

export interface JournalOptions {
  /** Ring capacity in entries (default 5,000). */
  capacity?: number;
  /** Virtual clock for webhook attempts that carry no time. */
  clock?: { now(): number };
  /** Body cap in characters of JSON text (default 8 KB). */
  maxBodyChars?: number;
  /** Byte budget of the entries kept (default 32 MiB); the oldest entries are dropped to stay within it. */
  maxBytes?: number;
}

export class Journal {
  readonly capacity: number;
  readonly maxBytes: number;
  readonly #clock: { now(): number };
  readonly #maxBodyChars: number;
  #ring: (Stored | undefined)[];
  /** The estimated bytes of each ring slot's entry. */
  #sizes: number[];
  #bytes = 0;
  #start = 0;
  #count = 0;
  #seq = 0;
  /** Arrival sequence numbers of requests in flight, keyed by their header object (gone with the request). */
  readonly #arrivals = new WeakMap<object, number>();
  /** Live readers (the inspector's streams); with none, recording costs one size check more. */
  readonly #listeners = new Set<(entry: JournalEntry) => void>();

  constructor(options: JournalOptions = {}) {
    const capacity = Math.floor(options.capacity ?? DEFAULT_JOURNAL_SIZE);
    if (!Number.isFinite(capacity) || capacity < 1)
      throw new RangeError('journal capacity must be at least 1');
    this.capacity = capacity;
    this.#clock = options.clock ?? { now: () => Date.now() };
    this.#maxBodyChars = options.maxBodyChars ?? MAX_BODY_CHARS;
    this.#ring = new Array(capacity);
    this.#sizes = new Array(capacity).fill(0);
    const maxBytes = Math.floor(options.maxBytes ?? DEFAULT_JOURNAL_BYTES);
    if (!Number.isFinite(maxBytes) || maxBytes < 64 * 1024)
      throw new RangeError('the journal byte budget must be at least 64 KiB');
    this.maxBytes = maxBytes;
  }

  /** Estimated bytes held by the entries now (at most `maxBytes`). */
  get bytes(): number {
    return this.#bytes;
  }

  /** Entries held now (at most `capacity`). */
  get size(): number {
    return this.#count;
  }

  /** Entries recorded since the start (including the ones the ring has dropped). */
  get recorded(): number {
    return this.#seq;
  }

  /** The pipeline hook that records every exchange; register it on engine.hooks. */
  requestHooks(): RequestHooks {
    return {
      name: 'journal',
      onRequest: (req) => {
        this.#arrivals.set(req.headers, this.#nextSeq());
      },
      onFinish: (exchange) => this.recordExchange(exchange),
    };
  }

  /** Wire the journal into an engine: the request hook and the store's transition events. */
  attach(engine: { hooks: RequestHooks[]; store: Pick<Store, 'onTransition'> }): void {
    engine.hooks.push(this.requestHooks());
    engine.store.onTransition(this.recordTransition);
  }

  recordExchange(exchange: Exchange): void {
    try {
      const seq = this.#arrivals.get(exchange.requestHeaders) ?? this.#nextSeq();
      this.#arrivals.delete(exchange.requestHeaders);
      const query = isEmptyPlain(exchange.query ?? {})
        ? NO_QUERY
        : (copyDeep(redact(exchange.query ?? {}, { keys: SECRET_QUERY_KEYS })) as Record<string, unknown>);
      const requestBody = this.#body(exchange.requestBody);
      const responseBody = this.#body(exchange.responseBody);
      this.#record({
        seq,
        kind: 'request',
        session: ownCopy(exchange.session),
        at: exchange.at,
        method: ownCopy(exchange.method),
        path: ownCopy(redactPath(exchange.path)),
        query,
        status: exchange.status,
        durationMs: exchange.durationMs,
        scenarios: scenarioList(exchange.scenarios),
        operationId: exchange.operationId,
        // Header values are strings of their own (Node's parser builds each from its buffer; response headers are
        // ours): no copy needed on this per-request path.
        requestHeaders: redactHeaders(exchange.requestHeaders),
        responseHeaders: redactHeaders(exchange.responseHeaders),
        requestBody,
        responseBody,
        orderIds: orderIdsOf(exchange),
      });
    } catch {
      // The journal must never break a request.
    }
  }

  /** A store transition listener (bound: pass it to store.onTransition directly). */
  readonly recordTransition = (order: Order, name: TransitionName, change: StatusChange): void => {
    const at = Date.parse(change.at);
    this.#record({
      seq: this.#nextSeq(),
      kind: 'transition',
      session: ownCopy(order.session),
      at: Number.isNaN(at) ? this.#clock.now() : at,
      orderId: ownCopy(order.id),
      externalOrderId: ownCopy(redactText(order.externalOrderId)),
      transition: name,
      status: change.status,
      statusName: change.statusName,
      reason: change.reason,
    });
  };

  /** One webhook delivery attempt (called by the webhook dispatcher). */
  recordWebhook(record: WebhookRecord): void {
    try {
      this.#record({
        seq: this.#nextSeq(),
        kind: 'webhook',
        session: ownCopy(record.session),
        at: record.at ?? this.#clock.now(),
        orderId: record.orderId === null || record.orderId === undefined ? null : ownCopy(record.orderId),
        event: ownCopy(redactText(String(record.event))),
        url: ownCopy(redactUrl(String(record.url))),
        attempt: record.attempt,
        statusCode: record.statusCode ?? null,
        error:
          record.error === undefined || record.error === null
            ? null
            : ownCopy(redactText(String(record.error))),
        durationMs: record.durationMs ?? 0,
        isResent: record.isResent ?? false,
        deliveryId: record.deliveryId === undefined ? null : ownCopy(record.deliveryId),
        deliveryStatus: record.status === undefined ? null : ownCopy(record.status),
        requestHeaders: copyHeaders(redactHeaders(record.requestHeaders ?? {})),
        payload: this.#body(record.payload),
      });
    } catch {
      // Never break a delivery.
    }
  }

  /** Matching entries in journal order (`seq`), oldest first; with `limit`, the newest `limit` of them. */
  entries(query: EntryQuery = {}): JournalEntry[] {
    return this.select(query).map(view);
  }

  /**
   * What `entries` shows, as the stored entries themselves (never to be changed): a large answer turns them into
   * views a slice at a time instead of building every view (and parsing every body) at once.
   */
  select(query: EntryQuery = {}): Stored[] {
    const since = query.since === undefined ? undefined : toMs(query.since);
    const out: Stored[] = [];
    for (const entry of this.#iterate()) {
      if (query.session !== undefined && entry.session !== query.session) continue;
      if (query.kind !== undefined && entry.kind !== query.kind) continue;
      if (since !== undefined && entry.at < since) continue;
      if (query.afterSeq !== undefined && entry.seq <= query.afterSeq) continue;
      out.push(entry);
    }
    out.sort((a, b) => a.seq - b.seq);
    return query.limit !== undefined && query.limit >= 0
      ? out.slice(Math.max(0, out.length - query.limit))
      : out;
  }

  /**
   * Everything about one order in one session, in time order (virtual time, then journal order): the requests that
   * named it, its transitions and its webhook attempts. `orderId` may be FlexFactor's id (orderSessionKey) or the
   * merchant's own orderId.
   */
  timeline(session: string, orderId: string): JournalEntry[] {
    return this.selectTimeline(session, orderId).map(view);
  }

  /** What `timeline` shows, as the stored entries themselves (never to be changed). */
  selectTimeline(session: string, orderId: string): Stored[] {
    // Orders keep a card-bearing merchant orderId in its card-safe form; the caller names it as they sent it.
    const merchantId = cardSafeId(orderId);
    const aliases = new Set([orderId, merchantId]);
    for (const entry of this.#iterate()) {
      if (entry.session !== session || entry.kind !== 'transition') continue;
      if (entry.orderId === orderId || entry.externalOrderId === merchantId) {
        aliases.add(entry.orderId);
        aliases.add(entry.externalOrderId);
      }
    }
    const out: Stored[] = [];
    for (const entry of this.#iterate()) {
      if (entry.session !== session) continue;
      const hit =
        entry.kind === 'request'
          ? entry.orderIds.some((id) => aliases.has(id))
          : entry.orderId !== null && aliases.has(entry.orderId);
      if (hit) out.push(entry);
    }
    out.sort((a, b) => a.at - b.at || a.seq - b.seq);
    return out;
  }

  /** The recorded requests (of one session, or all) as a HAR 1.2 log; redacted like everything in the journal. */
  toHar(session?: string): Har {
    return harLog(this.harRequests(session), session);
  }

  /** The stored requests `toHar` turns into HAR entries, in journal order (never to be changed). */
  harRequests(session?: string): StoredRequest[] {
    return this.#sorted().filter(
      (e): e is StoredRequest => e.kind === 'request' && (session === undefined || e.session === session),
    );
  }

  /** Forget the entries of one session, or all of them. Returns how many were removed. */
  clear(session?: string): number {
    const before = this.#count;
    const kept = session === undefined ? [] : [...this.#iterate()].filter((e) => e.session !== session);
    this.#ring = new Array(this.capacity);
    this.#sizes = new Array(this.capacity).fill(0);
    this.#bytes = 0;
    this.#start = 0;
    this.#count = 0;
    for (const entry of kept) this.#push(entry);
    return before - this.#count;
  }

  /**
   * Call `listener` with every entry recorded from now on (already redacted; one shared copy per entry, do not change
   * it). Returns the function that stops the calls. A listener that throws is ignored: it must not break a request.
   */
  subscribe(listener: (entry: JournalEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Hand every entry recorded here (not ingested ones) to `sink` as well: a shared store publishes them to the other
   * processes. One sink; a later call replaces it.
   */
  mirrorTo(sink: (entry: Stored) => void): void {
    this.#mirror = sink;
  }

  /** Keep an entry another process recorded (already redacted there), numbered in this journal's order. */
  ingest(entry: Stored): void {
    this.#mirrored = true;
    try {
      this.#record({ ...entry, seq: this.#nextSeq() } as Stored);
    } finally {
      this.#mirrored = false;
    }
  }

  /** Store a new entry and hand it to the live readers (clear() re-stores kept entries without this). */
  #record(entry: Stored): void {
    this.#push(entry);
    if (this.#mirror && !this.#mirrored) {
      try {
        this.#mirror(entry);
      } catch {
        // The journal must never break a request.
      }
    }
    if (this.#listeners.size === 0) return;
    const shown = view(entry);
    for (const listener of this.#listeners) {
      try {
        listener(shown);
      } catch {
        // A reader's failure is its own.
      }
    }
  }

  #mirror: ((entry: Stored) => void) | undefined;
  #mirrored = false;

  #nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  #push(entry: Stored): void {
    const size = entryBytes(entry);
    // Room by count, then by bytes: the oldest entries go first. One entry alone never exceeds the budget by much
    // (bodies are capped), and it is always kept, so the newest exchange can be inspected.
    if (this.#count === this.capacity) this.#dropOldest();
    while (this.#count > 0 && this.#bytes + size > this.maxBytes) this.#dropOldest();
    const at = (this.#start + this.#count) % this.capacity;
    this.#ring[at] = entry;
    this.#sizes[at] = size;
    this.#bytes += size;
    this.#count += 1;
  }

  #dropOldest(): void {
    this.#bytes -= this.#sizes[this.#start] ?? 0;
    this.#ring[this.#start] = undefined;
    this.#sizes[this.#start] = 0;
    this.#start = (this.#start + 1) % this.capacity;
    this.#count -= 1;
  }

  *#iterate(): Generator<Stored> {
    for (let i = 0; i < this.#count; i += 1) {
      const entry = this.#ring[(this.#start + i) % this.capacity];
      if (entry) yield entry;
    }
  }

  #sorted(): Stored[] {
    return [...this.#iterate()].sort((a, b) => a.seq - b.seq);
  }

  #body(value: unknown): StoredBody {
    if (value === undefined) return { text: null, truncated: false };
    let text: string;
    try {
      text = flat(redactJson(value) ?? 'null');
    } catch {
      text = JSON.stringify('[unserialisable body]');
    }
    // redactJson builds a new string (flattened: it is kept as long as the entry), so a body within the cap is already
    // a copy of its own; a cut one is a slice of the whole text and must be copied, or the whole text stays alive
    // behind it. The marker is ASCII: one character outside Latin-1 would make V8 keep the whole cut text at two bytes
    // a character.
    if (text.length <= this.#maxBodyChars) return { text, truncated: false };
    return {
      text: ownCopy(`${text.slice(0, this.#maxBodyChars)}...[truncated: ${text.length} characters]`),
      truncated: true,
    };
  }
}

/** A plain object without own enumerable keys: its redacted copy is `{}`. */
function isEmptyPlain(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const _ in value) return false;
  return true;
}

/** A deep copy of a redacted JSON-like value whose strings share no memory with the request. */
function copyDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return ownCopy(value);
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) return value.map((v) => copyDeep(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[ownCopy(key)] = copyDeep(v, depth + 1);
  return out;
}

function copyHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[ownCopy(name)] = ownCopy(value);
  return out;
}

function scenarioList(scenarios: readonly unknown[] | undefined): string[] {
  if (scenarios === undefined || scenarios.length === 0) return NO_SCENARIOS;
  return [...scenarios].map(String);
}

function toMs(value: number | string): number {
  if (typeof value === 'number') return value;
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? Number(value) : parsed;
}

function pushId(ids: string[], value: unknown): void {
  if (typeof value !== 'string' && typeof value !== 'number') return;
  const id = redactText(String(value));
  if (id === '' || id.length > 200 || ids.includes(id) || ids.length >= MAX_ORDER_IDS) return;
  ids.push(ownCopy(id));
}

function idsFrom(ids: string[], source: unknown): void {
  if (source === null || typeof source !== 'object' || Array.isArray(source)) return;
  const record = source as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    // orderId (7 characters) or orderSessionKey (15): skip the lower-casing for every other key.
    if ((key.length === 7 || key.length === 15) && ORDER_ID_KEYS.has(key.toLowerCase()))
      pushId(ids, record[key]);
  }
}

/** The order ids an exchange touched: /v1/orders/{id}, then query, request body and response body fields. */
function orderIdsOf(exchange: Exchange): string[] {
  const ids: string[] = [];
  const match = ORDER_PATH.exec(exchange.path);
  if (match?.[1]) {
    try {
      pushId(ids, decodeURIComponent(match[1]));
    } catch {
      pushId(ids, match[1]);
    }
  }
  idsFrom(ids, exchange.query);
  idsFrom(ids, exchange.requestBody);
  idsFrom(ids, exchange.responseBody);
  // Kept for the entry's life: an array grown by push() reserves 17 slots for one id, a copy holds exactly its ids.
  return ids.length === 0 ? NO_IDS : ids.slice();
}
