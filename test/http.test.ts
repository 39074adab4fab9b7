// The HTTP surface as a table: every endpoint's happy path and its auth, validation, 404/405/413/415 paths.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import request from 'supertest';
import { DEFAULT_MERCHANT, DEFAULT_PARTNER, SECOND_MERCHANT } from '../mock/domain/accounts.js';
import { statusHistory } from '../mock/domain/order-states.js';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import { evaluate, evaluateBody, guid, makeApp, tokenFor } from './helpers.js';

const { app } = makeApp();
let merchant = '';
let partner = '';
let approvedOrder = '';
let captureOrder = '';
let externalId = '';
let cardToken = '';

before(async () => {
  merchant = await tokenFor(app);
  partner = await tokenFor(app, DEFAULT_PARTNER);
  const approved = await evaluate(app, merchant, evaluateBody());
  approvedOrder = approved.body.orderSessionKey;
  externalId = `EXT-${guid()}`;
  const auth = await evaluate(
    app,
    merchant,
    evaluateBody({
      orderId: externalId,
      transactionType: 'AUTHORIZATION',
      paymentMethod: { cardNumber: TEST_CARDS.visaAuthorization },
    }),
  );
  captureOrder = auth.body.orderSessionKey;
  const tok = await request(app)
    .post(`/v1/tokenize?mid=${DEFAULT_MERCHANT.mid}&environment=${DEFAULT_MERCHANT.tokenizationKey}`)
    .send({
      payment_method: {
        credit_card: {
          first_name: 'Cure',
          last_name: 'Tester',
          number: TEST_CARDS.visa,
          verification_value: '999',
          month: '09',
          year: '2030',
        },
      },
    });
  cardToken = tok.body.transaction.payment_method.token;
});

interface Row {
  name: string;
  method: 'get' | 'post' | 'put' | 'delete' | 'patch';
  path: () => string;
  auth?: 'merchant' | 'partner' | 'none' | string;
  body?: () => unknown;
  status: number;
  code?: string;
  check?: (res: request.Response) => void;
}

const rows: Row[] = [
  // Token
  {
    name: 'token: good credentials',
    method: 'post',
    path: () => '/v1/oauth2/token',
    auth: 'none',
    body: () => ({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret }),
    status: 200,
  },
  {
    name: 'token: camelCase keys bind too',
    method: 'post',
    path: () => '/v1/oauth2/token',
    auth: 'none',
    body: () => ({ appKey: DEFAULT_MERCHANT.appKey, appSecret: DEFAULT_MERCHANT.appSecret }),
    status: 200,
  },
  {
    name: 'token: wrong secret → 400 (observed)',
    method: 'post',
    path: () => '/v1/oauth2/token',
    auth: 'none',
    body: () => ({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: 'nope' }),
    status: 400,
    code: '400003',
  },
  {
    name: 'token: missing fields',
    method: 'post',
    path: () => '/v1/oauth2/token',
    auth: 'none',
    body: () => ({}),
    status: 400,
    code: '400001',
  },
  // Tokenize
  {
    name: 'tokenize: good key',
    method: 'post',
    path: () => `/v1/tokenize?mid=${DEFAULT_MERCHANT.mid}&environment=${DEFAULT_MERCHANT.tokenizationKey}`,
    auth: 'none',
    body: () => ({
      payment_method: {
        credit_card: {
          first_name: 'A',
          last_name: 'B',
          number: TEST_CARDS.approved,
          month: '01',
          year: '2031',
        },
      },
    }),
    status: 200,
  },
  {
    name: 'tokenize: wrong key',
    method: 'post',
    path: () => `/v1/tokenize?mid=${DEFAULT_MERCHANT.mid}&environment=wrong`,
    auth: 'none',
    body: () => ({
      payment_method: {
        credit_card: {
          first_name: 'A',
          last_name: 'B',
          number: TEST_CARDS.approved,
          month: '01',
          year: '2031',
        },
      },
    }),
    status: 400,
    code: '400009',
  },
  {
    name: 'tokenize: missing query',
    method: 'post',
    path: () => '/v1/tokenize',
    auth: 'none',
    body: () => ({
      payment_method: {
        credit_card: {
          first_name: 'A',
          last_name: 'B',
          number: TEST_CARDS.approved,
          month: '01',
          year: '2031',
        },
      },
    }),
    status: 400,
    code: '400012',
  },
  {
    name: 'tokenize: expired card',
    method: 'post',
    path: () => `/v1/tokenize?mid=${DEFAULT_MERCHANT.mid}&environment=${DEFAULT_MERCHANT.tokenizationKey}`,
    auth: 'none',
    body: () => ({
      payment_method: {
        credit_card: {
          first_name: 'A',
          last_name: 'B',
          number: TEST_CARDS.approved,
          month: '01',
          year: '2020',
        },
      },
    }),
    status: 400,
    code: '400010',
  },
  // Evaluate
  {
    name: 'evaluate: approved',
    method: 'post',
    path: () => '/v1/evaluate',
    body: () => evaluateBody(),
    status: 200,
    check: (r) => assert.equal(r.body.status, 'APPROVED'),
  },
  {
    name: 'evaluate: with a vaulted token',
    method: 'post',
    path: () => '/v1/evaluate',
    body: () =>
      evaluateBody({
        paymentMethod: { cardNumber: cardToken, token: true },
        payer: { email: 'a@b.c', phone: '998888' },
      }),
    status: 200,
    check: (r) => assert.equal(r.body.status, 'CHALLENGE'),
  },
  {
    name: 'evaluate: unknown token',
    method: 'post',
    path: () => '/v1/evaluate',
    body: () => evaluateBody({ paymentMethod: { cardNumber: 'tok_unknown', token: true } }),
    status: 400,
    code: '400006',
  },
  {
    name: 'evaluate: no token',
    method: 'post',
    path: () => '/v1/evaluate',
    auth: 'none',
    body: () => evaluateBody(),
    status: 401,
    code: '401001',
  },
  {
    name: 'evaluate: not a JWT',
    method: 'post',
    path: () => '/v1/evaluate',
    auth: 'Bearer abc',
    body: () => evaluateBody(),
    status: 401,
    code: '401002',
  },
  {
    name: 'evaluate: no Bearer word',
    method: 'post',
    path: () => '/v1/evaluate',
    auth: 'Token abc',
    body: () => evaluateBody(),
    status: 401,
    code: '401002',
  },
  {
    name: 'evaluate: foreign signature',
    method: 'post',
    path: () => '/v1/evaluate',
    auth: 'Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLW5vdC1vdXJz',
    body: () => evaluateBody(),
    status: 401,
    code: '401003',
  },
  {
    name: 'evaluate: another merchant mid → 403',
    method: 'post',
    path: () => '/v1/evaluate',
    body: () => evaluateBody({ mid: SECOND_MERCHANT.mid }),
    status: 403,
    code: '403001',
  },
  {
    name: 'evaluate: partner acting for a merchant',
    method: 'post',
    path: () => '/v1/evaluate',
    auth: 'partner',
    body: () => evaluateBody({ mid: SECOND_MERCHANT.mid }),
    status: 200,
  },
  {
    name: 'evaluate: missing orderId and transaction fields',
    method: 'post',
    path: () => '/v1/evaluate',
    body: () => ({ ...evaluateBody(), orderId: undefined, transaction: { amount: 1500 } }),
    status: 400,
    code: '400001',
    check: (r) => {
      // The sandbox's flat ModelState: field arrays at the top level, next to TraceId.
      assert.deepEqual(r.body.OrderId, ["Merchant's orderId is required"]);
      assert.deepEqual(r.body['Transaction.Id'], ['The Id field is required.']);
      assert.deepEqual(r.body['Transaction.Currency'], ['The Currency field is required.']);
    },
  },
  {
    name: 'evaluate: amount as a string (strict: the real API would read it)',
    method: 'post',
    path: () => '/v1/evaluate',
    body: () => evaluateBody({ transaction: { amount: '1500' } }),
    status: 400,
    code: '400060',
    check: (r) => assert.ok(r.body.errors['Transaction.Amount']),
  },
  {
    name: 'evaluate: amount below sandbox bound',
    method: 'post',
    path: () => '/v1/evaluate',
    body: () => evaluateBody({ transaction: { amount: 10 } }),
    status: 400,
    code: '400004',
  },
  {
    name: 'evaluate: amount above sandbox bound',
    method: 'post',
    path: () => '/v1/evaluate',
    body: () => evaluateBody({ transaction: { amount: 20000 } }),
    status: 400,
    code: '400004',
  },
  {
    name: 'evaluate: malformed JSON',
    method: 'post',
    path: () => '/v1/evaluate',
    body: () => '{"isDeclined": tru',
    status: 400,
    code: '400002',
  },
  {
    name: 'evaluate: text/plain → 415',
    method: 'post',
    path: () => '/v1/evaluate',
    body: () => 'hello',
    status: 415,
    code: '415001',
  },
  {
    name: 'evaluate: application/*+json accepted',
    method: 'post',
    path: () => '/v1/evaluate',
    body: () => ['application/*+json', JSON.stringify(evaluateBody())],
    status: 200,
  },
  {
    name: 'evaluate: body over the limit → 413',
    method: 'post',
    path: () => '/v1/evaluate',
    body: () => evaluateBody({ padding: 'x'.repeat(1024 * 1024 + 10) }),
    status: 413,
    code: '413001',
  },
  { name: 'evaluate: no body', method: 'post', path: () => '/v1/evaluate', status: 400, code: '400001' },
  {
    name: 'evaluate: GET → 405',
    method: 'get',
    path: () => '/v1/evaluate',
    status: 405,
    code: '405001',
    check: (r) => assert.equal(r.headers.allow, 'POST'),
  },
  // Transmit, outcome
  {
    name: 'transmit',
    method: 'post',
    path: () => '/v1/transmit',
    body: () => ({
      isDeclined: false,
      orderId: 'T-1',
      transaction: { id: '1', amount: 1500, currency: 'USD' },
      payer: { email: 'a@b.c' },
      paymentMethod: { cardLast4Digits: '1111' },
    }),
    status: 200,
    check: (r) => assert.match(r.body.transmitId, /^[0-9a-f-]{36}$/),
  },
  {
    name: 'transmit: missing orderId',
    method: 'post',
    path: () => '/v1/transmit',
    body: () => ({ isDeclined: false, transaction: { id: '1', amount: 1500, currency: 'USD' } }),
    status: 400,
    code: '400001',
  },
  {
    name: 'outcome: known order',
    method: 'post',
    path: () => '/v1/outcome',
    body: () => ({ orderSessionKey: approvedOrder }),
    status: 200,
    check: (r) => assert.equal(r.body.status, 'APPROVED'),
  },
  {
    name: 'outcome: unknown order → NOTFOUND',
    method: 'post',
    path: () => '/v1/outcome',
    body: () => ({ orderSessionKey: guid() }),
    status: 200,
    check: (r) => assert.equal(r.body.status, 'NOTFOUND'),
  },
  // Orders
  {
    name: 'orders: get',
    method: 'get',
    path: () => `/v1/orders/${approvedOrder}`,
    status: 200,
    check: (r) => assert.equal(r.body.statusName, 'COMPLETED'),
  },
  {
    name: 'orders: get unknown → 404',
    method: 'get',
    path: () => `/v1/orders/${guid()}`,
    status: 404,
    code: '404002',
  },
  {
    name: 'orders: other merchant cannot read',
    method: 'get',
    path: () => `/v1/orders/${approvedOrder}`,
    auth: 'second',
    status: 404,
    code: '404002',
  },
  {
    name: 'orders: list',
    method: 'get',
    path: () => '/v1/orders?pageSize=1&pageNumber=1',
    status: 200,
    check: (r) => assert.equal(r.body.items.length, 1),
  },
  {
    name: 'orders: list bad pageSize',
    method: 'get',
    path: () => '/v1/orders?pageSize=abc',
    status: 400,
    code: '400012',
  },
  {
    name: 'orders: list without token',
    method: 'get',
    path: () => '/v1/orders',
    auth: 'none',
    status: 401,
    code: '401001',
  },
  {
    name: 'orders: DELETE → 405',
    method: 'delete',
    path: () => `/v1/orders/${approvedOrder}`,
    status: 405,
    code: '405001',
  },
  {
    name: 'capture: wrong amount → FAILED',
    method: 'post',
    path: () => '/v1/capture',
    body: () => ({ idempotencyKey: guid(), orderId: captureOrder, amount: 1, currency: 'USD' }),
    status: 200,
    check: (r) => assert.equal(r.body.status, 'FAILED'),
  },
  {
    name: 'capture: missing idempotencyKey',
    method: 'post',
    path: () => '/v1/capture',
    body: () => ({ orderId: captureOrder, amount: 1500, currency: 'USD' }),
    status: 400,
    code: '400001',
  },
  {
    name: 'capture: unknown order',
    method: 'post',
    path: () => '/v1/capture',
    body: () => ({ idempotencyKey: guid(), orderId: guid(), amount: 1500, currency: 'USD' }),
    status: 404,
    code: '404002',
  },
  {
    name: 'refund: partial',
    method: 'post',
    path: () => `/v1/orders/${approvedOrder}/refund`,
    body: () => ({ amountToRefund: 1.0, refundMessage: 'Customer request' }),
    status: 200,
    check: (r) => assert.equal(r.body.status, 'SUCCESS'),
  },
  {
    name: 'refund: too much → FAILED 2001',
    method: 'post',
    path: () => `/v1/orders/${approvedOrder}/refund`,
    body: () => ({ amountToRefund: 999 }),
    status: 200,
    check: (r) => assert.equal(r.body.responseCode, '2001'),
  },
  {
    name: 'refund: amount missing',
    method: 'post',
    path: () => `/v1/orders/${approvedOrder}/refund`,
    body: () => ({}),
    status: 400,
    code: '400001',
  },
  {
    name: 'cancel: completed CIT → 409',
    method: 'post',
    path: () => `/v1/orders/${approvedOrder}/cancel`,
    body: () => ({}),
    status: 409,
    code: '409003',
  },
  {
    name: 'external-cancel: unknown',
    method: 'post',
    path: () => '/v1/orders/NOPE/external-cancel',
    body: () => ({}),
    status: 404,
    code: '404002',
  },
  {
    name: 'external-cancel: the authorized order',
    method: 'post',
    path: () => `/v1/orders/${externalId}/external-cancel`,
    body: () => ({}),
    status: 200,
    check: (r) => assert.deepEqual(r.body, {}),
  },
  // Partner surface: merchant tokens are refused
  {
    name: 'merchants: merchant token → 403',
    method: 'get',
    path: () => '/v1/merchants',
    status: 403,
    code: '403002',
  },
  {
    name: 'api-keys: merchant token → 403',
    method: 'post',
    path: () => '/v1/api-keys',
    body: () => ({ mid: DEFAULT_MERCHANT.mid, name: 'k', type: 'secret', scopes: [] }),
    status: 403,
    code: '403002',
  },
  {
    name: 'merchants: partner lists',
    method: 'get',
    path: () => '/v1/merchants',
    auth: 'partner',
    status: 200,
  },
  // Unknown paths
  { name: 'unknown path → JSON 404', method: 'get', path: () => '/v1/nope', status: 404, code: '404001' },
  { name: 'outside /v1 → JSON 404', method: 'get', path: () => '/nope', status: 404, code: '404001' },
  { name: 'root → the JSON index', method: 'get', path: () => '/', status: 200 },
  { name: '/v1 → the JSON index', method: 'get', path: () => '/v1', status: 200 },
  {
    name: 'bad session header',
    method: 'get',
    path: () => '/v1/orders',
    auth: 'x-mock-session',
    status: 400,
    code: '400012',
  },
];

describe('HTTP table', () => {
  for (const row of rows) {
    test(row.name, async () => {
      let req = request(app)[row.method](row.path());
      const auth = row.auth ?? 'merchant';
      if (auth === 'merchant') req = req.set('authorization', `Bearer ${merchant}`);
      else if (auth === 'partner') req = req.set('authorization', `Bearer ${partner}`);
      else if (auth === 'second')
        req = req.set('authorization', `Bearer ${await tokenFor(app, SECOND_MERCHANT)}`);
      else if (auth === 'x-mock-session')
        req = req.set('authorization', `Bearer ${merchant}`).set('x-mock-session', 'bad session!');
      else if (auth !== 'none') req = req.set('authorization', auth);
      const body = row.body?.();
      let res: request.Response;
      if (Array.isArray(body)) res = await req.set('content-type', String(body[0])).send(String(body[1]));
      else if (typeof body === 'string') {
        const type = body.startsWith('{') ? 'application/json' : 'text/plain';
        res = await req.set('content-type', type).send(body);
      } else if (body === undefined) res = await req;
      else res = await req.send(body as object);
      assert.equal(res.status, row.status, JSON.stringify(res.body));
      if (row.status >= 400) {
        // Every error carries its code in x-mock-error-code; a 400 with field errors is the sandbox's flat
        // ModelState (application/json), every other error a problem body with the code inside too.
        assert.equal(res.headers['x-mock-error-code'], row.code);
        if (/^application\/json/.test(String(res.headers['content-type']))) {
          assert.equal(row.status, 400);
          assert.match(String(res.body.TraceId?.[0]), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
          assert.ok(Object.keys(res.body).length > 1, 'field errors next to TraceId');
        } else {
          assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
          assert.equal(res.body.code, row.code);
          assert.equal(res.body.status, row.status);
          assert.ok(res.body.detail.length > 20, 'detail says how to fix the request');
          assert.match(res.body.traceId, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
        }
        assert.doesNotMatch(res.text, /at [\w.]+ \(|node_modules|\.ts:\d+/, 'no stack trace');
      } else {
        assert.match(String(res.headers['content-type']), /^application\/json/);
      }
      row.check?.(res);
    });
  }

  test('every response in this file conformed to contracts/openapi.yaml', () => {
    assert.deepEqual(app.mock.violations, []);
  });
});

describe('a request hook that edits the reply it is given', () => {
  // Kept data shares pooled, frozen parts (addresses, card summaries, empty envelope parts of kept replays): what a
  // hook receives must be its own, so editing it neither fails nor changes what the store or a replay answers.
  test('edits envelopes, order views and replays without a 500 and without touching what is kept', async () => {
    const HOOKED_AT = '2000-01-01T00:00:00.000Z';
    const tag = (value: unknown) => {
      if (value === null || typeof value !== 'object') return;
      const body = value as Record<string, unknown>;
      if (body.customProperties && typeof body.customProperties === 'object') {
        const properties = body.customProperties as Record<string, unknown>;
        properties.hooked = `${properties.hooked ?? ''}x`;
      }
      if (body.billingAddress && typeof body.billingAddress === 'object')
        (body.billingAddress as Record<string, unknown>).city = 'Hooked City';
      if (body.card && typeof body.card === 'object') (body.card as Record<string, unknown>).brand = 'HOOKED';
      const history = body.statusHistory;
      if (Array.isArray(history) && history[0]) (history[0] as Record<string, unknown>).at = HOOKED_AT;
    };
    const { app } = makeApp({
      hooks: [
        {
          name: 'tag',
          afterHandler: (_ctx, reply) => {
            tag(reply.body);
            return reply;
          },
        },
      ],
    });
    const token = await tokenFor(app);
    const body = evaluateBody();
    const first = await evaluate(app, token, body);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.customProperties.hooked, 'x');
    const replay = await evaluate(app, token, body);
    assert.equal(replay.status, 200);
    assert.equal(replay.headers['x-mock-idempotent-replay'], 'true');
    // The kept reply is unchanged by the first request's hook: each replay is tagged once, not once more each time.
    assert.equal(replay.body.customProperties.hooked, 'x');
    const again = await evaluate(app, token, body);
    assert.equal(again.body.customProperties.hooked, 'x');

    // Two orders with the same address and card: they share one pooled record in the store.
    const second = await evaluate(app, token, evaluateBody());
    for (const orderId of [first.body.orderId, second.body.orderId]) {
      const read = await request(app).get(`/v1/orders/${orderId}`).set('authorization', `Bearer ${token}`);
      assert.equal(read.status, 200, JSON.stringify(read.body));
      assert.equal(read.body.billingAddress.city, 'Hooked City');
      assert.equal(read.body.card.brand, 'HOOKED');
      const order = app.mock.store.session().partition(DEFAULT_MERCHANT.mid).orders.get(orderId);
      assert.equal(order?.billingAddress.city, 'San Francisco');
      assert.notEqual(order?.card.brand, 'HOOKED');
      assert.ok(order && statusHistory(order).every((change) => change.at !== HOOKED_AT));
    }
  });
});
