// Plain node:http requests for setup calls and start-up polling (no keep-alive, so each poll is a fresh connect).

import { request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SpawnedServer } from './processes.js';

export interface Probe {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  /** JSON to send (a string is sent as it is). */
  body?: unknown;
  /** Give up after this long (default 2 s). */
  timeoutMs?: number;
}

export interface HttpReply {
  status: number;
  body: string;
}

const REQUEST_TIMEOUT_MS = Number(process.env.BENCH_REQUEST_TIMEOUT_MS ?? 2_000);
const POLL_EVERY_MS = 10;
const FIRST_200_TIMEOUT_MS = 30_000;

export function send(origin: string, probe: Probe): Promise<HttpReply> {
  const payload =
    probe.body === undefined
      ? undefined
      : typeof probe.body === 'string'
        ? probe.body
        : JSON.stringify(probe.body);
  const headers: Record<string, string> = { accept: 'application/json', ...probe.headers };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      new URL(probe.path, origin),
      { method: probe.method, headers, agent: false, timeout: probe.timeoutMs ?? REQUEST_TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${probe.method} ${probe.path}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Send a request that must answer `expected`; otherwise throw with the exact response body. */
export async function sendExpecting(origin: string, probe: Probe, expected = 200): Promise<unknown> {
  const reply = await send(origin, probe);
  if (reply.status !== expected) {
    throw new Error(
      `${probe.method} ${probe.path} answered ${reply.status} (wanted ${expected}): ${reply.body}`,
    );
  }
  return JSON.parse(reply.body) as unknown;
}

/** Poll `probe` every 10 ms until it answers 200; resolve with the milliseconds since the server was spawned. */
export async function waitForFirst200(server: SpawnedServer, probe: Probe): Promise<number> {
  const deadline = performance.now() + FIRST_200_TIMEOUT_MS;
  let last = 'no answer yet';
  while (performance.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(`server exited before its first 200:\n${server.output()}`);
    }
    try {
      const reply = await send(server.origin, probe);
      if (reply.status === 200) return performance.now() - server.spawnedAt;
      last = `${reply.status} ${reply.body.slice(0, 300)}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(POLL_EVERY_MS);
  }
  throw new Error(
    `no 200 from ${probe.method} ${probe.path} within ${FIRST_200_TIMEOUT_MS} ms (last: ${last})`,
  );
}
