// Transport faults on the real socket, and latency. Each fault is what a client sees from a broken network or a
// broken upstream: a TCP reset, silence until its own timeout, a body cut short, invalid JSON, a body that trickles.

import type { Response } from 'express';
import type { Outgoing } from './responder.js';
import type { DelaySpec, FaultObject } from './types.js';

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
export function faultObject(spec: FaultObject | string): FaultObject {
  return typeof spec === 'string' ? { type: spec as FaultObject['type'] } : spec;
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
