// Time-driven order fates: settling the orders whose scheduled change (a managed MIT outcome, a pick-up, a capture
// auto-void) is due, whenever virtual time moves. Orders also settle when read (Store.settle), so nothing here is needed
// for answers to be right; it is what makes a transition, and the webhook it causes, happen without a read.

import type { VirtualClock } from './clock.js';
import type { Store } from './store.js';

/** How often a running (unfrozen) clock is checked for due fates, in real ms, once someone asked for it. */
const TICK_MS = 1_000;

/**
 * The most orders one slice of tickInSlices() settles before it lets the event loop run: a settled order can make
 * dozens of webhook deliveries and journal entries, so a clock move over many orders is cut into slices of tens
 * of milliseconds instead of holding every other request for seconds.
 */
export const SETTLE_SLICE = 200;
/**
 * And the most work (webhook deliveries made) one slice may cause: an order settled for a session with many receivers
 * makes hundreds of deliveries, so 200 orders alone could still hold the loop for most of a second.
 */
export const SETTLE_SLICE_WORK = 2_000;

export class OrderScheduler {
  readonly #store: Store;
  readonly #clock: VirtualClock;
  readonly #listeners = new Set<(now: number) => void>();
  readonly #unsubscribe: () => void;
  readonly #settleShared: ((now: number) => Promise<void>) | undefined;
  #ticker: NodeJS.Timeout | null = null;
  #closed = false;
  /** A clock change made through quietly(): its caller ticks (in slices) itself. */
  #quiet = false;
  /** A tickInSlices() is under way: the running clock's poll waits for it instead of settling everything at once. */
  #slicing = false;
  /** The last tickInSlices() under way, which the next one waits for. */
  #sliced: Promise<void> = Promise.resolve();
  /** What settling makes elsewhere, counted (see weighSlicesBy). */
  #work: () => number = () => 0;

  /**
   * `settleShared`: with a store shared through Redis, settling is a transaction per session (mock/redis/), so a
   * tick is asynchronous; the listeners hear of it once it is done.
   */
  constructor(store: Store, clock: VirtualClock, settleShared?: (now: number) => Promise<void>) {
    this.#store = store;
    this.#clock = clock;
    this.#settleShared = settleShared;
    this.#unsubscribe = clock.onChange((now) => {
      if (!this.#quiet) void this.tick(now);
    });
  }

  /** Settle every fate due at `now` (default: the clock's time), then tell the listeners. */
  tick(now: number = this.#clock.now()): void | Promise<void> {
    if (this.#settleShared) {
      return this.#settleShared(now).then(
        () => this.#told(now),
        () => this.#told(now),
      );
    }
    this.#store.settleDue(now);
    this.#told(now);
  }

  /**
   * tick(), letting the event loop run every SETTLE_SLICE settled orders (setImmediate): what the admin API's clock
   * moves await, so everything due has run when they answer and no other request waited for all of it.
   */
  tickInSlices(now: number = this.#clock.now()): Promise<void> {
    if (this.#settleShared) return Promise.resolve(this.tick(now));
    // One at a time: moves sent together would each run a slice per turn of the event loop, so five of them held
    // other requests five slices long. A later move waits for the earlier ones, then settles what is still due.
    const run = this.#sliced.then(() => this.#settleInSlices(now));
    this.#sliced = run.catch(() => undefined);
    return run;
  }

  async #settleInSlices(now: number): Promise<void> {
    this.#slicing = true;
    try {
      for (const _ of this.#store.settleDueSteps(now, SETTLE_SLICE, this.#work, SETTLE_SLICE_WORK)) {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.#slicing = false;
    }
    this.#told(now);
  }

  /**
   * A count that grows with the work settling causes elsewhere (the webhook dispatcher's deliveries made): a slice of
   * tickInSlices() also ends once it grew by SETTLE_SLICE_WORK.
   */
  weighSlicesBy(work: () => number): void {
    this.#work = work;
  }

  /** Make a clock change without the tick it would run at once; the caller follows it with tickInSlices(). */
  quietly<T>(change: () => T): T {
    this.#quiet = true;
    try {
      return change();
    } finally {
      this.#quiet = false;
    }
  }

  #told(now: number): void {
    for (const listener of this.#listeners) listener(now);
  }

  /** Called after each tick: every clock move, every poll of a running clock, every tick() call. */
  onTick(listener: (now: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Poll a running clock every second from now on. A frozen clock moves only through freeze/set/advance, which tick at
   * once; a running one moves by itself, and only a poll notices. Started on demand (the webhook dispatcher asks once
   * it has somewhere to deliver) so an app that never needs it keeps no timer.
   */
  keepTicking(): void {
    if (this.#ticker || this.#closed) return;
    this.#ticker = setInterval(() => {
      if (!this.#clock.isFrozen() && !this.#slicing) void this.tickInSlices();
    }, TICK_MS);
    this.#ticker.unref();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ticker) clearInterval(this.#ticker);
    this.#ticker = null;
    this.#unsubscribe();
    this.#listeners.clear();
  }
}
