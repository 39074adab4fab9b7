// Conformance through Prism: a generated walk through every operation of contracts/openapi.yaml — its happy path,
// the documented error statuses a request can trigger (400, 401, 403, 404, 409), and the transport statuses
// (429, 500, 502, 503, 504, injected by a hook of this file) — sent through `prism proxy contracts/openapi.yaml
// <mock> --errors`, which turns any response that violates the contract into a 500 listing the violations. Every
// request must reach the mock (a Prism-generated 422/401/405 means the walk itself was wrong) and come back clean.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_MERCHANT, DEFAULT_PARTNER, SECOND_MERCHANT } from '../mock/domain/accounts.js';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import { apiError, type ErrorCode } from '../mock/errors/catalog.js';
import { PARTNER_OPERATIONS } from '../mock/http/routes.js';
import { listen, type RunningServer } from '../mock/http/server.js';
import type { RequestHooks } from '../mock/http/types.js';
import { BILLING, makeApp, PAYER, type TestApp } from './helpers.js';
import { startPrismProxy } from './prism.js';
import {
  bindExample,
  contractRequestExamples,
  EXAMPLE_IDS,
  examplePath,
  type Live,
} from './request-examples.js';

const FAULT_HEADER = 'x-walk-fault';
const BREAK_HEADER = 'x-walk-break';
const FAULTS: ErrorCode[] = ['429001', '500001', '502001', '503001', '504001'];
const HOUR = 3_600_000;

/** Transport faults on request (before authentication), and one deliberately broken answer for the control. */
const walkHook: RequestHooks = {
  name: 'prism-walk',
  onRequest(req) {
    const code = req.get(FAULT_HEADER) as ErrorCode | undefined;
    if (!code) return;
    const retry = code === '429001' || code === '503001' ? { headers: { 'Retry-After': '1' } } : {};
    throw apiError(code, retry);
  },
  afterHandler(ctx, reply) {
    if (!ctx.req.get(BREAK_HEADER)) return reply;
    return { ...reply, body: { ...(reply.body as object), status: 'MAYBE' } };
  },
};

let mock: TestApp;
let upstream: RunningServer;
let proxy: string;
let stopPrism: (() => Promise<void>) | undefined;

before(async () => {
  mock = makeApp({ hooks: [walkHook], validateResponses: false });
  upstream = await listen(mock.app, { port: 0 });
  const started = await startPrismProxy('contracts/openapi.yaml', upstream.url);
  proxy = started.url;
  stopPrism = started.stop;
});

after(async () => {
  await stopPrism?.();
  await upstream?.close(1_000);
});

type Who = 'merchant' | 'partner' | 'bad-token' | 'none';

interface Call {
  op: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  who: Who;
  body?: unknown;
  /** A multipart body (document upload), built fresh per send. */
  form?: () => FormData;
  expect: number;
  headers?: Record<string, string>;
}

interface Sent {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: walk steps read ids out of JSON answers.
  body: any;
  contentType: string;
}

const tokens: Record<'merchant' | 'partner', string> = { merchant: '', partner: '' };
const problems: string[] = [];
const covered = new Map<string, Set<number>>();
/** The first successful request of each operation, replayed with every transport fault. */
const valid = new Map<string, Call>();

async function send(call: Call): Promise<Sent> {
  const headers: Record<string, string> = { accept: 'application/json', ...call.headers };
  if (call.who === 'merchant' || call.who === 'partner') headers.authorization = `Bearer ${tokens[call.who]}`;
  if (call.who === 'bad-token') headers.authorization = 'Bearer not.a.token';
  let body: string | FormData | undefined;
  if (call.form) body = call.form();
  else if (call.body !== undefined) {
    body = JSON.stringify(call.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${proxy}${call.path}`, { method: call.method, headers, body });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: reported below if the status is wrong.
  }
  const label = `${call.method} ${call.path} (${call.op}, ${call.who}${call.headers?.[FAULT_HEADER] ? `, ${call.headers[FAULT_HEADER]}` : ''})`;
  const type = (parsed as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && type.startsWith('https://stoplight.io/prism/errors')) {
    problems.push(`${label}: Prism answered ${res.status} itself: ${text.slice(0, 600)}`);
  } else if (res.status !== call.expect) {
    problems.push(`${label}: expected ${call.expect}, got ${res.status}: ${text.slice(0, 300)}`);
  }
  const violations = res.headers.get('sl-violations');
  if (violations) problems.push(`${label}: sl-violations ${violations}`);
  if (res.status === call.expect) {
    const seen = covered.get(call.op) ?? new Set<number>();
    seen.add(res.status);
    covered.set(call.op, seen);
    if (call.expect < 300 && !valid.has(call.op)) valid.set(call.op, call);
  }
  return { status: res.status, body: parsed, contentType };
}

async function login(): Promise<void> {
  for (const [who, account] of [
    ['merchant', DEFAULT_MERCHANT],
    ['partner', DEFAULT_PARTNER],
  ] as const) {
    const res = await send({
      op: 'createToken',
      method: 'POST',
      path: '/v1/oauth2/token',
      who: 'none',
      body: { AppKey: account.appKey, AppSecret: account.appSecret },
      expect: 200,
    });
    tokens[who] = res.body?.accessToken ?? '';
  }
}

let counter = 0;
function evaluateBody(card: string, extra: Record<string, unknown> = {}) {
  counter += 1;
  return {
    isDeclined: true,
    isMIT: false,
    mid: DEFAULT_MERCHANT.mid,
    orderId: `WALK-${counter}`,
    idempotencyKey: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    transaction: { id: `tx-${counter}`, amount: 1500, currency: 'USD', timestampUtc: '2026-06-01T11:59:00Z' },
    payer: { ...PAYER, phone: '+1 555 0100' },
    billingInformation: BILLING,
    paymentMethod: { cardNumber: card, token: false },
    ...extra,
  };
}

/** The contract's request example of an operation, bound to the walk's objects. */
function example(op: string, live: Live = {}): Record<string, unknown> {
  const found = contractRequestExamples().get(op);
  assert.ok(found, `contracts/openapi.yaml has no request example for ${op}`);
  return bindExample(found, live);
}

function pdf(): FormData {
  const form = new FormData();
  form.append('documentType', 'ID');
  form.append('description', 'Passport of the primary contact');
  form.append('document', new Blob([Buffer.from('%PDF-1.4 walk')], { type: 'application/pdf' }), 'id.pdf');
  return form;
}

/** The happy walk: every operation answers 2xx at least once, in an order that builds the state it needs. */
async function happyWalk(): Promise<void> {
  await login();
  const tokenized = await send({
    op: 'tokenize',
    method: 'POST',
    path: `/v1/tokenize?mid=${DEFAULT_MERCHANT.mid}&environment=${DEFAULT_MERCHANT.tokenizationKey}`,
    who: 'none',
    body: example('tokenize', { card: TEST_CARDS.visa }),
    expect: 200,
  });
  const cardToken = tokenized.body?.transaction?.payment_method?.token;
  const approved = await send({
    op: 'evaluate',
    method: 'POST',
    path: '/v1/evaluate',
    who: 'merchant',
    body: evaluateBody(cardToken, { paymentMethod: { cardNumber: cardToken, token: true } }),
    expect: 200,
  });
  const approvedId: string = approved.body?.orderId;
  const authorized = await send({
    op: 'evaluate',
    method: 'POST',
    path: '/v1/evaluate',
    who: 'merchant',
    body: evaluateBody(TEST_CARDS.captureRequired),
    expect: 200,
  });
  const authorizedId: string = authorized.body?.orderId;
  const second = evaluateBody(TEST_CARDS.captureRequired);
  const toCancel = await send({
    op: 'evaluate',
    method: 'POST',
    path: '/v1/evaluate',
    who: 'merchant',
    body: second,
    expect: 200,
  });
  const third = evaluateBody(TEST_CARDS.captureRequired);
  await send({
    op: 'evaluate',
    method: 'POST',
    path: '/v1/evaluate',
    who: 'merchant',
    body: third,
    expect: 200,
  });
  for (const card of [TEST_CARDS.declined, TEST_CARDS.submitted, TEST_CARDS.challenge]) {
    await send({
      op: 'evaluate',
      method: 'POST',
      path: '/v1/evaluate',
      who: 'merchant',
      body: evaluateBody(card),
      expect: 200,
    });
  }
  await send({
    op: 'transmit',
    method: 'POST',
    path: '/v1/transmit',
    who: 'merchant',
    body: example('transmit'),
    expect: 200,
  });
  await send({
    op: 'getOutcome',
    method: 'POST',
    path: '/v1/outcome',
    who: 'merchant',
    body: { orderSessionKey: approvedId },
    expect: 200,
  });
  await send({
    op: 'getOutcome',
    method: 'POST',
    path: '/v1/outcome',
    who: 'merchant',
    body: { orderSessionKey: 'nope' },
    expect: 200,
  });
  await send({
    op: 'captureOrder',
    method: 'POST',
    path: '/v1/capture',
    who: 'merchant',
    body: { idempotencyKey: 'cap-1', orderId: authorizedId, amount: 1500, currency: 'USD' },
    expect: 200,
  });
  await send({
    op: 'captureOrder',
    method: 'POST',
    path: '/v1/capture',
    who: 'merchant',
    body: { idempotencyKey: 'cap-2', orderId: authorizedId, amount: 1500, currency: 'USD' },
    expect: 200, // a second capture is a FAILED answer
  });
  for (const amountToRefund of [5.25, 100]) {
    await send({
      op: 'refundOrder',
      method: 'POST',
      path: `/v1/orders/${approvedId}/refund`,
      who: 'merchant',
      body: { amountToRefund, refundMessage: 'Customer request' },
      expect: 200, // SUCCESS, then FAILED 2001
    });
  }
  await send({
    op: 'cancelOrder',
    method: 'POST',
    path: `/v1/orders/${toCancel.body?.orderId}/cancel`,
    who: 'merchant',
    body: {},
    expect: 200,
  });
  await send({
    op: 'externalCancelOrder',
    method: 'POST',
    path: `/v1/orders/${third.orderId}/external-cancel`,
    who: 'merchant',
    expect: 200,
  });
  await send({
    op: 'listOrders',
    method: 'GET',
    path: '/v1/orders?status=7&status=2&pageSize=5&sort=asc',
    who: 'merchant',
    expect: 200,
  });
  await send({ op: 'listOrders', method: 'GET', path: '/v1/orders', who: 'merchant', expect: 200 });

  // Partner endpoints.
  const key = await send({
    op: 'createApiKey',
    method: 'POST',
    path: '/v1/api-keys',
    who: 'partner',
    body: example('createApiKey'),
    expect: 200,
  });
  await send({
    op: 'getApiKey',
    method: 'GET',
    path: `/v1/api-keys/${key.body?.id}`,
    who: 'partner',
    expect: 200,
  });
  await send({
    op: 'getApiKey',
    method: 'GET',
    path: `/v1/api-keys/${DEFAULT_MERCHANT.mid}`,
    who: 'partner',
    expect: 200,
  });
  await send({
    op: 'deleteApiKey',
    method: 'DELETE',
    path: `/v1/api-keys/${key.body?.id}`,
    who: 'partner',
    expect: 200,
  });
  await send({
    op: 'listMerchants',
    method: 'GET',
    path: '/v1/merchants?pageSize=1&pageNumber=2',
    who: 'partner',
    expect: 200,
  });
  const application = await send({
    op: 'createApplication',
    method: 'POST',
    path: '/v1/onboarding/application',
    who: 'partner',
    body: example('createApplication'),
    expect: 200,
  });
  const appId: string = application.body?.id;
  const invited = await send({
    op: 'inviteApplicant',
    method: 'POST',
    path: '/v1/onboarding/application/invite',
    who: 'partner',
    body: example('inviteApplicant'),
    expect: 200,
  });
  await send({
    op: 'updateApplication',
    method: 'PUT',
    path: `/v1/onboarding/application/${appId}`,
    who: 'partner',
    body: example('updateApplication'),
    expect: 200,
  });
  const upload = await send({
    op: 'uploadDocument',
    method: 'POST',
    path: `/v1/onboarding/application/${appId}/documents`,
    who: 'partner',
    form: pdf,
    expect: 200,
  });
  const documentId: string = upload.body?.uploadedDocumentId;
  await send({
    op: 'listDocuments',
    method: 'GET',
    path: `/v1/onboarding/application/${appId}/documents`,
    who: 'partner',
    expect: 200,
  });
  await send({
    op: 'getDocument',
    method: 'GET',
    path: `/v1/onboarding/application/${appId}/documents/${documentId}`,
    who: 'partner',
    expect: 200,
  });
  await send({
    op: 'submitApplication',
    method: 'POST',
    path: `/v1/onboarding/application/${appId}/submit`,
    who: 'partner',
    expect: 200,
  });
  await send({
    op: 'cancelApplication',
    method: 'POST',
    path: `/v1/onboarding/application/${invited.body?.id}/cancel`,
    who: 'partner',
    expect: 200,
  });
  mock.app.mock.clock.advance(HOUR); // the invented review approves a submitted application after 1 hour
  await login();
  await send({
    op: 'getApplication',
    method: 'GET',
    path: `/v1/onboarding/application/${appId}`,
    who: 'partner',
    expect: 200,
  });
  await send({
    op: 'listApplications',
    method: 'GET',
    path: '/v1/onboarding/application/list?status=APPROVED&sortBy=dba&sortOrder=asc',
    who: 'partner',
    expect: 200,
  });
  await send({
    op: 'convertApplication',
    method: 'POST',
    path: `/v1/onboarding/application/${appId}/convert`,
    who: 'partner',
    expect: 200,
  });
  await send({
    op: 'deleteDocument',
    method: 'DELETE',
    path: `/v1/onboarding/application/${appId}/documents/${documentId}`,
    who: 'partner',
    expect: 200,
  });

  // Every operation the steps above did not reach (getOrder and getMerchant, and any new endpoint): the contract's
  // examples of its path and body, bound to the walk's objects.
  const live: Live = {
    order: authorizedId,
    ids: {
      [EXAMPLE_IDS.externalOrder]: third.orderId,
      [EXAMPLE_IDS.application]: appId,
      [EXAMPLE_IDS.apiKey]: DEFAULT_MERCHANT.mid,
      [EXAMPLE_IDS.document]: documentId,
    },
  };
  const doc = mock.app.mock.contract.document;
  for (const op of mock.app.mock.contract.operations.values()) {
    if (valid.has(op.id)) continue;
    await send({
      op: op.id,
      method: op.method as Call['method'],
      path: examplePath(doc, op.path, op.method, live),
      who: PARTNER_OPERATIONS.has(op.id) ? 'partner' : op.security === 'bearer' ? 'merchant' : 'none',
      ...(op.bodyType === 'json' ? { body: example(op.id, live) } : {}),
      expect: 200,
    });
  }

  // Error statuses a request can trigger, each answered by the mock (schema-valid requests only).
  const unknown = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
  const errorCalls: Call[] = [
    {
      op: 'createToken',
      method: 'POST',
      path: '/v1/oauth2/token',
      who: 'none',
      body: { AppKey: 'x', AppSecret: 'y' },
      expect: 400,
    },
    {
      op: 'tokenize',
      method: 'POST',
      path: `/v1/tokenize?mid=${DEFAULT_MERCHANT.mid}&environment=wrong`,
      who: 'none',
      body: {
        payment_method: {
          credit_card: {
            first_name: 'A',
            last_name: 'B',
            number: TEST_CARDS.visa,
            month: '09',
            year: '2030',
          },
        },
      },
      expect: 400,
    },
    {
      op: 'evaluate',
      method: 'POST',
      path: '/v1/evaluate',
      who: 'merchant',
      body: evaluateBody(TEST_CARDS.approved, { transaction: { id: 't', amount: 5, currency: 'USD' } }),
      expect: 400,
    },
    {
      op: 'evaluate',
      method: 'POST',
      path: '/v1/evaluate',
      who: 'merchant',
      body: evaluateBody(TEST_CARDS.approved, { mid: SECOND_MERCHANT.mid }),
      expect: 403,
    },
    {
      op: 'evaluate',
      method: 'POST',
      path: '/v1/evaluate',
      who: 'merchant',
      body: { ...second, orderId: 'OTHER' },
      expect: 409,
    },
    {
      op: 'transmit',
      method: 'POST',
      path: '/v1/transmit',
      who: 'merchant',
      body: {
        isDeclined: false,
        mid: SECOND_MERCHANT.mid,
        orderId: 'C',
        transaction: { id: 'c', amount: 10, currency: 'USD' },
      },
      expect: 403,
    },
    {
      op: 'transmit',
      method: 'POST',
      path: '/v1/transmit',
      who: 'merchant',
      body: { isDeclined: false, orderId: 'C', transaction: { id: 'c', amount: 19.99, currency: 'USD' } },
      expect: 400,
    },
    {
      op: 'getOutcome',
      method: 'POST',
      path: '/v1/outcome',
      who: 'merchant',
      body: { orderSessionKey: approvedId, mid: SECOND_MERCHANT.mid },
      expect: 403,
    },
    {
      op: 'createToken',
      method: 'POST',
      path: '/v1/oauth2/token',
      who: 'none',
      body: { AppKey: 'k'.repeat(1_100_000), AppSecret: 's' },
      expect: 413,
    },
    { op: 'listOrders', method: 'GET', path: '/v1/orders?from=yesterday', who: 'merchant', expect: 400 },
    {
      op: 'listOrders',
      method: 'GET',
      path: `/v1/orders?mid=${SECOND_MERCHANT.mid}`,
      who: 'merchant',
      expect: 403,
    },
    { op: 'getOrder', method: 'GET', path: `/v1/orders/${unknown}`, who: 'merchant', expect: 404 },
    {
      op: 'captureOrder',
      method: 'POST',
      path: '/v1/capture',
      who: 'merchant',
      body: { idempotencyKey: 'cap-3', orderId: authorizedId, amount: 15.5, currency: 'USD' },
      expect: 400,
    },
    {
      op: 'captureOrder',
      method: 'POST',
      path: '/v1/capture',
      who: 'merchant',
      body: { idempotencyKey: 'cap-4', orderId: unknown, amount: 1500, currency: 'USD' },
      expect: 404,
    },
    {
      op: 'captureOrder',
      method: 'POST',
      path: '/v1/capture',
      who: 'merchant',
      body: { idempotencyKey: 'cap-1', orderId: authorizedId, amount: 1400, currency: 'USD' },
      expect: 409,
    },
    {
      op: 'refundOrder',
      method: 'POST',
      path: `/v1/orders/${approvedId}/refund`,
      who: 'merchant',
      body: { amountToRefund: 0 },
      expect: 400,
    },
    {
      op: 'refundOrder',
      method: 'POST',
      path: `/v1/orders/${approvedId}/refund`,
      who: 'merchant',
      body: { amountToRefund: 1, mid: SECOND_MERCHANT.mid },
      expect: 403,
    },
    {
      op: 'captureOrder',
      method: 'POST',
      path: '/v1/capture',
      who: 'merchant',
      body: {
        idempotencyKey: 'cap-5',
        orderId: authorizedId,
        amount: 1500,
        currency: 'USD',
        mid: SECOND_MERCHANT.mid,
      },
      expect: 403,
    },
    {
      op: 'cancelOrder',
      method: 'POST',
      path: `/v1/orders/${approvedId}/cancel`,
      who: 'merchant',
      body: { mid: SECOND_MERCHANT.mid },
      expect: 403,
    },
    {
      op: 'externalCancelOrder',
      method: 'POST',
      path: '/v1/orders/WALK-1/external-cancel',
      who: 'merchant',
      body: { mid: SECOND_MERCHANT.mid },
      expect: 403,
    },
    {
      op: 'updateApplication',
      method: 'PUT',
      path: `/v1/onboarding/application/${unknown}`,
      who: 'partner',
      body: { Dba: 'X' },
      expect: 404,
    },
    {
      op: 'refundOrder',
      method: 'POST',
      path: `/v1/orders/${unknown}/refund`,
      who: 'merchant',
      body: { amountToRefund: 1 },
      expect: 404,
    },
    {
      op: 'cancelOrder',
      method: 'POST',
      path: `/v1/orders/${unknown}/cancel`,
      who: 'merchant',
      body: {},
      expect: 404,
    },
    {
      op: 'cancelOrder',
      method: 'POST',
      path: `/v1/orders/${approvedId}/cancel`,
      who: 'merchant',
      body: {},
      expect: 409,
    },
    {
      op: 'externalCancelOrder',
      method: 'POST',
      path: '/v1/orders/NO-SUCH-ORDER/external-cancel',
      who: 'merchant',
      expect: 404,
    },
    {
      op: 'externalCancelOrder',
      method: 'POST',
      path: `/v1/orders/WALK-1/external-cancel`,
      who: 'merchant',
      body: {},
      expect: 409,
    },
    {
      op: 'createApiKey',
      method: 'POST',
      path: '/v1/api-keys',
      who: 'partner',
      body: { mid: '11111111-2222-4333-8444-555555555555', name: 'x', type: 'secret' },
      expect: 403,
    },
    { op: 'getApiKey', method: 'GET', path: `/v1/api-keys/${unknown}`, who: 'partner', expect: 404 },
    { op: 'deleteApiKey', method: 'DELETE', path: `/v1/api-keys/${unknown}`, who: 'partner', expect: 200 },
    { op: 'getMerchant', method: 'GET', path: `/v1/merchants/${unknown}`, who: 'partner', expect: 404 },
    {
      op: 'listApplications',
      method: 'GET',
      path: '/v1/onboarding/application/list?createdFrom=soon',
      who: 'partner',
      expect: 400,
    },
    {
      op: 'getApplication',
      method: 'GET',
      path: `/v1/onboarding/application/${unknown}`,
      who: 'partner',
      expect: 404,
    },
    {
      op: 'updateApplication',
      method: 'PUT',
      path: `/v1/onboarding/application/${appId}`,
      who: 'partner',
      body: { Dba: 'Late' },
      expect: 409,
    },
    {
      op: 'submitApplication',
      method: 'POST',
      path: `/v1/onboarding/application/${unknown}/submit`,
      who: 'partner',
      expect: 404,
    },
    {
      op: 'cancelApplication',
      method: 'POST',
      path: `/v1/onboarding/application/${unknown}/cancel`,
      who: 'partner',
      expect: 404,
    },
    {
      op: 'convertApplication',
      method: 'POST',
      path: `/v1/onboarding/application/${unknown}/convert`,
      who: 'partner',
      expect: 404,
    },
    {
      op: 'uploadDocument',
      method: 'POST',
      path: `/v1/onboarding/application/${unknown}/documents`,
      who: 'partner',
      form: pdf,
      expect: 404,
    },
    {
      op: 'listDocuments',
      method: 'GET',
      path: `/v1/onboarding/application/${unknown}/documents`,
      who: 'partner',
      expect: 404,
    },
    {
      op: 'getDocument',
      method: 'GET',
      path: `/v1/onboarding/application/${appId}/documents/document_999999`,
      who: 'partner',
      expect: 404,
    },
    {
      op: 'deleteDocument',
      method: 'DELETE',
      path: `/v1/onboarding/application/${appId}/documents/document_999999`,
      who: 'partner',
      expect: 404,
    },
  ];
  for (const call of errorCalls) await send(call);
}

test('every operation, its triggerable error statuses and every transport fault pass `prism proxy --errors`', async (t) => {
  await happyWalk();
  const operations = [...mock.app.mock.contract.operations.values()];
  const missing = operations.filter((op) => !valid.has(op.id)).map((op) => op.id);
  assert.deepEqual(missing, [], 'every operation answered 2xx through Prism');

  for (const op of operations) {
    const call = valid.get(op.id) as Call;
    // 401: a bearer operation with a token the mock did not issue.
    if (op.security === 'bearer') await send({ ...call, who: 'bad-token', expect: 401 });
    // 403: a partner operation with a merchant's token.
    if (call.who === 'partner') await send({ ...call, who: 'merchant', expect: 403 });
    for (const fault of FAULTS) {
      await send({ ...call, headers: { [FAULT_HEADER]: fault }, expect: Number(fault.slice(0, 3)) });
    }
  }
  assert.deepEqual(problems, [], problems.join('\n'));

  const summary = [...covered].map(([op, statuses]) => `${op}: ${[...statuses].sort().join(' ')}`);
  for (const op of operations) {
    const statuses = covered.get(op.id) ?? new Set();
    for (const status of [
      ...FAULTS.map((f) => Number(f.slice(0, 3))),
      ...(op.security === 'bearer' ? [401] : []),
    ]) {
      assert.ok(statuses.has(status), `${op.id} was walked with ${status}\n${summary.join('\n')}`);
    }
  }
  const errorStatuses = new Set(
    [...covered.values()].flatMap((s) => [...s]).filter((s) => s >= 400 && s < 410),
  );
  assert.deepEqual([...errorStatuses].sort(), [400, 401, 403, 404, 409]);

  // What the contract documents but no schema-valid request can reach through Prism (it answers 405, 413 and 415
  // itself, or the mock has no path to the status), for the record.
  const paths = mock.app.mock.contract.document.paths as Record<
    string,
    Record<string, { responses: object }>
  >;
  const notWalked = operations.flatMap((op) =>
    Object.keys(paths[op.path]?.[op.method]?.responses ?? {})
      .filter((s) => /^\d+$/.test(s) && !covered.get(op.id)?.has(Number(s)))
      .map((s) => `${op.id} ${s}`),
  );
  t.diagnostic(`documented but not walked: ${notWalked.join(', ')}`);
});

test('the check has teeth: an answer that breaks the contract comes back from Prism as a 500 naming the field', async () => {
  const res = await fetch(`${proxy}/v1/outcome`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${tokens.merchant}`,
      'content-type': 'application/json',
      [BREAK_HEADER]: '1',
    },
    body: JSON.stringify({ orderSessionKey: 'nope' }),
  });
  const text = await res.text();
  assert.equal(res.status, 500, text);
  assert.match(text, /status/);
  assert.match(text, /must be equal to one of the allowed values/);
});
