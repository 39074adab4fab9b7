// Several mock processes acting as one FlexFactor account, through Redis. Redis holds the truth; each process keeps
// the sessions it served as a cache, so the domain code stays synchronous and unchanged. A request that may change a
// session runs as one transaction: take the session's lock (and, in the same round trip, what changed since this
// process's cached version), run the operation on the cached objects, then write back what it touched, bump the
// version and let go of the lock in one script. A commit is all or nothing; if it fails, the cache is thrown away and
// the next request reads the session again. Transition events (journal, webhooks) are told only after the commit,
// so each committed change is delivered once, by the process that made it.

import { createHash, randomUUID } from 'node:crypto';
import type { VirtualClock } from '../domain/clock.js';
import type { Order, StatusChange, TransitionName } from '../domain/order-states.js';
import { existingPartnerState, partnerState } from '../domain/partner-store.js';
import {
  type IdempotencyRecord,
  keyBytes,
  MAX_SESSIONS,
  orderBytes,
  type Session,
  type SessionTx,
  STORE_BYTE_LIMITS,
  STORE_LIMITS,
  type Store,
  type VaultedCard,
} from '../domain/store.js';
import { apiError } from '../errors/catalog.js';
import type { Logger } from '../support/logger.js';
import type { RedisLike } from './connection.js';
import { ACQUIRE, COMMIT, RELEASE, RESET, SYNC } from './scripts.js';

const SEP = '\u001f';
/** A lock outlives any one operation by far; it only matters when a process dies holding it. */
const LOCK_TTL_MS = 10_000;
/** How long a request waits for its session's lock before answering 503101. */
const LOCK_WAIT_MS = 5_000;

type SyncReply = [number, number, 'same' | 'delta' | 'full', (string | null)[], string[]?, string[]?];

/** Hooks into parts that keep per-session state outside the store (the scenario engine's session choice). */
export interface SharedSessionExtras {
  /** The session's chosen scenarios (empty: none). */
  scenarios(session: string): string[];
  /** Another process chose (or cleared) the session's scenarios. */
  adoptScenarios(session: string, names: string[]): void;
}

export interface SharedStoreOptions {
  redis: RedisLike;
  prefix: string;
  store: Store;
  clock: VirtualClock;
  log: Logger;
  limits?: Partial<typeof STORE_LIMITS>;
  /** Byte budgets for the whole account (default: one process's, STORE_BYTE_LIMITS). */
  byteLimits?: Partial<typeof STORE_BYTE_LIMITS>;
}

interface Cached {
  version: number;
  /** Field → digest of the JSON last read or written: what tells a touched entity from a changed one. */
  digests: Map<string, string>;
}

export class SharedStore {
  readonly prefix: string;
  readonly #redis: RedisLike;
  readonly #store: Store;
  readonly #clock: VirtualClock;
  readonly #log: Logger;
  readonly #limits: string;
  readonly #cache = new Map<string, Cached>();
  /** One local request at a time per session (the Redis lock then has one contender per process). */
  readonly #queues = new Map<string, Promise<unknown>>();
  #extras: SharedSessionExtras | null = null;
  #receivers: ((version: string) => Promise<void>) | null = null;
  #clockWrite: Promise<unknown> = Promise.resolve();

  constructor(options: SharedStoreOptions) {
    this.prefix = options.prefix;
    this.#redis = options.redis;
    this.#store = options.store;
    this.#clock = options.clock;
    this.#log = options.log;
    const l = { ...STORE_LIMITS, ...options.limits };
    const bytes = { ...STORE_BYTE_LIMITS, ...options.byteLimits };
    // The byte budgets of one process hold for the whole account too, counted the same way (heap estimates).
    this.#limits = JSON.stringify({
      o: { n: l.orders, b: bytes.orders },
      c: { n: l.cards },
      k: { n: l.idempotencyKeys, b: bytes.idempotencyKeys },
    });
    // This process's copy lost an entry to its budget: read the session whole next time rather than trust it.
    this.#store.onEvicted = (session) => this.#cache.delete(session);
    this.#redis.defineCommand('ffSync', { numberOfKeys: 0, lua: SYNC });
    this.#redis.defineCommand('ffAcquire', { numberOfKeys: 0, lua: ACQUIRE });
    this.#redis.defineCommand('ffRelease', { numberOfKeys: 0, lua: RELEASE });
    this.#redis.defineCommand('ffCommit', { numberOfKeys: 0, lua: COMMIT });
    this.#redis.defineCommand('ffReset', { numberOfKeys: 0, lua: RESET });
    // A change of the clock made here goes to Redis at once; the others read it with their next request.
    this.#clock.onStateChange(() => {
      this.#clockWrite = this.#writeClock().catch((error: unknown) =>
        this.#log.warn(`the virtual clock could not be shared through Redis: ${String(error)}`),
      );
    });
  }

  /**
   * Called with the webhook receivers' version after every commit, before its events are told: the place to read
   * receivers another process registered since (the events must reach them).
   */
  useReceivers(sync: (version: string) => Promise<void>): void {
    this.#receivers = sync;
  }

  /** Connect the parts whose per-session state lives outside the store. */
  useExtras(extras: SharedSessionExtras): void {
    this.#extras = extras;
  }

  /** Bring a session up to date without taking its lock (before the hooks that read it: the scenario choice). */
  refresh(name: string): Promise<void> {
    return this.#serial(name, async () => {
      const cached = this.#cache.get(name);
      const reply = (await this.#call(() =>
        this.#redis.ffSync(this.prefix, name, String(cached?.version ?? -1)),
      )) as SyncReply;
      this.#apply(this.#store.session(name), reply);
    });
  }

  /** Read the shared clock now (admin calls, which have no session to sync). */
  async refreshClock(): Promise<void> {
    const [offset, frozen] = (await this.#call(() =>
      this.#redis.hmget(`${this.prefix}clock`, 'offset', 'frozen'),
    )) as (string | null)[];
    this.#adoptClock(offset ?? null, frozen ?? null);
  }

  /** Wait until this process's last clock change is in Redis. */
  async clockShared(): Promise<void> {
    await this.#clockWrite;
  }

  /**
   * Run `fn` on the session as one transaction. What it changed is committed atomically; if the commit fails
   * (Redis gone, lock lost), nothing of it stays, here or there, and the request answers 503.
   */
  transact<T>(name: string, fn: (session: Session, tx: SessionTx) => T | Promise<T>): Promise<T> {
    return this.#serial(name, () => this.#transact(name, fn));
  }

  /** Forget a session everywhere (admin reset). */
  reset(name: string): Promise<void> {
    return this.#serial(name, async () => {
      const token = randomUUID();
      await this.#acquire(name, token);
      try {
        const reply = (await this.#call(() => this.#redis.ffReset(this.prefix, name, token))) as number[];
        if (reply[0] !== 1)
          throw apiError('503101', { detail: 'The session lock expired during the reset.' });
      } finally {
        this.#cache.delete(name);
      }
    });
  }

  /** The sessions every process has used, least recently used first (at most MAX_SESSIONS). */
  async sessionNames(): Promise<string[]> {
    return (await this.#call(() => this.#redis.zrange(`${this.prefix}sessions`, 0, -1))) as string[];
  }

  /** Settle every session whose scheduled changes are due at `now`, each in its own transaction. */
  async settleDue(now: number): Promise<void> {
    const due = (await this.#call(() =>
      this.#redis.zrangebyscore(`${this.prefix}due`, '-inf', String(now), 'LIMIT', 0, 100),
    )) as string[];
    for (const name of due) {
      await this.transact(name, (session, tx) => {
        tx.dueExact = true;
        tx.due = this.#store.settleSession(session, now);
      });
    }
  }

  // ---- the transaction --------------------------------------------------------------------------------------------

  async #transact<T>(name: string, fn: (session: Session, tx: SessionTx) => T | Promise<T>): Promise<T> {
    const token = randomUUID();
    const session = this.#store.session(name);
    const reply = await this.#acquire(name, token);
    let version: number;
    try {
      version = this.#apply(session, reply);
    } catch (error) {
      await this.#release(name, token);
      throw error;
    }
    const tx: SessionTx = {
      orders: new Set(),
      cards: new Map(),
      keys: new Map(),
      releasedKeys: new Map(),
      transitions: [],
      due: null,
      dueExact: false,
    };
    session.tx = tx;
    let result: T | undefined;
    let failure: unknown;
    let failed = false;
    try {
      result = await fn(session, tx);
    } catch (error) {
      // An operation refuses before it changes anything, but whatever it did change is committed, as in one process.
      failed = true;
      failure = error;
    } finally {
      session.tx = null;
    }
    const receivers = await this.#commit(session, tx, token, version);
    if (receivers !== null && tx.transitions.length > 0 && this.#receivers) {
      await this.#receivers(receivers).catch(() => undefined);
    }
    this.#store.emitTransitions(tx.transitions);
    if (failed) throw failure;
    return result as T;
  }

  async #acquire(name: string, token: string): Promise<SyncReply> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    let wait = 1;
    for (;;) {
      const cached = this.#cache.get(name);
      const reply = (await this.#call(() =>
        this.#redis.ffAcquire(this.prefix, name, String(cached?.version ?? -1), token, String(LOCK_TTL_MS)),
      )) as SyncReply | [0];
      if (reply[0] === 1) return reply as SyncReply;
      if (Date.now() >= deadline) {
        throw apiError('503101', {
          detail: `Session "${name}" stayed locked by another process for ${LOCK_WAIT_MS} ms.`,
        });
      }
      await new Promise((r) => setTimeout(r, wait));
      // Short waits: the holder is usually one commit away from letting go (a longer sleep only adds latency).
      wait = Math.min(wait * 2, 4);
    }
  }

  async #release(name: string, token: string): Promise<void> {
    await this.#call(() => this.#redis.ffRelease(this.prefix, name, token)).catch(() => undefined);
  }

  /** Write back what the request changed; answers the webhook receivers' version (null when nothing was written). */
  async #commit(session: Session, tx: SessionTx, token: string, version: number): Promise<string | null> {
    const cached = this.#cached(session.name);
    const set: string[] = [];
    const digests: [string, string][] = [];
    const del: string[] = [];
    // What an entry costs is counted as one process counts it (its heap estimate), so Redis's budget and each
    // process's copy agree on what goes first.
    const sizes: Record<string, number> = {};
    const put = (field: string, value: unknown, size?: number) => {
      const json = JSON.stringify(value);
      const digest = digestOf(json);
      if (cached.digests.get(field) === digest) return;
      set.push(field, json);
      digests.push([field, digest]);
      if (size !== undefined) sizes[field] = size;
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
      if (session.partition(mid).idempotencyRecord(record.scope, record.key) === record)
        put(keyField(mid, record), record, keyBytes(record));
    }
    for (const [record, mid] of tx.releasedKeys) {
      if (!session.partition(mid).idempotencyRecord(record.scope, record.key))
        del.push(keyField(mid, record));
    }
    put('m', { rng: session.data.state() });
    put('sc', this.#extras?.scenarios(session.name) ?? []);
    const partner = existingPartnerState(session);
    if (partner) put('p', partner);

    // A settle that found nothing still due must clear the session's due entry, or every tick would visit it again.
    if (set.length === 0 && del.length === 0 && due === null && !tx.dueExact) {
      await this.#release(session.name, token);
      return null;
    }
    let reply: [number, number?, number?, string[]?, string?];
    try {
      reply = (await this.#call(() =>
        this.#redis.ffCommit(
          this.prefix,
          session.name,
          token,
          this.#limits,
          String(MAX_SESSIONS),
          due === null ? '' : String(due),
          tx.dueExact ? '1' : '0',
          JSON.stringify({ set, del, sizes }),
        ),
      )) as typeof reply;
    } catch (error) {
      this.#forget(session);
      tx.transitions.length = 0;
      throw error;
    }
    if (reply[0] !== 1) {
      this.#forget(session);
      tx.transitions.length = 0;
      throw apiError('503101', {
        detail: `The lock of session "${session.name}" expired before the change was committed; nothing was applied.`,
      });
    }
    const [, before, after, evicted, receivers] = reply;
    for (const [field, digest] of digests) cached.digests.set(field, digest);
    for (const field of del) cached.digests.delete(field);
    for (const field of evicted ?? []) this.#applyField(session, field, null, cached);
    // Another session's commit may have evicted from this one meanwhile: then re-read from the version we had.
    cached.version = before === version ? (after ?? version) : version;
    return String(receivers ?? '0');
  }

  // ---- reading a session --------------------------------------------------------------------------------------------

  /** Apply a sync reply to the cached session; returns the version it is now at. */
  #apply(session: Session, reply: SyncReply): number {
    const [, version, kind, clock] = reply;
    this.#adoptClock(clock[0] ?? null, clock[1] ?? null);
    if (kind === 'same') return version;
    let cached = this.#cache.get(session.name);
    if (kind === 'full' || !cached) {
      // A session Redis no longer has (it lost its data) keeps its place in the id stream: ids never repeat.
      const rng = session.data.state();
      this.#store.forgetScheduled(session);
      session.clear();
      session.data.restore(rng);
      existingPartnerState(session)?.load({});
      this.#extras?.adoptScenarios(session.name, []);
      cached = { version, digests: new Map() };
      this.#cache.set(session.name, cached);
      const pairs = (reply[4] ?? []) as string[];
      for (let i = 0; i < pairs.length; i += 2) {
        this.#applyField(session, pairs[i] as string, pairs[i + 1] ?? null, cached);
      }
    } else {
      const pairs = (reply[4] ?? []) as string[];
      for (let i = 0; i < pairs.length; i += 2) {
        const value = pairs[i + 1];
        this.#applyField(session, pairs[i] as string, value === '' ? null : (value ?? null), cached);
      }
      for (const field of (reply[5] ?? []) as string[]) this.#applyField(session, field, null, cached);
    }
    cached.version = version;
    return version;
  }

  #applyField(session: Session, field: string, json: string | null, cached: Cached): void {
    if (json === null) cached.digests.delete(field);
    else cached.digests.set(field, digestOf(json));
    let value: unknown = null;
    try {
      value = json === null ? null : JSON.parse(json);
    } catch {
      // Not written by a mock (or by a version that wrote something else): skipped rather than failing the request.
      this.#log.warn(
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
      this.#extras?.adoptScenarios(session.name, Array.isArray(value) ? (value as string[]) : []);
      return;
    }
    if (field === 'p') {
      if (value !== null) partnerState(session).load(value);
      else existingPartnerState(session)?.load({});
      return;
    }
    const parts = field.split(SEP);
    const kind = parts[0];
    const mid = parts[1] ?? '';
    const partition = session.partition(mid);
    if (kind === 'o') {
      const id = parts.slice(2).join(SEP);
      const old = partition.orders.get(id);
      if (old) this.#store.indexSchedule(session, { ...old, schedule: [] });
      if (value === null) {
        if (old) {
          partition.dropOrder(id);
          this.#store.indexSchedule(session, old);
        }
        return;
      }
      const order = value as Order;
      if (old) {
        // Keep the object others may hold (the journal's order ids, a handler's reference): update it in place.
        Object.assign(old, order);
        partition.putOrder(old);
        this.#store.indexSchedule(session, old);
      } else {
        partition.putOrder(order);
        this.#store.indexSchedule(session, order);
      }
    } else if (kind === 'c') {
      const token = parts.slice(2).join(SEP);
      if (value === null) partition.dropCard(token);
      else partition.putCard(value as VaultedCard);
    } else if (kind === 'k') {
      const scope = parts[2] ?? '';
      const key = parts.slice(3).join(SEP);
      if (value === null) partition.dropIdempotencyRecord(scope, key);
      else partition.putIdempotencyRecord(value as IdempotencyRecord);
    }
  }

  #cached(name: string): Cached {
    let cached = this.#cache.get(name);
    if (!cached) {
      cached = { version: -1, digests: new Map() };
      this.#cache.set(name, cached);
    }
    return cached;
  }

  /** Drop what this process cached of a session: the next request reads it whole. */
  #forget(session: Session): void {
    this.#cache.delete(session.name);
  }

  // ---- the clock ----------------------------------------------------------------------------------------------------

  #adoptClock(offset: string | null, frozen: string | null): void {
    if (offset === null) return;
    this.#clock.adopt({
      offsetMs: Number(offset),
      frozenAt: frozen === null || frozen === '' ? null : Number(frozen),
    });
  }

  async #writeClock(): Promise<void> {
    const { offsetMs, frozenAt } = this.#clock.state();
    await this.#redis.hset(
      `${this.prefix}clock`,
      'offset',
      String(offsetMs),
      'frozen',
      frozenAt === null ? '' : String(frozenAt),
    );
  }

  // ---- plumbing ------------------------------------------------------------------------------------------------------

  /** Run one Redis call; a connection failure is the client's 503100 (Redis is a dependency it can wait for). */
  async #call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if ((error as { code?: string })?.code && String((error as { code?: string }).code).length === 6)
        throw error;
      throw apiError('503100', {
        detail: `The shared store (Redis) did not answer: ${redisReason(error)}. Requests succeed again once it is back.`,
        headers: { 'Retry-After': '1' },
      });
    }
  }

  #serial<T>(name: string, run: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(name) ?? Promise.resolve();
    const next = previous.then(run, run);
    const settled = next.catch(() => undefined);
    this.#queues.set(name, settled);
    void settled.then(() => {
      if (this.#queues.get(name) === settled) this.#queues.delete(name);
    });
    return next;
  }
}

export function orderField(mid: string, id: string): string {
  return `o${SEP}${mid.toLowerCase()}${SEP}${id}`;
}

function cardField(mid: string, token: string): string {
  return `c${SEP}${mid}${SEP}${token}`;
}

function keyField(mid: string, record: IdempotencyRecord): string {
  return `k${SEP}${mid}${SEP}${record.scope}${SEP}${record.key}`;
}

function digestOf(json: string): string {
  return createHash('sha1').update(json).digest('base64');
}

function redisReason(error: unknown): string {
  const raw = String((error as Error)?.message ?? error);
  // ioredis's words for "not connected now" (it refuses to queue while reconnecting).
  if (/enableOfflineQueue|Connection is closed/i.test(raw)) return 'the connection is down, reconnecting';
  const message = raw.replace(/[\r\n]+/g, ' ');
  return message.length > 160 ? `${message.slice(0, 157)}...` : message;
}

export type TransitionEvent = [Order, TransitionName, StatusChange];
