// Webhook deliveries end to end: real receivers on 127.0.0.1, orders driven over HTTP, time moved with
// app.mock.clock.advance() and deliveries awaited with app.mock.webhooks.flush() — nothing sleeps on virtual time.
// Covers every modelled event, the signature, content type, retries with backoff, a receiver outage, final failure,
// the delivery faults (failTimes, duplicate, outOfOrder, delayMs), session isolation and redelivery.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import request from 'supertest';
import {
  DEFAULT_ACCOUNTS,
  DEFAULT_MERCHANT,
  loadAccountsFile,
  type MerchantAccount,
  SECOND_MERCHANT,
} from '../mock/domain/accounts.js';
import { TEST_CARDS, type TestCardName } from '../mock/domain/outcomes.js';
import type { MockApp, MockOptions } from '../mock/http/app.js';
import {
  DEFAULT_RETRY_SCHEDULE_MS,
  parseReceiverSpec,
  type WebhookDelivery,
  type WebhookDispatcher,
  type WebhookOptions,
} from '../mock/webhooks/dispatcher.js';
import { TRANSITION_EVENTS, type WebhookPayload } from '../mock/webhooks/events.js';
import { verifyWebhookSignature } from '../mock/webhooks/signature.js';
import { evaluateBody, makeApp, T0, tokenFor } from './helpers.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SESSION = 'x-mock-session';

// ---- a real receiver ------------------------------------------------------------------------------------------------

interface Received {
  headers: IncomingHttpHeaders;
  raw: string;
  payload: WebhookPayload;
}

/** What the receiver does with request number n (0-based): answer a status, or hang until the sender gives up. */
type Responder = (n: number) => number | 'hang';

const openServers = new Set<Server>();
after(() => {
  for (const server of openServers) {
    server.closeAllConnections();
    server.close();
  }
});

class Receiver {
  readonly received: Received[] = [];
  respond: Responder = () => 200;
  #server: Server | null = null;
  #port = 0;
  #count = 0;

  static async start(respond?: Responder): Promise<Receiver> {
    const receiver = new Receiver();
    if (respond) receiver.respond = respond;
    await receiver.listen(0);
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.#port}/webhooks/flex`;
  }

  async listen(port: number): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const n = this.#count++;
        const answer = this.respond(n);
        if (answer === 'hang') return; // never answers: the sender's timeout ends it
        this.received.push({ headers: req.headers, raw, payload: JSON.parse(raw) as WebhookPayload });
        res.statusCode = answer;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.#port = (server.address() as AddressInfo).port;
    this.#server = server;
    openServers.add(server);
  }

  /** Go down: the port refuses connections until listen(port) again. */
  async stop(): Promise<number> {
    const server = this.#server;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      openServers.delete(server);
    }
    this.#server = null;
    return this.#port;
  }

  events(orderId?: string): string[] {
    return this.received
      .filter((r) => orderId === undefined || r.payload.OrderId === orderId)
      .map((r) => r.payload.Event);
  }
}

// ---- one test's world -----------------------------------------------------------------------------------------------

let counter = 0;

class World {
  readonly app: MockApp;
  readonly receiver: Receiver;
  readonly session: string;

  constructor(app: MockApp, receiver: Receiver, session?: string) {
    counter += 1;
    this.app = app;
    this.receiver = receiver;
    this.session = session ?? `webhooks-${counter}`;
  }

  static async create(
    options: { webhooks?: WebhookOptions; respond?: Responder; app?: MockOptions } = {},
  ): Promise<World> {
    const receiver = await Receiver.start(options.respond);
    const { app } = makeApp({
      ...options.app,
      webhooks: {
        timeoutMs: 1_000,
        ...options.webhooks,
        receivers: [{ mid: DEFAULT_MERCHANT.mid, url: receiver.url }, ...(options.webhooks?.receivers ?? [])],
      },
    });
    return new World(app, receiver);
  }

  get hooks(): WebhookDispatcher {
    const dispatcher = this.app.mock.webhooks;
    assert.ok(dispatcher, 'createApp sets app.mock.webhooks');
    return dispatcher;
  }

  async evaluate(
    name: TestCardName,
    overrides: Record<string, unknown> = {},
    account: MerchantAccount = DEFAULT_MERCHANT,
  ): Promise<{ id: string; orderId: string; status: string }> {
    const token = await tokenFor(this.app, account, this.session);
    const body = evaluateBody({
      mid: account.mid,
      paymentMethod: { cardNumber: TEST_CARDS[name], token: false },
      ...overrides,
    });
    const res = await request(this.app)
      .post('/v1/evaluate')
      .set('authorization', `Bearer ${token}`)
      .set(SESSION, this.session)
      .send(body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return { id: res.body.orderSessionKey, orderId: String(body.orderId), status: res.body.status };
  }

  async post(path: string, body: Record<string, unknown> = {}) {
    const token = await tokenFor(this.app, DEFAULT_MERCHANT, this.session);
    return request(this.app)
      .post(path)
      .set('authorization', `Bearer ${token}`)
      .set(SESSION, this.session)
      .send(body);
  }

  async order(id: string): Promise<Record<string, unknown>> {
    const token = await tokenFor(this.app, DEFAULT_MERCHANT, this.session);
    const res = await request(this.app)
      .get(`/v1/orders/${id}`)
      .set('authorization', `Bearer ${token}`)
      .set(SESSION, this.session);
    return res.body;
  }

  async advance(ms: number): Promise<void> {
    this.app.mock.clock.advance(ms);
    await this.hooks.flush();
  }

  deliveries(orderId?: string): WebhookDelivery[] {
    return this.hooks.deliveries({ session: this.session, ...(orderId ? { orderId } : {}) });
  }
}

/** The receiver's copy of an event of an order, checked for everything every delivery must carry. */
function receivedEvent(
  world: World,
  order: { id: string; orderId: string },
  event: string,
  account: MerchantAccount = DEFAULT_MERCHANT,
): WebhookPayload {
  const hit = world.receiver.received.find(
    (r) => r.payload.OrderId === order.id && r.payload.Event === event,
  );
  assert.ok(hit, `${event} of ${order.id} received (got ${world.receiver.events(order.id).join(', ')})`);
  const p = hit.payload;
  assert.deepEqual(Object.keys(p), [
    'Event',
    'TimeStamp',
    'EventData',
    'ExternalOrderId',
    'OrderId',
    'ConfirmationId',
    'IsTestMode',
    'IsResent',
  ]);
  assert.equal(p.ExternalOrderId, order.orderId);
  assert.equal(p.OrderId, order.id);
  assert.match(p.TimeStamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.match(p.ConfirmationId, /^[0-9A-F]{8}$/);
  assert.equal(p.IsTestMode, true);
  assert.equal(p.IsResent, false);
  assert.equal(hit.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(hit.headers.host, new URL(world.receiver.url).host);
  const verdict = verifyWebhookSignature({
    body: hit.raw,
    headers: hit.headers as Record<string, string>,
    subscriberKey: account.subscriberKey,
  });
  assert.deepEqual(verdict, { ok: true });
  assert.match(String(hit.headers['x-fc-nonce']), /^[0-9a-f]{32}$/);
  assert.equal(hit.headers['x-fc-date'], new Date(Date.parse(p.TimeStamp)).toUTCString());
  return p;
}

// ---- every event ----------------------------------------------------------------------------------------------------

describe('each order event is delivered, signed, with the documented payload', () => {
  test('order.completed at evaluate (APPROVED): EventData null, ConfirmationId as on the order', async () => {
    const w = await World.create();
    const order = await w.evaluate('approved');
    assert.equal(order.status, 'APPROVED');
    await w.hooks.flush();
    const p = receivedEvent(w, order, 'order.completed');
    assert.equal(p.EventData, null);
    assert.equal(p.TimeStamp, '2026-06-01T12:00:00.000000Z');
    assert.equal(p.ConfirmationId, (await w.order(order.id)).confirmationId);
    assert.deepEqual(w.receiver.events(), ['order.completed']);
    const [delivery] = w.deliveries(order.id);
    assert.equal(delivery?.status, 'delivered');
    assert.equal(delivery?.attempts.length, 1);
    assert.equal(delivery?.attempts[0]?.statusCode, 200);
  });

  test('an immediate CIT decline emits nothing; an MIT decline emits order.cancelled', async () => {
    const w = await World.create();
    const cit = await w.evaluate('declined');
    assert.equal(cit.status, 'DECLINED');
    const mit = await w.evaluate('declined', { isMIT: true });
    await w.hooks.flush();
    assert.deepEqual(w.receiver.events(cit.id), []);
    assert.deepEqual(receivedEvent(w, mit, 'order.cancelled').EventData, { Reason: 'Declined' });
  });

  test('order.completed when a SUBMITTED order is rescued (1 h later), not before', async () => {
    const w = await World.create();
    const order = await w.evaluate('submitted');
    assert.equal(order.status, 'SUBMITTED');
    await w.advance(HOUR - 1);
    assert.deepEqual(w.receiver.events(order.id), []);
    await w.advance(1);
    const p = receivedEvent(w, order, 'order.completed');
    assert.equal(p.TimeStamp, '2026-06-01T13:00:00.000000Z');
    assert.deepEqual(w.receiver.events(order.id), ['order.completed']);
  });

  test('order.expired at expiryDateUtc', async () => {
    const w = await World.create();
    const expiry = new Date(Date.parse(T0) + 3 * DAY).toISOString();
    const order = await w.evaluate('expires', { isMIT: true, expiryDateUtc: expiry });
    await w.advance(3 * DAY);
    const p = receivedEvent(w, order, 'order.expired');
    assert.deepEqual(p.EventData, { ExpiryDateUtc: expiry });
    assert.deepEqual(w.receiver.events(order.id), ['order.expired']);
  });

  test('order.cancelled when FlexFactor cancels (2 h) and when the merchant cancels', async () => {
    const w = await World.create();
    const byFlex = await w.evaluate('cancelledByFlexFactor');
    const byMerchant = await w.evaluate('submitted', {
      isMIT: true,
      expiryDateUtc: new Date(Date.parse(T0) + DAY).toISOString(),
    });
    assert.equal((await w.post(`/v1/orders/${byMerchant.id}/cancel`)).status, 200);
    await w.advance(2 * HOUR);
    assert.deepEqual(receivedEvent(w, byFlex, 'order.cancelled').EventData, {
      Reason: 'CancelledByFlexFactor',
    });
    assert.deepEqual(receivedEvent(w, byMerchant, 'order.cancelled').EventData, {
      Reason: 'CancelledByMerchant',
    });
    assert.deepEqual(w.receiver.events(byMerchant.id), ['order.cancelled']);
  });

  test('order.capturerequired, then order.completed on capture, order.cancelled on cancel or auto-void', async () => {
    const w = await World.create();
    const captured = await w.evaluate('captureRequired');
    const cancelled = await w.evaluate('captureRequired');
    const voided = await w.evaluate('captureRequired');
    assert.equal(captured.status, 'CAPTUREREQUIRED');
    await w.hooks.flush();
    assert.deepEqual(receivedEvent(w, captured, 'order.capturerequired').EventData, {
      Amount: 1500,
      Currency: 'USD',
      CaptureBeforeUtc: new Date(Date.parse(T0) + DAY).toISOString(),
    });
    const capture = await w.post('/v1/capture', {
      mid: DEFAULT_MERCHANT.mid,
      orderId: captured.id,
      idempotencyKey: '7d1c2b4e-8d3a-4f5b-9c7e-2a1d0e9f8b01',
      amount: 1500,
      currency: 'USD',
    });
    assert.equal(capture.body.status, 'SUCCESS');
    assert.equal((await w.post(`/v1/orders/${cancelled.id}/cancel`)).status, 200);
    await w.hooks.flush();
    const completed = receivedEvent(w, captured, 'order.completed');
    assert.equal(completed.EventData, null);
    assert.equal(
      completed.ConfirmationId,
      receivedEvent(w, captured, 'order.capturerequired').ConfirmationId,
      'one ConfirmationId per order',
    );
    // Polling the outcome of the captured order tells the same id as its webhooks.
    const outcome = await w.post('/v1/outcome', { orderSessionKey: captured.id });
    assert.deepEqual(
      [outcome.body.status, outcome.body.confirmationId],
      ['APPROVED', completed.ConfirmationId],
    );
    assert.deepEqual(receivedEvent(w, cancelled, 'order.cancelled').EventData, {
      Reason: 'CancelledByMerchant',
    });
    await w.advance(DAY);
    assert.deepEqual(receivedEvent(w, voided, 'order.cancelled').EventData, {
      Reason: 'CaptureWindowExpired',
    });
    assert.deepEqual(w.receiver.events(captured.id), ['order.capturerequired', 'order.completed']);
  });

  test('challenge.presented, then challenge.attempted + challenge.passed + order.completed', async () => {
    const w = await World.create();
    const order = await w.evaluate('challenge');
    assert.equal(order.status, 'CHALLENGE');
    await w.hooks.flush();
    assert.deepEqual(receivedEvent(w, order, 'challenge.presented').EventData, {
      Amount: 1500,
      Currency: 'USD',
    });
    await w.advance(5 * MINUTE);
    receivedEvent(w, order, 'challenge.attempted');
    receivedEvent(w, order, 'challenge.passed');
    receivedEvent(w, order, 'order.completed');
    assert.deepEqual(w.receiver.events(order.id), [
      'challenge.presented',
      'challenge.attempted',
      'challenge.passed',
      'order.completed',
    ]);
    const stamps = w.receiver.received.map((r) => r.payload.TimeStamp);
    assert.deepEqual([...stamps].sort(), stamps, 'TimeStamps sort in emission order');
  });

  test('challenge.attempted + challenge.failed + order.cancelled when the shopper fails', async () => {
    const w = await World.create();
    const order = await w.evaluate('challengeFailed');
    await w.advance(5 * MINUTE);
    receivedEvent(w, order, 'challenge.failed');
    assert.deepEqual(receivedEvent(w, order, 'order.cancelled').EventData, { Reason: 'ChallengeFailed' });
    assert.deepEqual(w.receiver.events(order.id), [
      'challenge.presented',
      'challenge.attempted',
      'challenge.failed',
      'order.cancelled',
    ]);
  });

  test('order.refunded for FlexFactor refunds and for partial and full merchant refunds', async () => {
    const w = await World.create();
    const byFlex = await w.evaluate('refunded');
    const byMerchant = await w.evaluate('approved');
    assert.equal((await w.post(`/v1/orders/${byMerchant.id}/refund`, { amountToRefund: 5 })).status, 200);
    assert.equal((await w.post(`/v1/orders/${byMerchant.id}/refund`, { amountToRefund: 10 })).status, 200);
    await w.advance(DAY);
    assert.deepEqual(receivedEvent(w, byFlex, 'order.refunded').EventData, {
      Amount: 1500,
      RefundedTotal: 1500,
      Currency: 'USD',
      IsPartial: false,
    });
    const refunds = w.receiver.received
      .filter((r) => r.payload.OrderId === byMerchant.id && r.payload.Event === 'order.refunded')
      .map((r) => r.payload.EventData);
    assert.deepEqual(refunds, [
      { Amount: 500, RefundedTotal: 500, Currency: 'USD', IsPartial: true },
      { Amount: 1000, RefundedTotal: 1500, Currency: 'USD', IsPartial: false },
    ]);
  });

  test('payment.chargeback.received when the issuer files a chargeback (1 day)', async () => {
    const w = await World.create();
    const order = await w.evaluate('chargeback');
    await w.advance(DAY);
    assert.deepEqual(receivedEvent(w, order, 'payment.chargeback.received').EventData, {
      Amount: 1500,
      Currency: 'USD',
    });
    assert.deepEqual(w.receiver.events(order.id), ['order.completed', 'payment.chargeback.received']);
  });

  test("another merchant's events go to its own receivers, signed with its own subscriber key", async () => {
    const other = await Receiver.start();
    const w = await World.create({ webhooks: { receivers: [{ mid: SECOND_MERCHANT.mid, url: other.url }] } });
    const order = await w.evaluate('approved', {}, SECOND_MERCHANT);
    await w.hooks.flush();
    assert.deepEqual(w.receiver.events(), []);
    const hit = other.received[0];
    assert.ok(hit);
    assert.equal(hit.payload.OrderId, order.id);
    assert.deepEqual(
      verifyWebhookSignature({
        body: hit.raw,
        headers: hit.headers as Record<string, string>,
        subscriberKey: SECOND_MERCHANT.subscriberKey,
      }),
      { ok: true },
    );
    const wrongKey = verifyWebhookSignature({
      body: hit.raw,
      headers: hit.headers as Record<string, string>,
      subscriberKey: DEFAULT_MERCHANT.subscriberKey,
    });
    assert.equal(wrongKey.ok, false);
  });

  test('every transition has a row in the event table', () => {
    assert.deepEqual(TRANSITION_EVENTS.passChallenge.events, [
      'challenge.attempted',
      'challenge.passed',
      'order.completed',
    ]);
    assert.deepEqual(TRANSITION_EVENTS.expire.events, ['order.expired']);
    assert.deepEqual(TRANSITION_EVENTS.pickUp.events, []);
  });
});

// ---- transport ------------------------------------------------------------------------------------------------------

describe('delivery transport', () => {
  test('the content type is text/plain by default and configurable', async () => {
    const w = await World.create({ webhooks: { contentType: 'application/json' } });
    await w.evaluate('approved');
    await w.hooks.flush();
    assert.equal(w.receiver.received[0]?.headers['content-type'], 'application/json');
    assert.equal(w.hooks.contentType, 'application/json');
  });

  test('500, 500, 200: three attempts, retried after the backoff with IsResent true and a fresh signature', async () => {
    const w = await World.create({ respond: (n) => (n < 2 ? 500 : 200) });
    const order = await w.evaluate('approved');
    await w.hooks.flush();
    let [delivery] = w.deliveries(order.id);
    assert.equal(delivery?.status, 'pending');
    assert.equal(delivery?.nextAttemptAt, Date.parse(T0) + MINUTE);
    await w.advance(MINUTE - 1);
    assert.equal(w.receiver.received.length, 1, 'no retry before the backoff');
    await w.advance(1);
    assert.equal(w.receiver.received.length, 2);
    await w.advance(5 * MINUTE);
    [delivery] = w.deliveries(order.id);
    assert.equal(delivery?.status, 'delivered');
    assert.deepEqual(
      delivery?.attempts.map((a) => [a.statusCode, a.isResent, a.at - Date.parse(T0)]),
      [
        [500, false, 0],
        [500, true, MINUTE],
        [200, true, 6 * MINUTE],
      ],
    );
    const bodies = w.receiver.received.map((r) => r.payload);
    assert.deepEqual(
      bodies.map((p) => p.IsResent),
      [false, true, true],
    );
    assert.deepEqual(
      bodies.map((p) => ({ ...p, IsResent: false })),
      [bodies[0], bodies[0], bodies[0]],
      'only IsResent changes',
    );
    for (const r of w.receiver.received) {
      assert.deepEqual(
        verifyWebhookSignature({
          body: r.raw,
          headers: r.headers as Record<string, string>,
          subscriberKey: DEFAULT_MERCHANT.subscriberKey,
        }),
        { ok: true },
      );
    }
    assert.equal(new Set(w.receiver.received.map((r) => r.headers['x-fc-nonce'])).size, 3);
    const journal = w.app.mock.journal.entries({ session: w.session, kind: 'webhook' });
    assert.deepEqual(
      journal.map((e) => (e.kind === 'webhook' ? [e.attempt, e.statusCode, e.isResent] : null)),
      [
        [1, 500, false],
        [2, 500, true],
        [3, 200, true],
      ],
    );
  });

  test('a receiver that does not answer in time is retried like an error', async () => {
    const w = await World.create({ webhooks: { timeoutMs: 150 }, respond: (n) => (n === 0 ? 'hang' : 200) });
    const order = await w.evaluate('approved');
    await w.hooks.flush();
    let [delivery] = w.deliveries(order.id);
    assert.equal(delivery?.attempts[0]?.error, 'timeout after 150 ms');
    assert.equal(delivery?.attempts[0]?.statusCode, null);
    await w.advance(MINUTE);
    [delivery] = w.deliveries(order.id);
    assert.equal(delivery?.status, 'delivered');
    assert.equal(w.receiver.received[0]?.payload.IsResent, true);
  });

  test('an outage: nothing is lost, every event arrives once the receiver is back', async () => {
    const w = await World.create();
    const port = await w.receiver.stop();
    const approved = await w.evaluate('approved');
    const authorized = await w.evaluate('captureRequired');
    const challenged = await w.evaluate('challenge');
    await w.hooks.flush();
    assert.ok(w.deliveries().every((d) => d.status === 'pending' && d.attempts[0]?.error === 'ECONNREFUSED'));
    await w.advance(MINUTE); // first retry: still down
    assert.ok(w.deliveries().every((d) => d.attempts.length === 2 && d.status === 'pending'));
    await w.receiver.listen(port);
    await w.advance(5 * MINUTE); // second retries, and the challenge's fate fires meanwhile
    const expected = [
      `${approved.id} order.completed`,
      `${authorized.id} order.capturerequired`,
      `${challenged.id} challenge.presented`,
      `${challenged.id} challenge.attempted`,
      `${challenged.id} challenge.passed`,
      `${challenged.id} order.completed`,
    ];
    const got = w.receiver.received.map((r) => `${r.payload.OrderId} ${r.payload.Event}`);
    assert.deepEqual([...got].sort(), [...expected].sort(), 'each event exactly once');
    assert.deepEqual(w.hooks.deliveries({ session: w.session, status: 'pending' }), []);
    assert.equal(w.deliveries().filter((d) => d.status === 'delivered').length, expected.length);
    const retried = w.receiver.received.filter((r) => r.payload.IsResent).map((r) => r.payload.Event);
    assert.deepEqual(retried.sort(), ['challenge.presented', 'order.capturerequired', 'order.completed']);
    const journal = w.app.mock.journal.entries({ session: w.session, kind: 'webhook' });
    assert.equal(journal.length, 3 * 3 + 3, 'three attempts for the early events, one for the late ones');
  });

  test('after the last retry a delivery is failed, and stays failed', async () => {
    const w = await World.create({ webhooks: { retrySchedule: [1_000, 2_000] }, respond: () => 503 });
    const order = await w.evaluate('approved');
    await w.hooks.flush();
    await w.advance(1_000);
    await w.advance(2_000);
    const [delivery] = w.deliveries(order.id);
    assert.equal(delivery?.status, 'failed');
    assert.equal(delivery?.nextAttemptAt, null);
    assert.deepEqual(
      delivery?.attempts.map((a) => a.statusCode),
      [503, 503, 503],
    );
    await w.advance(DAY);
    assert.equal(w.receiver.received.length, 3);
    assert.equal(w.hooks.deliveries({ status: 'failed' }).length, 1);
  });

  test('the default schedule: seven attempts over about 33 hours, then failed', async () => {
    const w = await World.create({ respond: () => 500 });
    const order = await w.evaluate('approved');
    await w.hooks.flush();
    for (const wait of DEFAULT_RETRY_SCHEDULE_MS) await w.advance(wait);
    const [delivery] = w.deliveries(order.id);
    assert.equal(delivery?.attempts.length, DEFAULT_RETRY_SCHEDULE_MS.length + 1);
    assert.equal(delivery?.status, 'failed');
  });
});

// ---- faults ---------------------------------------------------------------------------------------------------------

describe('delivery faults per session', () => {
  test('failTimes: the next N attempts fail without calling the receiver', async () => {
    const w = await World.create();
    w.hooks.setFaults(w.session, { failTimes: 2 });
    const order = await w.evaluate('approved');
    await w.hooks.flush();
    await w.advance(MINUTE);
    assert.equal(w.receiver.received.length, 0);
    assert.equal(w.hooks.faults(w.session).failTimes, 0);
    await w.advance(5 * MINUTE);
    const [delivery] = w.deliveries(order.id);
    assert.deepEqual(
      delivery?.attempts.map((a) => a.error ?? a.statusCode),
      ['fault: failTimes', 'fault: failTimes', 200],
    );
    assert.equal(w.receiver.received.length, 1);
    assert.equal(w.receiver.received[0]?.payload.IsResent, true);
  });

  test('duplicate: every event arrives twice, identical and validly signed', async () => {
    const w = await World.create();
    w.hooks.setFaults(w.session, { duplicate: true });
    const order = await w.evaluate('approved');
    await w.hooks.flush();
    assert.deepEqual(w.receiver.events(order.id), ['order.completed', 'order.completed']);
    const [a, b] = w.receiver.received;
    assert.equal(a?.raw, b?.raw);
    assert.notEqual(a?.headers['x-fc-nonce'], b?.headers['x-fc-nonce']);
    receivedEvent(w, order, 'order.completed');
    const deliveries = w.deliveries(order.id);
    assert.equal(deliveries[1]?.duplicateOf, deliveries[0]?.id);
  });

  test('outOfOrder: the events of one batch arrive reversed; TimeStamps still tell the order', async () => {
    const w = await World.create();
    const calm = new World(w.app, w.receiver);
    w.hooks.setFaults(w.session, { outOfOrder: true });
    const shuffled = await w.evaluate('challenge');
    const ordered = await calm.evaluate('challenge');
    await w.advance(5 * MINUTE);
    assert.deepEqual(w.receiver.events(shuffled.id), [
      'challenge.presented',
      'order.completed',
      'challenge.passed',
      'challenge.attempted',
    ]);
    assert.deepEqual(w.receiver.events(ordered.id), [
      'challenge.presented',
      'challenge.attempted',
      'challenge.passed',
      'order.completed',
    ]);
    const byTime = w.receiver.received
      .filter((r) => r.payload.OrderId === shuffled.id)
      .sort((x, y) => x.payload.TimeStamp.localeCompare(y.payload.TimeStamp))
      .map((r) => r.payload.Event);
    assert.deepEqual(byTime, w.receiver.events(ordered.id));
  });

  test('delayMs: the first attempt waits on the virtual clock', async () => {
    const w = await World.create();
    w.hooks.setFaults(w.session, { delayMs: 30_000 });
    const order = await w.evaluate('approved');
    await w.hooks.flush();
    assert.equal(w.receiver.received.length, 0);
    assert.equal(w.deliveries(order.id)[0]?.nextAttemptAt, Date.parse(T0) + 30_000);
    await w.advance(29_999);
    assert.equal(w.receiver.received.length, 0);
    await w.advance(1);
    assert.equal(w.receiver.received[0]?.payload.IsResent, false);
    w.hooks.clearFaults(w.session);
    assert.deepEqual(w.hooks.faults(w.session), {});
  });

  test("sessions are isolated: one session's faults and receivers do not touch another's", async () => {
    const w = await World.create();
    const other = new World(w.app, w.receiver);
    const onlyOther = await Receiver.start();
    const receiver = w.hooks.addReceiver({
      mid: DEFAULT_MERCHANT.mid,
      url: onlyOther.url,
      session: other.session,
    });
    assert.equal(receiver.session, other.session);
    w.hooks.setFaults(w.session, { failTimes: 5, duplicate: true });
    const faulty = await w.evaluate('approved');
    const clean = await other.evaluate('approved');
    await w.hooks.flush();
    assert.deepEqual(w.receiver.events(), ['order.completed']);
    assert.equal(w.receiver.received[0]?.payload.OrderId, clean.id);
    assert.deepEqual(onlyOther.events(), ['order.completed'], 'a session receiver gets its own session only');
    assert.equal(onlyOther.received[0]?.payload.OrderId, clean.id);
    assert.equal(w.deliveries(faulty.id).length, 2);
    assert.equal(other.deliveries(clean.id).length, 2, 'one per receiver, no duplicate');
    assert.deepEqual(w.hooks.faults(other.session), {});
  });
});

// ---- API ------------------------------------------------------------------------------------------------------------

describe('dispatcher API', () => {
  test('redeliver sends an event again with IsResent true, as a new delivery', async () => {
    const w = await World.create();
    const order = await w.evaluate('approved');
    await w.hooks.flush();
    const [first] = w.deliveries(order.id);
    assert.ok(first);
    const again = w.hooks.redeliver(first.id);
    assert.equal(again?.redeliveryOf, first.id);
    assert.equal(again?.status, 'pending');
    await w.hooks.flush();
    assert.equal(w.receiver.received.length, 2);
    assert.equal(w.receiver.received[1]?.payload.IsResent, true);
    assert.equal(w.hooks.delivery(again?.id ?? '')?.status, 'delivered');
    assert.equal(w.hooks.redeliver('whd_unknown'), undefined);
  });

  test('receivers come from options, the accounts and the API; removing one stops its deliveries', async () => {
    const fromAccount = await Receiver.start();
    const fromApi = await Receiver.start();
    const accounts = DEFAULT_ACCOUNTS.map((a) =>
      a.mid === DEFAULT_MERCHANT.mid ? { ...a, webhookUrls: [fromAccount.url] } : a,
    );
    const w = await World.create({ app: { accounts } });
    assert.deepEqual(
      w.hooks.receivers(DEFAULT_MERCHANT.mid).map((r) => r.source),
      ['accounts', 'options'],
    );
    const added = w.hooks.addReceiver({ mid: DEFAULT_MERCHANT.mid, url: fromApi.url });
    assert.equal(w.hooks.addReceiver({ mid: DEFAULT_MERCHANT.mid, url: fromApi.url }).id, added.id);
    assert.deepEqual(w.hooks.receivers(SECOND_MERCHANT.mid), []);
    await w.evaluate('approved');
    await w.hooks.flush();
    assert.equal(fromAccount.received.length, 1);
    assert.equal(fromApi.received.length, 1);
    assert.equal(w.receiver.received.length, 1);
    assert.equal(w.hooks.removeReceiver(added.id), true);
    assert.equal(w.hooks.removeReceiver(added.id), false);
    await w.evaluate('approved');
    await w.hooks.flush();
    assert.equal(fromApi.received.length, 1);
    assert.equal(fromAccount.received.length, 2);
    assert.throws(() => w.hooks.addReceiver({ mid: 'no-such-mid', url: fromApi.url }), /unknown merchant/);
    assert.throws(() => w.hooks.addReceiver({ mid: DEFAULT_MERCHANT.mid, url: 'ftp://x' }), /http or https/);
  });

  test('the delivery list is bounded, dropping the oldest finished deliveries first', async () => {
    const w = await World.create({ webhooks: { maxDeliveries: 3 }, respond: (n) => (n === 0 ? 500 : 200) });
    const first = await w.evaluate('approved'); // its delivery fails once and stays pending
    await w.hooks.flush();
    for (let i = 0; i < 4; i++) await w.evaluate('approved');
    await w.hooks.flush();
    const kept = w.deliveries();
    assert.equal(kept.length, 3);
    assert.equal(kept[0]?.orderId, first.id, 'the pending one survives');
    await w.advance(MINUTE);
    assert.equal(w.hooks.delivery(kept[0]?.id ?? '')?.status, 'delivered');
  });

  test('close() stops deliveries; pending ones stay recorded', async () => {
    const w = await World.create({ respond: () => 500 });
    const order = await w.evaluate('approved');
    await w.hooks.flush();
    await w.hooks.close();
    await w.advance(DAY);
    const [delivery] = w.deliveries(order.id);
    assert.equal(delivery?.status, 'pending');
    assert.equal(delivery?.attempts.length, 1);
  });

  test('webhookUrls in a merchants file, and --webhook-url values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ffmock-webhooks-'));
    try {
      const file = join(dir, 'merchants.yaml');
      writeFileSync(
        file,
        'merchants:\n  - mid: 11111111-2222-4333-8444-555555555555\n    appKey: k\n    appSecret: s\n' +
          '    tokenizationKey: t\n    webhookUrls: [http://127.0.0.1:9/hook]\n',
      );
      assert.deepEqual(loadAccountsFile(file)[0]?.webhookUrls, ['http://127.0.0.1:9/hook']);
      writeFileSync(
        file,
        'merchants:\n  - {mid: m, appKey: k, appSecret: s, tokenizationKey: t, webhookUrls: [x]}\n',
      );
      assert.throws(() => loadAccountsFile(file), /webhookUrls must be a list of http\(s\) URLs/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.deepEqual(parseReceiverSpec('http://127.0.0.1:9/h?a=b', 'default-mid'), {
      mid: 'default-mid',
      url: 'http://127.0.0.1:9/h?a=b',
    });
    assert.deepEqual(parseReceiverSpec(`${SECOND_MERCHANT.mid}=https://example.test/h`, 'default-mid'), {
      mid: SECOND_MERCHANT.mid,
      url: 'https://example.test/h',
    });
    assert.throws(() => parseReceiverSpec('not a url', 'm'), /not an absolute URL/);
  });
});
