// Several mock processes acting as one FlexFactor account, through Redis. Redis holds the truth; each process keeps
// the sessions it served as a cache, so the domain code stays synchronous and unchanged. A request that may change a
// session runs as one transaction: take the session's lock (and, in the same round trip, what changed since this
// process's cached version), run the operation on the cached objects, then write back what it touched, bump the
// version and let go of the lock in one script. A commit is all or nothing; if it fails, the cache is thrown away and
// the next request reads the session again. Transition events (journal, webhooks) are told only after the commit,
// so each committed change is delivered once, by the process that made it.

import { randomUUID } from 'node:crypto';
import type { VirtualClock } from '../domain/clock.js';
import {
  MAX_SESSIONS,
  type Session,
  type SessionTx,
  STORE_BYTE_LIMITS,
  STORE_LIMITS,
  type Store,
} from '../domain/store.js';
import { apiError } from '../errors/catalog.js';
import type { Logger } from '../support/logger.js';
import type { RedisLike } from './connection.js';
import { isReplyError, LOCK_WAIT_MS, RedisCalls, wasNotSent } from './redis-calls.js';
import { ACQUIRE, COMMIT, RELEASE, RESET, SYNC } from './scripts.js';
import {
  applyField,
  type Cached,
  type CopyTarget,
  changesOf,
  newCached,
  type SharedSessionExtras,
} from './session-copy.js';
import { SharedClock } from './shared-clock.js';

export type { SharedSessionExtras } from './session-copy.js';

/** A lock outlives any one operation by far; it only matters when a process dies holding it. */
const LOCK_TTL_MS = 10_000;
type SyncReply = [number, number, 'same' | 'delta' | 'full', (string | null)[], string, string[]?, string[]?];

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

export class SharedStore {
  readonly prefix: string;
  readonly #redis: RedisLike;
  readonly #store: Store;
  readonly #sharedClock: SharedClock;
  readonly #log: Logger;
  readonly #limits: string;
  readonly #cache = new Map<string, Cached>();
  /** One local request at a time per session (the Redis lock then has one contender per process). */
  readonly #calls = new RedisCalls();
  /** The store's epoch as last seen; a change means Redis lost everything, and so does every cached session. */
  #epoch: string | null = null;
  readonly #epochCandidate = randomUUID();
  #onEpoch: (() => void) | null = null;
  #extras: SharedSessionExtras | null = null;
  /** What reading a field needs (built once the extras are known). */
  get #copyTarget(): CopyTarget {
    return { store: this.#store, extras: this.#extras, log: this.#log, reported: this.#reported };
  }
  readonly #reported = new Map<string, true>();
  #receivers: ((version: string) => Promise<void>) | null = null;

  constructor(options: SharedStoreOptions) {
    this.prefix = options.prefix;
    this.#redis = options.redis;
    this.#store = options.store;
    this.#log = options.log;
    const l = { ...STORE_LIMITS, ...options.limits };
    const bytes = { ...STORE_BYTE_LIMITS, ...options.byteLimits };
    // The byte budgets of one process hold for the whole account too, counted the same way (heap estimates).
    this.#limits = JSON.stringify({
      o: { n: l.orders, b: bytes.orders },
      c: { n: l.cards },
      k: { n: l.idempotencyKeys, b: bytes.idempotencyKeys },
      // A session's partner data is one entry, as large as a process's copy lets it grow (twice the budget, see
      // createApp): the account's room is that much, or a session filling it alone would lose all of it.
      p: { n: MAX_SESSIONS, b: bytes.partner * 2 },
    });
    // This process's copy lost an entry to its budget: read the session whole next time rather than trust it.
    this.#store.onEvicted = (session) => this.#cache.delete(session);
    this.#sharedClock = new SharedClock({
      redis: options.redis,
      prefix: options.prefix,
      clock: options.clock,
      log: options.log,
      calls: this.#calls,
    });
    this.#redis.defineCommand('ffSync', { numberOfKeys: 0, lua: SYNC });
    this.#redis.defineCommand('ffAcquire', { numberOfKeys: 0, lua: ACQUIRE });
    this.#redis.defineCommand('ffRelease', { numberOfKeys: 0, lua: RELEASE });
    this.#redis.defineCommand('ffCommit', { numberOfKeys: 0, lua: COMMIT });
    this.#redis.defineCommand('ffReset', { numberOfKeys: 0, lua: RESET });
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

  /** Before the first request: the first process's clock is shared, the others take it. */
  init(): Promise<void> {
    return this.#sharedClock.init();
  }

  /** Move the shared clock forward atomically (two processes advancing at once both count). */
  advanceClock(ms: number): Promise<void> {
    return this.#sharedClock.advance(ms);
  }

  /** Connect the parts whose per-session state lives outside the store. */
  useExtras(extras: SharedSessionExtras): void {
    this.#extras = extras;
  }

  /** Bring a session up to date without taking its lock (before the hooks that read it: the scenario choice). */
  refresh(name: string): Promise<void> {
    return this.#calls.serial(name, async () => {
      const reply = await this.#sync(name);
      this.#apply(this.#store.session(name), reply);
    });
  }

  /** Read the shared clock now (admin calls, which have no session to sync). */
  refreshClock(): Promise<void> {
    return this.#sharedClock.refresh();
  }

  /** Wait until this process's last clock change is in Redis. */
  clockShared(): Promise<void> {
    return this.#sharedClock.written();
  }

  /**
   * Run `fn` on the session as one transaction. What it changed is committed atomically; if the commit fails
   * (Redis gone, lock lost), nothing of it stays, here or there, and the request answers 503.
   */
  transact<T>(name: string, fn: (session: Session, tx: SessionTx) => T | Promise<T>): Promise<T> {
    return this.#calls.serial(name, (deadline) => this.#transact(name, fn, deadline));
  }

  /** Forget a session everywhere (admin reset). */
  reset(name: string): Promise<void> {
    return this.#calls.serial(name, async (deadline) => {
      const token = randomUUID();
      await this.#acquire(name, token, deadline);
      try {
        const reply = (await this.#calls.call(() =>
          this.#redis.ffReset(this.prefix, name, token),
        )) as number[];
        if (reply[0] !== 1)
          throw apiError('503101', { detail: 'The session lock expired during the reset.' });
      } catch (error) {
        // A reset that was refused or never sent left the lock taken: let go rather than block the session 10 s.
        if (isReplyError(error) || wasNotSent(error)) void this.#release(name, token);
        throw error;
      } finally {
        this.#cache.delete(name);
      }
    });
  }

  /** The sessions every process has used, least recently used first (at most MAX_SESSIONS). */
  async sessionNames(): Promise<string[]> {
    return (await this.#calls.call(() => this.#redis.zrange(`${this.prefix}sessions`, 0, -1))) as string[];
  }

  /**
   * Settle every session whose scheduled changes are due at `now`, each in its own transaction, in batches until
   * none is left (a bounded number of batches; a session that cannot be settled now is skipped until the next tick).
   */
  async settleDue(now: number): Promise<void> {
    const failed = new Set<string>();
    for (let batch = 0; batch < 100; batch++) {
      const due = (await this.#calls.call(() =>
        this.#redis.zrangebyscore(`${this.prefix}due`, '-inf', String(now), 'LIMIT', 0, 100 + failed.size),
      )) as string[];
      const todo = due.filter((name) => !failed.has(name));
      if (todo.length === 0) return;
      for (const name of todo) {
        // One session that cannot be settled now (locked, Redis gone mid-way) must not hold up the others' fates.
        await this.transact(name, (session, tx) => {
          tx.dueExact = true;
          tx.due = this.#store.settleSession(session, now);
        }).catch((error: unknown) => {
          failed.add(name);
          this.#log.warn(`due order changes of session "${name}" wait for the next tick: ${String(error)}`);
        });
      }
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
      const reply = (await this.#calls.call(() =>
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
        reply = (await this.#calls.call(() =>
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
        if (!this.#sameEpoch(reply[4])) {
          try {
            return await this.#sync(name);
          } catch (error) {
            void this.#release(name, token);
            throw error;
          }
        }
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
      void this.#sharedClock.restore().catch(() => undefined);
      this.#onEpoch?.();
    }
    return first;
  }

  /** Write back what the request changed; answers the webhook receivers' version (null when nothing was written). */
  async #commit(session: Session, tx: SessionTx, token: string, version: number): Promise<string | null> {
    const cached = this.#cached(session.name);
    const { set, digests, del, due } = changesOf(session, tx, cached, this.#extras);

    // A settle that found nothing still due must clear the session's due entry, or every tick would visit it again.
    if (set.length === 0 && del.length === 0 && due === null && !tx.dueExact) {
      await this.#release(session.name, token);
      return null;
    }
    let reply: [number, number?, number?, string[]?, string?];
    try {
      reply = (await this.#calls.call(() =>
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
      // Redis refused the script (it answered), or the call was never sent: nothing was written; let go at once.
      if (isReplyError(error) || wasNotSent(error)) void this.#release(session.name, token);
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
    for (const field of evicted ?? []) applyField(this.#copyTarget, session, field, null, cached);
    // A commit that went through marks this process as able to reach Redis.
    this.#calls.up();
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
    this.#sharedClock.adopt(clock[0] ?? null, clock[1] ?? null);
    if (kind === 'same') return version;
    let cached = this.#cache.get(session.name);
    if (kind === 'full' || !cached) {
      // A session Redis no longer has (it lost its data) keeps its place in the id stream: ids never repeat.
      const rng = session.data.state();
      this.#store.forgetScheduled(session);
      session.clear();
      session.data.restore(rng);
      session.existingPartner()?.load({});
      this.#extras?.adoptScenarios(session.name, []);
      cached = newCached(version);
      this.#cache.set(session.name, cached);
      for (let i = 0; i < changed.length; i += 2) {
        applyField(this.#copyTarget, session, changed[i] as string, changed[i + 1] ?? null, cached);
      }
    } else {
      for (let i = 0; i < changed.length; i += 2) {
        const value = changed[i + 1];
        applyField(
          this.#copyTarget,
          session,
          changed[i] as string,
          value === '' ? null : (value ?? null),
          cached,
        );
      }
      for (const field of deleted) applyField(this.#copyTarget, session, field, null, cached);
    }
    cached.version = version;
    return version;
  }

  #cached(name: string): Cached {
    let cached = this.#cache.get(name);
    if (!cached) {
      cached = newCached();
      this.#cache.set(name, cached);
    }
    return cached;
  }

  /** Drop what this process cached of a session: the next request reads it whole. */
  #forget(session: Session): void {
    this.#cache.delete(session.name);
  }

  /**
   * A commit whose answer never came may still have been applied (Redis runs it once it gets to it). Ask, in the
   * background, whether its token is among the session's last commits; if so, tell its transition events then.
   */
  #afterUnknownCommit(name: string, token: string, events: SessionTx['transitions']): void {
    if (events.length === 0) return;
    const key = `${this.prefix}s:${name}/done`;
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
