// The reference client (contracts/client) against the real mock on a loopback port: token caching and the single
// retry after a 401 (the clock moves, no sleeping), retries with the same idempotency key on 502/503/504 and
// timeouts for the calls that are safe to repeat, typed errors with the six-digit code, and the whole order life
// cycle. Faults come from a pipeline hook of this file (createApp({ hooks })).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, test } from 'node:test';
import {
  FlexFactorClient,
  type FlexFactorClientOptions,
  FlexFactorError,
  FlexFactorTransportError,
  memoryTokenCache,
  type RetryInfo,
} from '../contracts/client/index.js';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import { apiError, type ErrorCode } from '../mock/errors/catalog.js';
import { listen, type RunningServer } from '../mock/http/server.js';
import type { RequestHooks } from '../mock/http/types.js';
import { generateClientTypes, OUTPUT_PATH } from '../scripts/generate-client-types.js';
import { BILLING, makeApp, PAYER, type TestApp } from './helpers.js';

/** Faults to inject per operation, consumed one per request: an error code to answer with, or a delay in ms. */
const faults = new Map<string, (ErrorCode | number)[]>();
/** Every request that passed authentication: its operation and the idempotency key of its body. */
const seen: { op: string; key?: string }[] = [];

const faultHook: RequestHooks = {
  name: 'client-test-faults',
  async beforeHandler(ctx) {
    seen.push({ op: ctx.op.id, key: ctx.body?.idempotencyKey });
    const next = faults.get(ctx.op.id)?.shift();
    if (typeof next === 'number') await new Promise((done) => setTimeout(done, next));
    else if (next) throw apiError(next, next === '503001' ? { headers: { 'Retry-After': '1' } } : {});
    return undefined;
  },
};

let mock: TestApp;
let server: RunningServer;

before(async () => {
  mock = makeApp({ hooks: [faultHook] });
  server = await listen(mock.app, { port: 0 });
});

after(() => server.close(1_000));

beforeEach(() => {
  faults.clear();
  seen.length = 0;
});

const sleeps: number[] = [];
const retries: RetryInfo[] = [];

function newClient(options: Partial<FlexFactorClientOptions> = {}): FlexFactorClient {
  sleeps.length = 0;
  retries.length = 0;
  return new FlexFactorClient({
    baseUrl: `${server.url}/v1`,
    appKey: DEFAULT_MERCHANT.appKey,
    appSecret: DEFAULT_MERCHANT.appSecret,
    mid: DEFAULT_MERCHANT.mid,
    tokenizationKey: DEFAULT_MERCHANT.tokenizationKey,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    onRetry: (info) => retries.push(info),
    ...options,
  });
}

function count(op: string): number {
  return seen.filter((s) => s.op === op).length;
}

let orderCounter = 0;
function declined(card: string = TEST_CARDS.approved, extra: Record<string, unknown> = {}) {
  orderCounter += 1;
  return {
    isDeclined: true,
    isMIT: false,
    orderId: `CLIENT-${orderCounter}`,
    transaction: {
      id: `tx-${orderCounter}`,
      amount: 1500,
      currency: 'USD',
      timestampUtc: '2026-06-01T11:59:00Z',
    },
    payer: { ...PAYER, phone: '+1 555 0100' },
    billingInformation: BILLING,
    paymentMethod: { cardNumber: card, token: false },
    ...extra,
  };
}

async function rejection<T extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => T,
): Promise<T> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${type.name}, but the call succeeded`);
}

test('one token serves every call until a 401; then one new token and one retry of that call', async () => {
  const client = newClient();
  await client.listOrders();
  await client.listOrders();
  assert.equal(count('createToken'), 1, 'the token is cached, not fetched per call');

  mock.app.mock.clock.advance(601_000); // the token has lived its 600 seconds
  const page = await client.listOrders({ pageSize: 5 });
  assert.equal(page.pageSize, 5);
  assert.equal(count('createToken'), 2, 'a new token only after the 401');
  assert.deepEqual(
    retries.map((r) => r.reason),
    ['unauthorized'],
  );
  assert.equal(count('listOrders'), 3, 'the expired attempt never reached the handler; the retry did');
});

test('concurrent calls without a token share one token request', async () => {
  const client = newClient();
  await Promise.all([client.listOrders(), client.listOrders(), client.getOrder('x').catch(() => null)]);
  assert.equal(count('createToken'), 1);
});

test('a 401 on the retry too is an error with its code: no second refresh, no loop', async () => {
  const client = newClient();
  faults.set('listOrders', ['401003', '401003', '401003']);
  const error = await rejection(client.listOrders(), FlexFactorError);
  assert.equal(error.status, 401);
  assert.equal(error.code, '401003');
  assert.equal(error.attempts, 2);
  assert.equal(count('createToken'), 2);
});

test('503 then 504: evaluate is retried with the same idempotency key; backoff doubles; Retry-After wins', async () => {
  const client = newClient({ backoffMs: 200 });
  faults.set('evaluate', ['503001', '504001']);
  const decision = await client.evaluate(declined());
  assert.equal(decision.status, 'APPROVED');
  const keys = seen.filter((s) => s.op === 'evaluate').map((s) => s.key);
  assert.equal(keys.length, 3);
  assert.match(String(keys[0]), /^[0-9a-f-]{36}$/);
  assert.deepEqual(new Set(keys).size, 1, 'one key for the call, reused on every attempt');
  assert.deepEqual(sleeps, [1000, 400], 'Retry-After: 1 beats 200 ms; the second retry waits 2 × 200 ms');
  assert.deepEqual(
    retries.map((r) => [r.reason, r.attempt]),
    [
      ['HTTP 503', 2],
      ['HTTP 504', 3],
    ],
  );

  await client.evaluate(declined());
  const all = seen.filter((s) => s.op === 'evaluate').map((s) => s.key);
  assert.notEqual(all[3], all[0], 'a new call gets a new key');
});

test('retries stop after maxRetries: the last 502 is thrown with its code and the attempt count', async () => {
  const client = newClient({ maxRetries: 2 });
  faults.set('getOrder', ['502001', '502001', '502001', '502001']);
  const error = await rejection(client.getOrder('any'), FlexFactorError);
  assert.equal(error.status, 502);
  assert.equal(error.code, '502001');
  assert.equal(error.attempts, 3);
  assert.equal(count('getOrder'), 3);
});

test('refund has no idempotency key, so a 503 is not repeated: one attempt, the error goes to the caller', async () => {
  const client = newClient();
  const order = await client.evaluate(declined());
  faults.set('refundOrder', ['503001']);
  const error = await rejection(client.refund(order.orderId, { amountToRefund: 5 }), FlexFactorError);
  assert.equal(error.code, '503001');
  assert.equal(error.attempts, 1);
  assert.equal(count('refundOrder'), 1);
  assert.equal((await client.getOrder(order.orderId)).refundedAmount, 0, 'nothing was refunded');
});

test('a timeout is retried for a read and reported at once for a refund (which the server then applies)', async () => {
  const client = newClient({ timeoutMs: 1_000 });
  const order = await client.evaluate(declined());

  faults.set('getOrder', [3_000]);
  const read = await client.getOrder(order.orderId);
  assert.equal(read.id, order.orderId);
  assert.deepEqual(
    retries.filter((r) => r.operation === 'getOrder').map((r) => r.reason),
    ['timeout'],
  );

  faults.set('refundOrder', [3_000]);
  const error = await rejection(
    client.refund(order.orderId, { amountToRefund: 2 }),
    FlexFactorTransportError,
  );
  assert.equal(error.kind, 'timeout');
  assert.equal(error.attempts, 1);
  assert.equal(count('refundOrder'), 1, 'not repeated');
  // The lost answer is exactly why refunds are not repeated: the server still refunds, once.
  let refunded = 0;
  for (let i = 0; i < 150 && refunded === 0; i++) {
    await new Promise((done) => setTimeout(done, 100));
    refunded = (await client.getOrder(order.orderId)).refundedAmount;
  }
  assert.equal(refunded, 200);
});

test('a refused connection is retried for reads, then reported as a network failure', async () => {
  const spare = await listen(makeApp().app, { port: 0 });
  await spare.close(0);
  const client = newClient({ baseUrl: `${spare.url}/v1`, maxRetries: 1, tokenCache: memoryTokenCache('t') });
  const error = await rejection(client.getOrder('x'), FlexFactorTransportError);
  assert.equal(error.kind, 'network');
  assert.equal(error.attempts, 2);
});

test('a validation error carries the six-digit code and the field errors, and is not retried', async () => {
  const client = newClient();
  const error = await rejection(
    client.evaluate(declined(TEST_CARDS.approved, { orderId: '' })),
    FlexFactorError,
  );
  assert.equal(error.status, 400);
  assert.equal(error.code, '400001');
  // An empty string counts as missing, as ASP.NET's [Required] has it (the sandbox's observed message).
  assert.deepEqual(error.errors.OrderId, ["Merchant's orderId is required"]);
  assert.match(String(error.traceId), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  assert.equal(error.attempts, 1);
});

test('the order life cycle through the client: tokenize, evaluate, read, capture, refund, list, poll, cancel', async () => {
  const client = newClient();
  const vaulted = await client.tokenize({
    payment_method: {
      credit_card: {
        first_name: 'Cure',
        last_name: 'Tester',
        number: TEST_CARDS.visaAuthorization,
        verification_value: '123',
        month: '09',
        year: '2030',
      },
    },
  });
  const token = vaulted.transaction.payment_method.token;
  const decision = await client.evaluate(
    declined(token, {
      transactionType: 'AUTHORIZATION',
      paymentMethod: { cardNumber: token, token: true },
    }),
  );
  assert.equal(decision.status, 'CAPTUREREQUIRED');
  assert.equal((await client.getOrder(decision.orderId)).statusName, 'CAPTUREREQUIRED');
  const captured = await client.capture({ orderId: decision.orderId, amount: 1500, currency: 'USD' });
  assert.equal(captured.status, 'SUCCESS');

  const refund = await client.refund(decision.orderId, {
    amountToRefund: 5.25,
    refundMessage: 'Customer request',
  });
  assert.equal(refund.status, 'SUCCESS');
  const tooMuch = await client.refund(decision.orderId, { amountToRefund: 100 });
  assert.deepEqual(
    [tooMuch.status, tooMuch.responseCode],
    ['FAILED', '2001'],
    'a FAILED refund is an answer',
  );

  const page = await client.listOrders({ status: [7], query: decision.orderId });
  assert.deepEqual(
    page.items.map((o) => [o.id, o.refundedAmount]),
    [[decision.orderId, 525]],
  );
  assert.equal((await client.outcome(decision.orderId)).status, 'APPROVED');

  const conflict = await rejection(client.cancel(decision.orderId), FlexFactorError);
  assert.deepEqual([conflict.status, conflict.code], [409, '409003']);

  const second = declined(TEST_CARDS.captureRequired);
  const pending = await client.evaluate(second);
  await client.externalCancel(second.orderId);
  assert.equal((await client.getOrder(pending.orderId)).statusName, 'CANCELLED');

  const copy = await client.transmit({
    isDeclined: false,
    orderId: 'COPY-1',
    transaction: second.transaction,
  });
  assert.equal(typeof copy.transmitId, 'string');
  assert.deepEqual(mock.app.mock.violations, [], 'every answer conformed to contracts/openapi.yaml');
});

test('cancel accepts the empty 200 body the real API sends', async () => {
  const client = new FlexFactorClient({
    baseUrl: 'http://127.0.0.1:9/v1',
    appKey: 'k',
    appSecret: 's',
    tokenCache: memoryTokenCache('t'),
    fetch: async () => new Response('', { status: 200 }),
  });
  assert.equal(await client.cancel('order-1'), undefined);
});

test('contracts/client/types.gen.ts is what scripts/generate-client-types.ts makes from contracts/openapi.yaml', () => {
  assert.equal(
    readFileSync(OUTPUT_PATH, 'utf8'),
    generateClientTypes(),
    'stale: run `node --import tsx scripts/generate-client-types.ts`',
  );
});
