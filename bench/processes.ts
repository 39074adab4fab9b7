// Child processes for the benchmark: spawn a server and learn its URL, read its memory, and make sure every
// process we started is gone when the run ends (normally, on an exception, or on Ctrl-C).

import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';

/** Every server child still alive, so cleanup can find it. */
const LIVE = new Set<ChildProcess>();
/** Set on SIGINT/SIGTERM: no new server may start while we are shutting down. */
let shuttingDown = false;
const URL_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 3_000;
const KEPT_OUTPUT_LINES = 40;

export interface SpawnedServer {
  child: ChildProcess;
  pid: number;
  /** performance.now() just before spawn(). */
  spawnedAt: number;
  /** Origin without path, e.g. http://127.0.0.1:41234 */
  origin: string;
  /** The last lines the process wrote (stdout and stderr), for error messages. */
  output(): string;
}

/** Reads the server's URL from one stdout line, or undefined if the line has none. */
export type UrlReader = (line: string) => string | undefined;

/** The first http://host:port URL in a line, as an origin. */
export const urlInLine: UrlReader = (line) => {
  const match = /https?:\/\/[^\s/]+/.exec(line);
  return match ? new URL(match[0]).origin : undefined;
};

/**
 * Spawn `cmd args` and resolve once its URL is known: read from stdout with `readUrl`, or given as a string (for
 * servers that print nothing useful, like Prism on a port we picked). Both output streams are always drained, so
 * a chatty server never blocks on a full pipe.
 */
export function spawnServer(
  cmd: string,
  args: string[],
  readUrl: UrlReader | string,
): Promise<SpawnedServer> {
  if (shuttingDown) return Promise.reject(new Error('interrupted'));
  const spawnedAt = performance.now();
  const child = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  LIVE.add(child);
  child.once('exit', () => LIVE.delete(child));
  const kept: string[] = [];
  const keep = (line: string) => {
    kept.push(line);
    if (kept.length > KEPT_OUTPUT_LINES) kept.shift();
  };
  const output = () => kept.join('\n');
  const stdout = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', keep);

  return new Promise<SpawnedServer>((resolve, reject) => {
    let settled = false;
    const settle = (error: Error | null, origin?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error || origin === undefined || child.pid === undefined) {
        void stopServerProcess(child);
        reject(error ?? new Error(`${cmd}: no pid`));
      } else {
        resolve({ child, pid: child.pid, spawnedAt, origin, output });
      }
    };
    const timer = setTimeout(
      () => settle(new Error(`${cmd} printed no URL within ${URL_TIMEOUT_MS} ms:\n${output()}`)),
      URL_TIMEOUT_MS,
    );
    child.once('error', (error) => settle(error));
    child.once('exit', (code, signal) =>
      settle(new Error(`${cmd} exited early (code ${code}, signal ${signal}):\n${output()}`)),
    );
    stdout.on('line', (line) => {
      keep(line);
      if (typeof readUrl === 'function') {
        const origin = readUrl(line);
        if (origin !== undefined) settle(null, origin);
      }
    });
    if (typeof readUrl === 'string') setImmediate(() => settle(null, new URL(readUrl).origin));
  });
}

/** The pids of every descendant of `pid` (through /proc/<pid>/task/<tid>/children), deepest last. */
export function descendants(pid: number): number[] {
  const found: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const tid of tasks) {
    let children = '';
    try {
      children = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const child of children.split(/\s+/).filter(Boolean).map(Number)) {
      found.push(child, ...descendants(child));
    }
  }
  return found;
}

/** VmRSS of one process in kB (0 if it is gone). */
function rssKb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of a process and all its descendants, in MB. */
export function treeRssMb(pid: number): number {
  const total = [pid, ...descendants(pid)].reduce((sum, p) => sum + rssKb(p), 0);
  return total / 1024;
}

/** CPU time (user + system) a process has used so far, in ms (0 if it is gone); clock ticks are 10 ms. */
function cpuMs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces, hence the last ')'): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** CPU time of a process and all its live descendants, in ms: less sensitive to a busy machine than wall time. */
export function treeCpuMs(pid: number): number {
  return [pid, ...descendants(pid)].reduce((sum, p) => sum + cpuMs(p), 0);
}

function signalPids(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** SIGTERM the process and its descendants (by pid), SIGKILL whatever is left after a grace period. */
async function stopServerProcess(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    LIVE.delete(child);
    return;
  }
  const pids = [child.pid, ...descendants(child.pid)];
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  signalPids(pids, 'SIGTERM');
  const timer = new Promise<'timeout'>((done) => setTimeout(() => done('timeout'), STOP_GRACE_MS).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    signalPids(pids, 'SIGKILL');
    await exited;
  }
  signalPids(pids.slice(1), 'SIGKILL'); // orphaned grandchildren, if any
  LIVE.delete(child);
}

export function stopServer(server: SpawnedServer): Promise<void> {
  return stopServerProcess(server.child);
}

export async function stopAllServers(): Promise<void> {
  await Promise.all([...LIVE].map((child) => stopServerProcess(child)));
}

/** Run a benchmark's main: an error is one line on stderr (prefixed `[tag]`) and exit code 1; servers always stop. */
export async function runBench(tag: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    process.stderr.write(`[${tag}] ${(error as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await stopAllServers();
  }
}

/** Kill every child we started if the benchmark exits, throws, or is interrupted. */
export function installCleanup(): void {
  process.on('exit', () => {
    for (const child of LIVE) {
      if (child.pid !== undefined) signalPids([child.pid, ...descendants(child.pid)], 'SIGKILL');
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      shuttingDown = true;
      process.stderr.write(`\n${signal}: stopping the servers\n`);
      void stopAllServers().finally(() => process.exit(130));
    });
  }
}

/** How to start `prism mock` on a contract, on a free loopback port (Prism prints no URL worth reading). */
export async function prismLaunch(
  root: string,
  contract: string,
): Promise<{ cmd: string; args: string[]; readUrl: string }> {
  const port = await freePort();
  return {
    cmd: `${root}node_modules/.bin/prism`,
    args: ['mock', '-h', '127.0.0.1', '-p', String(port), contract],
    readUrl: `http://127.0.0.1:${port}`,
  };
}

/** A port that was free a moment ago (for servers that cannot listen on port 0 themselves). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Node flags the mock runs with under `npm start` (package.json; a test keeps the two equal): a 256 MB old-space cap
 * makes V8 collect instead of growing its heap, since the mock's retained state is bounded by its budgets
 * (--max-orders, the journal ring); a 1 MB semi-space keeps the young generation at 3 MB instead of growing to 48 MB
 * under load (~30 MB less RSS for ~2 % of evaluate throughput).
 */
export const MOCK_NODE_FLAGS = ['--max-old-space-size=256', '--max-semi-space-size=1'];
