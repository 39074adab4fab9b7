// The abuses of the abuse bench (bench/abuse.ts): what each one sends, one request at a time per connection, and
// what it reads from the answers. Loopback only; every abuse is bounded by a request count (and, by the runner, by
// time).

import { createHash, createHmac, randomBytes } from 'node:crypto';
import { type Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import type { SpawnedServer } from './processes.js';
import { evaluateBody, prepareMock, session, TOKEN_PROBE } from './workload.js';

export const REQUEST_TIMEOUT_MS = 10_000;

export interface Reply {
  status: number;
  body: string;
  ms: number;
}

/** One request; never throws (a transport failure is status 0, its message the body). */
export function call(
  origin: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
  agent?: Agent,
  timeoutMs = REQUEST_TIMEOUT_MS,
): Promise<Reply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const all: Record<string, string> = { accept: 'application/json', ...headers };
  if (payload !== undefined) {
    all['content-type'] = 'application/json';
    all['content-length'] = String(Buffer.byteLength(payload));
  }
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (status: number, text: string) =>
      resolve({ status, body: text, ms: performance.now() - started });
    const req = httpRequest(
      new URL(path, origin),
      { method, headers: all, agent: agent ?? false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
        res.on('error', (e) => done(0, e.message));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => done(0, e.message));
    req.end(payload);
  });
}

export interface Target {
  server: SpawnedServer;
  origin: string;
  agent: Agent;
  /** Set when the child exits during the abuse. */
  died: string | null;
}

export interface Abuse {
  name: string;
  /** What one abusive request is; `i` counts from 0. Setup runs once before the clock starts. */
  setup?: (t: Target) => Promise<unknown>;
  send: (t: Target, i: number, state: unknown) => Promise<Reply>;
  maxRequests: number;
  /** A finding read from the answers (e.g. forged tokens accepted), or null. */
  judge?: (counts: Map<number, number>) => string | null;
  teardown?: (state: unknown) => Promise<void>;
}

/** A JWT-shaped token of about `size` bytes, HS256-signed with `key` (a forgery when the key is guessable). */
function jwt(key: Buffer, claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

async function evaluateWithFreshToken(t: Target): Promise<Reply> {
  const token = await call(t.origin, 'POST', '/v1/oauth2/token', {}, TOKEN_PROBE.body, t.agent);
  if (token.status !== 200) return token;
  const bearer = `Bearer ${(JSON.parse(token.body) as { accessToken: string }).accessToken}`;
  return call(
    t.origin,
    'POST',
    '/v1/evaluate',
    { authorization: bearer },
    JSON.parse(evaluateBody()),
    t.agent,
  );
}

/** A loopback receiver that accepts every webhook and never answers (its sockets are destroyed at the end). */
function hangingReceiver(): Promise<{ server: Server; url: string; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer(() => {});
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}/hook`, sockets });
    }),
  );
}

export const ABUSES: Abuse[] = [
  {
    name: 'order listing loop (60 orders, GET /v1/orders?pageSize=100)',
    maxRequests: 6_000,
    setup: async (t) => {
      await prepareMock(t.origin);
      for (let i = 0; i < 60; i++)
        await call(
          t.origin,
          'POST',
          '/v1/evaluate',
          { authorization: session.bearer },
          JSON.parse(evaluateBody()),
        );
      return session.bearer;
    },
    send: (t, _i, bearer) =>
      call(t.origin, 'GET', '/v1/orders?pageSize=100', { authorization: String(bearer) }, undefined, t.agent),
  },
  {
    name: 'token flood (12,000 distinct 15 KB tokens, 90% forged with the seed key)',
    maxRequests: 12_000,
    judge: (counts) => (counts.get(200) ? `${counts.get(200)} forged tokens accepted` : null),
    setup: async (t) => {
      const seed = (JSON.parse((await call(t.origin, 'GET', '/__admin/seed')).body) as { seed?: number })
        .seed;
      return createHash('sha256')
        .update(`flexfactor-mock-signing-key:${seed ?? 1}`)
        .digest();
    },
    send: (t, i, key) => {
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        'custom:mid': DEFAULT_MERCHANT.mid,
        nbf: now - 60,
        exp: now + 3_600,
        pad: `${i}:${'x'.repeat(11_000)}`,
      };
      // Nine in ten forged (what fills a cache of verified tokens), one in ten signed with a random key.
      const token = i % 10 !== 9 ? jwt(key as Buffer, claims) : jwt(randomBytes(32), claims);
      return call(
        t.origin,
        'GET',
        '/v1/orders?pageSize=1',
        { authorization: `Bearer ${token}` },
        undefined,
        t.agent,
      );
    },
  },
  {
    name: 'session flood (20,000 new x-mock-session values, POST /v1/oauth2/token)',
    maxRequests: 20_000,
    send: (t, i) =>
      call(
        t.origin,
        'POST',
        '/v1/oauth2/token',
        { 'x-mock-session': `flood-${i}-${'s'.repeat(48)}` },
        { AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret },
        t.agent,
      ),
  },
  {
    name: 'webhook receiver flood (3,000 hanging loopback receivers, evaluate + clock/advance)',
    maxRequests: 3_300,
    setup: async (t) => {
      await prepareMock(t.origin);
      return hangingReceiver();
    },
    send: (t, i, receiver) => {
      const r = receiver as { url: string };
      // Every 10th request makes events for the receivers and moves the clock so deliveries come due.
      // Moving the clock expires tokens (600 s), so each evaluate fetches a fresh one first.
      if (i % 20 === 19) return call(t.origin, 'POST', '/__admin/clock/advance', {}, { by: '1h' }, t.agent);
      if (i % 20 === 9) return evaluateWithFreshToken(t);
      return call(
        t.origin,
        'POST',
        '/__admin/webhooks/receivers',
        {},
        { url: `${r.url}/${i}`, mid: DEFAULT_MERCHANT.mid },
        t.agent,
      );
    },
    teardown: async (receiver) => {
      const r = receiver as { server: Server; sockets: Set<Socket> } | undefined;
      if (!r) return;
      for (const s of r.sockets) s.destroy();
      await new Promise((done) => r.server.close(() => done(undefined)));
    },
  },
];
