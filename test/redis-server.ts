// A throw-away Redis for the tests that run the mock on a Redis store: Debian's redis-server on a free loopback port,
// with no persistence, so a restart loses every key (what the outage tests rely on). Stopped by its own PID.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The binary `.ci/run` installs; REDIS_SERVER points elsewhere (another build, a PATH lookup). */
const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
/** redis-server answers PING in well under a second; this only bounds a broken start. */
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;

export interface RedisServer {
  /** `redis://127.0.0.1:<port>/0` */
  url: string;
  port: number;
  /** Stop the server (SIGTERM, SIGKILL after 5 s) and wait until it has exited; restart() may start it again. */
  stop(): Promise<void>;
  /** Stop (when running), then start again on the same port: every key is gone (no persistence). */
  restart(): Promise<void>;
}

/** Start redis-server on a free port and resolve once it answers PING. */
export async function startRedis(): Promise<RedisServer> {
  // The work directory holds nothing (no RDB, no AOF), but redis-server wants one it may write to.
  const dir = mkdtempSync(join(tmpdir(), 'ffmock-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  // A free port found by binding port 0 can be taken by someone else before redis-server binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      child = await launch(port, dir);
      break;
    } catch (error) {
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
  let current: ChildProcess | undefined = child;
  // A test file that dies without stopping it must not leave a redis-server behind.
  process.once('exit', () => current?.kill('SIGKILL'));
  const stop = async () => {
    const running = current;
    current = undefined;
    if (running) await terminate(running);
    rmSync(dir, { recursive: true, force: true });
  };
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    stop,
    async restart() {
      await stop();
      current = await launch(port, dir);
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Spawn redis-server on `port` and wait until it answers PING; kill it and reject when it does not in time. */
async function launch(port: number, dir: string): Promise<ChildProcess> {
  mkdirSync(dir, { recursive: true });
  const child = spawn(
    REDIS_SERVER,
    // DEBUG SLEEP (from loopback only) lets a test hang the server on purpose.
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--enable-debug-command',
      'local',
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // The last lines of its log, for the error when it does not come up (e.g. "Address already in use").
  let log = '';
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-2_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited: string | null = null;
  let spawnError: Error | null = null;
  child.once('error', (error) => {
    spawnError = error;
  });
  child.once('exit', (code, signal) => {
    exited = `exited with ${code ?? signal}`;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (spawnError) throw new Error(`could not run ${REDIS_SERVER}: ${(spawnError as Error).message}`);
    if (exited)
      throw new Error(`redis-server on port ${port} ${exited} before answering PING: ${log.trim()}`);
    if (await pings(port)) return child;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await terminate(child);
  throw new Error(
    `redis-server on port ${port} did not answer PING within ${START_TIMEOUT_MS} ms: ${log.trim()}`,
  );
}

/** One raw `PING` over TCP: true on `+PONG`, false on anything else (refused, loading, timeout). */
function pings(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** SIGTERM by PID, SIGKILL if it is still there after STOP_TIMEOUT_MS; resolves once the process has exited. */
async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
