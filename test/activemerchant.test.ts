// ActiveMerchant's flex_charge gateway against the mock, over a real socket: the requests are shaped field for field
// as lib/active_merchant/billing/gateways/flex_charge.rb builds them (key casing, nulls, strings, header set), and the
// answers are read with its rules (which statuses count as success, how the message is built from TraceId and the
// field arrays, what the authorization is). Each test is one flow of test/remote/gateways/remote_flex_charge_test.rb,
// which passed against the live sandbox; its option values and card data are used as test data. This file holds our
// own re-statement of those reading rules, not the gateway's code.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import type { RunningServer } from '../mock/http/server.js';
import { jwtPayload, raw, startServer } from './real-client.js';

const T0 = '2026-06-01T12:00:00.000Z';
const YEAR = 2027; // the gateway's test cards expire next year
/** Statuses the gateway counts as success (HEAD of flex_charge.rb). */
const SUCCESS_MESSAGES = ['APPROVED', 'CHALLENGE', 'SUBMITTED', 'SUCCESS', 'PROCESSING', 'CAPTUREREQUIRED'];
/** Keys it leaves out when it turns an error body into its message. */
const NO_ERROR_KEYS = ['TraceId', 'access_token', 'token_expires'];

type Json = Record<string, unknown>;
type Action = 'purchase' | 'capture' | 'refund' | 'void' | 'store' | 'inquire';

interface AmResponse {
  success: boolean;
  message: string | null;
  params: Json;
  authorization: string | null;
  errorCode: string | null;
  httpStatus: number;
}

/** The gateway as a client sees it: its token cache, its requests, its reading rules. */
class Gateway {
  accessToken: string | null = null;
  tokenExpires = 0;
  readonly requests: { path: string; headers: Record<string, string> }[] = [];

  constructor(
    readonly base: string,
    readonly credentials = { appKey: DEFAULT_MERCHANT.appKey, appSecret: DEFAULT_MERCHANT.appSecret },
    readonly now: () => number = () => Date.parse(T0),
  ) {}

  headers(): Record<string, string> {
    const h: Record<string, string> = {
      'Content-Type': 'application/json',
      'Accept-Encoding': 'identity',
      Accept: '*/*',
      'User-Agent': 'Ruby',
      Connection: 'close',
    };
    // The gateway adds the header whenever it holds a token, even an empty one after a 401.
    if (this.accessToken !== null) h.Authorization = `Bearer ${this.accessToken}`;
    return h;
  }

  tokenValid(): boolean {
    return !!this.accessToken && this.tokenExpires > this.now();
  }

  async fetchToken(): Promise<{ status: number; body: Json }> {
    const body = JSON.stringify({ AppKey: this.credentials.appKey, AppSecret: this.credentials.appSecret });
    const reply = await raw(this.base, 'POST', '/v1/oauth2/token', this.headers(), body);
    const parsed = parse(reply.text);
    if (reply.status >= 200 && reply.status < 300) {
      this.accessToken = parsed.accessToken as string;
      this.tokenExpires = Number(parsed.expires);
    }
    return { status: reply.status, body: parsed };
  }

  async call(action: Action, method: string, path: string, post: Json, async = false): Promise<AmResponse> {
    if (!this.tokenValid()) {
      const token = await this.fetchToken();
      if (token.status < 200 || token.status > 299) throw new Error(`OAuthResponseError: ${token.status}`);
    }
    const headers = this.headers();
    this.requests.push({ path, headers });
    const reply = await raw(this.base, method, path, headers, JSON.stringify(post));
    const response = parse(reply.text);
    if (reply.status < 200 || reply.status > 299) {
      if (reply.status === 401) this.accessToken = '';
      return {
        success: false,
        message: messageFrom(response, false),
        params: response,
        authorization: null,
        errorCode: null,
        httpStatus: reply.status,
      };
    }
    const success = successFrom(action, response, async);
    return {
      success,
      message: messageFrom(response, success),
      params: response,
      authorization: authorizationFrom(action, response, post, success),
      errorCode: success ? null : ((response.statusName ?? response.status ?? null) as string | null),
      httpStatus: reply.status,
    };
  }
}

function parse(text: string): Json {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as Json;
  } catch {
    return { errors: text, status: 'Unable to parse JSON response' };
  }
}

function successFrom(action: Action, r: Json, async: boolean): boolean {
  switch (action) {
    case 'store':
      return (
        typeof (r.transaction as Json | undefined)?.payment_method === 'object' &&
        !!((r.transaction as Json).payment_method as Json).token
      );
    case 'inquire':
      return !!r.id && SUCCESS_MESSAGES.includes(String(r.statusName));
    case 'void':
      return Object.keys(r).length === 0;
    default:
      return (
        r.success === true &&
        SUCCESS_MESSAGES.filter((m) => !(m === 'CHALLENGE' && async)).includes(String(r.status))
      );
  }
}

function messageFrom(r: Json, success: boolean): string | null {
  if (!success && r.TraceId !== undefined && r.TraceId !== null) {
    return JSON.stringify(Object.fromEntries(Object.entries(r).filter(([k]) => !NO_ERROR_KEYS.includes(k))));
  }
  return (r.title ?? r.responseMessage ?? r.statusName ?? r.status ?? null) as string | null;
}

function authorizationFrom(action: Action, r: Json, post: Json, success: boolean): string | null {
  if (action === 'store') return ((r.transaction as Json).payment_method as Json).token as string;
  if (!success) return null;
  return [r.orderId, post.currency ?? 'USD'].filter((x) => x !== undefined && x !== null).join('#');
}

// ---- request shapes, from the gateway's builders and the remote suite's options --------------------------------

interface Card {
  number: string;
  cvv: string | null;
  first: string;
  last: string;
}
const CIT_CARD: Card = { number: '4111111111111111', cvv: '999', first: 'Cure', last: 'Tester' };
const MIT_CARD: Card = { number: '4000002760003184', cvv: '123', first: 'Longbob', last: 'Longsen' };

/** The remote suite's default billing address (ActiveMerchant's test helper), named Cure Tester. */
const ADDRESS = {
  name: 'Cure Tester',
  address1: '456 My Street',
  city: 'Ottawa',
  state: 'ON',
  zip: 'K1C2N6',
  country: 'CA',
  phone: '(555)555-5555',
};

interface Options {
  isMit?: boolean | null;
  isRecurring?: boolean;
  expiry?: string | null;
  orderId?: string | null;
  phone?: string;
  responseCodes?: boolean;
  address?: typeof ADDRESS;
  threeDs?: boolean;
  idempotencyKey?: string | null;
}

function remoteOptions(overrides: Options = {}): Required<Options> {
  return {
    isMit: true,
    isRecurring: false,
    expiry: new Date(Date.parse(T0) + 86_400_000).toISOString().replace('.000Z', 'Z'),
    orderId: randomUUID(),
    phone: '',
    responseCodes: true,
    address: ADDRESS,
    threeDs: false,
    idempotencyKey: randomUUID(),
    ...overrides,
  };
}

/** An evaluate body as the gateway's `purchase` builds it (keys, order, nulls and string numbers included). */
function purchaseBody(money: number, card: Card | string, o: Required<Options>, type = 'Purchase'): Json {
  const [first, last] = o.address.name.split(' ');
  const post: Json = {
    transactionType: type,
    siteId: 'ffae80fd-2b8e-487a-94c3-87503a0c71bb',
    mid: DEFAULT_MERCHANT.mid,
    isDeclined: true,
    orderId: o.orderId,
    idempotencyKey: o.idempotencyKey,
    senseKey: null,
  };
  const transaction: Json = { id: o.orderId ?? undefined, dynamicDescriptor: 'MyShoesStore' };
  transaction.timestamp = T0.replace('.000Z', 'Z');
  transaction.timezoneUtcOffset = '-5';
  transaction.amount = money;
  transaction.currency = 'USD';
  if (o.responseCodes) {
    Object.assign(transaction, {
      responseCode: '100',
      responseCodeSource: 'nmi',
      avsResultCode: '200',
      cvvResultCode: '111',
      cavvResultCode: '111',
    });
  } else transaction.responseCodeSource = '';
  transaction.cardNotPresent = typeof card === 'string' ? false : card.cvv === null;
  if (transaction.id === undefined) delete transaction.id;
  post.transaction = transaction;
  if (o.isMit !== null) {
    post.isMIT = o.isMit;
    post.isRecurring = o.isRecurring;
    post.expiryDateUtc = o.expiry;
  }
  post.paymentMethod =
    typeof card === 'string'
      ? { Token: true, cardNumber: card }
      : {
          holderName: `${card.first} ${card.last}`,
          cardType: 'CREDIT',
          cardBrand: card.number.startsWith('5') ? 'MASTER' : 'VISA',
          cardCountry: o.address.country,
          expirationMonth: 9,
          expirationYear: YEAR,
          cardBinNumber: card.number.slice(0, 6),
          cardLast4Digits: card.number.slice(-4),
          cardNumber: card.number,
          ...(card.cvv === null ? {} : { verificationValue: card.cvv }),
          Token: false,
        };
  post.billingInformation = {
    firstName: first,
    lastName: last,
    country: o.address.country,
    phone: o.address.phone,
    countryCode: o.address.country,
    addressLine1: o.address.address1,
    state: o.address.state,
    city: o.address.city,
    zipCode: o.address.zip,
  };
  post.payer = o.phone ? { email: 'test@gmail.com', phone: o.phone } : { email: 'test@gmail.com' };
  if (o.threeDs) {
    post.threeDSecure = {
      threeDsVersion: '2.1.0',
      EcommerceIndicator: '05',
      authenticationValue: '3q2+78r+ur7erb7vyv66vv////8=',
      directoryServerTransactionId: 'ODUzNTYzOTcwODU5NzY3Qw==',
      xid: 'MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA=',
      authenticationValueAlgorithm: 'AAABCSIIAAAAAAACcwgAEMCoNh=',
      directoryResponseStatus: null,
      authenticationResponseStatus: 'Y',
      enrolled: 'Y',
    };
  }
  post.Source = 'Spreedly';
  return post;
}

const CIT = (o: Options = {}) => remoteOptions({ isMit: false, phone: '+99.2001a/+99.2001b', ...o });

describe('ActiveMerchant flex_charge gateway against the mock', { timeout: 60_000 }, () => {
  let server: RunningServer;
  let violations: () => unknown[];
  let gw: Gateway;

  before(async () => {
    ({ server, violations } = await startServer(T0));
    gw = new Gateway(server.url);
  });
  after(async () => {
    await server.close(1_000);
  });

  const purchase = (money: number, card: Card | string, o: Required<Options>) =>
    gw.call('purchase', 'POST', '/v1/evaluate', purchaseBody(money, card, o));
  const authorize = (money: number, card: Card, o: Required<Options>) =>
    gw.call('purchase', 'POST', '/v1/evaluate', purchaseBody(money, card, o, 'Authorization'));

  test('fetch_access_token: AppKey/AppSecret in PascalCase; expires is iat (ms) + 600 000 and in the future', async () => {
    const token = await gw.fetchToken();
    assert.equal(token.status, 200);
    assert.ok(gw.accessToken);
    const iat = Number(jwtPayload(gw.accessToken).iat);
    assert.equal(gw.tokenExpires, iat + 600_000);
    assert.equal(iat, Date.parse(T0));
    assert.ok(gw.tokenValid(), 'the gateway would reuse this token');
  });

  test('a wrong secret: a non-2xx answer carrying 400 (the gateway raises OAuthResponseError)', async () => {
    const bad = new Gateway(server.url, { appKey: 'SOMECREDENTIAL', appSecret: 'SOMECREDENTIAL' });
    await assert.rejects(bad.call('purchase', 'POST', '/v1/evaluate', {}), /OAuthResponseError: 400/);
  });

  test('CIT purchase with the challenge phone: success, message CHALLENGE, authorization orderId#USD', async () => {
    const o = CIT();
    const r = await purchase(100, CIT_CARD, o);
    assert.equal(r.success, true, JSON.stringify(r.params));
    assert.equal(r.message, 'CHALLENGE');
    assert.match(String(r.authorization), /^[0-9a-f-]{36}#USD$/);
    assert.equal(r.params.orderId, r.params.orderSessionKey);
  });

  test('CIT purchase without CVV, and with 3-D Secure data: still CHALLENGE', async () => {
    assert.equal((await purchase(100, { ...CIT_CARD, cvv: null }, CIT())).message, 'CHALLENGE');
    assert.equal((await purchase(100, CIT_CARD, CIT({ threeDs: true }))).message, 'CHALLENGE');
  });

  test('CIT without a phone: failure with error_code DECLINED (HTTP 200)', async () => {
    const r = await purchase(100, { ...CIT_CARD, cvv: null }, CIT({ phone: '' }));
    assert.equal(r.httpStatus, 200);
    assert.equal(r.success, false);
    assert.equal(r.errorCode, 'DECLINED');
  });

  test('MIT purchase without an expiry date (expiryDateUtc: null): APPROVED, with a US billing address too', async () => {
    assert.equal((await purchase(100, MIT_CARD, remoteOptions({ expiry: null }))).message, 'APPROVED');
    const us = { ...ADDRESS, name: 'Jhon Doe', country: 'US' };
    assert.equal(
      (await purchase(100, MIT_CARD, remoteOptions({ expiry: null, address: us }))).message,
      'APPROVED',
    );
  });

  test('authorize (phone 998888) → CAPTUREREQUIRED; capture by the authorization → SUCCESS', async () => {
    const auth = await authorize(100, MIT_CARD, CIT({ phone: '998888' }));
    assert.equal(auth.message, 'CAPTUREREQUIRED');
    const [orderId, currency] = String(auth.authorization).split('#');
    const capture = await gw.call('capture', 'POST', '/v1/capture', {
      idempotencyKey: randomUUID(),
      orderId,
      amount: 100,
      currency,
    });
    assert.equal(capture.success, true, JSON.stringify(capture.params));
    assert.equal(capture.message, 'SUCCESS');
  });

  test('void of an authorization: POST /orders/{id}/cancel with {} answers an empty object (success)', async () => {
    const auth = await authorize(100, MIT_CARD, CIT({ phone: '998888' }));
    const [orderId] = String(auth.authorization).split('#');
    const voided = await gw.call('void', 'POST', `/v1/orders/${orderId}/cancel`, {});
    assert.equal(voided.success, true, JSON.stringify(voided.params));
  });

  test('inquire: GET /orders/{id} with a "{}" body → statusName CAPTUREREQUIRED; a random id fails', async () => {
    const auth = await authorize(100, MIT_CARD, CIT({ phone: '998888' }));
    const [orderId] = String(auth.authorization).split('#');
    const found = await gw.call('inquire', 'GET', `/v1/orders/${orderId}`, {});
    assert.equal(found.success, true, JSON.stringify(found.params));
    assert.equal(found.message, 'CAPTUREREQUIRED');
    const missing = await gw.call('inquire', 'GET', `/v1/orders/${randomUUID()}`, {});
    assert.equal(missing.success, false);
  });

  test('refund of an approved MIT with amountToRefund 1.0 (dollars): success, message APPROVED', async () => {
    const sale = await purchase(100, MIT_CARD, remoteOptions({ expiry: null }));
    const [orderId] = String(sale.authorization).split('#');
    const refund = await gw.call('refund', 'POST', `/v1/orders/${orderId}/refund`, { amountToRefund: 1.0 });
    assert.equal(refund.success, true, JSON.stringify(refund.params));
    assert.equal(refund.message, 'APPROVED');
    // Again: nothing left, the recorded FAILED body (unit fixture failed_refund_response).
    const again = await gw.call('refund', 'POST', `/v1/orders/${orderId}/refund`, { amountToRefund: 1.0 });
    assert.equal(again.success, false);
    assert.equal(again.params.responseCode, '2001');
    assert.equal(again.message, 'Amount to refund (1.00) is greater than maximum refund amount in (0.00))');
  });

  test('store: POST /tokenize with Bearer and no query string; the token then buys as Token: true', async () => {
    const store = await gw.call('store', 'POST', '/v1/tokenize', {
      payment_method: {
        credit_card: {
          first_name: 'Cure',
          last_name: 'Tester',
          month: 9,
          year: YEAR,
          number: CIT_CARD.number,
          verification_value: CIT_CARD.cvv,
        },
      },
    });
    assert.equal(store.success, true, JSON.stringify(store.params));
    assert.ok(gw.requests.at(-1)?.headers.Authorization?.startsWith('Bearer '));
    const token = String(store.authorization);
    assert.match(token, /^[0-9a-f-]{36}$/);
    const sale = await purchase(100, token, CIT({ expiry: null }));
    assert.equal(sale.success, true, JSON.stringify(sale.params));
  });

  test('required fields under sandbox-2024 rules: the recorded 7 errors, error_code nil, TraceId set', async () => {
    const strict2024 = new Gateway(server.url);
    const post = purchaseBody(
      100,
      CIT_CARD,
      remoteOptions({ isMit: null, orderId: null, responseCodes: false }),
    );
    await strict2024.fetchToken();
    const reply = await raw(
      server.url,
      'POST',
      '/v1/evaluate',
      { ...strict2024.headers(), 'x-mock-compat': 'sandbox-2024' },
      JSON.stringify(post),
    );
    assert.equal(reply.status, 400);
    const body = parse(reply.text);
    const message = messageFrom(body, false);
    assert.ok(
      Array.isArray(body.TraceId) && /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/.test(String(body.TraceId[0])),
    );
    const errors = JSON.parse(String(message)) as Record<string, string[]>;
    assert.deepEqual(errors, {
      OrderId: ["Merchant's orderId is required"],
      'Transaction.Id': ['The Id field is required.'],
      'Transaction.ResponseCode': ['The ResponseCode field is required.'],
      'Transaction.AvsResultCode': ['The AvsResultCode field is required.'],
      'Transaction.CvvResultCode': ['The CvvResultCode field is required.'],
      'Transaction.CavvResultCode': ['The CavvResultCode field is required.'],
      'Transaction.ResponseCodeSource': ['The ResponseCodeSource field is required.'],
    });
    assert.equal(reply.headers['x-mock-error-code'], '400001');
  });

  test('required fields under the docs rules (default): only what the current docs require', async () => {
    const post = purchaseBody(
      100,
      CIT_CARD,
      remoteOptions({ isMit: null, orderId: null, responseCodes: false }),
    );
    const r = await gw.call('purchase', 'POST', '/v1/evaluate', post);
    assert.equal(r.httpStatus, 400);
    assert.equal(r.errorCode, null);
    assert.deepEqual(JSON.parse(String(r.message)), {
      OrderId: ["Merchant's orderId is required"],
      'Transaction.Id': ['The Id field is required.'],
    });
  });

  test('the unit fixtures: missing idempotencyKey and an empty expiryDateUtc give the recorded messages', async () => {
    const noKey = await purchase(100, CIT_CARD, CIT({ idempotencyKey: null }));
    assert.equal(noKey.message, '{"IdempotencyKey":["The IdempotencyKey field is required."]}');
    const noExpiry = await purchase(100, MIT_CARD, remoteOptions({ expiry: '' }));
    assert.equal(noExpiry.message, '{"ExpiryDateUtc":["The field ExpiryDateUtc is invalid."]}');
  });

  test('a stale token with a future expiry: 401, and the gateway clears it', async () => {
    const stale = new Gateway(server.url);
    stale.accessToken = 'Xk2pQ9vLm3';
    stale.tokenExpires = Date.parse(T0) + 15_000;
    const r = await stale.call('purchase', 'POST', '/v1/evaluate', purchaseBody(100, CIT_CARD, CIT()));
    assert.equal(r.httpStatus, 401);
    assert.equal(stale.accessToken, '');
    // The next call sends "Bearer " to the token endpoint, which ignores it, then succeeds.
    const next = await stale.call('purchase', 'POST', '/v1/evaluate', purchaseBody(100, CIT_CARD, CIT()));
    assert.equal(next.message, 'CHALLENGE');
  });

  test('one clock: the Date header, the token times and expiry move together after clock/advance', async () => {
    const before = await raw(
      server.url,
      'POST',
      '/v1/oauth2/token',
      gw.headers(),
      JSON.stringify({
        AppKey: DEFAULT_MERCHANT.appKey,
        AppSecret: DEFAULT_MERCHANT.appSecret,
      }),
    );
    assert.equal(before.headers.date, new Date(T0).toUTCString());
    const advanced = await raw(
      server.url,
      'POST',
      '/__admin/clock/advance',
      { 'Content-Type': 'application/json' },
      JSON.stringify({ by: '2h' }),
    );
    assert.equal(advanced.status, 200);
    const after2h = await raw(
      server.url,
      'POST',
      '/v1/oauth2/token',
      gw.headers(),
      JSON.stringify({
        AppKey: DEFAULT_MERCHANT.appKey,
        AppSecret: DEFAULT_MERCHANT.appSecret,
      }),
    );
    const later = Date.parse(T0) + 2 * 3_600_000;
    assert.equal(after2h.headers.date, new Date(later).toUTCString());
    const token = JSON.parse(after2h.text) as { accessToken: string; expires: number };
    assert.equal(Number(jwtPayload(token.accessToken).iat), later);
    assert.equal(token.expires, later + 600_000);
  });

  test('every answer conformed to contracts/openapi.yaml', () => {
    assert.deepEqual(violations(), []);
  });
});
