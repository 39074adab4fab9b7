// `serve --workers N`: N mock processes on one port (node:cluster hands each new connection to one of them), sharing
// one Redis store, for load tests that need more than the one core a Node process uses. The primary serves nothing
// itself: it starts the workers with one seed and one admin token, prints the start line once every worker listens,
// restarts a worker that dies (bounded), and stops them all on SIGTERM/SIGINT.

import cluster, { type Worker } from 'node:cluster';

/** What a worker tells the primary once it listens. */
export interface WorkerListening {
  type: 'flexfactor-mock:listening';
  url: string;
  /** The start line the worker would have printed. */
  line: string;
}

/** Environment a worker reads instead of drawing its own seed and admin token. */
export const WORKER_ENV = {
  seed: 'FLEXFACTOR_MOCK_WORKER_SEED',
  adminToken: 'FLEXFACTOR_MOCK_WORKER_ADMIN_TOKEN',
} as const;

/** At most this many restarts of crashed workers per minute; beyond it the primary gives up and exits 1. */
const MAX_RESTARTS_PER_MINUTE = 10;

export function isWorker(): boolean {
  return cluster.isWorker;
}

/** In a worker: tell the primary we listen (instead of printing the start line). */
export function reportListening(url: string, line: string): void {
  const message: WorkerListening = { type: 'flexfactor-mock:listening', url, line };
  process.send?.(message);
}

/**
 * In the primary: fork `count` workers running the same command line, print one start line when all listen (and
 * run `ready` then), and keep them running until a signal. Resolves never; exits the process.
 */
export function runPrimary(
  count: number,
  shared: { seed: number; adminToken: string | undefined },
  ready: (url: string, line: string) => void,
): void {
  const env: Record<string, string> = { [WORKER_ENV.seed]: String(shared.seed) };
  if (shared.adminToken) env[WORKER_ENV.adminToken] = shared.adminToken;
  const listening = new Set<number>();
  let announced = false;
  let stopping = false;
  let finalCode = 0;
  const restarts: number[] = [];

  const fork = (): Worker => {
    const worker = cluster.fork(env);
    worker.on('message', (message: WorkerListening) => {
      if (message?.type !== 'flexfactor-mock:listening') return;
      listening.add(worker.id);
      if (!announced && listening.size >= count) {
        announced = true;
        ready(message.url, `${message.line.replace(/\n$/, '')} — ${count} workers sharing the store\n`);
      }
    });
    return worker;
  };

  cluster.on('exit', (worker, code, signal) => {
    listening.delete(worker.id);
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(finalCode);
      return;
    }
    const now = Date.now();
    while (restarts.length > 0 && (restarts[0] ?? 0) < now - 60_000) restarts.shift();
    if (!announced || restarts.length >= MAX_RESTARTS_PER_MINUTE) {
      process.stderr.write(
        `flexfactor-mock: worker ${worker.process.pid} exited (${signal ?? code})${announced ? ` ${restarts.length} times within a minute` : ' before listening'}; stopping\n`,
      );
      stopAll('worker failure', 1);
      return;
    }
    restarts.push(now);
    process.stderr.write(
      `flexfactor-mock: worker ${worker.process.pid} exited (${signal ?? code}); starting another\n`,
    );
    fork();
  });

  const stopAll = (reason: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    finalCode = exitCode;
    process.stderr.write(`${reason}: stopping ${count} workers\n`);
    const workers = Object.values(cluster.workers ?? {});
    if (workers.length === 0) process.exit(exitCode);
    for (const worker of workers) worker?.process.kill('SIGTERM');
    // A worker that does not stop in time is killed; the primary never outlives its workers.
    setTimeout(() => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
      process.exit(exitCode);
    }, 6_000).unref();
  };
  process.on('SIGTERM', () => stopAll('SIGTERM'));
  process.on('SIGINT', () => stopAll('SIGINT'));

  for (let i = 0; i < count; i++) fork();
}
