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
import { ACQUIRE, CLOCK_ADVANCE, COMMIT, RELEASE, RESET, SYNC } from './scripts.js';

const SEP = '\u001f';
/** A lock outlives any one operation by far; it only matters when a process dies holding it. */
const LOCK_TTL_MS = 10_000;
/** How long a request waits for its session (here, then for its lock in Redis) before answering 503101. */
const LOCK_WAIT_MS = 5_000;
/** At most this many requests of one session wait in one process; more answer 503101 at once. */
const MAX_QUEUED = 1_000;
/** After Redis failed to answer, calls fail at once (503100) for this long before one is let through to try again. */
const BREAKER_MS = 1_000;

type SyncReply = [number, number, 'same' | 'delta' | 'full', (string | null)[], string, string[]?, string[]?];

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
  /** Idempotency-record fields (named by a digest of the key) → the scope and key they hold. */
  keys: Map<string, [string, string]>;
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
  readonly #queues = new Map<string, { tail: Promise<unknown>; waiting: number }>();
  /** The store's epoch as last seen; a change means Redis lost everything, and so does every cached session. */
  #epoch: string | null = null;
  readonly #epochCandidate = randomUUID();
  /** Until when calls fail at once because Redis did not answer (0: closed breaker, calls go through). */
  #downUntil = 0;
  #onEpoch: (() => void) | null = null;
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
    this.#redis.defineCommand('ffClockAdvance', { numberOfKeys: 0, lua: CLOCK_ADVANCE });
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

  /** Called when the store's epoch changes (Redis lost its data): put back what the processes agreed on. */
  onEpochChange(listener: () => void): void {
    this.#onEpoch = listener;
  }

  /**
   * Before the first request: share this process's clock if no process has yet (the first process's start time and
   * freeze win), else take the shared one.
   */
  async init(): Promise<void> {
    const { offsetMs, frozenAt } = this.#clock.state();
    await this.#call(() =>
      this.#redis
        .hsetnx(`${this.prefix}clock`, 'offset', String(offsetMs))
        .then(() =>
          this.#redis.hsetnx(`${this.prefix}clock`, 'frozen', frozenAt === null ? '' : String(frozenAt)),
        ),
    );
    await this.refreshClock();
  }

  /** Move the shared clock forward atomically (two processes advancing at once both count). */
  async advanceClock(ms: number): Promise<void> {
    await this.clockShared();
    const [offset, frozen] = (await this.#call(() =>
      this.#redis.ffClockAdvance(this.prefix, String(ms)),
    )) as (string | null)[];
    this.#adoptClock(offset ?? null, frozen ?? null);
  }

  /** Connect the parts whose per-session state lives outside the store. */
  useExtras(extras: SharedSessionExtras): void {
    this.#extras = extras;
  }

  /** Bring a session up to date without taking its lock (before the hooks that read it: the scenario choice). */
  refresh(name: string): Promise<void> {
    return this.#serial(name, async () => {
      const reply = await this.#sync(name);
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
    return this.#serial(name, (deadline) => this.#transact(name, fn, deadline));
  }

  /** Forget a session everywhere (admin reset). */
  reset(name: string): Promise<void> {
    return this.#serial(name, async (deadline) => {
      const token = randomUUID();
      await this.#acquire(name, token, deadline);
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
      // One session that cannot be settled now (locked, Redis gone mid-way) must not hold up the others' fates.
      await this.transact(name, (session, tx) => {
        tx.dueExact = true;
        tx.due = this.#store.settleSession(session, now);
      }).catch((error: unknown) =>
        this.#log.warn(`due order changes of session "${name}" wait for the next tick: ${String(error)}`),
      );
    }
  }

  // ---- the transaction --------------------------------------------------------------------------------------------

  async #transact<T>(
    name: string,
    fn: (session: Session, tx: SessionTx) => T | Promise<T>,
    deadline: number,
  ): Promise<T> {
    const token = randomUUID();
    const session = this.#store.session(name);
    const reply = await this.#acquire(name, token, deadline);
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

  /** A lock-free read of the session since the cached version (the whole of it after an epoch change). */
  async #sync(name: string): Promise<SyncReply> {
    for (let attempt = 0; ; attempt++) {
      const cached = this.#cache.get(name);
      const reply = (await this.#call(() =>
        this.#redis.ffSync(this.prefix, name, String(cached?.version ?? -1), this.#epochCandidate),
      )) as SyncReply;
      if (this.#sameEpoch(reply[4]) || attempt > 0) return reply;
    }
  }

  async #acquire(name: string, token: string, deadline: number): Promise<SyncReply> {
    let wait = 1;
    for (;;) {
      const cached = this.#cache.get(name);
      let reply: SyncReply | [0];
      try {
        reply = (await this.#call(() =>
          this.#redis.ffAcquire(
            this.prefix,
            name,
            String(cached?.version ?? -1),
            this.#epochCandidate,
            token,
            String(LOCK_TTL_MS),
          ),
        )) as SyncReply | [0];
      } catch (error) {
        // The script may still run after a timeout: let go of a lock it may take (this runs after it, in order).
        void this.#release(name, token);
        throw error;
      }
      if (reply[0] === 1) {
        // Another epoch: what was cached belongs to a Redis that is gone; read the session whole, holding the lock.
        if (!this.#sameEpoch(reply[4])) return await this.#sync(name);
        return reply as SyncReply;
      }
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
    await this.#redis.ffRelease(this.prefix, name, token).catch(() => undefined);
  }

  /** Whether `epoch` is the one this process's cache belongs to; on a change, drop the whole cache. */
  #sameEpoch(epoch: string): boolean {
    if (epoch === this.#epoch) return true;
    const first = this.#epoch === null;
    this.#epoch = epoch;
    this.#cache.clear();
    if (!first) {
      this.#log.warn('the shared store lost its data (a Redis restart or flush): every session starts empty');
      this.#onEpoch?.();
    }
    return first;
  }

  /** Write back what the request changed; answers the webhook receivers' version (null when nothing was written). */
  async #commit(session: Session, tx: SessionTx, token: string, version: number): Promise<string | null> {
    const cached = this.#cached(session.name);
    const set: string[] = [];
    const digests: [string, string][] = [];
    const del: string[] = [];
    // What an entry costs is counted as one process counts it (its heap estimate), so Redis's budget and each
    // process's copy agree on what goes first.
    const put = (field: string, value: unknown, size?: number) => {
      const json = JSON.stringify(value);
      const digest = digestOf(json);
      if (cached.digests.get(field) === digest) return;
      set.push(field, json, size === undefined ? '' : String(size));
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
          String(set.length / 3),
          ...set,
          ...del,
        ),
      )) as typeof reply;
    } catch (error) {
      this.#forget(session);
      const events = tx.transitions.splice(0);
      // Redis refused the script (it answered): the lock is still ours and nothing was written; let go at once.
      if (isReplyError(error)) void this.#release(session.name, token);
      // Otherwise the commit may still be applied once Redis answers again: find out, and tell its events then.
      else this.#afterUnknownCommit(session.name, token, events);
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
    // A commit that went through marks this process as able to reach Redis.
    this.#downUntil = 0;
    // Another session's commit may have evicted from this one meanwhile: then re-read from the version we had.
    cached.version = before === version ? (after ?? version) : version;
    return String(receivers ?? '0');
  }

  // ---- reading a session --------------------------------------------------------------------------------------------

  /** Apply a sync reply to the cached session; returns the version it is now at. */
  #apply(session: Session, reply: SyncReply): number {
    const [, version, kind, clock] = reply;
    const changed = (reply[5] ?? []) as string[];
    const deleted = (reply[6] ?? []) as string[];
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
      cached = { version, digests: new Map(), keys: new Map() };
      this.#cache.set(session.name, cached);
      for (let i = 0; i < changed.length; i += 2) {
        this.#applyField(session, changed[i] as string, changed[i + 1] ?? null, cached);
      }
    } else {
      for (let i = 0; i < changed.length; i += 2) {
        const value = changed[i + 1];
        this.#applyField(session, changed[i] as string, value === '' ? null : (value ?? null), cached);
      }
      for (const field of deleted) this.#applyField(session, field, null, cached);
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
      if (value === null) {
        const held = cached.keys.get(field);
        cached.keys.delete(field);
        if (held) partition.dropIdempotencyRecord(held[0], held[1]);
        return;
      }
      const record = value as IdempotencyRecord;
      if (typeof record?.scope !== 'string' || typeof record.key !== 'string') return;
      cached.keys.set(field, [record.scope, record.key]);
      partition.putIdempotencyRecord(record);
    }
  }

  #cached(name: string): Cached {
    let cached = this.#cache.get(name);
    if (!cached) {
      cached = { version: -1, digests: new Map(), keys: new Map() };
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
    // A Redis that just failed to answer is not asked again for a moment: a hung server must not make every queued
    // request wait out its own command timeout.
    if (Date.now() < this.#downUntil) {
      throw storeDown('it did not answer a moment ago; the mock tries again within a second');
    }
    try {
      return await run();
    } catch (error) {
      if ((error as { code?: string })?.code && String((error as { code?: string }).code).length === 6)
        throw error;
      if ((error as Error)?.name === 'ReplyError') {
        throw Object.assign(
          apiError('503100', {
            detail: `The shared store (Redis) refused a command: ${redisReason(error)}.`,
            headers: { 'Retry-After': '1' },
          }),
          { cause: error },
        );
      }
      this.#downUntil = Date.now() + BREAKER_MS;
      throw Object.assign(storeDown(redisReason(error)), { cause: error });
    }
  }

  /**
   * Run `run` after the session's earlier local requests. A request that waited past its deadline (or finds too many
   * ahead of it) answers 503101 without running: a slow Redis must not pile up requests without bound.
   */
  #serial<T>(name: string, run: (deadline: number) => Promise<T>): Promise<T> {
    const deadline = Date.now() + LOCK_WAIT_MS;
    let queue = this.#queues.get(name);
    if (queue && queue.waiting >= MAX_QUEUED) {
      return Promise.reject(
        apiError('503101', { detail: `${MAX_QUEUED} requests of session "${name}" are already waiting.` }),
      );
    }
    if (!queue) {
      queue = { tail: Promise.resolve(), waiting: 0 };
      this.#queues.set(name, queue);
    }
    const entry = queue;
    entry.waiting += 1;
    const turn = () => {
      entry.waiting -= 1;
      if (Date.now() >= deadline) {
        return Promise.reject(
          apiError('503101', {
            detail: `Session "${name}" stayed busy for ${LOCK_WAIT_MS} ms (earlier requests of it were still running).`,
          }),
        );
      }
      return run(deadline);
    };
    const next = entry.tail.then(turn, turn);
    const settled = next.catch(() => undefined);
    entry.tail = settled;
    void settled.then(() => {
      if (entry.tail === settled && entry.waiting === 0 && this.#queues.get(name) === entry)
        this.#queues.delete(name);
    });
    return next;
  }

  /**
   * A commit whose answer never came may still have been applied (Redis runs it once it gets to it). Ask, in the
   * background, whether its token is among the session's last commits; if so, tell its transition events then.
   */
  #afterUnknownCommit(name: string, token: string, events: SessionTx['transitions']): void {
    if (events.length === 0) return;
    const key = `${this.prefix}s:${name}:done`;
    let tries = 0;
    const ask = () => {
      tries += 1;
      this.#redis.lrange(key, 0, 99).then(
        (tokens) => {
          if (tokens.includes(token)) this.#store.emitTransitions(events);
        },
        () => {
          if (tries < 60) setTimeout(ask, 1_000).unref();
        },
      );
    };
    setTimeout(ask, 100).unref();
  }
}

export function orderField(mid: string, id: string): string {
  return `o${SEP}${mid.toLowerCase()}${SEP}${id}`;
}

function cardField(mid: string, token: string): string {
  return `c${SEP}${mid}${SEP}${token}`;
}

/**
 * An idempotency record's field names the key by a digest: a key is the client's string (up to the body limit, any
 * characters), and field names are copied into the budgets and every log entry, where its length would multiply.
 */
function keyField(mid: string, record: IdempotencyRecord): string {
  const digest = createHash('sha256').update(record.key).digest('base64url').slice(0, 32);
  return `k${SEP}${mid}${SEP}${record.scope}${SEP}${digest}`;
}

/** An error Redis answered with (a refused script or command), as opposed to no answer at all. */
function isReplyError(error: unknown): boolean {
  return (error as { cause?: { name?: string } })?.cause?.name === 'ReplyError';
}

function digestOf(json: string): string {
  return createHash('sha1').update(json).digest('base64');
}

/** 503100: Redis did not answer; whether a change that was on its way got applied is unknown. */
function storeDown(reason: string) {
  return apiError('503100', {
    detail: `The shared store (Redis) did not answer: ${reason}. Requests succeed again once it is back; a change that was on its way may or may not have been applied, so retry with the same idempotencyKey to learn which.`,
    headers: { 'Retry-After': '1' },
  });
}

function redisReason(error: unknown): string {
  const raw = String((error as Error)?.message ?? error);
  // ioredis's words for "not connected now" (it refuses to queue while reconnecting).
  if (/enableOfflineQueue|Connection is closed/i.test(raw)) return 'the connection is down, reconnecting';
  const message = raw.replace(/[\r\n]+/g, ' ');
  return message.length > 160 ? `${message.slice(0, 157)}...` : message;
}

export type TransitionEvent = [Order, TransitionName, StatusChange];
