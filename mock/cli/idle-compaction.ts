// A server left running between test runs should not keep the memory of its busiest minute. V8 frees what is dead at
// every full collection, but the old generation's pages stay committed, half empty, unless its memory reducer
// compacts them, and whether that runs after a load depends on when the last collections fell: after the same 500k
// requests one run read 98 MB and the next 126 MB a minute later. So once the server has been idle for a while
// after serving, and its heap has grown, it compacts the heap itself, once, and the freed pages go back to the system.

import type { Server } from 'node:http';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = () => void;

/**
 * When another compaction is worth its pause: the committed heap grew this much since the last one (or the start),
 * or this many requests were served since (about 36 KB allocated each at evaluate, so tens of megabytes turned over).
 */
export const COMPACT_AFTER = { growthBytes: 8 * 1024 * 1024, requests: 1_000 };

/** What one compaction did, for the log line. */
export interface Compaction {
  beforeMb: number;
  afterMb: number;
  ms: number;
}

/**
 * A full collection that also compacts, or null when this Node cannot do one. `--expose-gc` set at run time gives
 * new contexts a `gc` function without exposing one to the process's own globals; compaction is asked for only for
 * that one collection.
 */
function compactingCollection(): (() => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as Collect | undefined;
    if (typeof collect !== 'function') return null;
    return () => {
      setFlagsFromString('--compact-on-every-full-gc');
      try {
        // Without arguments: on Node 20, `gc({ type: 'major' })` collected nothing (a scratch heap of 128 MB stayed
        // 127 MB), where `gc()` compacted it to 67 MB.
        collect();
      } finally {
        setFlagsFromString('--no-compact-on-every-full-gc');
      }
    };
  } catch {
    return null;
  }
}

const mb = (bytes: number) => Math.round((bytes / (1024 * 1024)) * 10) / 10;

/**
 * Compact the heap once the server has answered requests and then none for `idleMs`, if enough happened since it
 * started or last compacted (`after`, COMPACT_AFTER by default): checked every `idleMs`, so it runs between one and
 * two idle periods after the last request. A health check every few seconds grows nothing and takes hours to reach
 * the request count, so it causes no compactions (each is a pause of about 100 ms at the full default budgets on a
 * 2-core machine). Returns a function that stops it. The timer never keeps the process alive.
 */
export function compactWhenIdle(
  server: Server,
  idleMs: number,
  report: (done: Compaction) => void,
  after = COMPACT_AFTER,
): () => void {
  if (idleMs <= 0) return () => {};
  // Made at the first compaction, not at start: a new context is a few milliseconds before the first answer.
  let compact: (() => void) | null | undefined;
  let served = 0;
  let seen = 0;
  let pending = false;
  let base = getHeapStatistics().total_physical_size;
  let servedAtBase = 0;
  const count = () => {
    served++;
  };
  server.on('request', count);
  const timer = setInterval(() => {
    if (served !== seen) {
      seen = served;
      pending = true;
      return;
    }
    if (!pending) return;
    pending = false;
    const before = getHeapStatistics().total_physical_size;
    if (before < base + after.growthBytes && served - servedAtBase < after.requests) {
      // V8 may have shrunk the heap itself since: growth counts from the smallest size seen.
      base = Math.min(base, before);
      return;
    }
    compact ??= compactingCollection();
    if (compact === null) return;
    const started = performance.now();
    compact();
    const ms = Math.round(performance.now() - started);
    base = getHeapStatistics().total_physical_size;
    servedAtBase = served;
    report({ beforeMb: mb(before), afterMb: mb(base), ms });
  }, idleMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    server.off('request', count);
  };
}
