// The shared store against hostile input and a misbehaving Redis: two in-process mocks on one redis-server. Each test
// is one way a request or an outage could lock a session, corrupt what other processes see, or grow Redis without
// bound; each must end in an answer (a JSON problem at worst) within bounds, and with both processes agreeing.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { VirtualClock } from '../mock/domain/clock.js';
import type { Order } from '../mock/domain/order-states.js';
import { Store } from '../mock/domain/store.js';
import { type MockServer, startMock } from '../mock/index.js';
import { openSharedStore } from '../mock/redis/index.js';
import { MAX_STREAM_ENTRY } from '../mock/redis/journal-mirror.js';
import { RedisCalls, wasNotSent } from '../mock/redis/redis-calls.js';
import { SharedStore } from '../mock/redis/shared-store.js';
import { evaluateBody } from './helpers.js';
import { type RedisServer, startRedis } from './redis-server.js';

const QUIET = { info() {}, warn() {}, error() {} };

interface Answer {
  status: number;
  code: string | null;
  body: Record<string, unknown>;
  ms: number;
}

async function call(
  mock: MockServer,
  token: string,
  session: string,
  method: string,
  path: string,
  body?: unknown,
  raw?: string,
): Promise<Answer> {
  const started = Date.now();
  const res = await fetchOnce(`${mock.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      'x-mock-session': session,
      ...(body !== undefined || raw !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(raw !== undefined ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  return {
    status: res.status,
    code: res.headers.get('x-mock-error-code'),
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    ms: Date.now() - started,
  };
}

/**
 * fetch, tried a second time when the connection was reset: a kept-alive socket the server closed as it was reused
 * is the transport's race, not the mock's answer (every request here is idempotent).
 */
async function fetchOnce(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if ((error as { cause?: { code?: string } })?.cause?.code !== 'ECONNRESET') throw error;
    return await fetch(url, init);
  }
}

describe('the shared store under hostile input and a misbehaving Redis', { timeout: 120_000 }, () => {
  let redis: RedisServer;
  let a: MockServer;
  let b: MockServer;
  let token: string;
  const prefix = `hostile-${randomUUID().slice(0, 8)}:`;

  before(async () => {
    redis = await startRedis();
    a = await startMock({ store: redis.url, storePrefix: prefix });
    // Another seed, as two `serve` processes have: ids made after a data loss must not repeat the lost ones by chance.
    b = await startMock({ store: redis.url, storePrefix: prefix, seed: 2 });
    token = await a.token();
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  test('an idempotency key that is a lone surrogate commits like any other and leaves no lock behind', async () => {
    const session = 'surrogate';
    const text = JSON.stringify(evaluateBody()).replace(
      /"idempotencyKey":"[^"]*"/,
      '"idempotencyKey":"\\ud800"',
    );
    const first = await call(a, token, session, 'POST', '/evaluate', undefined, text);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const replay = await call(b, token, session, 'POST', '/evaluate', undefined, text);
    assert.equal(replay.body.orderSessionKey, first.body.orderSessionKey, 'the other process replays it');
    const list = await call(b, token, session, 'GET', '/orders');
    assert.equal(list.status, 200);
    assert.ok(list.ms < 2_000, `the session answered in ${list.ms} ms`);
  });

  test('a 100 KB idempotency key is kept once, not copied into the session log and the budgets', async () => {
    const session = 'long-key';
    const key = 'k'.repeat(100_000);
    const res = await call(a, token, session, 'POST', '/evaluate', evaluateBody({ idempotencyKey: key }));
    assert.equal(res.status, 200);
    const log = await a.engine.shared?.connection.redis.lrange(`${prefix}s:${session}/log`, 0, -1);
    assert.ok(log && log.length > 0);
    assert.ok(
      log.every((entry) => entry.length < 2_000),
      `log entries of ${log.map((e) => e.length)} bytes`,
    );
    const replay = await call(b, token, session, 'POST', '/evaluate', evaluateBody({ idempotencyKey: key }));
    assert.equal(replay.status, 409, 'the same key with another body is refused in the other process');
    assert.equal(replay.code, '409001');
  });

  test('one commit of 4,500 orders goes through (no Lua argument limit) and every process reads them', async () => {
    const connection = await openSharedStore(redis.url, prefix);
    try {
      const store = new Store(1, {}, { shared: true });
      const shared = new SharedStore({
        redis: connection.redis,
        prefix,
        store,
        clock: new VirtualClock(),
        log: QUIET,
      });
      const mid = a.credentials.mid;
      const template = (await call(a, token, 'bulk-template', 'POST', '/evaluate', evaluateBody())).body;
      const made = a.engine.store
        .peek('bulk-template')
        ?.partition(mid)
        .orders.get(String(template.orderSessionKey));
      assert.ok(made, 'a real order to copy');
      await shared.transact('bulk', (session) => {
        for (let n = 0; n < 4_500; n++) {
          session.partition(mid).addOrder({
            ...structuredClone(made),
            id: `bulk-${n}`,
            session: 'bulk',
            externalOrderId: `BULK-${n}`,
          } as Order);
        }
      });
      const list = await call(b, token, 'bulk', 'GET', '/orders?pageSize=1');
      assert.equal(list.status, 200, JSON.stringify(list.body));
      assert.equal(list.body.totalItemCount ?? (list.body as { total?: number }).total, 4_500);
    } finally {
      await connection.close();
    }
  });

  test('parallel clock advances on both processes all count', async () => {
    const start = a.clock.now();
    const advance = (mock: MockServer) =>
      fetch(`${mock.url}/__admin/clock/advance`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ by: '1h' }),
      }).then((r) => r.status);
    const statuses = await Promise.all(Array.from({ length: 10 }, (_, i) => advance(i % 2 ? a : b)));
    assert.deepEqual([...new Set(statuses)], [200]);
    const clock = (await (await fetch(`${b.url}/__admin/clock`)).json()) as { nowMs: number };
    const moved = clock.nowMs - start;
    assert.ok(moved >= 10 * 3_600_000 && moved < 10 * 3_600_000 + 60_000, `moved ${moved} ms`);
    token = await a.token();
  });

  test('journal entries on the stream are capped in size: long headers are left out, bodies cut', async () => {
    const session = 'big-entry';
    const res = await fetch(`${a.baseUrl}/orders`, {
      headers: {
        authorization: `Bearer ${token}`,
        'x-mock-session': session,
        'x-padding': 'p'.repeat(7_000),
      },
    });
    assert.equal(res.status, 200);
    const redisClient = a.engine.shared?.connection.redis;
    let entries: [string, string[]][] = [];
    for (let i = 0; i < 50 && entries.length === 0; i++) {
      const all = (await redisClient?.xrevrange(`${prefix}journal`, '+', '-', 'COUNT', 20)) ?? [];
      entries = all.filter(([, fields]) => (fields[3] ?? '').includes(`"session":"${session}"`));
      if (entries.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(entries.length > 0, 'the entry reached the stream');
    for (const [, fields] of entries)
      assert.ok(Buffer.byteLength(fields[3] ?? '') <= MAX_STREAM_ENTRY + 1_024);
    // The other process still shows the exchange, once its reader has taken it from the stream.
    let shown = false;
    for (let i = 0; i < 50 && !shown; i++) {
      const journal = (await (
        await fetch(`${b.url}/__admin/journal`, { headers: { 'x-mock-session': session } })
      ).json()) as { entries: { kind: string; path: string }[] };
      shown = journal.entries.some((e) => e.kind === 'request' && e.path === '/v1/orders');
      if (!shown) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(shown, 'the other process shows the exchange');
  });

  test('after FLUSHALL both processes see the same orders: the old ones gone, the new ones there', async () => {
    const session = 'flushed';
    const before = await call(a, token, session, 'POST', '/evaluate', evaluateBody());
    assert.equal(before.status, 200);
    const redisOfA = a.engine.shared?.connection.redis as unknown as
      | { flushall(): Promise<unknown> }
      | undefined;
    assert.ok(redisOfA, 'the mock shares a store');
    await redisOfA.flushall();
    const fresh = await b.token();
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call(b, fresh, session, 'POST', '/evaluate', evaluateBody());
      assert.equal(res.status, 200, JSON.stringify(res.body));
      made.push(String(res.body.orderSessionKey));
    }
    for (const mock of [a, b]) {
      assert.equal(
        (await call(mock, fresh, session, 'GET', `/orders/${before.body.orderSessionKey}`)).status,
        404,
      );
      for (const id of made)
        assert.equal((await call(mock, fresh, session, 'GET', `/orders/${id}`)).status, 200);
    }
    token = fresh;
  });

  test('a hung Redis (DEBUG SLEEP 6) answers every queued request of a session within bounds, then recovers', async () => {
    const session = 'hung';
    const made = await call(a, token, session, 'POST', '/evaluate', evaluateBody());
    assert.equal(made.status, 200);
    const sleeper = a.engine.shared?.connection.redis.duplicate();
    assert.ok(sleeper);
    sleeper.on('error', () => undefined);
    await sleeper.connect().catch(() => undefined);
    const sleeping = (sleeper as unknown as { call(...args: string[]): Promise<unknown> })
      .call('DEBUG', 'SLEEP', '6')
      .catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    const answers = await Promise.all(
      Array.from({ length: 30 }, () =>
        call(a, token, session, 'GET', `/orders/${made.body.orderSessionKey}`),
      ),
    );
    await sleeping;
    sleeper.disconnect();
    const slowest = Math.max(...answers.map((x) => x.ms));
    assert.ok(slowest < 12_000, `the slowest answer took ${slowest} ms`);
    for (const answer of answers) {
      assert.ok(
        answer.status === 200 ||
          (answer.status === 503 && ['503100', '503101'].includes(String(answer.code))),
        `${answer.status} ${answer.code}`,
      );
    }
    assert.ok(
      answers.some((x) => x.status === 503),
      'some requests met the hung Redis',
    );
    let back: Answer | undefined;
    for (let i = 0; i < 50; i++) {
      back = await call(a, token, session, 'GET', `/orders/${made.body.orderSessionKey}`);
      if (back.status === 200) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(back?.status, 200, 'the session answers again once Redis does');
  });
  test('session names that end like the store’s own keys (X:lock, X:ver, X:log, X:done) leave session X alone', async () => {
    const victim = 'victim';
    const made = await call(a, token, victim, 'POST', '/evaluate', evaluateBody());
    assert.equal(made.status, 200);
    for (const suffix of ['lock', 'ver', 'log', 'done']) {
      const other = await call(b, token, `${victim}:${suffix}`, 'POST', '/evaluate', evaluateBody());
      assert.equal(other.status, 200, `${victim}:${suffix}: ${JSON.stringify(other.body)}`);
    }
    for (const mock of [a, b]) {
      const read = await call(mock, token, victim, 'GET', `/orders/${made.body.orderSessionKey}`);
      assert.equal(read.status, 200, JSON.stringify(read.body));
      assert.ok(read.ms < 2_000, `answered in ${read.ms} ms`);
    }
  });

  test('an advance settles every due session before it answers, past the first hundred', async () => {
    await fetch(`${a.url}/__admin/clock/freeze`, { method: 'POST' });
    token = await a.token();
    const sessions = Array.from({ length: 260 }, (_, i) => `due-${i}`);
    for (let i = 0; i < sessions.length; i += 10) {
      await Promise.all(
        sessions.slice(i, i + 10).map(async (session) => {
          const res = await call(i % 20 ? a : b, token, session, 'POST', '/evaluate', {
            ...evaluateBody({ isMIT: true }),
            paymentMethod: { cardNumber: '4000009900000053', token: false },
          });
          assert.equal(res.status, 200, JSON.stringify(res.body));
          assert.equal(res.body.status, 'SUBMITTED');
        }),
      );
    }
    const advanced = await fetch(`${b.url}/__admin/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ by: '2h' }),
    });
    assert.equal(advanced.status, 200);
    const now = ((await advanced.json()) as { nowMs: number }).nowMs;
    const left = await b.engine.shared?.connection.redis.zrangebyscore(`${prefix}due`, '-inf', String(now));
    assert.deepEqual(left, [], 'no session is left with a change due');
    token = await a.token();
  });

  test('after FLUSHALL the processes keep one clock, and the next advance goes on from it', async () => {
    // A month ahead of wherever the clock is: freeze, like set, only moves it forward.
    const before = (await (await fetch(`${a.url}/__admin/clock`)).json()) as { nowMs: number };
    const frozenAt = before.nowMs + 30 * 86_400_000;
    const frozen = await fetch(`${a.url}/__admin/clock/freeze`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ at: new Date(frozenAt).toISOString() }),
    });
    assert.equal(frozen.status, 200, await frozen.text());
    await fetch(`${a.url}/__admin/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ by: '1d' }),
    });
    const seen = (await (await fetch(`${b.url}/__admin/clock`)).json()) as { nowMs: number };
    assert.equal(seen.nowMs, frozenAt + 86_400_000, 'B sees the advance');
    const redisOfA = a.engine.shared?.connection.redis as unknown as
      | { flushall(): Promise<unknown> }
      | undefined;
    assert.ok(redisOfA);
    await redisOfA.flushall();
    // Both notice the loss with their next request; the clock stays where it was, in both.
    const fresh = await b.token();
    await call(a, fresh, 'clock-after-flush', 'GET', '/orders');
    await fetch(`${b.url}/__admin/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ by: '1m' }),
    });
    for (const mock of [a, b]) {
      await call(mock, fresh, 'clock-after-flush', 'GET', '/orders');
      const clock = (await (await fetch(`${mock.url}/__admin/clock`)).json()) as {
        nowMs: number;
        frozen: boolean;
      };
      assert.equal(
        clock.nowMs,
        frozenAt + 86_400_000 + 60_000,
        `${mock.url}: ${new Date(clock.nowMs).toISOString()}`,
      );
      assert.equal(clock.frozen, true);
    }
    token = await a.token();
  });

  test('removing a receiver while Redis stalls answers 503100 and keeps it everywhere, to remove again', async () => {
    const add = await fetch(`${a.url}/__admin/webhooks/receivers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1:59999/stalled-removal' }),
    });
    assert.equal(add.status, 201);
    const id = ((await add.json()) as { id: string }).id;
    const listed = async (mock: MockServer) =>
      (
        (await (await fetch(`${mock.url}/__admin/webhooks/receivers`)).json()) as {
          receivers: { id: string }[];
        }
      ).receivers.some((r) => r.id === id);
    for (let i = 0; i < 50 && !(await listed(b)); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(await listed(b), 'B has the receiver');
    const pauser = a.engine.shared?.connection.redis.duplicate();
    assert.ok(pauser);
    pauser.on('error', () => undefined);
    await pauser.connect().catch(() => undefined);
    await (pauser as unknown as { call(...args: string[]): Promise<unknown> }).call(
      'CLIENT',
      'PAUSE',
      '4000',
      'WRITE',
    );
    const stalled = await fetch(`${a.url}/__admin/webhooks/receivers/${id}`, { method: 'DELETE' });
    assert.equal(stalled.status, 503);
    assert.equal(stalled.headers.get('x-mock-error-code'), '503100');
    await (pauser as unknown as { call(...args: string[]): Promise<unknown> }).call('CLIENT', 'UNPAUSE');
    pauser.disconnect();
    assert.ok(await listed(a), 'A still has it');
    assert.ok(await listed(b), 'B still has it');
    let removed = 0;
    for (let i = 0; i < 20 && removed !== 200; i++) {
      removed = (await fetch(`${a.url}/__admin/webhooks/receivers/${id}`, { method: 'DELETE' })).status;
      if (removed !== 200) await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal(removed, 200);
    for (let i = 0; i < 50 && (await listed(b)); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await listed(b), false, 'gone from B too');
  });
});

describe('the breaker in front of Redis', { timeout: 10_000 }, () => {
  test('after Redis failed to answer, the next calls fail at once without being sent, then go through again', async () => {
    const calls = new RedisCalls();
    await assert.rejects(
      calls.call(() => Promise.reject(new Error('Connection is closed.'))),
      (error: unknown) => (error as { code?: string }).code === '503100' && !wasNotSent(error),
    );
    let sent = false;
    await assert.rejects(
      calls.call(async () => {
        sent = true;
      }),
      (error: unknown) => (error as { code?: string }).code === '503100' && wasNotSent(error),
    );
    assert.equal(sent, false, 'the refused call never ran');
    await new Promise((r) => setTimeout(r, 1_100));
    assert.equal(await calls.call(async () => 'answered'), 'answered');
    assert.equal(await calls.call(async () => 'again'), 'again');
  });
});
