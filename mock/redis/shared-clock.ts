// The virtual clock shared by every process: one clock for the whole account, as in one process. A change made here
// is written to Redis before the admin call that made it answers; others take it with their next request (every
// session read returns it). An advance is applied in Redis, so two processes advancing at once both count.

import type { VirtualClock } from '../domain/clock.js';
import type { Logger } from '../support/logger.js';
import type { RedisLike } from './connection.js';
import type { RedisCalls } from './redis-calls.js';
import { CLOCK_ADVANCE } from './scripts.js';

export class SharedClock {
  readonly #redis: RedisLike;
  readonly #prefix: string;
  readonly #key: string;
  readonly #clock: VirtualClock;
  readonly #calls: RedisCalls;
  #write: Promise<unknown> = Promise.resolve();

  constructor(options: {
    redis: RedisLike;
    prefix: string;
    clock: VirtualClock;
    log: Logger;
    calls: RedisCalls;
  }) {
    this.#redis = options.redis;
    this.#prefix = options.prefix;
    this.#key = `${options.prefix}clock`;
    this.#clock = options.clock;
    this.#calls = options.calls;
    this.#redis.defineCommand('ffClockAdvance', { numberOfKeys: 0, lua: CLOCK_ADVANCE });
    // A change of the clock made here goes to Redis at once; the others read it with their next request.
    this.#clock.onStateChange(() => {
      this.#write = this.#save().catch((error: unknown) =>
        options.log.warn(`the virtual clock could not be shared through Redis: ${String(error)}`),
      );
    });
  }

  /**
   * Before the first request: share this process's clock if no process has yet (the first process's start time and
   * freeze win), else take the shared one.
   */
  async init(): Promise<void> {
    const { offsetMs, frozenAt } = this.#clock.state();
    await this.#calls.call(() =>
      this.#redis
        .hsetnx(this.#key, 'offset', String(offsetMs))
        .then(() => this.#redis.hsetnx(this.#key, 'frozen', frozenAt === null ? '' : String(frozenAt))),
    );
    await this.refresh();
  }

  async advance(ms: number): Promise<void> {
    await this.written();
    const { offsetMs, frozenAt } = this.#clock.state();
    const [offset, frozen] = (await this.#calls.call(() =>
      this.#redis.ffClockAdvance(
        this.#prefix,
        String(ms),
        String(offsetMs),
        frozenAt === null ? '' : String(frozenAt),
      ),
    )) as (string | null)[];
    this.adopt(offset ?? null, frozen ?? null);
  }

  async refresh(): Promise<void> {
    const [offset, frozen] = (await this.#calls.call(() =>
      this.#redis.hmget(this.#key, 'offset', 'frozen'),
    )) as (string | null)[];
    this.adopt(offset ?? null, frozen ?? null);
  }

  /**
   * Redis lost its data: put this process's clock back unless another process already did (the first to notice
   * wins; the others take it with their next read), so the processes keep agreeing on the time.
   */
  async restore(): Promise<void> {
    const { offsetMs, frozenAt } = this.#clock.state();
    await this.#redis.hsetnx(this.#key, 'offset', String(offsetMs));
    await this.#redis.hsetnx(this.#key, 'frozen', frozenAt === null ? '' : String(frozenAt));
  }

  /** Wait until this process's last clock change is in Redis. */
  async written(): Promise<void> {
    await this.#write;
  }

  /** Take the state Redis holds (as a session read or a clock call returned it). */
  adopt(offset: string | null, frozen: string | null): void {
    if (offset === null) return;
    this.#clock.adopt({
      offsetMs: Number(offset),
      frozenAt: frozen === null || frozen === '' ? null : Number(frozen),
    });
  }

  async #save(): Promise<void> {
    const { offsetMs, frozenAt } = this.#clock.state();
    await this.#redis.hset(
      this.#key,
      'offset',
      String(offsetMs),
      'frozen',
      frozenAt === null ? '' : String(frozenAt),
    );
  }
}
