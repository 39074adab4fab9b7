// The order life cycle end to end over HTTP: every clock-driven fate, every allowed and refused transition,
// idempotency, concurrency, session/merchant isolation, the order list and tokenization. Time moves only through
// app.mock.clock.advance(); nothing sleeps. Each test runs in its own x-mock-session of one shared app.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import request from 'supertest';
import {
  DEFAULT_MERCHANT,
  DEFAULT_PARTNER,
  type MerchantAccount,
  SECOND_MERCHANT,
} from '../mock/domain/accounts.js';
import { TEST_CARDS, type TestCardName } from '../mock/domain/outcomes.js';
import type { MockApp } from '../mock/http/app.js';
import { evaluateBody, guid, makeApp, tokenizeBody } from './helpers.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SESSION = 'x-mock-session';
const REPLAY = 'x-mock-idempotent-replay';

const main = makeApp().app;
const shortWindow = makeApp({ captureWindowMs: 60_000 }).app;

/** Numeric order statuses, written out from the fact sheet §1.9. */
const STATUS = {
  DRAFT: 0,
  ONHOLD: 1,
  CANCELLED: 2,
  PROBLEM: 3,
  PROCESSING: 4,
  CAPTUREREQUIRED: 5,
  RETURNED: 6,
  COMPLETED: 7,
} as const;
type StatusName = keyof typeof STATUS;

type Json = Record<string, unknown>;

interface OrderView {
  id: string;
  mid: string;
  externalOrderId: string;
  status: number;
  statusName: string;
  amount: number;
  currencyCode: string;
  capturedAmount: number;
  refundedAmount: number;
  refundableAmount: number;
  chargeback: boolean;
  confirmationId: string | null;
  expiryDate: string | null;
  lastName: string | null;
  card: { bin: string | null; last4: string | null; brand: string | null; tokenized: boolean };
  statusHistory: { status: number; statusName: string; at: string; reason: string }[];
  refunds: { id: string; amount: number; message: string | null; createdOn: string }[];
}

function card(name: TestCardName): Json {
  return { paymentMethod: { cardNumber: TEST_CARDS[name], token: false } };
}

let sessions = 0;

/** One test's world: an app, a session of its own, and tokens re-issued as the virtual clock moves on. */
class World {
  readonly app: MockApp;
  readonly session: string;
  readonly #tokens = new Map<string, { token: string; at: number }>();

  constructor(app: MockApp = main, session?: string) {
    sessions += 1;
    this.app = app;
    this.session = session ?? `lifecycle-${sessions}`;
  }

  now(): number {
    return this.app.mock.clock.now();
  }

  iso(offsetMs = 0): string {
    return new Date(this.now() + offsetMs).toISOString();
  }

  advance(ms: number): void {
    this.app.mock.clock.advance(ms);
  }

  /** Tokens live 600 s of virtual time and these tests jump hours, so a stale one is replaced. */
  async token(account: MerchantAccount = DEFAULT_MERCHANT): Promise<string> {
    const cached = this.#tokens.get(account.mid);
    if (cached && this.now() - cached.at < 300_000) return cached.token;
    const res = await request(this.app)
      .post('/v1/oauth2/token')
      .set(SESSION, this.session)
      .send({ AppKey: account.appKey, AppSecret: account.appSecret });
    assert.equal(res.status, 200, res.text);
    this.#tokens.set(account.mid, { token: res.body.accessToken, at: this.now() });
    return res.body.accessToken;
  }

  async post(path: string, body?: unknown, account: MerchantAccount = DEFAULT_MERCHANT) {
    const req = request(this.app)
      .post(path)
      .set('authorization', `Bearer ${await this.token(account)}`)
      .set(SESSION, this.session);
    return body === undefined ? await req : await req.send(body as object);
  }

  async get(path: string, account: MerchantAccount = DEFAULT_MERCHANT) {
    return await request(this.app)
      .get(path)
      .set('authorization', `Bearer ${await this.token(account)}`)
      .set(SESSION, this.session);
  }

  body(overrides: Json = {}, account: MerchantAccount = DEFAULT_MERCHANT): Json {
    return evaluateBody({ mid: account.mid, ...overrides });
  }

  evaluate(overrides: Json = {}, account: MerchantAccount = DEFAULT_MERCHANT) {
    return this.post('/v1/evaluate', this.body(overrides, account), account);
  }

  /** Evaluate, check the answer's status, return the order id. */
  async create(
    overrides: Json,
    expected: string,
    account: MerchantAccount = DEFAULT_MERCHANT,
  ): Promise<string> {
    const res = await this.evaluate(overrides, account);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, expected);
    assert.equal(res.body.orderId, res.body.orderSessionKey);
    return res.body.orderSessionKey;
  }

  async order(id: string, account: MerchantAccount = DEFAULT_MERCHANT): Promise<OrderView> {
    const res = await this.get(`/v1/orders/${id}`, account);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.id, id);
    return res.body as OrderView;
  }

  async expectStatus(id: string, name: StatusName): Promise<OrderView> {
    const order = await this.order(id);
    assert.deepEqual([order.status, order.statusName], [STATUS[name], name], `order ${id}`);
    return order;
  }

  async outcome(id: string): Promise<{ status: string; confirmationId: string | null }> {
    const res = await this.post('/v1/outcome', { orderSessionKey: id });
    assert.equal(res.status, 200, res.text);
    return res.body;
  }

  capture(orderId: string, amount = 1500, currency = 'USD', idempotencyKey = guid()) {
    return this.post('/v1/capture', { idempotencyKey, orderId, amount, currency });
  }

  refund(id: string, amountToRefund: number) {
    return this.post(`/v1/orders/${id}/refund`, { amountToRefund });
  }

  cancel(id: string, body?: Json) {
    return this.post(`/v1/orders/${id}/cancel`, body);
  }

  async list(query: string, account: MerchantAccount = DEFAULT_MERCHANT) {
    const res = await this.get(`/v1/orders${query ? `?${query}` : ''}`, account);
    assert.equal(res.status, 200, res.text);
    return res.body as { totalItemCount: number; items: OrderView[] } & Json;
  }
}

function pick(outcome: { status: string; confirmationId: string | null }): [string, string | null] {
  return [outcome.status, outcome.confirmationId];
}

function reasons(order: OrderView): string[] {
  return order.statusHistory.map((h) => h.reason);
}

function assertFailed(res: request.Response, code: string): void {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'FAILED');
  assert.equal(res.body.errors.length, 1);
  assert.equal(res.body.errors[0].item2, code);
}

function refundMessage(asked: string, maximum: string): string {
  return `Amount to refund (${asked}) is greater than maximum refund amount in (${maximum}))`;
}

function assertRefundRefused(res: request.Response, asked: string, maximum: string): void {
  const message = refundMessage(asked, maximum);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'FAILED');
  assert.equal(res.body.success, false);
  assert.equal(res.body.responseCode, '2001');
  assert.equal(res.body.responseMessage, message);
  assert.equal(res.body.transactionId, null);
  assert.deepEqual(res.body.errors, [{ item1: message, item2: '2001', item3: '2001', item4: true }]);
}

function assertProblem(res: request.Response, status: number, code: string): void {
  assert.equal(res.status, status, res.text);
  // The code is in x-mock-error-code on every error; a 400 with field errors is the sandbox's flat ModelState.
  assert.equal(res.headers['x-mock-error-code'], code);
  const flat = status === 400 && /^application\/json/.test(String(res.headers['content-type']));
  if (flat) assert.match(String(res.body.TraceId?.[0]), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  else {
    assert.equal(res.body.code, code);
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
  }
}

// ------------------------------------------------------------------------------------------------------------------
describe('fates on the virtual clock', () => {
  test('submitted: Draft (0), Processing (4) after 1 min, Completed (7) after 1 h — not a ms earlier', async () => {
    const w = new World();
    const t0 = w.now();
    const id = await w.create(card('submitted'), 'SUBMITTED');
    await w.expectStatus(id, 'DRAFT');
    assert.deepEqual(pick(await w.outcome(id)), ['SUBMITTED', null]);
    w.advance(MINUTE - 1);
    await w.expectStatus(id, 'DRAFT');
    w.advance(1);
    await w.expectStatus(id, 'PROCESSING');
    // A CIT order still being worked is SUBMITTED to /v1/outcome: PROCESSING is documented for MIT only.
    assert.equal((await w.outcome(id)).status, 'SUBMITTED');
    w.advance(HOUR - MINUTE - 1);
    await w.expectStatus(id, 'PROCESSING');
    w.advance(1);
    const done = await w.expectStatus(id, 'COMPLETED');
    assert.deepEqual(reasons(done), ['submitted', 'picked-up', 'approved']);
    assert.deepEqual(
      done.statusHistory.map((h) => h.at),
      [t0, t0 + MINUTE, t0 + HOUR].map((t) => new Date(t).toISOString()),
    );
    assert.equal(done.capturedAmount, 1500);
    assert.equal(done.refundableAmount, 1500);
    const outcome = await w.outcome(id);
    assert.equal(outcome.status, 'APPROVED');
    assert.match(String(outcome.confirmationId), /^[0-9A-F]{6,8}$/);
    assert.equal(outcome.confirmationId, done.confirmationId);
  });

  test('managed MIT with expiryDateUtc 30 min out completes no later than the expiry', async () => {
    const w = new World();
    const expiry = w.iso(30 * MINUTE);
    const id = await w.create({ ...card('submitted'), isMIT: true, expiryDateUtc: expiry }, 'SUBMITTED');
    w.advance(30 * MINUTE - 1);
    const pending = await w.expectStatus(id, 'PROCESSING');
    assert.equal(pending.expiryDate, expiry);
    w.advance(1);
    const done = await w.expectStatus(id, 'COMPLETED');
    assert.equal(done.statusHistory.at(-1)?.at, expiry);
    assert.equal((await w.outcome(id)).status, 'APPROVED');
  });

  test('expires: Cancelled with outcome EXPIRED exactly at expiryDateUtc, not a ms before', async () => {
    const w = new World();
    const expiry = w.iso(10 * DAY);
    const id = await w.create({ ...card('expires'), isMIT: true, expiryDateUtc: expiry }, 'SUBMITTED');
    w.advance(10 * DAY - 1);
    await w.expectStatus(id, 'PROCESSING');
    assert.equal((await w.outcome(id)).status, 'PROCESSING');
    w.advance(1);
    const expired = await w.expectStatus(id, 'CANCELLED');
    assert.deepEqual(expired.statusHistory.at(-1), {
      status: 2,
      statusName: 'CANCELLED',
      at: expiry,
      reason: 'expired',
    });
    assert.deepEqual(pick(await w.outcome(id)), ['EXPIRED', null]);
  });

  test('expires without expiryDateUtc: the 21-day default window (invented)', async () => {
    const w = new World();
    const id = await w.create({ ...card('expires'), isMIT: true }, 'SUBMITTED');
    w.advance(21 * DAY - 1);
    await w.expectStatus(id, 'PROCESSING');
    w.advance(1);
    await w.expectStatus(id, 'CANCELLED');
    assert.equal((await w.outcome(id)).status, 'EXPIRED');
  });

  test('cancelledByFlexFactor: Cancelled after 2 h, outcome CANCELLED', async () => {
    const w = new World();
    const id = await w.create(card('cancelledByFlexFactor'), 'SUBMITTED');
    w.advance(2 * HOUR - 1);
    await w.expectStatus(id, 'PROCESSING');
    w.advance(1);
    const order = await w.expectStatus(id, 'CANCELLED');
    assert.equal(order.statusHistory.at(-1)?.reason, 'cancelled-by-flexfactor');
    assert.equal((await w.outcome(id)).status, 'CANCELLED');
  });

  test('challenge: Processing, then Completed after 5 min', async () => {
    const w = new World();
    const id = await w.create(card('challenge'), 'CHALLENGE');
    await w.expectStatus(id, 'PROCESSING');
    // A pending CIT challenge maps onto the documented vocabulary (PROCESSING is for MIT only).
    assert.equal((await w.outcome(id)).status, 'SUBMITTED');
    w.advance(5 * MINUTE - 1);
    await w.expectStatus(id, 'PROCESSING');
    w.advance(1);
    const done = await w.expectStatus(id, 'COMPLETED');
    assert.deepEqual(reasons(done), ['challenge', 'challenge-passed']);
    assert.equal(done.capturedAmount, 1500);
    assert.equal((await w.outcome(id)).status, 'APPROVED');
  });

  test('challengeFailed: Cancelled after 5 min, outcome DECLINED, nothing to refund', async () => {
    const w = new World();
    const id = await w.create(card('challengeFailed'), 'CHALLENGE');
    w.advance(5 * MINUTE - 1);
    await w.expectStatus(id, 'PROCESSING');
    w.advance(1);
    const failed = await w.expectStatus(id, 'CANCELLED');
    assert.equal(failed.statusHistory.at(-1)?.reason, 'challenge-failed');
    assert.equal(failed.capturedAmount, 0);
    assert.deepEqual(pick(await w.outcome(id)), ['DECLINED', null]);
    assertRefundRefused(await w.refund(id, 1), '1.00', '0.00');
  });

  test('refunded: Returned (6) after 1 day with refundedAmount = amount', async () => {
    const w = new World();
    const id = await w.create(card('refunded'), 'APPROVED');
    w.advance(DAY - 1);
    const before = await w.expectStatus(id, 'COMPLETED');
    assert.equal(before.refundedAmount, 0);
    w.advance(1);
    const returned = await w.expectStatus(id, 'RETURNED');
    assert.equal(returned.refundedAmount, 1500);
    assert.equal(returned.refundableAmount, 0);
    assert.deepEqual(
      returned.refunds.map((r) => r.amount),
      [1500],
    );
    assert.equal(returned.statusHistory.at(-1)?.reason, 'refunded');
    assert.equal((await w.outcome(id)).status, 'APPROVED');
    assertRefundRefused(await w.refund(id, 0.01), '0.01', '0.00');
  });

  test('refunded after a merchant partial refund: FlexFactor refunds only the remainder', async () => {
    const w = new World();
    const id = await w.create(card('refunded'), 'APPROVED');
    assert.equal((await w.refund(id, 5)).body.status, 'SUCCESS');
    w.advance(DAY);
    const returned = await w.expectStatus(id, 'RETURNED');
    assert.equal(returned.refundedAmount, 1500);
    assert.deepEqual(
      returned.refunds.map((r) => r.amount),
      [500, 1000],
    );
  });

  test('chargeback: chargeback true after 1 day, status stays Completed', async () => {
    const w = new World();
    const id = await w.create(card('chargeback'), 'APPROVED');
    w.advance(DAY - 1);
    assert.equal((await w.expectStatus(id, 'COMPLETED')).chargeback, false);
    w.advance(1);
    const disputed = await w.expectStatus(id, 'COMPLETED');
    assert.equal(disputed.chargeback, true);
    assert.equal(disputed.statusHistory.at(-1)?.reason, 'chargeback');
  });

  test('CAPTUREREQUIRED auto-voids after the default 24 h capture window', async () => {
    const w = new World();
    const id = await w.create(card('captureRequired'), 'CAPTUREREQUIRED');
    w.advance(DAY - 1);
    await w.expectStatus(id, 'CAPTUREREQUIRED');
    w.advance(1);
    const voided = await w.expectStatus(id, 'CANCELLED');
    assert.equal(voided.statusHistory.at(-1)?.reason, 'auto-voided');
    assert.equal((await w.outcome(id)).status, 'CANCELLED');
    assertFailed(await w.capture(id), '3001');
  });

  test('CAPTUREREQUIRED auto-voids after a configured 60 s window (createApp({captureWindowMs: 60000}))', async () => {
    const w = new World(shortWindow);
    const auth = await w.create(card('captureRequired'), 'CAPTUREREQUIRED');
    w.advance(59_999);
    await w.expectStatus(auth, 'CAPTUREREQUIRED');
    w.advance(1);
    const voided = await w.expectStatus(auth, 'CANCELLED');
    assert.equal(voided.statusHistory.at(-1)?.reason, 'auto-voided');
  });

  test('a captured order is not voided when the window passes', async () => {
    const w = new World();
    const id = await w.create(card('captureRequired'), 'CAPTUREREQUIRED');
    w.advance(DAY - 1);
    assert.equal((await w.capture(id)).body.status, 'SUCCESS');
    w.advance(DAY);
    const order = await w.expectStatus(id, 'COMPLETED');
    assert.deepEqual(reasons(order), ['authorized', 'captured']);
  });
});

// ------------------------------------------------------------------------------------------------------------------
describe('capture', () => {
  test('only the same amount and currency captures; a mismatch is FAILED and changes nothing', async () => {
    const w = new World();
    const id = await w.create(card('captureRequired'), 'CAPTUREREQUIRED');
    const untouched = async () => {
      const order = await w.expectStatus(id, 'CAPTUREREQUIRED');
      assert.equal(order.capturedAmount, 0);
      assert.deepEqual(reasons(order), ['authorized']);
    };
    assertFailed(await w.capture(id, 1499), '3002');
    await untouched();
    assertFailed(await w.capture(id, 1501), '3002');
    await untouched();
    assertFailed(await w.capture(id, 1500, 'EUR'), '3002');
    await untouched();

    const ok = await w.capture(id);
    assert.equal(ok.status, 200);
    assert.equal(ok.body.status, 'SUCCESS');
    assert.deepEqual(ok.body.errors, []);
    const captured = await w.expectStatus(id, 'COMPLETED');
    assert.equal(captured.capturedAmount, 1500);
    assert.equal(captured.refundableAmount, 1500);
    assert.deepEqual(reasons(captured), ['authorized', 'captured']);

    assertFailed(await w.capture(id), '3001');
    const after = await w.expectStatus(id, 'COMPLETED');
    assert.deepEqual(reasons(after), ['authorized', 'captured']);
    assert.equal(after.capturedAmount, 1500);
  });

  test('capture of an APPROVED, a DECLINED, a cancelled or an unknown order is refused', async () => {
    const w = new World();
    const approved = await w.create(card('approved'), 'APPROVED');
    const declined = await w.create(card('declined'), 'DECLINED');
    const cancelled = await w.create(card('captureRequired'), 'CAPTUREREQUIRED');
    assert.deepEqual((await w.cancel(cancelled)).body, {});
    assertFailed(await w.capture(approved), '3001');
    assertFailed(await w.capture(declined), '3001');
    assertFailed(await w.capture(cancelled), '3001');
    assert.equal((await w.expectStatus(approved, 'COMPLETED')).statusHistory.length, 1);
    assert.equal((await w.expectStatus(declined, 'CANCELLED')).capturedAmount, 0);
    assert.equal((await w.expectStatus(cancelled, 'CANCELLED')).capturedAmount, 0);
    assertProblem(await w.capture('3c9a1d7e-0b4f-4e2a-9d8c-7b6a5f4e3d2c'), 404, '404002');
  });
});

// ------------------------------------------------------------------------------------------------------------------
describe('cancel and external-cancel', () => {
  test('MIT in Draft → Cancelled; later fates are dropped', async () => {
    const w = new World();
    const id = await w.create(
      { ...card('submitted'), isMIT: true, expiryDateUtc: w.iso(10 * DAY) },
      'SUBMITTED',
    );
    await w.expectStatus(id, 'DRAFT');
    const res = await w.cancel(id);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {});
    const cancelled = await w.expectStatus(id, 'CANCELLED');
    assert.deepEqual(reasons(cancelled), ['submitted', 'cancelled-by-merchant']);
    assert.equal((await w.outcome(id)).status, 'CANCELLED');
    w.advance(2 * HOUR);
    const later = await w.expectStatus(id, 'CANCELLED');
    assert.deepEqual(reasons(later), ['submitted', 'cancelled-by-merchant']);
  });

  test('MIT in Processing → Cancelled', async () => {
    const w = new World();
    const id = await w.create(
      { ...card('submitted'), isMIT: true, expiryDateUtc: w.iso(10 * DAY) },
      'SUBMITTED',
    );
    w.advance(MINUTE);
    await w.expectStatus(id, 'PROCESSING');
    assert.deepEqual((await w.cancel(id, {})).body, {});
    const cancelled = await w.expectStatus(id, 'CANCELLED');
    assert.deepEqual(reasons(cancelled), ['submitted', 'picked-up', 'cancelled-by-merchant']);
    w.advance(HOUR);
    await w.expectStatus(id, 'CANCELLED');
  });

  test('MIT in CAPTUREREQUIRED → Cancelled, and the auto-void never fires', async () => {
    const w = new World();
    const id = await w.create({ ...card('captureRequired'), isMIT: true }, 'CAPTUREREQUIRED');
    assert.deepEqual((await w.cancel(id)).body, {});
    w.advance(DAY);
    const cancelled = await w.expectStatus(id, 'CANCELLED');
    assert.deepEqual(reasons(cancelled), ['authorized', 'cancelled-by-merchant']);
    assertFailed(await w.capture(id), '3001');
  });

  test('MIT refused (409003) when Completed or Cancelled by a decline; nothing changes', async () => {
    const w = new World();
    const completed = await w.create({ ...card('approved'), isMIT: true }, 'APPROVED');
    const declined = await w.create({ ...card('declined'), isMIT: true }, 'DECLINED');
    assertProblem(await w.cancel(completed), 409, '409003');
    assertProblem(await w.cancel(declined), 409, '409003');
    assert.deepEqual(reasons(await w.expectStatus(completed, 'COMPLETED')), ['approved']);
    assert.deepEqual(reasons(await w.expectStatus(declined, 'CANCELLED')), ['declined']);
    assert.equal((await w.outcome(declined)).status, 'DECLINED');
  });

  test('CIT only in CAPTUREREQUIRED: Draft, Processing and Completed are refused', async () => {
    const w = new World();
    const draft = await w.create(card('submitted'), 'SUBMITTED');
    const challenged = await w.create(card('challenge'), 'CHALLENGE');
    const completed = await w.create(card('approved'), 'APPROVED');
    const authorized = await w.create(
      { ...card('visaAuthorization'), transactionType: 'AUTHORIZATION' },
      'CAPTUREREQUIRED',
    );
    assertProblem(await w.cancel(draft), 409, '409003');
    assertProblem(await w.cancel(challenged), 409, '409003');
    assertProblem(await w.cancel(completed), 409, '409003');
    await w.expectStatus(draft, 'DRAFT');
    await w.expectStatus(challenged, 'PROCESSING');
    await w.expectStatus(completed, 'COMPLETED');
    assert.deepEqual((await w.cancel(authorized)).body, {});
    const cancelled = await w.expectStatus(authorized, 'CANCELLED');
    assert.deepEqual(reasons(cancelled), ['authorized', 'cancelled-by-merchant']);
  });

  test('cancel twice: the second is 200 {} and the order is cancelled once', async () => {
    const w = new World();
    const id = await w.create(card('captureRequired'), 'CAPTUREREQUIRED');
    assert.deepEqual((await w.cancel(id)).body, {});
    const again = await w.cancel(id);
    assert.equal(again.status, 200);
    assert.deepEqual(again.body, {});
    assert.equal(again.headers[REPLAY], undefined);
    assert.deepEqual(reasons(await w.expectStatus(id, 'CANCELLED')), ['authorized', 'cancelled-by-merchant']);
  });

  test('external-cancel by the merchant orderId cancels the same order and collapses with /cancel', async () => {
    const w = new World();
    const orderId = `EXT-${guid()}`;
    const id = await w.create({ ...card('captureRequired'), orderId }, 'CAPTUREREQUIRED');
    const ext = await w.post(`/v1/orders/${orderId}/external-cancel`, {});
    assert.equal(ext.status, 200);
    assert.deepEqual(ext.body, {});
    assert.deepEqual(reasons(await w.expectStatus(id, 'CANCELLED')), ['authorized', 'cancelled-by-merchant']);
    assert.deepEqual((await w.cancel(id)).body, {});
    assert.deepEqual((await w.post(`/v1/orders/${orderId}/external-cancel`)).body, {});
    assert.deepEqual(reasons(await w.expectStatus(id, 'CANCELLED')), ['authorized', 'cancelled-by-merchant']);

    // The other way round: /cancel first, then external-cancel.
    const orderId2 = `EXT-${guid()}`;
    const id2 = await w.create({ ...card('captureRequired'), orderId: orderId2 }, 'CAPTUREREQUIRED');
    assert.deepEqual((await w.cancel(id2)).body, {});
    assert.deepEqual((await w.post(`/v1/orders/${orderId2}/external-cancel`)).body, {});
    assert.deepEqual(reasons(await w.expectStatus(id2, 'CANCELLED')), [
      'authorized',
      'cancelled-by-merchant',
    ]);

    assertProblem(await w.post(`/v1/orders/NO-SUCH-${guid()}/external-cancel`), 404, '404002');
    // The FlexFactor id is not a merchant orderId.
    assertProblem(await w.post(`/v1/orders/${id}/external-cancel`), 404, '404002');
  });
});

// ------------------------------------------------------------------------------------------------------------------
describe('refunds', () => {
  test('partial refund in dollars: 5.00 of 1500 cents → refundedAmount 500, still Completed', async () => {
    const w = new World();
    const id = await w.create(card('approved'), 'APPROVED');
    const res = await w.post(`/v1/orders/${id}/refund`, {
      amountToRefund: 5.0,
      refundMessage: 'Customer request',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'SUCCESS');
    assert.equal(res.body.success, true);
    assert.equal(res.body.responseCode, '00');
    assert.equal(res.body.responseMessage, 'APPROVED');
    assert.equal(typeof res.body.transactionId, 'string');
    const order = await w.expectStatus(id, 'COMPLETED');
    assert.equal(order.refundedAmount, 500);
    assert.equal(order.refundableAmount, 1000);
    assert.deepEqual(
      order.refunds.map((r) => [r.id, r.amount, r.message]),
      [[res.body.transactionId, 500, 'Customer request']],
    );
    assert.equal(order.statusHistory.at(-1)?.reason, 'partially-refunded');
  });

  test('several partials, then the remainder → Returned (6)', async () => {
    const w = new World();
    const id = await w.create(card('approved'), 'APPROVED');
    for (const dollars of [5, 2.5, 0.01]) assert.equal((await w.refund(id, dollars)).body.status, 'SUCCESS');
    const partly = await w.expectStatus(id, 'COMPLETED');
    assert.equal(partly.refundedAmount, 751);
    assert.equal(partly.refundableAmount, 749);
    assert.equal((await w.refund(id, 7.49)).body.status, 'SUCCESS');
    const returned = await w.expectStatus(id, 'RETURNED');
    assert.equal(returned.refundedAmount, 1500);
    assert.deepEqual(
      returned.refunds.map((r) => r.amount),
      [500, 250, 1, 749],
    );
    assert.equal(returned.statusHistory.at(-1)?.reason, 'refunded');
  });

  test('full refund at once → Returned (6)', async () => {
    const w = new World();
    const id = await w.create(card('approved'), 'APPROVED');
    assert.equal((await w.refund(id, 15)).body.status, 'SUCCESS');
    const returned = await w.expectStatus(id, 'RETURNED');
    assert.equal(returned.refundedAmount, 1500);
    assertRefundRefused(await w.refund(id, 1), '1.00', '0.00');
  });

  test('exceeding the refundable amount: FAILED 2001 with the observed message, order unchanged', async () => {
    const w = new World();
    const id = await w.create(card('approved'), 'APPROVED');
    assertRefundRefused(await w.refund(id, 15.01), '15.01', '15.00');
    assert.equal((await w.refund(id, 5)).body.status, 'SUCCESS');
    const before = await w.order(id);
    assertRefundRefused(await w.refund(id, 10.01), '10.01', '10.00');
    const after = await w.expectStatus(id, 'COMPLETED');
    assert.deepEqual(after, before);
    assert.equal(after.refundedAmount, 500);
    assert.equal(after.refunds.length, 1);
  });

  test('refund of a declined, a cancelled or an uncaptured order → FAILED 2001; capture after cancel FAILED', async () => {
    const w = new World();
    const declined = await w.create(card('declined'), 'DECLINED');
    const cancelled = await w.create(card('captureRequired'), 'CAPTUREREQUIRED');
    const uncaptured = await w.create(card('captureRequired'), 'CAPTUREREQUIRED');
    assert.deepEqual((await w.cancel(cancelled)).body, {});
    assertRefundRefused(await w.refund(declined, 1), '1.00', '0.00');
    assertRefundRefused(await w.refund(cancelled, 15), '15.00', '0.00');
    assertRefundRefused(await w.refund(uncaptured, 1), '1.00', '0.00');
    assertFailed(await w.capture(cancelled), '3001');
    for (const id of [declined, cancelled]) {
      const order = await w.expectStatus(id, 'CANCELLED');
      assert.equal(order.refundedAmount, 0);
      assert.deepEqual(order.refunds, []);
    }
    await w.expectStatus(uncaptured, 'CAPTUREREQUIRED');
  });
});

// ------------------------------------------------------------------------------------------------------------------
describe('idempotency', () => {
  test('evaluate: same key + same body replays; same key + different body → 409001', async () => {
    const w = new World();
    const body = w.body(card('submitted'));
    const first = await w.post('/v1/evaluate', body);
    assert.equal(first.status, 200);
    assert.equal(first.headers[REPLAY], undefined);
    const replay = await w.post('/v1/evaluate', body);
    assert.equal(replay.status, 200);
    assert.equal(replay.headers[REPLAY], 'true');
    assert.deepEqual(replay.body, first.body);
    const conflict = await w.post('/v1/evaluate', { ...body, orderId: `ORDER-${guid()}` });
    assertProblem(conflict, 409, '409001');
    const list = await w.list('');
    assert.equal(list.totalItemCount, 1);
    assert.equal(list.items[0]?.id, first.body.orderSessionKey);
  });

  test('evaluate: the replay window is 24 h; after 24 h + 1 ms the key is new (the order answers its current state)', async () => {
    const w = new World();
    const body = w.body(card('submitted'));
    const first = await w.post('/v1/evaluate', body);
    assert.equal(first.body.status, 'SUBMITTED');
    w.advance(DAY - 1);
    await w.expectStatus(first.body.orderSessionKey, 'COMPLETED');
    const stillReplay = await w.post('/v1/evaluate', body);
    assert.equal(stillReplay.headers[REPLAY], 'true');
    assert.equal(stillReplay.body.status, 'SUBMITTED');
    w.advance(2);
    const fresh = await w.post('/v1/evaluate', body);
    assert.equal(fresh.status, 200);
    assert.equal(fresh.headers[REPLAY], undefined);
    assert.equal(fresh.body.orderSessionKey, first.body.orderSessionKey);
    assert.equal(fresh.body.status, 'APPROVED');
    assert.equal((await w.list('')).totalItemCount, 1);
  });

  test('capture: replay, 409001 on a different body, and after 24 h + 1 ms the retry FAILS (already captured)', async () => {
    const w = new World();
    const id = await w.create(card('captureRequired'), 'CAPTUREREQUIRED');
    const key = guid();
    const first = await w.capture(id, 1500, 'USD', key);
    assert.equal(first.body.status, 'SUCCESS');
    const replay = await w.capture(id, 1500, 'USD', key);
    assert.equal(replay.headers[REPLAY], 'true');
    assert.deepEqual(replay.body, first.body);
    assertProblem(await w.capture(id, 1400, 'USD', key), 409, '409001');
    w.advance(DAY - 1);
    const late = await w.capture(id, 1500, 'USD', key);
    assert.equal(late.headers[REPLAY], 'true');
    assert.equal(late.body.status, 'SUCCESS');
    w.advance(2);
    const expired = await w.capture(id, 1500, 'USD', key);
    assert.equal(expired.headers[REPLAY], undefined);
    assertFailed(expired, '3001');
    assert.deepEqual(reasons(await w.expectStatus(id, 'COMPLETED')), ['authorized', 'captured']);
  });

  test('cancel with idempotencyKey: replay, 409001 on a different body or a different order', async () => {
    const w = new World();
    const a = await w.create(card('captureRequired'), 'CAPTUREREQUIRED');
    const b = await w.create(card('captureRequired'), 'CAPTUREREQUIRED');
    const key = guid();
    const first = await w.cancel(a, { idempotencyKey: key });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, {});
    assert.equal(first.headers[REPLAY], undefined);
    const replay = await w.cancel(a, { idempotencyKey: key });
    assert.equal(replay.status, 200);
    assert.deepEqual(replay.body, {});
    assert.equal(replay.headers[REPLAY], 'true');
    assertProblem(await w.cancel(a, { idempotencyKey: key, reason: 'other' }), 409, '409001');
    // The same key for another order is another request: it must not answer "cancelled" for an order it never touched.
    assertProblem(await w.cancel(b, { idempotencyKey: key }), 409, '409001');
    await w.expectStatus(b, 'CAPTUREREQUIRED');
    assert.deepEqual((await w.cancel(b, { idempotencyKey: guid() })).body, {});
    await w.expectStatus(b, 'CANCELLED');
  });

  test('a validation error does not burn the key (schema, handler, profile and not-found errors)', async () => {
    const w = new World();
    // Schema: empty orderId.
    const k1 = guid();
    assertProblem(await w.evaluate({ idempotencyKey: k1, orderId: '' }), 400, '400001');
    const ok1 = await w.evaluate({ idempotencyKey: k1 });
    assert.equal(ok1.status, 200);
    assert.equal(ok1.headers[REPLAY], undefined);
    assert.equal(ok1.body.status, 'APPROVED');
    // Handler: amount outside the sandbox range.
    const k2 = guid();
    assertProblem(await w.evaluate({ idempotencyKey: k2, transaction: { amount: 5 } }), 400, '400004');
    const ok2 = await w.evaluate({ idempotencyKey: k2 });
    assert.equal(ok2.status, 200);
    assert.equal(ok2.headers[REPLAY], undefined);
    // Strict profile: a card that is not whitelisted.
    const k3 = guid();
    const bad = { idempotencyKey: k3, paymentMethod: { cardNumber: '4532015112830366', token: false } };
    assertProblem(await w.evaluate(bad), 400, '400005');
    assert.equal((await w.evaluate({ idempotencyKey: k3 })).status, 200);
    // Capture of an unknown order, then the same key for the real one.
    const id = await w.create(card('captureRequired'), 'CAPTUREREQUIRED');
    const k4 = guid();
    assertProblem(await w.capture('7e6d5c4b-3a29-4817-9605-f4e3d2c1b0a9', 1500, 'USD', k4), 404, '404002');
    const captured = await w.capture(id, 1500, 'USD', k4);
    assert.equal(captured.body.status, 'SUCCESS');
    assert.equal(captured.headers[REPLAY], undefined);
    // Cancel refused by state, then the same key for a cancellable order.
    const done = await w.create(card('approved'), 'APPROVED');
    const open = await w.create(card('captureRequired'), 'CAPTUREREQUIRED');
    const k5 = guid();
    assertProblem(await w.cancel(done, { idempotencyKey: k5 }), 409, '409003');
    assert.deepEqual((await w.cancel(open, { idempotencyKey: k5 })).body, {});
    await w.expectStatus(open, 'CANCELLED');
    assert.equal((await w.list('')).totalItemCount, 6);
  });

  test('keys are per merchant: the same key and orderId for two merchants make two orders', async () => {
    const w = new World();
    const key = guid();
    const orderId = `SAME-${guid()}`;
    const a = await w.evaluate({ idempotencyKey: key, orderId }, DEFAULT_MERCHANT);
    const b = await w.evaluate({ idempotencyKey: key, orderId }, SECOND_MERCHANT);
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(b.headers[REPLAY], undefined);
    assert.notEqual(a.body.orderSessionKey, b.body.orderSessionKey);
    assert.equal((await w.order(a.body.orderSessionKey, DEFAULT_MERCHANT)).mid, DEFAULT_MERCHANT.mid);
    assert.equal((await w.order(b.body.orderSessionKey, SECOND_MERCHANT)).mid, SECOND_MERCHANT.mid);
  });

  test('Sync-MIT retry: same merchant orderId with a new key → the existing order and its current status', async () => {
    const w = new World();
    const orderId = `MIT-${guid()}`;
    const first = await w.evaluate({ ...card('submitted'), isMIT: true, orderId });
    assert.equal(first.body.status, 'SUBMITTED');
    const retry = await w.evaluate({ ...card('submitted'), isMIT: true, orderId });
    assert.equal(retry.status, 200);
    assert.equal(retry.headers[REPLAY], undefined);
    assert.equal(retry.body.orderSessionKey, first.body.orderSessionKey);
    assert.equal(retry.body.status, 'SUBMITTED');
    w.advance(HOUR);
    const later = await w.evaluate({ ...card('submitted'), isMIT: true, orderId });
    assert.equal(later.body.orderSessionKey, first.body.orderSessionKey);
    assert.equal(later.body.status, 'APPROVED');
    const declinedId = `MIT-${guid()}`;
    const declined = await w.evaluate({ ...card('visa'), isMIT: true, orderId: declinedId });
    assert.equal(declined.body.status, 'DECLINED');
    const declinedRetry = await w.evaluate({ ...card('visa'), isMIT: true, orderId: declinedId });
    assert.equal(declinedRetry.body.orderSessionKey, declined.body.orderSessionKey);
    assert.equal(declinedRetry.body.status, 'DECLINED');
    const list = await w.list('');
    assert.equal(list.totalItemCount, 2);
    assert.deepEqual(list.items.map((o) => o.externalOrderId).sort(), [declinedId, orderId].sort());
  });
});

describe('idempotency under the store budgets', () => {
  test("at the smallest budget an order's keys outlive it: a retry after the order was forgotten replays", async () => {
    const w = new World(makeApp({ maxOrders: 100 }).app);
    const body = w.body(card('captureRequired'));
    const first = await w.post('/v1/evaluate', body);
    assert.equal(first.body.status, 'CAPTUREREQUIRED');
    const id = first.body.orderSessionKey;
    const captureKey = guid();
    assert.equal((await w.capture(id, 1500, 'USD', captureKey)).body.status, 'SUCCESS');
    for (let i = 0; i < 120; i++) assert.equal((await w.evaluate()).status, 200);
    assert.equal((await w.get(`/v1/orders/${id}`)).status, 404, 'the order was forgotten by the budget');

    const retry = await w.post('/v1/evaluate', body);
    assert.equal(retry.status, 200);
    assert.equal(retry.headers[REPLAY], 'true');
    assert.deepEqual(retry.body, first.body);
    const captureRetry = await w.capture(id, 1500, 'USD', captureKey);
    assert.equal(captureRetry.headers[REPLAY], 'true');
    assert.equal(captureRetry.body.status, 'SUCCESS');
    assert.equal((await w.list(`query=${body.orderId}`)).totalItemCount, 0, 'no second order');
  });

  test('a retry whose key the byte budget forgot answers its kept order, never a second one', async () => {
    const w = new World(makeApp({ maxOrders: 100 }).app);
    const body = w.body(card('captureRequired'));
    const first = await w.post('/v1/evaluate', body);
    // 16 MiB of keys at about 400 KB each: these 50 push the first key out while every order is kept.
    for (let i = 0; i < 50; i++) {
      assert.equal((await w.evaluate({ idempotencyKey: `${guid()}${'k'.repeat(100_000)}` })).status, 200);
    }
    const retry = await w.post('/v1/evaluate', body);
    assert.equal(retry.status, 200);
    assert.equal(retry.headers[REPLAY], undefined);
    assert.equal(retry.body.orderSessionKey, first.body.orderSessionKey);
    assert.equal(retry.body.status, 'CAPTUREREQUIRED');
    assert.equal((await w.list(`query=${body.orderId}`)).totalItemCount, 1);
  });
});

// ------------------------------------------------------------------------------------------------------------------
describe('concurrency', () => {
  test('50 concurrent duplicate evaluates with one key → exactly one order', async () => {
    const w = new World();
    await w.token();
    const body = w.body(card('approved'));
    const responses = await Promise.all(Array.from({ length: 50 }, () => w.post('/v1/evaluate', body)));
    const ok = responses.filter((r) => r.status === 200);
    for (const r of responses.filter((r) => r.status !== 200)) assertProblem(r, 409, '409002');
    assert.ok(ok.length >= 1);
    assert.equal(new Set(ok.map((r) => r.body.orderSessionKey)).size, 1);
    assert.equal(ok.filter((r) => r.headers[REPLAY] === undefined).length, 1);
    assert.ok(ok.every((r) => r.body.status === 'APPROVED'));
    const list = await w.list('');
    assert.equal(list.totalItemCount, 1);
    assert.equal(list.items[0]?.id, ok[0]?.body.orderSessionKey);
  });

  test('40 concurrent 1.00 refunds of a 1500-cent order → exactly 15 SUCCESS, refundedAmount 1500, Returned', async () => {
    const w = new World();
    const id = await w.create(card('approved'), 'APPROVED');
    await w.token();
    const responses = await Promise.all(Array.from({ length: 40 }, () => w.refund(id, 1)));
    const success = responses.filter((r) => r.body.status === 'SUCCESS');
    const failed = responses.filter((r) => r.body.status === 'FAILED');
    assert.equal(success.length, 15);
    assert.equal(failed.length, 25);
    for (const r of failed) assert.equal(r.body.responseCode, '2001');
    assert.equal(new Set(success.map((r) => r.body.transactionId)).size, 15);
    const order = await w.expectStatus(id, 'RETURNED');
    assert.equal(order.refundedAmount, 1500);
    assert.equal(order.refunds.length, 15);
  });

  test('20 concurrent captures with different keys → exactly one SUCCESS', async () => {
    const w = new World();
    const id = await w.create(card('captureRequired'), 'CAPTUREREQUIRED');
    await w.token();
    const responses = await Promise.all(Array.from({ length: 20 }, () => w.capture(id)));
    assert.equal(responses.filter((r) => r.body.status === 'SUCCESS').length, 1);
    for (const r of responses.filter((r) => r.body.status !== 'SUCCESS')) assertFailed(r, '3001');
    const order = await w.expectStatus(id, 'COMPLETED');
    assert.equal(order.capturedAmount, 1500);
    assert.deepEqual(reasons(order), ['authorized', 'captured']);
  });
});

// ------------------------------------------------------------------------------------------------------------------
describe('isolation', () => {
  test('two sessions of one merchant: no shared orders, and one key makes two orders', async () => {
    const w1 = new World(main, 'worker-1');
    const w2 = new World(main, 'worker-2');
    const key = guid();
    const orderId = `ISO-${guid()}`;
    const body = evaluateBody({ idempotencyKey: key, orderId, ...card('captureRequired') });
    const r1 = await w1.post('/v1/evaluate', body);
    const r2 = await w2.post('/v1/evaluate', body);
    assert.equal(r1.body.status, 'CAPTUREREQUIRED');
    assert.equal(r2.body.status, 'CAPTUREREQUIRED');
    assert.equal(r2.headers[REPLAY], undefined);
    const id1 = r1.body.orderSessionKey;
    const id2 = r2.body.orderSessionKey;
    assert.notEqual(id1, id2);
    assertProblem(await w2.get(`/v1/orders/${id1}`), 404, '404002');
    assertProblem(await w1.get(`/v1/orders/${id2}`), 404, '404002');
    assertProblem(await w2.cancel(id1), 404, '404002');
    assertProblem(await w2.capture(id1), 404, '404002');
    const l1 = await w1.list('');
    const l2 = await w2.list('');
    assert.deepEqual([l1.totalItemCount, l1.items[0]?.id], [1, id1]);
    assert.deepEqual([l2.totalItemCount, l2.items[0]?.id], [1, id2]);
    // external-cancel by the shared merchant orderId touches only its own session's order.
    assert.deepEqual((await w2.post(`/v1/orders/${orderId}/external-cancel`)).body, {});
    await w2.expectStatus(id2, 'CANCELLED');
    await w1.expectStatus(id1, 'CAPTUREREQUIRED');
  });

  test('two merchants in one session: no shared orders, and one key makes two orders', async () => {
    const w = new World();
    const key = guid();
    const a = await w.evaluate({ idempotencyKey: key, ...card('approved') }, DEFAULT_MERCHANT);
    const b = await w.evaluate({ idempotencyKey: key, ...card('approved') }, SECOND_MERCHANT);
    const idA = a.body.orderSessionKey;
    const idB = b.body.orderSessionKey;
    assert.notEqual(idA, idB);
    assertProblem(await w.get(`/v1/orders/${idB}`, DEFAULT_MERCHANT), 404, '404002');
    assertProblem(await w.get(`/v1/orders/${idA}`, SECOND_MERCHANT), 404, '404002');
    assertProblem(
      await w.post(`/v1/orders/${idB}/refund`, { amountToRefund: 1 }, DEFAULT_MERCHANT),
      404,
      '404002',
    );
    const la = await w.list('', DEFAULT_MERCHANT);
    const lb = await w.list('', SECOND_MERCHANT);
    assert.deepEqual([la.totalItemCount, la.items[0]?.id], [1, idA]);
    assert.deepEqual([lb.totalItemCount, lb.items[0]?.id], [1, idB]);
    assertProblem(await w.get(`/v1/orders?mid=${SECOND_MERCHANT.mid}`, DEFAULT_MERCHANT), 403, '403001');
    assert.equal((await w.order(idB, SECOND_MERCHANT)).refundedAmount, 0);
  });
});

// ------------------------------------------------------------------------------------------------------------------
describe('GET /v1/orders', () => {
  const w = new World();
  const ids: string[] = [];
  const orderIds: string[] = [];
  const created: number[] = [];
  const seed: [TestCardName, number, string][] = [
    ['approved', 1100, 'Alvarez'], // 7
    ['declined', 1500, 'Baker'], // 2
    ['captureRequired', 900, 'Chen'], // 5
    ['approved', 1300, 'Dubois'], // 7
    ['declined', 1200, 'Evans'], // 2
  ];
  const expect = (query: string, wanted: number[]) => async () => {
    const list = await w.list(query);
    assert.deepEqual(
      list.items.map((o) => o.id),
      wanted.map((i) => ids[i]),
      query,
    );
    assert.equal(list.totalItemCount, wanted.length, query);
  };

  test('five orders a minute apart', async () => {
    for (const [name, amount, lastName] of seed) {
      const orderId = `LIST-${lastName}-${guid()}`;
      created.push(w.now());
      const expected =
        name === 'approved' ? 'APPROVED' : name === 'declined' ? 'DECLINED' : 'CAPTUREREQUIRED';
      ids.push(
        await w.create(
          { ...card(name), orderId, transaction: { amount }, billingInformation: { lastName } },
          expected,
        ),
      );
      orderIds.push(orderId);
      w.advance(MINUTE);
    }
    const list = await w.list('');
    assert.equal(list.totalItemCount, 5);
    assert.equal(list.pageSize, 10);
    assert.equal(list.pageNumber, 1);
    assert.deepEqual(list.statusNames, {
      0: 'DRAFT',
      1: 'ONHOLD',
      2: 'CANCELLED',
      3: 'PROBLEM',
      4: 'PROCESSING',
      5: 'CAPTUREREQUIRED',
      6: 'RETURNED',
      7: 'COMPLETED',
    });
  });

  test('default order is createdOn desc', expect('', [4, 3, 2, 1, 0]));
  test('status: single', expect('status=2&orderBy=createdOn&sort=asc', [1, 4]));
  test(
    'status: repeated status=2&status=7',
    expect('status=2&status=7&orderBy=createdOn&sort=asc', [0, 1, 3, 4]),
  );
  test('status: 5 only', expect('status=5', [2]));
  test('status: one nobody has', expect('status=6', []));

  test('from (at or after) / to (before)', async () => {
    const from = new Date(created[1] as number).toISOString();
    const to = new Date(created[3] as number).toISOString();
    await expect(`from=${from}&to=${to}&sort=asc`, [1, 2])();
    await expect(`from=${from}&sort=asc`, [1, 2, 3, 4])();
    await expect(`to=${to}&sort=asc`, [0, 1, 2])();
    const later = new Date((created[4] as number) + 1).toISOString();
    await expect(`from=${later}`, [])();
  });

  test('query: merchant orderId and billing last name (case-insensitive)', async () => {
    await expect(`query=${orderIds[2]}`, [2])();
    await expect('query=dubois', [3])();
    await expect('query=Evans', [4])();
    await expect('query=nobody-has-this', [])();
  });

  test('orderBy amount / createdOn with sort asc / desc', async () => {
    await expect('orderBy=amount&sort=asc', [2, 0, 4, 3, 1])();
    await expect('orderBy=amount&sort=desc', [1, 3, 4, 0, 2])();
    await expect('orderBy=createdOn&sort=asc', [0, 1, 2, 3, 4])();
    await expect('orderBy=createdOn&sort=desc', [4, 3, 2, 1, 0])();
    const list = await w.list('orderBy=amount&sort=asc');
    assert.deepEqual(
      list.items.map((o) => o.amount),
      [900, 1100, 1200, 1300, 1500],
    );
  });

  test('paging: pageSize 2 over 5 orders', async () => {
    const page = (n: number) => w.list(`orderBy=createdOn&sort=asc&pageSize=2&pageNumber=${n}`);
    const fields = (p: Json) => [
      p.pageCount,
      p.pageNumber,
      p.pageSize,
      p.totalItemCount,
      p.firstItemOnPage,
      p.lastItemOnPage,
      p.hasPreviousPage,
      p.hasNextPage,
      p.isFirstPage,
      p.isLastPage,
    ];
    const p1 = await page(1);
    assert.deepEqual(fields(p1), [3, 1, 2, 5, 1, 2, false, true, true, false]);
    assert.deepEqual(
      p1.items.map((o) => o.id),
      [ids[0], ids[1]],
    );
    const p2 = await page(2);
    assert.deepEqual(fields(p2), [3, 2, 2, 5, 3, 4, true, true, false, false]);
    assert.deepEqual(
      p2.items.map((o) => o.id),
      [ids[2], ids[3]],
    );
    const p3 = await page(3);
    assert.deepEqual(fields(p3), [3, 3, 2, 5, 5, 5, true, false, false, true]);
    assert.deepEqual(
      p3.items.map((o) => o.id),
      [ids[4]],
    );
  });

  test('mid: a partner lists one merchant with ?mid=, all of its merchants without', async () => {
    const second = [
      await w.create({ ...card('approved'), transaction: { amount: 2000 - 1 } }, 'APPROVED', SECOND_MERCHANT),
      await w.create(card('declined'), 'DECLINED', SECOND_MERCHANT),
    ];
    const scoped = await w.list(`mid=${SECOND_MERCHANT.mid}&sort=asc`, DEFAULT_PARTNER);
    assert.equal(scoped.totalItemCount, 2);
    assert.deepEqual(
      scoped.items.map((o) => o.id),
      second,
    );
    assert.ok(scoped.items.every((o) => o.mid === SECOND_MERCHANT.mid));
    const mine = await w.list(`mid=${DEFAULT_MERCHANT.mid}`, DEFAULT_PARTNER);
    assert.equal(mine.totalItemCount, 5);
    const all = await w.list('', DEFAULT_PARTNER);
    assert.equal(all.totalItemCount, 7);
    const merchantView = await w.list('');
    assert.equal(merchantView.totalItemCount, 5);
    const partnerGet = await w.order(second[0] as string, DEFAULT_PARTNER);
    assert.equal(partnerGet.amount, 1999);
  });
});

// ------------------------------------------------------------------------------------------------------------------
describe('tokenization', () => {
  function tokenize(w: World, account: MerchantAccount, number: string, cvv = '999') {
    return request(w.app)
      .post(`/v1/tokenize?mid=${account.mid}&environment=${account.tokenizationKey}`)
      .set(SESSION, w.session)
      .send(tokenizeBody(number, cvv));
  }

  test('/v1/tokenize vaults the card and never returns the PAN or the CVV', async () => {
    const w = new World();
    const pan = TEST_CARDS.challenge;
    const res = await tokenize(w, DEFAULT_MERCHANT, pan, '8642');
    assert.equal(res.status, 200, res.text);
    const method = res.body.transaction.payment_method;
    assert.match(method.token, /^[0-9a-f-]{36}$/);
    assert.equal(method.last_four_digits, '0038');
    // Observed: the sandbox fills first_six_digits with 8 digits for a 16-digit card.
    assert.equal(method.first_six_digits, pan.slice(0, 8));
    assert.equal(method.month, 9);
    assert.equal(method.year, 2030);
    assert.equal(method.number, null);
    assert.equal(method.verification_value, null);
    assert.equal(res.body.transaction.succeeded, true);
    assert.ok(!res.text.includes(pan));
    assert.ok(!res.text.includes('8642'));

    const body = w.body({ paymentMethod: { cardNumber: method.token, token: true } });
    const evaluated = await w.post('/v1/evaluate', body);
    assert.equal(evaluated.status, 200, evaluated.text);
    assert.equal(evaluated.body.status, 'CHALLENGE');
    const order = await w.expectStatus(evaluated.body.orderSessionKey, 'PROCESSING');
    assert.deepEqual(order.card, { bin: '400000', last4: '0038', brand: 'VISA', tokenized: true });
    // The token carries the card's fate too.
    w.advance(5 * MINUTE);
    await w.expectStatus(evaluated.body.orderSessionKey, 'COMPLETED');
  });

  test("another merchant's token → 400006", async () => {
    const w = new World();
    const res = await tokenize(w, SECOND_MERCHANT, TEST_CARDS.approved);
    assert.equal(res.status, 200, res.text);
    const token = res.body.transaction.payment_method.token;
    assertProblem(await w.evaluate({ paymentMethod: { cardNumber: token, token: true } }), 400, '400006');
    // SECOND_MERCHANT itself may use it.
    const own = await w.evaluate({ paymentMethod: { cardNumber: token, token: true } }, SECOND_MERCHANT);
    assert.equal(own.body.status, 'APPROVED');
    // A token from another session is unknown too.
    const other = new World();
    assertProblem(
      await other.evaluate({ paymentMethod: { cardNumber: token, token: true } }, SECOND_MERCHANT),
      400,
      '400006',
    );
  });

  test('a card that is not a test card → 400005, without echoing it', async () => {
    const w = new World();
    const pan = '4532015112830366';
    const res = await tokenize(w, DEFAULT_MERCHANT, pan, '8642');
    assertProblem(res, 400, '400005');
    assert.ok(!res.text.includes(pan));
    assert.ok(!res.text.includes('8642'));
  });
});

test('every response in this file conformed to contracts/openapi.yaml', () => {
  assert.deepEqual(main.mock.violations, []);
  assert.deepEqual(shortWindow.mock.violations, []);
});
