// The outcome table proven over HTTP: one test per OUTCOME_RULES row, its request built from the row itself, and the
// observed sandbox outcomes of the fact sheet (§4.3) written out by hand, independent of the table.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import request from 'supertest';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import {
  type EvaluateStatus,
  OUTCOME_RULES,
  type OutcomeRule,
  TEST_CARDS,
  type TestCardName,
} from '../mock/domain/outcomes.js';
import type { MockApp } from '../mock/http/app.js';
import { evaluate, evaluateBody, guid, makeApp, T0, tokenFor } from './helpers.js';

const strict = makeApp();
const lenient = makeApp({ profile: 'lenient' });
const tokens = { strict: '', lenient: '' };

before(async () => {
  tokens.strict = await tokenFor(strict.app);
  tokens.lenient = await tokenFor(lenient.app);
});

const DAY = 86_400_000;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Luhn-valid, not a test card. */
const NOT_WHITELISTED = '4532015112830366';
const WEIRD_PHONE = '+99.2001a/+99.2001b';

/** Where GET /v1/orders/{id} stands right after evaluate, written out here rather than read from the mock. */
const ORDER_AFTER: Record<EvaluateStatus, [number, string]> = {
  APPROVED: [7, 'COMPLETED'],
  DECLINED: [2, 'CANCELLED'],
  CHALLENGE: [4, 'PROCESSING'],
  SUBMITTED: [0, 'DRAFT'],
  CAPTUREREQUIRED: [5, 'CAPTUREREQUIRED'],
};

type Json = Record<string, unknown>;
type Card = TestCardName | null;

interface Flags {
  isMIT: boolean;
  authorization: boolean;
  expiry: boolean;
  phone: boolean;
}

const FLAG_NAMES = ['isMIT', 'authorization', 'expiry', 'phone'] as const;
const COMBOS: Flags[] = Array.from({ length: 16 }, (_, i) => ({
  isMIT: i % 2 === 1,
  authorization: Math.floor(i / 2) % 2 === 1,
  expiry: Math.floor(i / 4) % 2 === 1,
  phone: Math.floor(i / 8) % 2 === 1,
}));

function cardsOf(rule: OutcomeRule): Card[] {
  if (rule.card === 'not-whitelisted') return [null];
  if (rule.card === 'any-test-card') return Object.keys(TEST_CARDS) as TestCardName[];
  return [rule.card];
}

/** The row's own reading of its conditions (deliberately not decideOutcome, which is what is under test). */
function applies(rule: OutcomeRule, card: Card, flags: Flags): boolean {
  const cardMatches =
    rule.card === 'any-test-card'
      ? card !== null
      : rule.card === 'not-whitelisted'
        ? card === null
        : rule.card === card;
  return cardMatches && FLAG_NAMES.every((k) => rule.when[k] === undefined || rule.when[k] === flags[k]);
}

/** A request that reaches row `index` first (no earlier row matches it), or undefined if the row is shadowed. */
function inputFor(index: number): { card: Card; flags: Flags } | undefined {
  const rule = OUTCOME_RULES[index] as OutcomeRule;
  for (const card of cardsOf(rule)) {
    for (const flags of COMBOS) {
      if (!applies(rule, card, flags)) continue;
      if (OUTCOME_RULES.slice(0, index).some((earlier) => applies(earlier, card, flags))) continue;
      return { card, flags };
    }
  }
  return undefined;
}

function bearer(app: MockApp): string {
  return `Bearer ${app === strict.app ? tokens.strict : tokens.lenient}`;
}

async function getOrder(app: MockApp, id: string) {
  const res = await request(app).get(`/v1/orders/${id}`).set('authorization', bearer(app));
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.id, id);
  return res;
}

describe('every row of OUTCOME_RULES, from the table itself', () => {
  OUTCOME_RULES.forEach((rule, index) => {
    test(`row ${index}: ${rule.card} ${JSON.stringify(rule.when)} → ${rule.status} (${rule.note})`, async () => {
      const input = inputFor(index);
      assert.ok(input, `no request reaches row ${index} first: an earlier row shadows it`);
      const { card, flags } = input;
      // A card that is not whitelisted is only accepted (and declined) by the lenient profile.
      const app = card === null ? lenient.app : strict.app;
      const expiryDateUtc = new Date(Date.parse(T0) + 10 * DAY).toISOString();
      const body = evaluateBody({
        isMIT: flags.isMIT,
        transactionType: flags.authorization ? 'AUTHORIZATION' : 'PURCHASE',
        ...(flags.expiry ? { expiryDateUtc } : {}),
        ...(flags.phone ? { payer: { email: 'john@example.com', phone: WEIRD_PHONE } } : {}),
        paymentMethod: { cardNumber: card === null ? NOT_WHITELISTED : TEST_CARDS[card], token: false },
      });
      const res = await evaluate(app, card === null ? tokens.lenient : tokens.strict, body);
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.status, rule.status);
      assert.equal(res.body.success, true);
      assert.equal(res.body.result, 'Success');
      assert.match(res.body.orderSessionKey, GUID);
      assert.equal(res.body.orderId, res.body.orderSessionKey);

      const order = await getOrder(app, res.body.orderSessionKey);
      const [code, name] = ORDER_AFTER[rule.status];
      assert.equal(order.body.status, code);
      assert.equal(order.body.statusName, name);
      assert.equal(order.body.evaluateStatus, rule.status);
      assert.equal(order.body.externalOrderId, body.orderId);
      assert.equal(order.body.amount, 1500);
      assert.equal(order.body.isMIT, flags.isMIT);
      assert.equal(order.body.transactionType, flags.authorization ? 'AUTHORIZATION' : 'PURCHASE');
      assert.equal(order.body.expiryDate, flags.expiry ? expiryDateUtc : null);
      assert.equal(order.body.phone, flags.phone ? WEIRD_PHONE : null);
      assert.equal(order.body.capturedAmount, rule.status === 'APPROVED' ? 1500 : 0);
      if (card === null) {
        // Not whitelisted: none of its digits are kept or echoed.
        assert.deepEqual(order.body.card, { bin: null, last4: null, brand: null, tokenized: false });
        assert.ok(!order.text.includes(NOT_WHITELISTED));
      } else {
        assert.equal(order.body.card.last4, TEST_CARDS[card].slice(-4));
      }
    });
  });

  test('the strict profile refuses the not-whitelisted card (400005) without echoing it', async () => {
    const body = evaluateBody({ paymentMethod: { cardNumber: NOT_WHITELISTED, token: false } });
    const res = await evaluate(strict.app, tokens.strict, body);
    assert.equal(res.status, 400);
    assert.equal(res.headers['x-mock-error-code'], '400005');
    assert.ok(!res.text.includes(NOT_WHITELISTED));
    assert.ok(!res.text.includes(NOT_WHITELISTED.slice(-4)));
    assert.ok(!strict.logs.join('\n').includes(NOT_WHITELISTED));
  });
});

// ----------------------------------------------------------------------------------------------------------------
// Fact sheet §4.3, by hand: literal card numbers and inputs, 100 cents USD.
// ----------------------------------------------------------------------------------------------------------------

const VISA = '4111111111111111';
const MIT_CARD = '4000002760003184';

/** The ActiveMerchant remote-test request shape: Cure Tester in Ottawa, 100 cents. */
function amBody(overrides: Json): Json {
  return evaluateBody({
    transaction: { amount: 100 },
    billingInformation: {
      firstName: 'Cure',
      lastName: 'Tester',
      country: 'CA',
      countryCode: 'CA',
      addressLine1: '456 My Street',
      city: 'Ottawa',
      state: 'ON',
      zipCode: 'K1C2N6',
    },
    ...overrides,
  });
}

const THREE_DS = {
  threeDsVersion: '2.1.0',
  EcommerceIndicator: '05',
  authenticationValue: 'jJ81HADVRtXfCBATEp01CJUAAAA=',
  directoryServerTransactionId: '97267598-FAE6-48F2-8083-C23433990FBC',
  xid: '00000000000000000501',
  authenticationValueAlgorithm: '1',
  directoryResponseStatus: 'Y',
  authenticationResponseStatus: 'Y',
  enrolled: 'Y',
};

function oneDayOut(): string {
  return new Date(Date.parse(T0) + DAY).toISOString();
}

const OBSERVED: { name: string; body: () => Json; status: string; order: [number, string] }[] = [
  {
    name: 'CIT purchase, 4111…1111, CVV 999, weird phone → CHALLENGE',
    body: () =>
      amBody({
        payer: { email: 'NA', phone: WEIRD_PHONE },
        paymentMethod: {
          cardNumber: VISA,
          token: false,
          verificationValue: '999',
          holderName: 'Cure Tester',
        },
      }),
    status: 'CHALLENGE',
    order: [4, 'PROCESSING'],
  },
  {
    name: 'CIT purchase without CVV, same phone → CHALLENGE',
    body: () => amBody({ payer: { email: 'NA', phone: WEIRD_PHONE }, paymentMethod: { cardNumber: VISA } }),
    status: 'CHALLENGE',
    order: [4, 'PROCESSING'],
  },
  {
    name: 'CIT purchase with 3DS data → CHALLENGE',
    body: () =>
      amBody({
        payer: { email: 'NA', phone: WEIRD_PHONE },
        paymentMethod: { cardNumber: VISA, verificationValue: '999' },
        threeDSecure: THREE_DS,
      }),
    status: 'CHALLENGE',
    order: [4, 'PROCESSING'],
  },
  {
    name: 'MIT purchase with 3DS data and expiryDateUtc now + 1 day → SUBMITTED',
    body: () =>
      amBody({
        isMIT: true,
        expiryDateUtc: oneDayOut(),
        payer: { email: 'NA', phone: WEIRD_PHONE },
        paymentMethod: { cardNumber: VISA, verificationValue: '999' },
        threeDSecure: THREE_DS,
      }),
    status: 'SUBMITTED',
    order: [0, 'DRAFT'],
  },
  {
    name: 'CIT purchase without payer.phone, with CVV 999 → DECLINED (HTTP 200)',
    body: () => amBody({ paymentMethod: { cardNumber: VISA, verificationValue: '999' } }),
    status: 'DECLINED',
    order: [2, 'CANCELLED'],
  },
  {
    name: 'CIT purchase without payer.phone and without CVV → DECLINED',
    body: () => amBody({ paymentMethod: { cardNumber: VISA } }),
    status: 'DECLINED',
    order: [2, 'CANCELLED'],
  },
  {
    name: 'CIT authorization, 4000002760003184, phone 998888, transactionType "Authorization" → CAPTUREREQUIRED',
    body: () =>
      amBody({
        transactionType: 'Authorization',
        payer: { email: 'NA', phone: '998888' },
        paymentMethod: { cardNumber: MIT_CARD, verificationValue: '123' },
      }),
    status: 'CAPTUREREQUIRED',
    order: [5, 'CAPTUREREQUIRED'],
  },
  {
    name: 'MIT purchase, isRecurring false, no expiryDateUtc, 4000002760003184 → APPROVED',
    body: () => amBody({ isMIT: true, isRecurring: false, paymentMethod: { cardNumber: MIT_CARD } }),
    status: 'APPROVED',
    order: [7, 'COMPLETED'],
  },
  {
    name: 'MIT purchase with expiryDateUtc now + 1 day, 4000002760003184 → SUBMITTED',
    body: () => amBody({ isMIT: true, expiryDateUtc: oneDayOut(), paymentMethod: { cardNumber: MIT_CARD } }),
    status: 'SUBMITTED',
    order: [0, 'DRAFT'],
  },
];

describe('observed sandbox outcomes (fact sheet §4.3), by hand', () => {
  for (const row of OBSERVED) {
    test(row.name, async () => {
      const res = await evaluate(strict.app, tokens.strict, row.body());
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.status, row.status);
      assert.equal(res.body.success, true);
      assert.equal(res.body.senseKey, null);
      assert.equal(res.body.statusCode, null);
      assert.deepEqual(res.body.errors, []);
      assert.deepEqual(res.body.customProperties, {});
      const order = await getOrder(strict.app, res.body.orderSessionKey);
      assert.deepEqual([order.body.status, order.body.statusName], row.order);
      assert.equal(order.body.amount, 100);
      assert.equal(order.body.currencyCode, 'USD');
    });
  }

  async function authorize(): Promise<string> {
    const res = await evaluate(
      strict.app,
      tokens.strict,
      amBody({
        transactionType: 'Authorization',
        payer: { email: 'NA', phone: '998888' },
        paymentMethod: { cardNumber: MIT_CARD, verificationValue: '123' },
      }),
    );
    assert.equal(res.body.status, 'CAPTUREREQUIRED');
    return res.body.orderSessionKey;
  }

  test('CIT authorization: GET shows statusName CAPTUREREQUIRED, then /capture succeeds', async () => {
    const id = await authorize();
    const before = await getOrder(strict.app, id);
    assert.equal(before.body.statusName, 'CAPTUREREQUIRED');
    const capture = await request(strict.app)
      .post('/v1/capture')
      .set('authorization', bearer(strict.app))
      .send({ idempotencyKey: guid(), orderId: id, amount: 100, currency: 'USD' });
    assert.equal(capture.status, 200);
    assert.equal(capture.body.status, 'SUCCESS');
    assert.equal(capture.body.success, true);
    const after = await getOrder(strict.app, id);
    assert.deepEqual(
      [after.body.status, after.body.statusName, after.body.capturedAmount],
      [7, 'COMPLETED', 100],
    );
  });

  test('CIT authorization: /orders/{id}/cancel answers an empty 200', async () => {
    const id = await authorize();
    const res = await request(strict.app)
      .post(`/v1/orders/${id}/cancel`)
      .set('authorization', bearer(strict.app))
      .send({});
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, {});
    const order = await getOrder(strict.app, id);
    assert.deepEqual([order.body.status, order.body.statusName], [2, 'CANCELLED']);
  });

  test('full refund of an APPROVED MIT (1.0) succeeds; a second one is the recorded 2001 body', async () => {
    const res = await evaluate(
      strict.app,
      tokens.strict,
      amBody({ isMIT: true, isRecurring: false, paymentMethod: { cardNumber: MIT_CARD } }),
    );
    assert.equal(res.body.status, 'APPROVED');
    const id = res.body.orderSessionKey;
    const refund = () =>
      request(strict.app)
        .post(`/v1/orders/${id}/refund`)
        .set('authorization', bearer(strict.app))
        .send({ amountToRefund: 1.0 });
    const first = await refund();
    assert.equal(first.status, 200);
    assert.equal(first.body.status, 'SUCCESS');
    assert.equal(first.body.responseMessage, 'APPROVED');
    const order = await getOrder(strict.app, id);
    assert.deepEqual([order.body.status, order.body.refundedAmount], [6, 100]);

    const second = await refund();
    const message = 'Amount to refund (1.00) is greater than maximum refund amount in (0.00))';
    assert.equal(second.status, 200);
    assert.deepEqual(second.body, {
      responseCode: '2001',
      responseMessage: message,
      transactionId: null,
      success: false,
      result: null,
      status: 'FAILED',
      statusCode: null,
      errors: [{ item1: message, item2: '2001', item3: '2001', item4: true }],
      customProperties: {},
    });
  });

  test('purchase with a vaulted token (ActiveMerchant sends `Token: true`) succeeds', async () => {
    const tok = await request(strict.app)
      .post(`/v1/tokenize?mid=${DEFAULT_MERCHANT.mid}&environment=${DEFAULT_MERCHANT.tokenizationKey}`)
      .send({
        payment_method: {
          credit_card: {
            first_name: 'Cure',
            last_name: 'Tester',
            number: MIT_CARD,
            verification_value: '123',
            month: '09',
            year: '2030',
          },
        },
      });
    assert.equal(tok.status, 200, tok.text);
    const token = tok.body.transaction.payment_method.token as string;
    const body = amBody({ isMIT: true });
    body.paymentMethod = { cardNumber: token, Token: true };
    const res = await evaluate(strict.app, tokens.strict, body);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'APPROVED');
    const order = await getOrder(strict.app, res.body.orderSessionKey);
    assert.deepEqual(order.body.card, { bin: '400000', last4: '3184', brand: 'VISA', tokenized: true });
  });

  test('GET of an order with a random GUID → 404002', async () => {
    const res = await request(strict.app)
      .get('/v1/orders/5b0e3c1d-7a2f-4e9b-8c6d-1f2e3a4b5c6d')
      .set('authorization', bearer(strict.app));
    assert.equal(res.status, 404);
    assert.equal(res.body.code, '404002');
  });
});

test('every response in this file conformed to contracts/openapi.yaml', () => {
  assert.deepEqual(strict.app.mock.violations, []);
  assert.deepEqual(lenient.app.mock.violations, []);
});
