// Transport faults on the real socket, and latency. Each fault is what a client sees from a broken network or a
// broken upstream: a TCP reset, silence until its own timeout, a body cut short, invalid JSON, a body that trickles.
// FAULTS is the one list of them: the scenario schema, the loader's checks, the engine and docs/scenarios.md read it.

import type { Response } from 'express';
import type { Outgoing } from './outgoing.js';

/** A fault's options, as JSON Schema (rendered into scenarios/scenario.schema.json by `npm run docs`). */
interface FaultOption {
  type: 'integer' | 'string';
  minimum?: number;
  maximum?: number;
  description: string;
}

/** Options of the object form of `fault`; each fault reads the ones its row declares. */
export interface FaultOptions {
  bytes?: number;
  chunkBytes?: number;
  intervalMs?: number;
  text?: string;
}

interface FaultRow {
  /** What it does, in one sentence fragment (the schema and the docs' table). */
  does: string;
  /** false: nothing is sent at all, so a scenario cannot add respond to it, and applied has no body to break. */
  sendsResponse: boolean;
  /** What a client sees: the value an example's `expect.fault` names. */
  clientSees: string;
  options: Partial<Record<keyof FaultOptions, FaultOption>>;
  /**
   * Breaks the response on the socket; `out` is the response the client would have had (null for faults that send
   * nothing). Absent for hang, which the engine keeps so close() can end it.
   */
  write?: (res: Response, out: Outgoing | null, options: FaultOptions, timers: Timers) => void;
}

/** How many requests a `hang` fault may hold open at once, and for how long (ScenarioOptions.hang). */
export interface HangLimits {
  /** The most held at once, server-wide (default 1,000); one more has its connection ended at once. */
  maxHeld?: number;
  /** The longest one is held (default 10 minutes); then its connection is ended. */
  maxMs?: number;
}

/**
 * Each held request keeps a socket (a file descriptor) and about 11 KB: 17,700 held took 200 MB. A thousand is far
 * more than a test suite has waiting on its own timeouts, and keeps them to about 11 MB and a thousand descriptors
 * (Node raises its soft descriptor limit to the hard one at start, usually thousands or more). Ten minutes is
 * twice undici's (fetch's) default 300 s headers timeout, the longest a usual client waits unless told otherwise.
 */
export const DEFAULT_HANG_LIMITS: Required<HangLimits> = { maxHeld: 1_000, maxMs: 10 * 60_000 };

/** Every transport fault a scenario can inject. A new fault is one row here, plus a library scenario showing it. */
export const FAULTS = {
  reset: {
    does: 'TCP reset, no response',
    sendsResponse: false,
    clientSees: 'reset',
    options: {},
    write: (res) => resetConnection(res),
  },
  hang: {
    does: `never answer (the client times out); at most ${DEFAULT_HANG_LIMITS.maxHeld.toLocaleString('en-US')} held at once (one more is ended at once), each for at most ${DEFAULT_HANG_LIMITS.maxMs / 60_000} minutes`,
    sendsResponse: false,
    clientSees: 'timeout',
    options: {},
  },
  truncate: {
    does: 'full Content-Length, part of the body, then close',
    sendsResponse: true,
    clientSees: 'truncated',
    options: {
      bytes: { type: 'integer', minimum: 0, description: 'how many body bytes to send (default: half).' },
    },
    write: (res, out, options) => {
      if (out) writeTruncated(res, out, options.bytes);
    },
  },
  'malformed-json': {
    does: '200 with invalid JSON text',
    sendsResponse: true,
    clientSees: 'malformed-json',
    options: {
      text: {
        type: 'string',
        description: 'the exact text to send (default: the body with a trailing comma).',
      },
    },
    write: (res, out, options) => {
      if (out) writeMalformed(res, out, options.text);
    },
  },
  'slow-body': {
    does: 'the body trickles in',
    sendsResponse: true,
    clientSees: 'slow-body',
    options: {
      chunkBytes: { type: 'integer', minimum: 1, description: 'bytes per chunk (default 16).' },
      intervalMs: {
        type: 'integer',
        minimum: 1,
        maximum: 60000,
        description: 'pause between chunks (default 100).',
      },
    },
    write: (res, out, options, timers) => {
      if (out) writeSlow(res, out, timers, options.chunkBytes, options.intervalMs);
    },
  },
} as const satisfies Record<string, FaultRow>;

export type FaultType = keyof typeof FAULTS;
/** What a client sees from each fault: an example's `expect.fault`. */
export type FaultSeen = (typeof FAULTS)[FaultType]['clientSees'];
export interface FaultObject extends FaultOptions {
  type: FaultType;
}
export type FaultSpec = FaultType | FaultObject;

/** The row of a fault, typed as a row (the table itself keeps its literal types for FaultType and FaultSeen). */
export function faultRow(type: FaultType): FaultRow {
  return FAULTS[type];
}

/** A delay before answering: milliseconds, or a distribution drawn from the seeded generator. */
export type DelaySpec =
  | number
  | {
      distribution: 'fixed' | 'uniform' | 'normal' | 'lognormal';
      ms?: number;
      min?: number;
      max?: number;
      mean?: number;
      stddev?: number;
      median?: number;
      p99?: number;
    };

/**
 * Requests a `hang` fault holds open, never answered: the client's own timeout ends each, or endAll(), or the longest
 * hold. Beyond the most held at once a new one has its connection ended at once (the client sees a failed call, as
 * with a timeout), and `onFull` is told once each time the limit is reached (again after the held fell to half).
 */
export class HungRequests {
  readonly #held = new Map<Response, NodeJS.Timeout>();
  readonly #waiters: (() => void)[] = [];
  readonly #limits: Required<HangLimits>;
  readonly #onFull: (maxHeld: number) => void;
  #full = false;

  constructor(limits: HangLimits = {}, onFull: (maxHeld: number) => void = () => undefined) {
    this.#limits = { ...DEFAULT_HANG_LIMITS, ...limits };
    this.#onFull = onFull;
  }

  get count(): number {
    return this.#held.size;
  }

  /** Hold this request's connection open; false (and the connection ended) when the most are held already. */
  hold(res: Response): boolean {
    const { maxHeld, maxMs } = this.#limits;
    if (this.#held.size >= maxHeld) {
      if (!this.#full) {
        this.#full = true;
        this.#onFull(maxHeld);
      }
      res.req.socket.destroy();
      return false;
    }
    const timer = setTimeout(() => res.req.socket.destroy(), maxMs);
    timer.unref();
    this.#held.set(res, timer);
    res.once('close', () => {
      clearTimeout(timer);
      this.#held.delete(res);
      if (this.#held.size <= maxHeld / 2) this.#full = false;
    });
    for (const resolve of this.#waiters.splice(0)) resolve();
    return true;
  }

  /** Resolves when the next request is held. */
  next(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  endAll(): void {
    for (const [res, timer] of this.#held) {
      clearTimeout(timer);
      res.req.socket.destroy();
    }
    this.#held.clear();
  }
}

/** Timers the scenario engine owns, so close() can stop every one still pending. */
export class Timers {
  readonly #pending = new Set<NodeJS.Timeout>();

  after(ms: number, run: () => void): void {
    const timer = setTimeout(() => {
      this.#pending.delete(timer);
      run();
    }, ms);
    this.#pending.add(timer);
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  clear(): void {
    for (const timer of this.#pending) clearTimeout(timer);
    this.#pending.clear();
  }
}

/** A small deterministic generator (mulberry32): latency draws follow the seed, like every other random choice. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DEFAULT_CAP_MS = 60_000;
const Z99 = 2.3263478740408408;

/** One draw of a delay (ms, rounded, never negative, capped). */
export function sampleDelay(spec: DelaySpec, random: () => number): number {
  if (typeof spec === 'number') return spec;
  const cap = spec.max ?? DEFAULT_CAP_MS;
  const clamp = (ms: number) => Math.round(Math.min(cap, Math.max(0, ms)));
  switch (spec.distribution) {
    case 'fixed':
      return clamp(spec.ms ?? 0);
    case 'uniform': {
      const min = spec.min ?? 0;
      return clamp(min + random() * ((spec.max ?? min) - min));
    }
    case 'normal':
      return clamp((spec.mean ?? 0) + (spec.stddev ?? 0) * gaussian(random));
    case 'lognormal': {
      const median = Math.max(spec.median ?? 1, 1e-9);
      const sigma = Math.log(Math.max(spec.p99 ?? median, median) / median) / Z99;
      return clamp(median * Math.exp(sigma * gaussian(random)));
    }
  }
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), Number.EPSILON);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Normalized fault options. */
export function faultObject(spec: FaultSpec): FaultObject {
  return typeof spec === 'string' ? { type: spec } : spec;
}

/** TCP reset: the client gets ECONNRESET and no response at all. */
export function resetConnection(res: Response): void {
  const socket = res.req.socket;
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

function startHeaders(res: Response, out: Outgoing, length: number): void {
  res.statusCode = out.status;
  for (const [name, value] of Object.entries(out.headers)) res.setHeader(name, value);
  res.setHeader('content-type', out.contentType);
  res.setHeader('content-length', String(length));
  (res.locals as { responseBody?: unknown }).responseBody = out.body;
}

/** Headers with the full Content-Length, `bytes` of the body (default half), then the connection closes. */
export function writeTruncated(res: Response, out: Outgoing, bytes?: number): void {
  const full = Buffer.from(out.text, 'utf8');
  const sent = Math.min(bytes ?? Math.floor(full.length / 2), Math.max(0, full.length - 1));
  startHeaders(res, out, full.length);
  const close = () => res.req.socket.destroy();
  if (sent === 0) {
    res.flushHeaders();
    setImmediate(close);
    return;
  }
  res.write(full.subarray(0, sent), close);
}

/** A complete response whose body is not valid JSON (by default: the real body with a trailing comma). */
export function writeMalformed(res: Response, out: Outgoing, text?: string): void {
  const body = text ?? malform(out.text);
  startHeaders(res, { ...out, contentType: 'application/json; charset=utf-8' }, Buffer.byteLength(body));
  res.end(body);
}

function malform(json: string): string {
  if (json.endsWith('}') || json.endsWith(']')) return `${json.slice(0, -1)},${json.slice(-1)}`;
  return `${json},`;
}

/** The body in chunks of `chunkBytes` every `intervalMs`; stops if the client goes away. */
export function writeSlow(
  res: Response,
  out: Outgoing,
  timers: Timers,
  chunkBytes = 16,
  intervalMs = 100,
): void {
  const full = Buffer.from(out.text, 'utf8');
  startHeaders(res, out, full.length);
  let offset = 0;
  let closed = false;
  res.once('close', () => {
    closed = true;
  });
  const next = () => {
    if (closed) return;
    const chunk = full.subarray(offset, offset + chunkBytes);
    offset += chunk.length;
    if (offset >= full.length) {
      res.end(chunk);
      return;
    }
    res.write(chunk);
    timers.after(intervalMs, next);
  };
  res.flushHeaders();
  next();
}
