// The virtual clock: real time by default, frozen and advanced by tests. Everything time-dependent (token expiry,
// managed-MIT fates, capture windows, idempotency windows) reads this clock, never Date.now().

import { isInstant, parseInstant } from './dates.js';

export interface ClockOptions {
  /** Start the clock at this instant (ISO 8601 string, Date or ms epoch). Default: the real current time. */
  start?: string | number | Date;
  /** Freeze the clock at start-up: time then moves only through advance()/set(). */
  frozen?: boolean;
}

export type ClockListener = (now: number) => void;

/** How far the virtual clock may move from the real current time, either way: 100 years (of 365.25 days). */
export const MAX_CLOCK_SKEW_MS = 100 * 365.25 * 86_400_000;

/**
 * A clock input outside the range the virtual clock keeps to. Every later request reads the clock (token expiry,
 * dates in responses), so an instant JavaScript cannot represent, or one so far out that adding a token's lifetime
 * leaves the Date range, would break all of them: such inputs are refused, never clamped silently.
 */
export class ClockRangeError extends RangeError {
  constructor(what: string) {
    const now = Date.now();
    super(
      `${what} The virtual clock stays within 100 years of the real current time: between ` +
        `${new Date(now - MAX_CLOCK_SKEW_MS).toISOString()} and ${new Date(now + MAX_CLOCK_SKEW_MS).toISOString()}; ` +
        'advance by a duration from 0 to 100 years (e.g. 30s, 10m, 2h, 3d).',
    );
    this.name = 'ClockRangeError';
  }
}

/** Refuse an instant outside the allowed range (see MAX_CLOCK_SKEW_MS). */
export function checkInstant(ms: number): number {
  const now = Date.now();
  if (!Number.isFinite(ms) || Math.abs(ms - now) > MAX_CLOCK_SKEW_MS) {
    throw new ClockRangeError(
      isInstant(ms)
        ? `${new Date(ms).toISOString()} is out of range.`
        : `${String(ms)} is not a usable instant.`,
    );
  }
  return ms;
}

export class VirtualClock {
  #offsetMs = 0;
  #frozenAt: number | null = null;
  readonly #listeners = new Set<ClockListener>();
  readonly #stateListeners = new Set<() => void>();

  constructor(options: ClockOptions = {}) {
    // Frozen: stop exactly at the start instant (set-then-freeze could let a millisecond pass in between).
    if (options.frozen) this.freeze(options.start === undefined ? Date.now() : toMs(options.start));
    else if (options.start !== undefined) this.set(toMs(options.start));
  }

  /** Current virtual time in ms since the epoch. */
  now(): number {
    return this.#frozenAt ?? Date.now() + this.#offsetMs;
  }

  date(): Date {
    return new Date(this.now());
  }

  isFrozen(): boolean {
    return this.#frozenAt !== null;
  }

  /** Stop time at the current instant (or at `at`). */
  freeze(at?: string | number | Date): number {
    this.#frozenAt = at === undefined ? this.now() : checkInstant(toMs(at));
    this.#notify();
    return this.now();
  }

  /** Let time run again in real time from the current virtual instant. */
  unfreeze(): number {
    if (this.#frozenAt !== null) {
      this.#offsetMs = this.#frozenAt - Date.now();
      this.#frozenAt = null;
      for (const listener of this.#stateListeners) listener();
    }
    return this.now();
  }

  /** The clock's whole state: what a shared store carries to the other processes. */
  state(): { offsetMs: number; frozenAt: number | null } {
    return { offsetMs: this.#offsetMs, frozenAt: this.#frozenAt };
  }

  /** Take another process's state (no onStateChange call: that would echo it back); due work runs as on any move. */
  adopt(state: { offsetMs: number; frozenAt: number | null }): void {
    if (state.offsetMs === this.#offsetMs && state.frozenAt === this.#frozenAt) return;
    if (!Number.isFinite(state.offsetMs) || Math.abs(state.offsetMs) > MAX_CLOCK_SKEW_MS * 2) return;
    if (state.frozenAt !== null && !Number.isFinite(state.frozenAt)) return;
    this.#offsetMs = state.offsetMs;
    this.#frozenAt = state.frozenAt;
    for (const listener of this.#listeners) listener(this.now());
  }

  /** Called after every change made here (freeze, unfreeze, set, advance), not after adopt(). */
  onStateChange(listener: () => void): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  /** Jump to an instant (frozen stays frozen; running keeps running from there). */
  set(at: string | number | Date): number {
    const target = checkInstant(toMs(at));
    if (this.#frozenAt !== null) this.#frozenAt = target;
    else this.#offsetMs = target - Date.now();
    this.#notify();
    return this.now();
  }

  /** Move time forward by `ms` (negative values are refused: time in a payment system does not run backwards). */
  advance(ms: number): number {
    return this.set(this.checkAdvance(ms));
  }

  /**
   * The instant an advance by `ms` would reach, or a ClockRangeError: the same check whether this clock moves itself
   * or a shared store moves it in Redis.
   */
  checkAdvance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0 || ms > MAX_CLOCK_SKEW_MS)
      throw new ClockRangeError(`Cannot advance by ${String(ms)} ms.`);
    return checkInstant(this.now() + ms);
  }

  /** Called after every freeze/set/advance, so due work (fates, deliveries) can run without waiting. */
  onChange(listener: ClockListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #notify(): void {
    for (const listener of this.#stateListeners) listener();
    const now = this.now();
    for (const listener of this.#listeners) listener(now);
  }
}

export function toMs(at: string | number | Date): number {
  const ms = typeof at === 'number' ? at : at instanceof Date ? at.getTime() : parseInstant(at);
  if (!Number.isFinite(ms)) throw new RangeError(`Not a valid instant: ${String(at)}`);
  return ms;
}

/** Parse durations like `90s`, `10m`, `2h`, `3d`, `1500ms` or a plain number of ms. */
export function parseDuration(text: string | number): number {
  if (typeof text === 'number') return text;
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new RangeError(`Not a duration: ${text} (use e.g. 500ms, 30s, 10m, 2h, 3d)`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] ?? 'ms'] ?? 1;
  return Math.round(Number(match[1]) * unit);
}
