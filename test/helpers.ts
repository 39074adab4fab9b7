// Shared test fixtures: an app with response validation on and a frozen clock, tokens, and request builders.

import request from 'supertest';
import { DEFAULT_MERCHANT, type MerchantAccount } from '../mock/domain/accounts.js';
import type { Order } from '../mock/domain/order-states.js';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import type { ApplicationRecord } from '../mock/domain/partner-store.js';
import { createApp, type MockApp, type MockOptions } from '../mock/http/app.js';
import type { Logger } from '../mock/support/logger.js';

export const T0 = '2026-06-01T12:00:00.000Z';

export interface TestApp {
  app: MockApp;
  logs: string[];
}

/** A mock with a frozen clock at T0, every response checked against the contract, and logs captured. */
export function makeApp(options: MockOptions = {}): TestApp {
  const logs: string[] = [];
  const logger: Logger = {
    info: (m) => logs.push(`info ${m}`),
    warn: (m) => logs.push(`warn ${m}`),
    error: (m) => logs.push(`error ${m}`),
  };
  const app = createApp({ clock: { start: T0, frozen: true }, validateResponses: true, logger, ...options });
  return { app, logs };
}

export async function tokenFor(
  app: MockApp,
  account: MerchantAccount = DEFAULT_MERCHANT,
  session?: string,
): Promise<string> {
  const req = request(app).post('/v1/oauth2/token');
  if (session) req.set('x-mock-session', session);
  const res = await req.send({ AppKey: account.appKey, AppSecret: account.appSecret });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken as string;
}

let counter = 0;
/** A unique GUID-shaped string for idempotency keys and order ids. */
export function guid(): string {
  counter += 1;
  return `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
}

type Json = Record<string, unknown>;

/** The documented example payer and billing address, shared by every fixture that needs one. */
export const PAYER = { email: 'john@example.com' };
export const BILLING = {
  firstName: 'John',
  lastName: 'Doe',
  country: 'United States',
  countryCode: 'US',
  addressLine1: '123 Main St.',
  city: 'San Francisco',
  state: 'CA',
  zipCode: '94111',
};

/** A complete, valid CIT evaluate body (approved card, integer cents); `overrides` merge on top, shallowly per object. */
export function evaluateBody(overrides: Json = {}): Json {
  const base: Json = {
    isDeclined: true,
    isMIT: false,
    mid: DEFAULT_MERCHANT.mid,
    orderId: `ORDER-${guid()}`,
    idempotencyKey: guid(),
    transaction: {
      id: '3478613',
      amount: 1500,
      currency: 'USD',
      timestampUtc: '2026-06-01T11:59:00Z',
      responseCode: '05',
      responseCodeSource: 'NMI',
      avsResultCode: 'M',
      cvvResultCode: 'M',
      cavvResultCode: 'NA',
    },
    payer: { ...PAYER },
    billingInformation: { ...BILLING },
    paymentMethod: { cardNumber: TEST_CARDS.approved, token: false },
  };
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = base[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? { ...(current as Json), ...(value as Json) }
        : value;
  }
  return out;
}

/** POST /v1/evaluate with a bearer token. */
export function evaluate(app: MockApp, token: string, body: Json, session?: string) {
  const req = request(app).post('/v1/evaluate').set('authorization', `Bearer ${token}`);
  if (session) req.set('x-mock-session', session);
  return req.send(body);
}

/** A /v1/tokenize body for a card (the fact sheet's test cardholder, CVV 999 unless given). */
export function tokenizeBody(number: string, cvv = '999'): Record<string, unknown> {
  return {
    payment_method: {
      credit_card: {
        first_name: 'Cure',
        last_name: 'Tester',
        number,
        verification_value: cvv,
        month: '09',
        year: '2030',
      },
    },
  };
}

/** An approved order as the store keeps it (what evaluate builds), numbered `n`; `overrides` replace fields. */
export function storedOrder(n: number, overrides: Partial<Order> = {}): Order {
  return {
    id: `order-${n}`,
    session: 'default',
    mid: DEFAULT_MERCHANT.mid,
    externalOrderId: `EXT-${n}`,
    correlationId: null,
    referenceNumber: String(n),
    status: 7,
    reason: 'approved',
    evaluateStatus: 'APPROVED',
    createdOn: 0,
    expiryDate: null,
    isMIT: false,
    isRecurring: false,
    transactionType: 'PURCHASE',
    amount: 1500,
    currencyCode: 'USD',
    capturedAmount: 1500,
    refundedAmount: 0,
    billingAddress: {
      addressLine1: null,
      addressLine2: null,
      city: null,
      state: null,
      zipCode: null,
      country: 'US',
      countryCode: null,
    },
    shippingAddress: null,
    firstName: null,
    lastName: null,
    email: null,
    phone: null,
    card: { bin: null, last4: null, brand: null, tokenized: false },
    confirmationId: null,
    chargeback: false,
    history: [],
    refunds: [],
    schedule: [],
    ...overrides,
  };
}

/** An onboarding application as the store keeps it, with a Description of `size` characters. */
export function applicationRecord(id: string, size: number): ApplicationRecord {
  return {
    id,
    owner: DEFAULT_MERCHANT.mid,
    status: 'DRAFT',
    createdOn: 0,
    lastUpdatedOn: 0,
    submittedOn: null,
    merchantId: null,
    seq: 0,
    fields: { Dba: 'Shop', Description: 'd'.repeat(size) },
  };
}

/** GUIDs and W3C trace ids: decimal runs inside them are ids by design, set aside before looking for card numbers. */
const ID_TOKENS =
  /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]\b/gi;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i += 1) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Every card number in a text, written independently of the mock's redaction: a Luhn-valid window of 13–19 digits
 * that starts like a card (2–6), inside a run of digits that single spaces or dashes may group. An answer that
 * holds one leaks card data.
 */
export function cardNumbersIn(text: string): string[] {
  const found: string[] = [];
  for (const [chain] of text.replace(ID_TOKENS, '#').matchAll(/\d(?:[ -]?\d){12,}/g)) {
    const digits = chain.replace(/\D/g, '');
    for (let start = 0; start + 13 <= digits.length; start += 1) {
      if (!'23456'.includes(digits[start] as string)) continue;
      for (let end = start + 13; end <= Math.min(digits.length, start + 19); end += 1) {
        if (luhn(digits.slice(start, end))) found.push(digits.slice(start, end));
      }
    }
  }
  return found;
}

/** An answer as one text (status, headers and body), for cardNumbersIn. */
export function answerText(res: { status: number; headers: Headers }, body: string): string {
  return `${res.status}\n${JSON.stringify([...res.headers])}\n${body}`;
}
