// Concurrency invariants over real sockets: hundreds of clients at once on the same orders, through a
// keep-alive agent on loopback, mixing partial refunds (some replayed), duplicate captures (same key and different
// keys), cancels and external-cancels racing captures, and idempotent evaluate replays with Sync-MIT retries and
// conflicting bodies. After each bounded round the money adds up to the cent, no order exists twice, no refund
// exceeds its capture, and every final status agrees with the answers the clients got.
// (test/lifecycle.test.ts covers single-operation concurrency in-process; this file mixes them on sockets.)

import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import { createApp } from '../mock/http/app.js';
import { listen, type RunningServer } from '../mock/http/server.js';
import { evaluateBody, guid, T0 } from './helpers.js';

const SESSION = 'concurrency';
const ROUNDS = 3;
const PARALLEL = 256;

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers of many shapes.
  body: any;
}

const errors: string[] = [];
const app = createApp({
  clock: { start: T0, frozen: true },
  validateResponses: true,
  logger: { info() {}, warn() {}, error: (m) => errors.push(m) },
});
const agent = new Agent({ keepAlive: true, maxSockets: PARALLEL });
let server: RunningServer;
let token = '';

function call(method: string, path: string, body?: unknown): Promise<Reply> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port: server.port,
        method,
        path,
        agent,
        headers: {
          'x-mock-session': SESSION,
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
        },
        timeout: 15_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: text ? JSON.parse(text) : null,
            });
          } catch (error) {
            reject(
              new Error(`${method} ${path}: not JSON (${(error as Error).message}): ${text.slice(0, 200)}`),
            );
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Run every job at once (the agent caps sockets at PARALLEL), in a shuffled but reproducible order. */
async function storm(jobs: (() => Promise<void>)[], seed: number): Promise<void> {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  for (let i = jobs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [jobs[i], jobs[j]] = [jobs[j] as () => Promise<void>, jobs[i] as () => Promise<void>];
  }
  await Promise.all(jobs.map((job) => job()));
}

async function newOrder(
  card: string,
  extra: Record<string, unknown> = {},
): Promise<{ id: string; orderId: string }> {
  const body = evaluateBody({ paymentMethod: { cardNumber: card }, transaction: { amount: 1999 }, ...extra });
  const res = await call('POST', '/v1/evaluate', body);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { id: res.body.orderSessionKey, orderId: String(body.orderId) };
}

async function readOrder(id: string) {
  const res = await call('GET', `/v1/orders/${id}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

before(async () => {
  server = await listen(app, { port: 0 });
  const res = await call('POST', '/v1/oauth2/token', {
    AppKey: DEFAULT_MERCHANT.appKey,
    AppSecret: DEFAULT_MERCHANT.appSecret,
  });
  token = res.body.accessToken;
});

after(async () => {
  agent.destroy();
  await server.close(500);
});

test('mixed storms on shared orders: totals exact, one order per key, final statuses consistent', async (t) => {
  const started = performance.now();
  const evaluatedOrderIds = new Set<string>();
  let requests = 0;
  const seen = { refundSuccess: 0, refundFailed: 0, replays: 0, captureWon: 0, cancelWon: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    // --- fixtures of the round
    const refundOrders = await Promise.all(Array.from({ length: 6 }, () => newOrder(TEST_CARDS.approved)));
    const captureOrders = await Promise.all(
      Array.from({ length: 6 }, () => newOrder(TEST_CARDS.captureRequired)),
    );
    const raceOrders = await Promise.all(
      Array.from({ length: 6 }, () => newOrder(TEST_CARDS.captureRequired)),
    );
    for (const o of [...refundOrders, ...captureOrders, ...raceOrders]) evaluatedOrderIds.add(o.orderId);

    const jobs: (() => Promise<void>)[] = [];

    // 1. Partial refunds: 40 per order of 1–300 cents; a quarter repeat an earlier transactionId (replays).
    const refundLog = new Map<string, { cents: number; txn: string; reply: Reply }[]>();
    for (const [n, order] of refundOrders.entries()) {
      const log: { cents: number; txn: string; reply: Reply }[] = [];
      refundLog.set(order.id, log);
      const txns = Array.from({ length: 30 }, (_, i) => `txn-${round}-${n}-${i}`);
      for (let i = 0; i < 40; i++) {
        const txn = txns[i % 30] as string;
        const cents = 1 + (((i % 30) * 37 + n * 11) % 300);
        jobs.push(async () => {
          const reply = await call('POST', `/v1/orders/${order.id}/refund`, {
            amountToRefund: cents / 100,
            transactionId: txn,
          });
          log.push({ cents, txn, reply });
        });
      }
      // Readers in the middle of it.
      for (let i = 0; i < 5; i++) jobs.push(async () => void (await readOrder(order.id)));
    }

    // 2. Duplicate captures: 15 with one key and one body, 15 with fresh keys.
    const captureLog = new Map<string, { key: string; shared: boolean; reply: Reply }[]>();
    for (const order of captureOrders) {
      const log: { key: string; shared: boolean; reply: Reply }[] = [];
      captureLog.set(order.id, log);
      const sharedKey = guid();
      for (let i = 0; i < 30; i++) {
        const shared = i < 15;
        const key = shared ? sharedKey : guid();
        jobs.push(async () => {
          const reply = await call('POST', '/v1/capture', {
            idempotencyKey: key,
            orderId: order.id,
            amount: 1999,
            currency: 'USD',
          });
          log.push({ key, shared, reply });
        });
      }
    }

    // 3. Cancels (keyed, unkeyed and external) racing captures on the same CAPTUREREQUIRED order.
    const raceLog = new Map<string, { kind: 'capture' | 'cancel'; reply: Reply }[]>();
    for (const order of raceOrders) {
      const log: { kind: 'capture' | 'cancel'; reply: Reply }[] = [];
      raceLog.set(order.id, log);
      const cancelKey = guid();
      for (let i = 0; i < 8; i++) {
        jobs.push(async () => {
          const reply = await call('POST', '/v1/capture', {
            idempotencyKey: guid(),
            orderId: order.id,
            amount: 1999,
            currency: 'USD',
          });
          log.push({ kind: 'capture', reply });
        });
        jobs.push(async () => {
          const path =
            i % 3 === 0
              ? `/v1/orders/${encodeURIComponent(order.orderId)}/external-cancel`
              : `/v1/orders/${order.id}/cancel`;
          const reply = await call('POST', path, i % 3 === 1 ? { idempotencyKey: cancelKey } : {});
          log.push({ kind: 'cancel', reply });
        });
      }
    }

    // 4. Idempotent evaluates: per key 20 identical bodies, 4 Sync-MIT retries (same orderId, new key) and 4
    //    conflicting bodies (same key, another amount).
    const evaluateLog = new Map<string, { variant: 'same' | 'retry' | 'conflict'; reply: Reply }[]>();
    for (let k = 0; k < 8; k++) {
      const body = evaluateBody({ transaction: { amount: 1500 } });
      const orderId = String(body.orderId);
      evaluatedOrderIds.add(orderId);
      const log: { variant: 'same' | 'retry' | 'conflict'; reply: Reply }[] = [];
      evaluateLog.set(orderId, log);
      const send = (variant: 'same' | 'retry' | 'conflict', payload: unknown) =>
        jobs.push(async () => {
          log.push({ variant, reply: await call('POST', '/v1/evaluate', payload) });
        });
      for (let i = 0; i < 20; i++) send('same', body);
      for (let i = 0; i < 4; i++) send('retry', { ...body, idempotencyKey: guid() });
      for (let i = 0; i < 4; i++) {
        send('conflict', { ...body, transaction: { ...(body.transaction as object), amount: 1600 + i } });
      }
    }

    requests += jobs.length;
    await storm(jobs, 1000 + round);

    // --- invariants: refunds
    for (const [id, log] of refundLog) {
      const order = await readOrder(id);
      const refunds = order.refunds as { id: string; amount: number }[];
      assert.ok(order.refundedAmount <= order.capturedAmount, `${id}: refunded more than captured`);
      assert.equal(
        refunds.reduce((sum, r) => sum + r.amount, 0),
        order.refundedAmount,
        `${id}: refunds add up to refundedAmount`,
      );
      assert.equal(order.refundableAmount, order.capturedAmount - order.refundedAmount);
      // One refund per transactionId, whatever how many concurrent requests carried it.
      const byTxn = new Map<string, Set<string>>();
      for (const entry of log) {
        assert.equal(entry.reply.status, 200, JSON.stringify(entry.reply.body));
        if (entry.reply.body.status === 'SUCCESS') {
          seen.refundSuccess += 1;
          const ids = byTxn.get(entry.txn) ?? new Set<string>();
          ids.add(entry.reply.body.transactionId);
          byTxn.set(entry.txn, ids);
        } else {
          seen.refundFailed += 1;
          assert.equal(entry.reply.body.responseCode, '2001');
          // The refundable amount only shrinks, so a refused refund is larger than what is left at the end.
          assert.ok(
            entry.cents > order.refundableAmount,
            `${id}: ${entry.cents} refused but ${order.refundableAmount} left`,
          );
        }
      }
      for (const [txn, ids] of byTxn) assert.equal(ids.size, 1, `${id}: ${txn} made ${ids.size} refunds`);
      const answered = new Set([...byTxn.values()].flatMap((s) => [...s]));
      assert.deepEqual(
        new Set(refunds.map((r) => r.id)),
        answered,
        `${id}: every refund was answered SUCCESS`,
      );
      const cents = new Map(log.map((e) => [e.txn, e.cents]));
      assert.equal(
        [...byTxn.keys()].reduce((sum, txn) => sum + (cents.get(txn) ?? 0), 0),
        order.refundedAmount,
        `${id}: refundedAmount is the sum of the successful refunds`,
      );
      assert.equal(
        order.statusName,
        order.refundedAmount === order.capturedAmount ? 'RETURNED' : 'COMPLETED',
      );
    }

    // --- invariants: duplicate captures
    for (const [id, log] of captureLog) {
      const order = await readOrder(id);
      assert.equal(order.statusName, 'COMPLETED', `${id} captured`);
      assert.equal(order.capturedAmount, 1999);
      const originals = log.filter(
        (e) => e.reply.body?.status === 'SUCCESS' && e.reply.headers['x-mock-idempotent-replay'] !== 'true',
      );
      assert.equal(originals.length, 1, `${id}: exactly one capture applied (${originals.length})`);
      for (const e of log) {
        if (e.reply.status === 409) assert.equal(e.reply.body.code, '409002', JSON.stringify(e.reply.body));
        else {
          assert.equal(e.reply.status, 200, JSON.stringify(e.reply.body));
          if (!e.shared) assert.ok(['SUCCESS', 'FAILED'].includes(e.reply.body.status));
        }
      }
      // Replays of the shared key all answer what its first request got.
      seen.replays += log.filter((e) => e.reply.headers['x-mock-idempotent-replay'] === 'true').length;
      const shared = log.filter((e) => e.shared && e.reply.status === 200).map((e) => e.reply.body.status);
      assert.equal(
        new Set(shared).size,
        1,
        `${id}: the shared key answered ${[...new Set(shared)].join(', ')}`,
      );
    }

    // --- invariants: cancel vs capture
    for (const [id, log] of raceLog) {
      const order = await readOrder(id);
      const captured = log.filter((e) => e.kind === 'capture' && e.reply.body?.status === 'SUCCESS');
      const cancelled = log.filter((e) => e.kind === 'cancel' && e.reply.status === 200);
      assert.ok(
        (captured.length === 1 && cancelled.length === 0) || (captured.length === 0 && cancelled.length > 0),
        `${id}: ${captured.length} captures and ${cancelled.length} cancels succeeded`,
      );
      if (captured.length === 1) {
        seen.captureWon += 1;
        assert.equal(order.statusName, 'COMPLETED');
        assert.equal(order.capturedAmount, 1999);
        for (const e of log.filter((x) => x.kind === 'cancel')) {
          assert.ok(['409003', '409002'].includes(e.reply.body.code), JSON.stringify(e.reply.body));
        }
      } else {
        seen.cancelWon += 1;
        assert.equal(order.statusName, 'CANCELLED');
        assert.equal(order.capturedAmount, 0);
        for (const e of log.filter((x) => x.kind === 'capture')) assert.equal(e.reply.body.status, 'FAILED');
        for (const e of log.filter((x) => x.kind === 'cancel' && x.reply.status !== 200)) {
          assert.equal(e.reply.body.code, '409002', JSON.stringify(e.reply.body));
        }
      }
    }

    // --- invariants: evaluate replays
    for (const [orderId, log] of evaluateLog) {
      const ok = log.filter((e) => e.reply.status === 200);
      const ids = new Set(ok.map((e) => e.reply.body.orderSessionKey));
      assert.equal(ids.size, 1, `${orderId}: one order (${[...ids].join(', ')})`);
      for (const e of log.filter((x) => x.reply.status !== 200)) {
        assert.ok(['409001', '409002'].includes(e.reply.body.code), JSON.stringify(e.reply.body));
        assert.notEqual(e.variant, 'retry', 'a Sync-MIT retry carries its own key');
      }
      // The key belongs to whichever body came first: the other body variant is the one refused.
      const winners = new Set(ok.filter((e) => e.variant !== 'retry').map((e) => e.variant));
      assert.ok(winners.size <= 1, `${orderId}: both bodies of one key were accepted`);
      const listed = await call('GET', `/v1/orders?query=${encodeURIComponent(orderId)}&pageSize=10`);
      assert.equal(listed.body.totalItemCount, 1, `${orderId}: exactly one order with this merchant orderId`);
    }
  }

  // No order was created twice anywhere: the session holds exactly the orders evaluated.
  const all = await call('GET', '/v1/orders?pageSize=1');
  assert.equal(all.body.totalItemCount, evaluatedOrderIds.size);
  assert.deepEqual(errors, [], 'no unexpected errors were logged');
  assert.deepEqual(app.mock.violations, [], 'every answer conformed to contracts/openapi.yaml');
  assert.ok(requests >= 1000, `${requests} concurrent requests`);
  // The storms reached every branch the invariants speak about.
  assert.ok(seen.refundSuccess > 0 && seen.refundFailed > 0 && seen.replays > 0, JSON.stringify(seen));
  assert.ok(seen.captureWon + seen.cancelWon > 0, JSON.stringify(seen));
  t.diagnostic(
    `${requests} requests in ${Math.round(performance.now() - started)} ms: ${JSON.stringify(seen)}`,
  );
});
