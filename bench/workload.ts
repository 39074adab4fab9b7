// The mock's side of the benchmark workload, shared by bench/run.ts and bench/memory.ts: credentials, a vaulted card,
// and a fresh evaluate body per request (unique orderId, idempotencyKey and transaction id).

import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import { type Probe, sendExpecting } from './http.js';

export const PLACEHOLDER_GUID = '00000000-0000-4000-8000-00000000beef';

/** What a target needs before its loads: headers for evaluate and the path of the order to GET. */
export interface Prepared {
  headers: Record<string, string>;
  orderPath: string;
}

/** The billing address of every benchmark order. */
export const BILLING = {
  firstName: 'Bench',
  lastName: 'Runner',
  country: 'United States',
  countryCode: 'US',
  addressLine1: '1 Main St',
  city: 'San Francisco',
  state: 'CA',
  zipCode: '94111',
};

/** Values the mock hands out (bearer token, vaulted card), reused for Prism's evaluate bodies. */
export const session = { bearer: `Bearer ${PLACEHOLDER_GUID}`, cardToken: PLACEHOLDER_GUID };

let requestCounter = 0;

/** A new number for ids that must differ on every request. */
export function nextRequestNumber(): number {
  requestCounter += 1;
  return requestCounter;
}

export function guid(prefix: string, n: number): string {
  return `${prefix}-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** A fresh evaluate body: unique orderId, idempotencyKey and transaction id on every call. */
export function evaluateBody(): string {
  const n = nextRequestNumber();
  return JSON.stringify({
    orderId: guid('0bde0000', n),
    idempotencyKey: guid('1de70000', n),
    isDeclined: true,
    isMIT: false,
    mid: DEFAULT_MERCHANT.mid,
    transaction: {
      id: `tx-${n}`,
      amount: 1500,
      currency: 'USD',
      timestampUtc: '2026-06-12T14:30:00Z',
      responseCode: '05',
      responseCodeSource: 'NMI',
      avsResultCode: 'M',
      cvvResultCode: 'M',
      cavvResultCode: 'NA',
    },
    payer: { email: 'bench@example.com' },
    billingInformation: BILLING,
    paymentMethod: { cardNumber: session.cardToken, token: true },
  });
}

export const TOKEN_PROBE: Probe = {
  method: 'POST',
  path: '/v1/oauth2/token',
  body: { AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret },
};

export function evaluateHeaders(): Record<string, string> {
  return { authorization: session.bearer, 'content-type': 'application/json', accept: 'application/json' };
}

/** Token, vaulted card, one APPROVED evaluate (the order the GET load reads) — each must answer 200. */
/** The tokenize call every bench makes once per session: the approved test card, in ActiveMerchant's shape. */
export const TOKENIZE_PATH = `/v1/tokenize?mid=${DEFAULT_MERCHANT.mid}&environment=${DEFAULT_MERCHANT.tokenizationKey}`;
export const TOKENIZE_BODY = {
  payment_method: {
    credit_card: {
      first_name: 'Bench',
      last_name: 'Runner',
      number: TEST_CARDS.approved,
      verification_value: '123',
      month: '12',
      year: '2030',
    },
  },
};

export async function prepareMock(origin: string): Promise<Prepared> {
  const token = (await sendExpecting(origin, TOKEN_PROBE)) as { accessToken?: string };
  if (!token.accessToken) throw new Error(`oauth2/token answered no accessToken: ${JSON.stringify(token)}`);
  session.bearer = `Bearer ${token.accessToken}`;

  const vaulted = (await sendExpecting(origin, {
    method: 'POST',
    path: TOKENIZE_PATH,
    body: TOKENIZE_BODY,
  })) as { transaction?: { payment_method?: { token?: string } } };
  const cardToken = vaulted.transaction?.payment_method?.token;
  if (!cardToken)
    throw new Error(`tokenize answered no transaction.payment_method.token: ${JSON.stringify(vaulted)}`);
  session.cardToken = cardToken;

  return { headers: evaluateHeaders(), orderPath: await freshOrderPath(origin) };
}

/**
 * One APPROVED evaluate and the path to read it back. Called again right before the GET load: the evaluate load
 * creates more orders than the mock keeps (--max-orders), so an order made before it has been forgotten by then.
 */
export async function freshOrderPath(origin: string): Promise<string> {
  const sample = (await sendExpecting(origin, {
    method: 'POST',
    path: '/v1/evaluate',
    headers: { authorization: session.bearer },
    body: JSON.parse(evaluateBody()),
  })) as { status?: string; orderId?: string };
  if (sample.status !== 'APPROVED' || !sample.orderId) {
    throw new Error(`sample evaluate is not APPROVED with an orderId: ${JSON.stringify(sample)}`);
  }
  const orderPath = `/v1/orders/${sample.orderId}`;
  await sendExpecting(origin, { method: 'GET', path: orderPath, headers: { authorization: session.bearer } });
  return orderPath;
}
