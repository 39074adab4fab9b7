// A process's copy of a shared session, and how Redis's fields map onto it: one field per order, card and
// idempotency record, plus the session's meta ('m': the id stream), scenario choice ('sc') and partner data ('p', one
// value for the session's API keys, applications and documents, budgeted in Redis as one entry).
// Reading a field applies it to the cached session in place; the digests tell a touched entity from a changed one.

import { createHash } from 'node:crypto';
import { partnerStateBytes } from '../domain/partner-store.js';
import {
  type IdempotencyRecord,
  keyBytes,
  orderBytes,
  type Session,
  type SessionTx,
  type Store,
} from '../domain/store.js';
import { decodeCard, decodeIdempotencyRecord, decodeOrder } from '../domain/stored-decoding.js';
import { evictOldest } from '../support/bounded.js';
import type { Logger } from '../support/logger.js';

export const SEP = '\u001f';

/** Hooks into parts that keep per-session state outside the store (the scenario engine's session choice). */
export interface SharedSessionExtras {
  /** The session's chosen scenarios (empty: none). */
  scenarios(session: string): string[];
  /** Another process chose (or cleared) the session's scenarios. */
  adoptScenarios(session: string, names: string[]): void;
}

/** What this process holds of one session besides the objects themselves. */
export interface Cached {
  version: number;
  /** Field → digest of the JSON last read or written: what tells a touched entity from a changed one. */
  digests: Map<string, string>;
  /** Idempotency-record fields (named by a digest of the key) → the scope and key they hold. */
  keys: Map<string, [string, string]>;
}

export function newCached(version = -1): Cached {
  return { version, digests: new Map(), keys: new Map() };
}

/** Where a field is applied: the store and the parts beside it. */
export interface CopyTarget {
  store: Store;
  extras: SharedSessionExtras | null;
  log: Logger;
  /** Values already reported as unreadable (a digest of session, field and value), oldest first. */
  reported: Map<string, true>;
}

/**
 * The JSON text of an idempotency record read no further: what a mock writes is a client's key and the answer kept
 * for it, both from one request (1 MiB by default, --body-limit), and a few small fields. Refused before JSON.parse
 * builds a planted text of tens of MiB; decodeIdempotencyRecord bounds the kept body itself more tightly.
 */
const MAX_RECORD_CHARS = 4 * 1024 * 1024;

/** How many unreadable values a process remembers having reported: a session read whole again repeats none of them. */
const REPORTED_LIMIT = 1_000;

/** Warn about a value that could not be read, once per session, field and value. */
function reportUnreadable(
  into: CopyTarget,
  session: Session,
  field: string,
  digest: string,
  message: string,
): void {
  const key = `${digestOf(`${session.name}${SEP}${field}`)}${digest}`;
  if (into.reported.has(key)) return;
  evictOldest(into.reported, REPORTED_LIMIT);
  into.reported.set(key, true);
  into.log.warn(message);
}

export function applyField(
  into: CopyTarget,
  session: Session,
  field: string,
  json: string | null,
  cached: Cached,
): void {
  const digest = json === null ? '' : digestOf(json);
  if (json === null) cached.digests.delete(field);
  else cached.digests.set(field, digest);
  let value: unknown = null;
  const oversized = json !== null && json.length > MAX_RECORD_CHARS && field.startsWith(`k${SEP}`);
  try {
    value = json === null || oversized ? null : JSON.parse(json);
  } catch {
    // Not written by a mock (or by a version that wrote something else): skipped rather than failing the request.
    reportUnreadable(
      into,
      session,
      field,
      digest,
      `the shared store holds an unreadable value for a field of session "${session.name}"; skipped`,
    );
    return;
  }
  if (field === 'm') {
    const rng = (value as { rng?: number[] } | null)?.rng;
    if (rng) session.data.restore(rng);
    return;
  }
  if (field === 'sc') {
    into.extras?.adoptScenarios(session.name, Array.isArray(value) ? (value as string[]) : []);
    return;
  }
  if (field === 'p') {
    if (value !== null) session.partner().load(value);
    else session.existingPartner()?.load({});
    return;
  }
  const parts = field.split(SEP);
  const kind = parts[0];
  const mid = parts[1] ?? '';
  const partition = session.partition(mid);
  if (kind === 'o') {
    const id = parts.slice(2).join(SEP);
    const old = partition.orders.get(id);
    if (old) into.store.indexSchedule(session, { ...old, schedule: [] });
    const order = value === null ? null : decodeOrder(value, id);
    if (typeof order === 'string') {
      reportUnreadable(
        into,
        session,
        field,
        digest,
        `the shared store holds an order of session "${session.name}" that does not decode (${JSON.stringify(id.slice(0, 100))}: ${order}); it is left out`,
      );
    }
    if (order === null || typeof order === 'string') {
      if (old) {
        partition.dropOrder(id);
        into.store.indexSchedule(session, old);
      }
      return;
    }
    if (old) {
      // Keep the object others may hold (the journal's order ids, a handler's reference): update it in place.
      Object.assign(old, order);
      partition.putOrder(old);
      into.store.indexSchedule(session, old);
    } else {
      partition.putOrder(order);
      into.store.indexSchedule(session, order);
    }
  } else if (kind === 'c') {
    const token = parts.slice(2).join(SEP);
    const card = value === null ? null : decodeCard(value, token);
    if (typeof card === 'string') {
      reportUnreadable(
        into,
        session,
        field,
        digest,
        `the shared store holds a vaulted card of session "${session.name}" that does not decode (${card}); it is left out`,
      );
    }
    if (card === null || typeof card === 'string') partition.dropCard(token);
    else partition.putCard(card);
  } else if (kind === 'k') {
    const record = oversized
      ? `it is more than ${MAX_RECORD_CHARS} characters of JSON`
      : value === null
        ? null
        : decodeIdempotencyRecord(value);
    if (typeof record === 'string') {
      reportUnreadable(
        into,
        session,
        field,
        digest,
        `the shared store holds an idempotency record of session "${session.name}" that does not decode (${record}); it is left out`,
      );
    }
    if (record === null || typeof record === 'string') {
      const held = cached.keys.get(field);
      cached.keys.delete(field);
      if (held) partition.dropIdempotencyRecord(held[0], held[1]);
      return;
    }
    cached.keys.set(field, [record.scope, record.key]);
    partition.putIdempotencyRecord(record);
  }
}

export function orderField(mid: string, id: string): string {
  return `o${SEP}${mid.toLowerCase()}${SEP}${id}`;
}

export function cardField(mid: string, token: string): string {
  return `c${SEP}${mid}${SEP}${token}`;
}

/**
 * An idempotency record's field names the key by a digest: a key is the client's string (up to the body limit, any
 * characters), and field names are copied into the budgets and every log entry, where its length would multiply.
 */
export function keyField(mid: string, record: IdempotencyRecord): string {
  const digest = createHash('sha256').update(record.key).digest('base64url').slice(0, 32);
  return `k${SEP}${mid}${SEP}${record.scope}${SEP}${digest}`;
}

export function digestOf(json: string): string {
  return createHash('sha1').update(json).digest('base64');
}

/** What a request changed, as the commit script takes it: [field, value, size] triples, deletions, the due time. */
export function changesOf(
  session: Session,
  tx: SessionTx,
  cached: Cached,
  extras: SharedSessionExtras | null,
): { set: string[]; digests: [string, string][]; del: string[]; due: number | null } {
  const set: string[] = [];
  const digests: [string, string][] = [];
  const del: string[] = [];
  // What an entry costs is counted as one process counts it (its heap estimate), so Redis's budget and each
  // process's copy agree on what goes first.
  const put = (field: string, value: unknown, size?: number | (() => number)) => {
    const json = JSON.stringify(value);
    const digest = digestOf(json);
    if (cached.digests.get(field) === digest) return;
    set.push(field, json, size === undefined ? '' : String(typeof size === 'number' ? size : size()));
    digests.push([field, digest]);
  };
  let due: number | null = tx.due;
  for (const order of tx.orders) {
    const partition = session.partition(order.mid);
    // An order no longer here was dropped from this process's copy by its budget, not deleted: Redis's own budget
    // decides what goes there.
    if (partition.orders.get(order.id) !== order) continue;
    put(orderField(order.mid, order.id), order, orderBytes(order));
    const at = order.schedule[0]?.at;
    if (!tx.dueExact && at !== undefined && (due === null || at < due)) due = at;
  }
  for (const [card, mid] of tx.cards) {
    if (session.partition(mid).cards.get(card.token) === card) put(cardField(mid, card.token), card);
  }
  for (const [record, mid] of tx.keys) {
    if (session.partition(mid).idempotencyRecord(record.scope, record.key) !== record) continue;
    const field = keyField(mid, record);
    cached.keys.set(field, [record.scope, record.key]);
    put(field, record, keyBytes(record));
  }
  for (const [record, mid] of tx.releasedKeys) {
    if (session.partition(mid).idempotencyRecord(record.scope, record.key)) continue;
    const field = keyField(mid, record);
    cached.keys.delete(field);
    del.push(field);
  }
  put('m', { rng: session.data.state() });
  put('sc', extras?.scenarios(session.name) ?? []);
  const partner = session.existingPartner();
  if (partner) put('p', partner, () => partnerStateBytes(partner));

  return { set, digests, del, due };
}
