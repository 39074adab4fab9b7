// Calling Redis from a request: every call fails as a catalog problem (503100) when Redis does not answer or refuses,
// a breaker stops asking a Redis that just failed to answer for a moment, and one session's local requests run one
// at a time with a deadline and a bound on how many may wait (503101 beyond either).

import { ApiError, apiError } from '../errors/catalog.js';

/** How long a request waits for its session (here, then for its lock in Redis) before answering 503101. */
export const LOCK_WAIT_MS = 5_000;
/** At most this many requests of one session wait in one process; more answer 503101 at once. */
const MAX_QUEUED = 1_000;
/** After Redis failed to answer, calls fail at once (503100) for this long before one is let through to try again. */
const BREAKER_MS = 1_000;

export class RedisCalls {
  readonly #queues = new Map<string, { tail: Promise<unknown>; waiting: number }>();
  /** Until when calls fail at once because Redis did not answer (0: closed breaker, calls go through). */
  #downUntil = 0;

  /** Redis answered a commit: it is reachable again. */
  up(): void {
    this.#downUntil = 0;
  }

  /** Run one Redis call; a connection failure is the client's 503100 (Redis is a dependency it can wait for). */
  async call<T>(run: () => Promise<T>): Promise<T> {
    // A Redis that just failed to answer is not asked again for a moment: a hung server must not make every queued
    // request wait out its own command timeout.
    if (Date.now() < this.#downUntil) {
      // Never sent: whatever it was to change is certainly not applied.
      throw Object.assign(storeDown('it did not answer a moment ago; the mock tries again within a second'), {
        notSent: true,
      });
    }
    try {
      const answer = await run();
      // Any answer means Redis is back: calls go through again at once.
      this.#downUntil = 0;
      return answer;
    } catch (error) {
      if (error instanceof ApiError) throw error;
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
  serial<T>(name: string, run: (deadline: number) => Promise<T>): Promise<T> {
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
}

/** An error Redis answered with (a refused script or command), as opposed to no answer at all. */
export function isReplyError(error: unknown): boolean {
  return (error as { cause?: { name?: string } })?.cause?.name === 'ReplyError';
}

/** A call the breaker refused: it never reached Redis. */
export function wasNotSent(error: unknown): boolean {
  return (error as { notSent?: boolean })?.notSent === true;
}

/** 503100: Redis did not answer; whether a change that was on its way got applied is unknown. */
export function storeDown(reason: string) {
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
