// A clock move over many due orders: the admin API settles them in slices that let the event loop run, so other
// requests are answered meanwhile, and still answers only once everything due has run. A burst of webhook deliveries
// larger than the kept list drops the oldest pending ones with one warning, and never attempts them.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import request from 'supertest';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import { SETTLE_SLICE, SETTLE_SLICE_WORK } from '../mock/domain/scheduler.js';
import type { MockApp } from '../mock/http/app.js';
import { DueQueue } from '../mock/webhooks/due-queue.js';
import type { WebhookDelivery } from '../mock/webhooks/types.js';
import { evaluateBody, makeApp, tokenFor } from './helpers.js';

const servers: Server[] = [];
after(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

/** A receiver answering every POST with `status`; counts what it got. */
async function receiver(status: number): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server = createServer((req, res) => {
    hits += 1;
    req.resume();
    req.on('end', () => res.writeHead(status).end());
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    hits: () => hits,
  };
}

async function challengeOrders(app: MockApp, count: number): Promise<void> {
  const token = await tokenFor(app);
  for (let i = 0; i < count; i++) {
    const res = await request(app)
      .post('/v1/evaluate')
      .set('authorization', `Bearer ${token}`)
      .send(evaluateBody({ paymentMethod: { cardNumber: TEST_CARDS.challenge, token: false } }));
    assert.equal(res.body.status, 'CHALLENGE', JSON.stringify(res.body));
  }
}

/**
 * POST /__admin/clock/advance by an hour, noting in which turn of the event loop each transition ran (turns are
 * counted by a setImmediate chain that starts with the first one: settling everything in one go puts every transition
 * in turn 0). Returns the turns used and the challenges passed.
 */
async function advanceCountingTurns(
  app: MockApp,
  moves = 1,
): Promise<{ turns: number; passed: number; busiestTurn: number }> {
  let turn = 0;
  let counting = false;
  const turns = new Map<number, number>();
  let passed = 0;
  const count = () => {
    if (!counting) return;
    turn += 1;
    setImmediate(count);
  };
  const off = app.mock.store.onTransition((_order, name) => {
    if (!counting) {
      counting = true;
      setImmediate(count);
    }
    turns.set(turn, (turns.get(turn) ?? 0) + 1);
    if (name === 'passChallenge') passed += 1;
  });
  try {
    const advanced = await Promise.all(
      Array.from({ length: moves }, () => request(app).post('/__admin/clock/advance').send({ by: '1h' })),
    );
    for (const answer of advanced) assert.equal(answer.status, 200);
    return { turns: turns.size, passed, busiestTurn: Math.max(...turns.values()) };
  } finally {
    counting = false;
    off();
  }
}

describe('clock moves over many due orders', { timeout: 120_000 }, () => {
  test('POST /__admin/clock/advance settles in slices that let the event loop run, and answers once all ran', async () => {
    const { app } = makeApp();
    const orders = 2 * SETTLE_SLICE + 1;
    await challengeOrders(app, orders);

    const advanced = await advanceCountingTurns(app);
    assert.equal(
      advanced.passed,
      orders,
      'every order due had passed its challenge when the advance answered',
    );
    assert.ok(
      advanced.turns >= 3,
      `transitions ran in ${advanced.turns} turn(s) of the event loop, expected at least 3`,
    );
  });

  test('clock moves sent at once settle one slice per turn between them, not one slice each', async () => {
    const { app } = makeApp();
    const orders = 4 * SETTLE_SLICE;
    await challengeOrders(app, orders);
    const advanced = await advanceCountingTurns(app, 3);
    assert.equal(advanced.passed, orders);
    // Each passed challenge is one transition; a turn holding more than a slice's worth ran two moves' slices.
    assert.ok(
      advanced.busiestTurn <= SETTLE_SLICE,
      `one turn of the event loop ran ${advanced.busiestTurn} transitions, more than a slice (${SETTLE_SLICE})`,
    );
  });

  test('a slice also ends by the webhook deliveries it made: few orders, many receivers', async () => {
    const up = await receiver(200);
    const receivers = Array.from({ length: 40 }, (_, i) => ({
      mid: DEFAULT_MERCHANT.mid,
      url: `${up.url}${i}`,
    }));
    const { app } = makeApp({ webhooks: { receivers } });
    // Far fewer orders than a slice's SETTLE_SLICE, but each passed challenge makes deliveries for 40 receivers.
    const orders = 30;
    await challengeOrders(app, orders);
    const before = app.mock.webhooks?.deliveries().length ?? 0;
    const advanced = await advanceCountingTurns(app);
    assert.equal(advanced.passed, orders);
    const made = (app.mock.webhooks?.deliveries().length ?? 0) - before;
    assert.ok(made > SETTLE_SLICE_WORK, `the advance made ${made} deliveries, more than one slice may`);
    assert.ok(
      advanced.turns >= 2,
      `transitions ran in ${advanced.turns} turn(s), expected the work to split them`,
    );
    await app.mock.webhooks?.flush();
  });

  test('a burst of more deliveries than are kept drops the oldest pending ones, warns once, never attempts them', async () => {
    const down = await receiver(500);
    const receivers = Array.from({ length: 6 }, (_, i) => ({
      mid: DEFAULT_MERCHANT.mid,
      url: `${down.url}${i}`,
    }));
    const { app, logs } = makeApp({ webhooks: { maxDeliveries: 4, timeoutMs: 1_000, receivers } });
    const hooks = app.mock.webhooks;
    assert.ok(hooks);
    const token = await tokenFor(app);
    const res = await request(app)
      .post('/v1/evaluate')
      .set('authorization', `Bearer ${token}`)
      .send(evaluateBody({ paymentMethod: { cardNumber: TEST_CARDS.approved, token: false } }));
    assert.equal(res.body.status, 'APPROVED');
    await hooks.flush();
    const kept = hooks.deliveries();
    assert.equal(kept.length, 4);
    assert.deepEqual(
      kept.map((d) => d.id),
      ['whd_000003', 'whd_000004', 'whd_000005', 'whd_000006'],
      'the two made first were dropped',
    );
    assert.equal(down.hits(), 4, 'dropped deliveries are never attempted');
    const warnings = logs.filter((line) => line.includes('pending deliveries'));
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] ?? '', /dropped the oldest 2/);
  });

  test('the due queue hands deliveries out by time, then creation order, and forgets dropped ones', () => {
    const queue = new DueQueue();
    const made = Array.from({ length: 50 }, (_, i) => ({ id: `d${i}` }) as WebhookDelivery);
    // Times 0..9 five times over, inserted in a scrambled order.
    for (const i of [...made.keys()].sort((a, b) => ((a * 37) % 50) - ((b * 37) % 50))) {
      queue.set(made[i] as WebhookDelivery, i % 10, i);
    }
    queue.delete(made[7] as WebhookDelivery);
    queue.set(made[3] as WebhookDelivery, 100, 3);
    assert.equal(queue.hasDue(-1), false);
    const out: string[] = [];
    for (let d = queue.takeDue(9); d; d = queue.takeDue(9)) out.push(d.id);
    const expected = [...made.keys()]
      .filter((i) => i !== 7 && i !== 3)
      .sort((a, b) => (a % 10) - (b % 10) || a - b)
      .map((i) => `d${i}`);
    assert.deepEqual(out, expected);
    assert.equal(queue.size, 1);
    assert.equal(queue.takeDue(100)?.id, 'd3');
  });
});
