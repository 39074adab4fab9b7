// The official Node sample client (FlexCharge/FlexCharge.NodeJs.SampleClient) against the mock, over a real socket:
// every call it makes, with the request bodies of its helpers (camelCase appKey/appSecret, `mid: null`, RFC 1123
// expiryDateUtc, a string subscription price) and the URLs it builds from a base URL ending in "/" (two of them with a
// double slash). Its responses are read as it reads them: axios throws on non-2xx, otherwise `response.data`. The
// webhook check re-states its signature algorithm (SampleWebhookController.ts) to verify a delivery from the mock
// with the subscriber key the CLI prints at start-up.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import type { RunningServer } from '../mock/http/server.js';
import { raw, startServer } from './real-client.js';

const T0 = '2026-06-01T12:00:00.000Z';
const AXIOS = {
  Accept: 'application/json, text/plain, */*',
  'Content-Type': 'application/json',
  'User-Agent': 'axios/1.3.4',
};
type Json = Record<string, unknown>;

/** creatEvaluateRequest() of the sample's evaluate-helper.ts, for a card number. */
function sampleEvaluate(cardNumber: string): Json {
  const address = {
    firstName: 'Test',
    lastName: 'User',
    phone: '1234567890',
    country: 'US',
    countryCode: 'US',
    addressLine1: '123 Main St',
    addressLine2: null,
    state: 'CA',
    city: 'Los Angeles',
    zipcode: '90001',
  };
  return {
    idempotencyKey: crypto.randomUUID(),
    isDeclined: true,
    mid: null,
    orderId: `order-${crypto.randomUUID()}`,
    orderSource: 'Site1',
    transaction: {
      id: 'TRX-12345',
      timestampUtc: T0,
      timezoneUtcOffset: 0,
      transactionType: 'Credit',
      amount: 100,
      currency: 'USD',
      responseCode: '100',
      responseDescription: 'Approved',
      responseStatus: 'Approved',
      responseSubStatus: null,
      responseCodeSource: 'Gateway',
      processorName: 'ProcessorName',
      avsResultCode: 'M',
      cvvResultCode: 'M',
      cavvResultCode: 'Y',
      cardNotPresent: true,
    },
    payer: { id: 'PAYER-12345', birthdate: null, email: 'test@email.com', phone: '1234567890' },
    orderItems: [
      {
        sku: 'SKU-12345',
        name: 'Test Item',
        description: 'Test Item Description',
        amount: 100,
        discountAmount: 0,
        tax: 0,
        discountType: null,
        quantity: 1,
      },
    ],
    billingInformation: address,
    shippingInformation: { ...address },
    paymentMethod: {
      holderName: 'Test User',
      cardType: 'Credit',
      cardBrand: 'Visa',
      cardCountry: 'US',
      cardIssuer: 'J.p. Morgan Chase Bank, N.A.',
      cardLevel: 'Platinum',
      cardFingerprint: 'YourFingerprint',
      expirationMonth: 9,
      expirationYear: 2025,
      cardNumber,
      cardBinNumber: cardNumber.substring(0, 5),
      cardLast4Digits: cardNumber.substring(cardNumber.length - 4),
    },
  };
}

/** axios as the sample uses it: JSON out, `data` back, an exception (with the response) on non-2xx. */
async function axiosPost(base: string, url: string, body: Json, token?: string) {
  // WHATWG URLs keep empty segments: `…/v1//outcome` stays a double slash, as axios sends it.
  const path = new URL(url).pathname;
  const headers: Record<string, string> = { ...AXIOS };
  if (token) headers.Authorization = `Bearer ${token}`;
  const reply = await raw(base, 'POST', path, headers, JSON.stringify(body));
  const data = reply.text ? (JSON.parse(reply.text) as Json) : {};
  if (reply.status < 200 || reply.status > 299)
    return { ok: false as const, status: reply.status, data, headers: reply.headers };
  return { ok: true as const, status: reply.status, data, headers: reply.headers };
}

for (const profile of ['lenient', 'strict'] as const) {
  describe(`the official Node sample client against the mock (${profile})`, { timeout: 60_000 }, () => {
    let server: RunningServer;
    let violations: () => unknown[];
    /** The sample's constant, pointed at the mock: it ends with "/". */
    let baseUrl: string;
    let token: string;

    before(async () => {
      ({ server, violations } = await startServer(T0, { profile }));
      baseUrl = `${server.url}/v1/`;
      const auth = await axiosPost(server.url, `${baseUrl}oauth2/token`, {
        appKey: DEFAULT_MERCHANT.appKey,
        appSecret: DEFAULT_MERCHANT.appSecret,
      });
      assert.equal(auth.ok, true, JSON.stringify(auth.data));
      token = String(auth.data.accessToken);
    });
    after(() => server.close(1_000));

    test('authenticate: camelCase appKey/appSecret → accessToken', () => {
      assert.equal(token.split('.').length, 3);
    });

    test('evaluate (CIT, raw test card, mid: null, zipcode) → orderSessionKey and CHALLENGE', async () => {
      const r = await axiosPost(server.url, `${baseUrl}evaluate`, sampleEvaluate('4111111111111111'), token);
      assert.equal(r.ok, true, JSON.stringify(r.data));
      assert.equal(r.data.status, 'CHALLENGE');
      assert.match(String(r.data.orderSessionKey), /^[0-9a-f-]{36}$/);
    });

    test('evaluate/mit and mit-recurring: RFC 1123 expiryDateUtc, price "100"', async () => {
      const body = {
        ...sampleEvaluate('4000002760003184'),
        isMIT: true,
        isRecurring: true,
        expiryDateUtc: new Date(Date.parse(T0)).toUTCString(),
        subscription: { subscriptionId: '1685620800000', interval: 'monthly', price: '100', currency: 'USD' },
      };
      const r = await axiosPost(server.url, `${baseUrl}evaluate`, body, token);
      if (profile === 'lenient') {
        assert.equal(r.ok, true, JSON.stringify(r.data));
        assert.equal(r.data.status, 'SUBMITTED');
      } else {
        // The documented reason strict exists: RFC 1123 is not the documented ISO 8601 UTC form.
        assert.equal(r.status, 400);
        assert.equal(r.headers['x-mock-error-code'], '400008');
        assert.match(String(r.data.detail), /real API would have accepted/);
      }
    });

    test('outcome at baseUrl + "/outcome": a 404 that names the double slash; single slash: SUBMITTED', async () => {
      const evaluated = await axiosPost(
        server.url,
        `${baseUrl}evaluate`,
        sampleEvaluate('4111111111111111'),
        token,
      );
      const key = evaluated.data.orderSessionKey;
      const doubled = await axiosPost(server.url, `${baseUrl}/outcome`, { orderSessionKey: key }, token);
      assert.equal(doubled.status, 404);
      assert.match(String(doubled.data.detail), /double slash/);
      const fixed = await axiosPost(server.url, `${baseUrl}outcome`, { orderSessionKey: key }, token);
      // A CIT order waiting for its challenge, in the documented outcome vocabulary.
      assert.equal(fixed.data.status, 'SUBMITTED');
    });

    test('refund at baseUrl + "/orders/{id}/refund": double-slash 404; amountToRefund 0 is refused', async () => {
      const evaluated = await axiosPost(
        server.url,
        `${baseUrl}evaluate`,
        sampleEvaluate('4111111111111111'),
        token,
      );
      const id = evaluated.data.orderSessionKey;
      const body = { amountToRefund: 0, isPartialRefund: true };
      const doubled = await axiosPost(server.url, `${baseUrl}/orders/${id}/refund`, body, token);
      assert.equal(doubled.status, 404);
      assert.match(String(doubled.data.detail), /double slash/);
      const fixed = await axiosPost(server.url, `${baseUrl}orders/${id}/refund`, body, token);
      assert.equal(fixed.status, 400);
      assert.ok(Array.isArray(fixed.data.AmountToRefund), JSON.stringify(fixed.data));
    });

    test('transmit (no cardNumber, nulls everywhere) → transmitId', async () => {
      const body: Json = { ...sampleEvaluate('4111111111111111'), isDeclined: false, isMIT: false };
      delete body.idempotencyKey;
      const method = { ...(body.paymentMethod as Json) };
      delete method.cardNumber;
      Object.assign(body, {
        paymentMethod: method,
        isRecurring: false,
        subscription: null,
        additionalFields: null,
        merchant: null,
      });
      const r = await axiosPost(server.url, `${baseUrl}transmit`, body, token);
      assert.equal(r.ok, true, JSON.stringify(r.data));
      assert.equal(typeof r.data.transmitId, 'string');
    });

    test('every answer conformed to contracts/openapi.yaml', () => {
      assert.deepEqual(violations(), []);
    });
  });
}

/** The sample's verification, re-stated: content hash, string to sign, HMAC-SHA512 with the decoded key. */
function verifyLikeTheSample(
  payload: string,
  headers: IncomingMessage['headers'],
  key: string,
  host: string,
) {
  const contentHash = createHash('sha512').update(payload).digest('base64');
  const toSign = `POST\n${headers['x-fc-nonce']};${headers['x-fc-date']};${host};${contentHash}`;
  const expected = createHmac('sha512', Buffer.from(key, 'base64')).update(toSign).digest('base64');
  const authorization = String(headers['x-fc-authorization']);
  return authorization.slice(authorization.indexOf('Signature=') + 10) === expected;
}

describe('the sample webhook check, with the key a CLI user can see', { timeout: 60_000 }, () => {
  let receiver: Server;
  let deliver: (d: { payload: string; headers: IncomingMessage['headers'] }) => void = () => {};
  const delivered = new Promise<{ payload: string; headers: IncomingMessage['headers'] }>((resolve) => {
    deliver = resolve;
  });

  before(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        deliver({ payload: Buffer.concat(chunks).toString('utf8'), headers: req.headers });
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  after(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  test('the start-up line prints the subscriberKey; a delivery verifies with it as the sample verifies', async () => {
    const port = (receiver.address() as { port: number }).port;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'mock/cli.ts',
        '--port',
        '0',
        '--profile',
        'lenient',
        '--webhook-url',
        `http://127.0.0.1:${port}/hook`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          if (out.includes('\n')) resolve(out);
        });
        child.once('exit', (code) => reject(new Error(`cli exited ${code}`)));
      });
      const key = /subscriberKey (\S+)/.exec(line)?.[1];
      assert.equal(key, DEFAULT_MERCHANT.subscriberKey);
      const base = /listening on (http:\/\/\S+)\/v1/.exec(line)?.[1] as string;
      const auth = await axiosPost(base, `${base}/v1/oauth2/token`, {
        appKey: DEFAULT_MERCHANT.appKey,
        appSecret: DEFAULT_MERCHANT.appSecret,
      });
      const mit = { ...sampleEvaluate('4000002760003184'), isMIT: true, isRecurring: false };
      const approved = await axiosPost(base, `${base}/v1/evaluate`, mit, String(auth.data.accessToken));
      assert.equal(approved.data.status, 'APPROVED', JSON.stringify(approved.data));
      const delivery = await delivered;
      assert.equal(verifyLikeTheSample(delivery.payload, delivery.headers, String(key), '127.0.0.1'), true);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
