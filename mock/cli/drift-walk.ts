// The drift walk: the reference client's flows (token, tokenize, evaluate per outcome with the sandbox's observed
// cards, transmit, capture, order, refund, cancel, errors) as a table of steps, each sent to both sides with the same
// inputs. Earlier steps keep what later ones need (the token, order ids) in a per-side context.

import { randomUUID } from 'node:crypto';
import { TEST_CARDS } from '../domain/outcomes.js';

export interface Context {
  token?: string;
  orders: Record<string, string>;
}

export interface Creds {
  appKey: string;
  appSecret: string;
  mid: string;
  tokenizationKey?: string;
}

export interface Step {
  name: string;
  operationId: string;
  method: 'GET' | 'POST';
  path: (c: Context, creds: Creds) => string;
  body?: (c: Context, creds: Creds) => unknown;
  /** `true`: the Bearer token; `'tokenization'`: the query key when there is one, else the Bearer token. */
  auth?: boolean | 'tokenization';
  /** Remember something of the answer for later steps. */
  keep?: (c: Context, body: unknown) => void;
}

const evaluateBody = (
  mid: string,
  card: string,
  flow: { isMIT: boolean; authorization?: boolean; phone?: boolean },
) => ({
  idempotencyKey: randomUUID(),
  mid,
  orderId: `DRIFT-${randomUUID()}`,
  isDeclined: true,
  isMIT: flow.isMIT,
  isRecurring: false,
  transactionType: flow.authorization ? 'AUTHORIZATION' : 'PURCHASE',
  transaction: {
    id: randomUUID(),
    amount: 1500,
    currency: 'USD',
    timestampUtc: new Date().toISOString(),
    responseCode: '05',
    responseCodeSource: 'NMI',
  },
  payer: { email: 'drift@example.com', ...(flow.phone ? { phone: '998888' } : {}) },
  billingInformation: {
    firstName: 'Drift',
    lastName: 'Check',
    country: 'United States',
    countryCode: 'US',
    addressLine1: '123 Main St.',
    city: 'San Francisco',
    state: 'CA',
    zipCode: '94111',
  },
  paymentMethod: { cardNumber: card, token: false, expirationMonth: 9, expirationYear: 2030 },
});

const orderIdOf = (body: unknown) => String((body as { orderId?: unknown })?.orderId ?? '');

/** Only the sandbox's observed cards: the invented test cards mean nothing to the real API. */
const VISA = TEST_CARDS.visa;
const VISA_AUTH = TEST_CARDS.visaAuthorization;

/** Tokenize's query credentials, or nothing when it authenticates with the Bearer token. */
const tokenizeQuery = (k: Creds) =>
  k.tokenizationKey
    ? `?${new URLSearchParams({ mid: k.mid, environment: k.tokenizationKey }).toString()}`
    : '';

export const WALK: Step[] = [
  {
    name: 'token',
    operationId: 'createToken',
    method: 'POST',
    path: () => '/v1/oauth2/token',
    body: (_c, k) => ({ AppKey: k.appKey, AppSecret: k.appSecret }),
    keep: (c, b) => {
      c.token = String((b as { accessToken?: unknown })?.accessToken ?? '');
    },
  },
  {
    name: 'token with a wrong secret',
    operationId: 'createToken',
    method: 'POST',
    path: () => '/v1/oauth2/token',
    body: (_c, k) => ({ AppKey: k.appKey, AppSecret: 'drift-wrong-secret' }),
  },
  {
    name: 'tokenize',
    operationId: 'tokenize',
    method: 'POST',
    path: (_c, k) => `/v1/tokenize${tokenizeQuery(k)}`,
    body: () => ({
      payment_method: {
        credit_card: {
          first_name: 'Drift',
          last_name: 'Check',
          number: VISA,
          verification_value: '123',
          month: '09',
          year: '2030',
        },
      },
    }),
    auth: 'tokenization',
  },
  ...(
    [
      ['evaluate → CAPTUREREQUIRED', VISA_AUTH, { isMIT: false, authorization: true }, 'authorized'],
      ['evaluate → APPROVED', VISA_AUTH, { isMIT: true }, 'approved'],
      ['evaluate → CHALLENGE', VISA, { isMIT: false, phone: true }, 'challenge'],
      ['evaluate → DECLINED', VISA, { isMIT: false }, 'declined'],
      ['evaluate → SUBMITTED', VISA, { isMIT: true }, 'submitted'],
      [
        'evaluate → CAPTUREREQUIRED (to cancel)',
        VISA_AUTH,
        { isMIT: false, authorization: true },
        'toCancel',
      ],
    ] as const
  ).map(
    ([name, card, flow, key]): Step => ({
      name,
      operationId: 'evaluate',
      method: 'POST',
      path: () => '/v1/evaluate',
      body: (_c, k) => evaluateBody(k.mid, card, flow),
      auth: true,
      keep: (c, b) => {
        c.orders[key] = orderIdOf(b);
      },
    }),
  ),
  {
    name: 'transmit',
    operationId: 'transmit',
    method: 'POST',
    path: () => '/v1/transmit',
    body: (_c, k) => {
      const {
        paymentMethod: _card,
        idempotencyKey: _key,
        ...rest
      } = evaluateBody(k.mid, VISA, { isMIT: false });
      return {
        ...rest,
        isDeclined: false,
        transaction: { ...rest.transaction, responseCode: '00', responseStatus: 'APPROVED' },
        paymentMethod: {
          cardBinNumber: '411111',
          cardLast4Digits: '1111',
          expirationMonth: 9,
          expirationYear: 2030,
        },
      };
    },
    auth: true,
  },
  {
    name: 'capture',
    operationId: 'captureOrder',
    method: 'POST',
    path: () => '/v1/capture',
    body: (c) => ({
      idempotencyKey: randomUUID(),
      orderId: c.orders.authorized,
      amount: 1500,
      currency: 'USD',
    }),
    auth: true,
  },
  {
    name: 'get order',
    operationId: 'getOrder',
    method: 'GET',
    path: (c) => `/v1/orders/${c.orders.approved}`,
    auth: true,
  },
  {
    name: 'refund part',
    operationId: 'refundOrder',
    method: 'POST',
    path: (c) => `/v1/orders/${c.orders.approved}/refund`,
    body: () => ({ amountToRefund: 5, refundMessage: 'drift check' }),
    auth: true,
  },
  {
    name: 'cancel',
    operationId: 'cancelOrder',
    method: 'POST',
    path: (c) => `/v1/orders/${c.orders.toCancel}/cancel`,
    body: () => ({ idempotencyKey: randomUUID() }),
    auth: true,
  },
  {
    name: 'evaluate with a missing field (400)',
    operationId: 'evaluate',
    method: 'POST',
    path: () => '/v1/evaluate',
    body: (_c, k) => {
      const { transaction: _dropped, ...rest } = evaluateBody(k.mid, VISA, { isMIT: false });
      return rest;
    },
    auth: true,
  },
  {
    name: 'unknown order (404)',
    operationId: 'getOrder',
    method: 'GET',
    path: () => '/v1/orders/00000000-0000-4000-8000-000000000000',
    auth: true,
  },
  {
    name: 'no token (401)',
    operationId: 'getOrder',
    method: 'GET',
    path: (c) => `/v1/orders/${c.orders.approved}`,
  },
];
