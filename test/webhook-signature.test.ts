import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type SignedHeaders, signWebhook, verifyWebhookSignature } from '../mock/webhooks/signature.js';

// Official test vector (fact sheet §3.4); body is the §3.3 JSON joined onto one line.
const KEY = 'XRmKBxG5uvt1qWzqvp+T6CAbTo0MB89GTxXZD5cHA56RP7Mj4NbnHQOR1Y8uorUU9YQz8ujaVRUdm9vTSkPZSw==';
const HOST = 'fctestwebhook.free.beeceptor.com';
const NONCE = '5f1c2de28a76457c9cb79d1740f2260a';
const DATE = 'Mon, 20 Mar 2023 17:16:40 GMT';
const BODY =
  '{"Event":"order.completed","TimeStamp":"2023-03-20T17:16:40.898703Z","EventData":null,' +
  '"ExternalOrderId":"a9735210-1349-49bf-bfde-b737dd07872a","OrderId":"ac9674ed-cbfe-49aa-bc8b-eb1d2b74c429",' +
  '"ConfirmationId":"22ACD1D9","IsTestMode":true,"IsResent":false}';
const CONTENT_HASH =
  'pLs0Op5VWqQM3ZIumqC2NP6MDqcnwFN1znp/oCuw9LcYd8PtvLC8ProyPg8ZDadsRc36NskT3QGKn/PkNqwWfg==';
const SIGNATURE = '+HXN8ZewgINLk+uC/UI92HSWmLK7gZOECPxOGEM91ATyfyzScMF/+osEK5B0UjO7OFqahDvesSo8jmUWMZtQnA==';
const BODY_SIGNATURE =
  'SbzcEwAKsViWqrB8+suZMjOdadswbUjLHtIKjDQJYle31xbB8Vr0pVTDaNP28/y+NDynpyFyKKnXmWZy8uJVig==';
const VECTOR_HEADERS: SignedHeaders = {
  'x-fc-date': DATE,
  'x-fc-nonce': NONCE,
  'x-fc-content-sha512': CONTENT_HASH,
  'x-fc-authorization': `HMAC-SHA512 SignedHeaders=x-fc-nonce;x-fc-date;host;x-fc-content-sha512&Signature=${SIGNATURE}`,
  'x-fc-signature': BODY_SIGNATURE,
};
const SENT_AT = new Date(Date.UTC(2023, 2, 20, 17, 16, 40));
const OTHER_KEY = Buffer.alloc(64, 7).toString('base64');

function headers(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { ...VECTOR_HEADERS, host: HOST, ...overrides };
}

function rejects(result: ReturnType<typeof verifyWebhookSignature>, reason: string | RegExp): void {
  assert.equal(result.ok, false);
  if (result.ok) return;
  if (typeof reason === 'string') assert.equal(result.reason, reason);
  else assert.match(result.reason, reason);
}

test('the vector body is the 255-byte one-line JSON of §3.3', () => {
  assert.equal(Buffer.byteLength(BODY, 'utf8'), 255);
});

test('signWebhook reproduces the official test vector bit for bit', () => {
  assert.deepEqual(
    signWebhook({ body: BODY, subscriberKey: KEY, host: HOST, date: DATE, nonce: NONCE }),
    VECTOR_HEADERS,
  );
});

test('signWebhook accepts a Buffer body, a Date, and strips scheme and port from the host', () => {
  const signed = signWebhook({
    body: Buffer.from(BODY),
    subscriberKey: KEY,
    host: `https://${HOST}:443`,
    date: SENT_AT,
    nonce: NONCE,
  });
  assert.deepEqual(signed, VECTOR_HEADERS);
});

test('signWebhook throws on an invalid subscriber key', () => {
  assert.throws(
    () => signWebhook({ body: BODY, subscriberKey: 'not base64!', host: HOST, date: DATE, nonce: NONCE }),
    TypeError,
  );
});

test('verify accepts the official vector', () => {
  assert.deepEqual(verifyWebhookSignature({ body: BODY, headers: headers(), subscriberKey: KEY }), {
    ok: true,
  });
  assert.deepEqual(
    verifyWebhookSignature({
      body: Buffer.from(BODY),
      headers: headers({ host: undefined }),
      subscriberKey: KEY,
      host: HOST,
    }),
    { ok: true },
  );
});

test('verify round-trips with signWebhook', () => {
  const body = '{"Event":"order.refunded","IsResent":true}';
  const signed = signWebhook({
    body,
    subscriberKey: OTHER_KEY,
    host: 'example.test',
    date: new Date(),
    nonce: 'abc',
  });
  const result = verifyWebhookSignature({
    body,
    headers: { ...signed, host: 'example.test' },
    subscriberKey: OTHER_KEY,
  });
  assert.deepEqual(result, { ok: true });
});

test('verify rejects a body tampered by one character', () => {
  const tampered = BODY.replace('"IsResent":false', '"IsResent":falsE');
  assert.equal(tampered.length, BODY.length);
  rejects(
    verifyWebhookSignature({ body: tampered, headers: headers(), subscriberKey: KEY }),
    'content hash does not match body',
  );
});

test('verify rejects a tampered body even when the content hash header is recomputed', () => {
  const tampered = BODY.replace('22ACD1D9', '22ACD1D8');
  const hash = signWebhook({ body: tampered, subscriberKey: KEY, host: HOST, date: DATE, nonce: NONCE })[
    'x-fc-content-sha512'
  ];
  rejects(
    verifyWebhookSignature({
      body: tampered,
      headers: headers({ 'x-fc-content-sha512': hash }),
      subscriberKey: KEY,
    }),
    'x-fc-authorization signature mismatch',
  );
});

test('verify rejects a tampered date', () => {
  const result = verifyWebhookSignature({
    body: BODY,
    headers: headers({ 'x-fc-date': 'Mon, 20 Mar 2023 17:16:41 GMT' }),
    subscriberKey: KEY,
  });
  rejects(result, 'x-fc-authorization signature mismatch');
});

test('verify rejects a different host (header or option)', () => {
  rejects(
    verifyWebhookSignature({
      body: BODY,
      headers: headers({ host: 'evil.example.com' }),
      subscriberKey: KEY,
    }),
    'x-fc-authorization signature mismatch',
  );
  rejects(
    verifyWebhookSignature({ body: BODY, headers: headers(), subscriberKey: KEY, host: 'evil.example.com' }),
    'x-fc-authorization signature mismatch',
  );
});

test('verify rejects a tampered nonce', () => {
  rejects(
    verifyWebhookSignature({
      body: BODY,
      headers: headers({ 'x-fc-nonce': '5f1c2de28a76457c9cb79d1740f2260b' }),
      subscriberKey: KEY,
    }),
    'x-fc-authorization signature mismatch',
  );
});

test('verify rejects a wrong key', () => {
  rejects(
    verifyWebhookSignature({ body: BODY, headers: headers(), subscriberKey: OTHER_KEY }),
    'x-fc-authorization signature mismatch',
  );
  rejects(verifyWebhookSignature({ body: BODY, headers: headers(), subscriberKey: '' }), /subscriberKey/);
  rejects(verifyWebhookSignature({ body: BODY, headers: headers(), subscriberKey: '%%%' }), /subscriberKey/);
});

test('verify rejects a forged x-fc-signature even when the authorization signature is valid', () => {
  const forged = `${BODY_SIGNATURE.slice(0, 10)}A${BODY_SIGNATURE.slice(11)}`;
  assert.notEqual(forged, BODY_SIGNATURE);
  rejects(
    verifyWebhookSignature({
      body: BODY,
      headers: headers({ 'x-fc-signature': forged }),
      subscriberKey: KEY,
    }),
    'x-fc-signature mismatch',
  );
});

test('verify rejects missing headers, naming the header', () => {
  for (const name of [...Object.keys(VECTOR_HEADERS), 'host']) {
    rejects(
      verifyWebhookSignature({ body: BODY, headers: headers({ [name]: undefined }), subscriberKey: KEY }),
      `missing ${name} header`,
    );
  }
  rejects(verifyWebhookSignature({ body: BODY, headers: {}, subscriberKey: KEY }), /^missing x-fc-/);
});

test('verify rejects garbage and wrong-length base64 without throwing', () => {
  const cases: [string, string, RegExp][] = [
    ['x-fc-content-sha512', '!!not*base64', /x-fc-content-sha512 is not valid base64/],
    ['x-fc-content-sha512', 'AAAA', /content hash does not match body/],
    ['x-fc-signature', 'garbage', /x-fc-signature is not valid base64/],
    ['x-fc-signature', 'c2hvcnQ=', /x-fc-signature mismatch/],
    ['x-fc-authorization', 'Bearer abc', /x-fc-authorization is malformed/],
    [
      'x-fc-authorization',
      'HMAC-SHA512 SignedHeaders=x-fc-nonce;x-fc-date;host;x-fc-content-sha512&Signature=@@@',
      /x-fc-authorization Signature is not valid base64/,
    ],
    [
      'x-fc-authorization',
      'HMAC-SHA512 SignedHeaders=x-fc-nonce;x-fc-date;host;x-fc-content-sha512&Signature=AAAA',
      /x-fc-authorization signature mismatch/,
    ],
    [
      'x-fc-authorization',
      `HMAC-SHA512 SignedHeaders=x-fc-date;host&Signature=${SIGNATURE}`,
      /x-fc-authorization SignedHeaders/,
    ],
  ];
  for (const [name, value, reason] of cases) {
    rejects(
      verifyWebhookSignature({ body: BODY, headers: headers({ [name]: value }), subscriberKey: KEY }),
      reason,
    );
  }
});

test('verify never throws on nonsense input', () => {
  const bad = [
    { body: { Event: 'order.completed' }, headers: headers(), subscriberKey: KEY },
    { body: BODY, headers: null, subscriberKey: KEY },
    { body: BODY, headers: headers(), subscriberKey: 42 },
    { body: BODY, headers: { ...headers(), 'x-fc-nonce': [NONCE, NONCE] }, subscriberKey: KEY },
    { body: BODY, headers: headers(), subscriberKey: KEY, toleranceSeconds: -1, now: SENT_AT },
  ];
  for (const input of bad) {
    const result = verifyWebhookSignature(input as unknown as Parameters<typeof verifyWebhookSignature>[0]);
    assert.equal(result.ok, false);
  }
});

test('verify accepts mixed-case header names and a host header with a port', () => {
  const mixed = {
    'X-FC-Date': DATE,
    'X-Fc-Nonce': NONCE,
    'X-FC-CONTENT-SHA512': CONTENT_HASH,
    'x-Fc-Authorization': VECTOR_HEADERS['x-fc-authorization'],
    'X-Fc-Signature': BODY_SIGNATURE,
    Host: `${HOST}:8443`,
  };
  assert.deepEqual(verifyWebhookSignature({ body: BODY, headers: mixed, subscriberKey: KEY }), { ok: true });
  assert.deepEqual(
    verifyWebhookSignature({
      body: BODY,
      headers: headers({ host: 'localhost:3000' }),
      subscriberKey: KEY,
      host: `${HOST}:443`,
    }),
    { ok: true },
  );
});

test('verify applies toleranceSeconds both ways and has no default tolerance', () => {
  const at = (offsetSeconds: number) => new Date(SENT_AT.getTime() + offsetSeconds * 1000);
  const verify = (now: Date) =>
    verifyWebhookSignature({
      body: BODY,
      headers: headers(),
      subscriberKey: KEY,
      now,
      toleranceSeconds: 300,
    });
  assert.deepEqual(verify(at(300)), { ok: true });
  assert.deepEqual(verify(at(-300)), { ok: true });
  rejects(verify(at(301)), 'x-fc-date outside tolerance');
  rejects(verify(at(-301)), 'x-fc-date outside tolerance');
  // Without toleranceSeconds the 2023 date is accepted today.
  assert.deepEqual(verifyWebhookSignature({ body: BODY, headers: headers(), subscriberKey: KEY }), {
    ok: true,
  });
});
