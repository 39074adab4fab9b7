// The shared store's budgets hold in Redis by bytes as well as by count: a client sending long strings must not be able
// to fill the Redis that several mocks share, any more than it can fill one process's heap. The store is driven
// directly here (a small byte budget instead of 48 MiB of orders), against a real redis-server.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { VirtualClock } from '../mock/domain/clock.js';
import type { Order } from '../mock/domain/order-states.js';
import { partnerStateBytes } from '../mock/domain/partner-store.js';
import { keyBytes, orderBytes, Store } from '../mock/domain/store.js';
import { openSharedStore, type SharedConnection } from '../mock/redis/index.js';
import { SharedStore } from '../mock/redis/shared-store.js';
import { applicationRecord, storedOrder } from './helpers.js';
import { type RedisServer, startRedis } from './redis-server.js';

const QUIET = { info() {}, warn() {}, error() {} };
const MID = 'a8a0a74d-2509-4cbc-9eb5-879c7a34eb45';
const BYTE_BUDGET = 60_000;

/** An order as the store keeps it, with a long name (what a hostile client controls). */
function order(n: number, session: string): Order {
  return storedOrder(n, { session, mid: MID, firstName: 'x'.repeat(8_000) });
}

function sharedStore(connection: SharedConnection): { store: Store; shared: SharedStore } {
  const store = new Store(1, { orders: 1_000, idempotencyKeys: 1_000, cards: 1_000 }, { shared: true });
  const shared = new SharedStore({
    redis: connection.redis,
    prefix: connection.prefix,
    store,
    clock: new VirtualClock(),
    log: QUIET,
    limits: { orders: 1_000 },
    byteLimits: { orders: BYTE_BUDGET, partner: BYTE_BUDGET },
  });
  return { store, shared };
}

describe('the shared store bounds Redis by bytes', { timeout: 60_000 }, () => {
  let redis: RedisServer;
  let a: SharedConnection;
  let b: SharedConnection;
  before(async () => {
    redis = await startRedis();
    a = await openSharedStore(redis.url, 'bytes:');
    b = await openSharedStore(redis.url, 'bytes:');
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  test('orders of 8,000 characters each: the oldest leave Redis once their bytes pass the budget, in every process', async () => {
    const writer = sharedStore(a);
    for (let n = 1; n <= 20; n++) {
      await writer.shared.transact('big', (session) => session.partition(MID).addOrder(order(n, 'big')));
    }
    const bytes = Number(await a.redis.get('bytes:budget:o:bytes'));
    assert.ok(bytes > 0 && bytes <= BYTE_BUDGET, `the orders' bytes in Redis: ${bytes}`);
    const fields = Object.keys(await a.redis.hgetall('bytes:s:big'));
    const orders = fields.filter((f) => f.startsWith('o'));
    // Each order is counted as a process counts it (its heap estimate: about 18 KB for 8,000 characters).
    const each = orderBytes(order(0, 'big'));
    assert.equal(orders.length, Math.floor(BYTE_BUDGET / each), `orders kept: ${orders.length}`);
    assert.ok(
      orders.some((f) => f.endsWith('order-20')),
      'the newest order is kept',
    );
    assert.ok(!orders.some((f) => f.endsWith('order-1')), 'the oldest order is gone');

    // Another process reading the session sees exactly what Redis kept; the writer's copy dropped the same ones.
    const reader = sharedStore(b);
    await reader.shared.refresh('big');
    const read = [...(reader.store.peek('big')?.partition(MID).orders.keys() ?? [])].sort();
    const written = [...(writer.store.peek('big')?.partition(MID).orders.keys() ?? [])].sort();
    assert.deepEqual(read, orders.map((f) => f.split('\u001f')[2]).sort());
    assert.deepEqual(written, read);
  });

  test('partner data: a session’s whole share leaves Redis, least recently written first, past the budget', async () => {
    const writer = sharedStore(a);
    for (const name of ['p1', 'p2', 'p3', 'p4']) {
      await writer.shared.transact(name, (session) =>
        session.partner().addApplication(applicationRecord(name, 20_000)),
      );
    }
    // The partner budget in Redis is twice a process's (what one process's copy of one session may reach).
    const bytes = Number(await a.redis.get('bytes:budget:p:bytes'));
    assert.ok(bytes > 40_000 && bytes <= 2 * BYTE_BUDGET, `the partner bytes in Redis: ${bytes}`);
    const kept = async (name: string) => (await a.redis.hmget(`bytes:s:${name}`, 'p'))[0] !== null;
    assert.deepEqual(
      [await kept('p1'), await kept('p2'), await kept('p3'), await kept('p4')],
      [false, false, true, true],
    );
    // Another process reads what Redis kept, and so does the writer once it reads the session again.
    const reader = sharedStore(b);
    await reader.shared.refresh('p1');
    await reader.shared.refresh('p4');
    assert.equal(reader.store.peek('p1')?.existingPartner()?.applications.size ?? 0, 0);
    assert.deepEqual([...(reader.store.peek('p4')?.partner().applications.keys() ?? [])], ['p4']);
    await writer.shared.refresh('p1');
    assert.equal(writer.store.peek('p1')?.existingPartner()?.applications.size ?? 0, 0);
  });

  test('a kept response and partner data are counted in Redis as a process counts them', async () => {
    const writer = sharedStore(a);
    await writer.shared.transact('sizes', (session) => {
      const partition = session.partition(MID);
      partition.claimIdempotencyKey('evaluate', 'key-1', { n: 1 }, 0);
      const body = { status: 'APPROVED', echoed: 'e'.repeat(5_000) };
      partition.completeIdempotencyKey('evaluate', 'key-1', { status: 200, body });
      session.partner().addApplication({
        ...applicationRecord('tiny-items', 0),
        fields: { Description: Array.from({ length: 500 }, () => ({})) },
      });
    });
    const session = writer.store.peek('sizes');
    const record = session?.partition(MID).idempotencyRecord('evaluate', 'key-1');
    const partner = session?.existingPartner();
    assert.ok(record && partner, 'the writer holds what it wrote');
    const sizes = (kind: string) => a.redis.hgetall(`bytes:budget:${kind}:size`);
    const keySizes = Object.entries(await sizes('k')).filter(([member]) => member.startsWith('sizes\u001f'));
    assert.deepEqual(
      keySizes.map(([, bytes]) => Number(bytes)),
      [keyBytes(record)],
    );
    assert.ok(keyBytes(record) > 10_000, `${keyBytes(record)} bytes: the kept body counts`);
    assert.equal(Number((await sizes('p'))['sizes\u001fp']), partnerStateBytes(partner));
    assert.equal(partnerStateBytes(partner), writer.store.budget.partner.bytes);
  });

  test('a reset gives the session’s bytes back to the budget', async () => {
    const writer = sharedStore(a);
    await writer.shared.transact('small', (session) => session.partition(MID).addOrder(order(99, 'small')));
    const before = Number(await a.redis.get('bytes:budget:o:bytes'));
    await writer.shared.reset('small');
    const after = Number(await a.redis.get('bytes:budget:o:bytes'));
    assert.ok(before - after > 8_000, `bytes before ${before}, after ${after}`);
  });
});
