// The bad-input battery's hostile families (run by test/bad-input.test.ts, one test per family): what an attacker
// who read the README and the source would send, beyond malformed shapes — the admin API, raw header bytes Node's own
// client would never write, clock moves, forged tokens, card data in the wrong fields, receivers aimed elsewhere.
import { createHash, createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { DEFAULT_MERCHANT, SECOND_MERCHANT } from '../mock/domain/accounts.js';
import type { BadCase, Fixtures, Method, RawCase } from './bad-input-cases.js';
import { evaluateBody } from './helpers.js';

type Json = Record<string, unknown>;

/** A bearer token shaped like ours: HS256 over `claims` with `key` (a forgery when the key can be guessed). */
export function signedToken(key: Buffer, claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

const admin = (
  group: string,
  name: string,
  method: Method,
  path: string,
  body?: BadCase['body'],
  extra: Partial<BadCase> = {},
): BadCase => ({
  group,
  name,
  method,
  path,
  auth: 'none',
  ...(body !== undefined ? { body } : {}),
  ...extra,
});

/** Clock inputs outside any sane range: refused with a 400, the clock left where it was. */
export function clockCases(): BadCase[] {
  const advance = (name: string, by: unknown) =>
    admin('clock inputs', `advance by ${name}`, 'post', '/__admin/clock/advance', { by } as Json, {
      status: 400,
    });
  const set = (name: string, to: unknown) =>
    admin('clock inputs', `set to ${name}`, 'post', '/__admin/clock/set', { to } as Json, { status: 400 });
  return [
    advance('1e308', 1e308),
    admin(
      'clock inputs',
      'advance by 2^53 + 1 (as JSON text)',
      'post',
      '/__admin/clock/advance',
      {
        raw: '{"by":9007199254740993}',
        type: 'application/json',
      },
      { status: 400 },
    ),
    advance('"100000000d"', '100000000d'),
    advance('"1000000000000h"', '1000000000000h'),
    advance('101 years in ms', 101 * 366 * 86_400_000),
    advance('-1e308', -1e308),
    advance('"1e400ms"', '1e400ms'),
    advance('an object', { ms: 1 }),
    set('+275760-09-13T00:00:00.001Z', '+275760-09-13T00:00:00.001Z'),
    set('+275760-09-13T00:00:00Z (the last Date)', '+275760-09-13T00:00:00Z'),
    set('year 9999', '9999-12-31T23:59:59Z'),
    set('8.64e15 ms', 8.64e15),
    set('1e308 ms', 1e308),
  ];
}

/** Tokens that are huge, forged with the seed-derived key, or oddly signed: always a 401, never cached as valid. */
export function tokenCases(seed: number, nowMs: number): BadCase[] {
  const now = Math.floor(nowMs / 1000);
  const claims = (extra: Record<string, unknown>) => ({
    sub: 'x',
    'custom:mid': DEFAULT_MERCHANT.mid,
    nbf: now - 60,
    exp: now + 3_600,
    ...extra,
  });
  const seedKey = createHash('sha256').update(`flexfactor-mock-signing-key:${seed}`).digest();
  const other = createHash('sha256').update('someone else').digest();
  const get = (name: string, token: string, code?: string): BadCase => ({
    group: 'hostile tokens',
    name,
    method: 'get',
    path: '/v1/orders?pageSize=1',
    auth: { header: `Bearer ${token}` },
    status: 401,
    ...(code ? { code } : {}),
  });
  const forged = (name: string, extra: Record<string, unknown>) =>
    get(`forged with the seed's key: ${name}`, signedToken(seedKey, claims(extra)));
  return [
    get('15 KB, signed by someone else', signedToken(other, claims({ pad: 'x'.repeat(11_000) }))),
    get(
      '15 KB of base64url in three parts',
      `${'a'.repeat(5_000)}.${'b'.repeat(5_000)}.${'c'.repeat(5_000)}`,
    ),
    get(
      'a JWT header with jku and kid',
      `${Buffer.from('{"alg":"HS256","jku":"http://127.0.0.1:1/k","kid":"../../x"}').toString('base64url')}.e30.x`,
    ),
    get('alg HS512', `${Buffer.from('{"alg":"HS512"}').toString('base64url')}.e30.${'A'.repeat(86)}`),
    forged('a plain token', {}),
    forged('15 KB', { pad: 'x'.repeat(11_000) }),
    forged('expiring in the year 275760', { exp: 8.64e12 }),
    forged('for a merchant that does not exist', { 'custom:mid': 'ffffffff-ffff-4fff-8fff-ffffffffffff' }),
    forged('for the second merchant', { 'custom:mid': SECOND_MERCHANT.mid }),
  ];
}

/** Bodies on the admin routes that do not decode: the same 4xx as on /v1, never a 500. */
export function adminEncodingCases(): BadCase[] {
  const garbage = Buffer.from('this is not compressed at all');
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
  const cases: BadCase[] = [];
  for (const [path, method] of [
    ['/__admin/clock/advance', 'post'],
    ['/__admin/webhooks/receivers', 'post'],
    ['/__admin/session/scenarios', 'put'],
    ['/__admin/session/webhook-faults', 'put'],
  ] as const) {
    for (const encoding of ['gzip', 'br', 'deflate']) {
      cases.push(
        admin(
          'admin body encodings',
          `${method.toUpperCase()} ${path}: ${encoding} that is not`,
          method,
          path,
          {
            raw: garbage,
            type: 'application/json',
          },
          { headers: { 'content-encoding': encoding }, status: 400 },
        ),
      );
    }
    cases.push(
      admin(
        'admin body encodings',
        `${method.toUpperCase()} ${path}: a gzip bomb (64 MiB of spaces)`,
        method,
        path,
        {
          raw: bomb,
          type: 'application/json',
        },
        { headers: { 'content-encoding': 'gzip' } },
      ),
      admin(
        'admin body encodings',
        `${method.toUpperCase()} ${path}: Content-Encoding zstd`,
        method,
        path,
        {
          raw: garbage,
          type: 'application/json',
        },
        { headers: { 'content-encoding': 'zstd' }, status: 415 },
      ),
    );
  }
  cases.push({
    group: 'admin body encodings',
    name: 'POST /v1/evaluate: a gzip bomb (64 MiB of spaces)',
    method: 'post',
    path: '/v1/evaluate',
    auth: 'merchant',
    headers: { 'content-encoding': 'gzip' },
    body: { raw: bomb, type: 'application/json' },
  });
  return cases;
}

/** Card data outside the card fields, refused by the strict profile (the default) before anything is stored. */
export function cardDataCases(): BadCase[] {
  const evaluate = (name: string, patch: Json): BadCase => ({
    group: 'card data in other fields',
    name,
    method: 'post',
    path: '/v1/evaluate',
    auth: 'merchant',
    body: evaluateBody(patch) as Json,
    status: 400,
  });
  return [
    evaluate('a PAN inside payer.phone', { payer: { email: 'a@example.com', phone: '+1 5555555555554444' } }),
    evaluate('a PAN inside orderId', { orderId: 'O-4242424242424242-1' }),
    evaluate('a PAN with dashes in orderId', { orderId: '4242-4242-4242-4242' }),
    evaluate('a PAN inside billingInformation.addressLine1', {
      billingInformation: { ...BILLING_SAMPLE, addressLine1: '4111 1111 1111 1111 Main St' },
    }),
    evaluate('track data in payer.email', { payer: { email: '%B4242424242424242^DOE/JOHN^2512101?@x.com' } }),
    evaluate('"cvv 739" in a free-text field', { orderId: 'cvv 739' }),
  ];
}

const BILLING_SAMPLE = {
  firstName: 'Bad',
  lastName: 'Input',
  country: 'United States',
  countryCode: 'US',
  addressLine1: '1 Main St',
  city: 'San Francisco',
  state: 'CA',
  zipCode: '94111',
};

/** Webhook receivers an attacker would register: other hosts, the mock itself, credentials, odd schemes. */
export function receiverUrlCases(mockOrigin: string): BadCase[] {
  const receiver = (name: string, url: unknown) =>
    admin(
      'hostile receiver URLs',
      name,
      'post',
      '/__admin/webhooks/receivers',
      { url, mid: DEFAULT_MERCHANT.mid } as Json,
      {
        status: 400,
      },
    );
  return [
    receiver('cloud metadata 169.254.169.254', 'http://169.254.169.254/latest/meta-data/'),
    receiver('a private range 10.0.0.1', 'http://10.0.0.1/hook'),
    receiver('a private range 192.168.1.1', 'http://192.168.1.1/hook'),
    receiver('an IPv4-mapped IPv6 metadata address', 'http://[::ffff:169.254.169.254]/'),
    receiver('a decimal IP for 169.254.169.254', 'http://2852039166/'),
    receiver('the mock’s own reset', `${mockOrigin}/__admin/reset`),
    receiver(
      'the mock’s own admin API through localhost',
      `${mockOrigin.replace('127.0.0.1', 'localhost')}/__admin/clock/advance`,
    ),
    receiver('userinfo in the URL', 'http://user:secret@127.0.0.1:9/hook'),
    receiver('file:', 'file:///etc/passwd'),
    receiver('gopher:', 'gopher://127.0.0.1:6379/_FLUSHALL'),
    receiver('javascript:', 'javascript:alert(1)'),
    receiver('a CRLF in the URL', 'http://127.0.0.1:9/a\r\nX-Injected: 1'),
    receiver('not a string', ['http://127.0.0.1:9/']),
  ];
}

/** Session names that smuggle card data or aim at object internals. */
export function hostileSessionCases(f: Fixtures): BadCase[] {
  const names = ['4242424242424242', '4242-4242-4242-4242', 'session-5555555555554444', 'cvv-739'];
  return names.map((session) => ({
    group: 'hostile session names',
    name: `x-mock-session ${JSON.stringify(session)}`,
    method: 'get',
    path: `/v1/orders/${f.approvedOrder}`,
    auth: 'merchant',
    headers: { 'x-mock-session': session },
    status: 400,
  }));
}

/** The admin API attacked like any other: path tricks, prototype keys, huge lists, absurd numbers. */
export function adminAbuseCases(): BadCase[] {
  const g = 'admin abuse';
  return [
    admin(g, 'journal limit 1e9', 'get', '/__admin/journal?limit=1e9', undefined, { status: 400 }),
    admin(g, 'journal limit -1', 'get', '/__admin/journal?limit=-1', undefined, { status: 400 }),
    admin(g, 'journal kind as an array', 'get', '/__admin/journal?kind=request&kind=response', undefined, {
      status: 400,
    }),
    admin(
      g,
      'redeliver a delivery that does not exist',
      'post',
      '/__admin/webhooks/deliveries/nope/redeliver',
      undefined,
      {
        status: 404,
      },
    ),
    admin(
      g,
      'remove a receiver that does not exist',
      'delete',
      '/__admin/webhooks/receivers/..%2F1',
      undefined,
      {
        status: 404,
      },
    ),
    admin(
      g,
      'clock advance with __proto__',
      'post',
      '/__admin/clock/advance',
      {
        raw: '{"__proto__":{"polluted":1},"by":"oops"}',
        type: 'application/json',
      },
      { status: 400 },
    ),
    admin(g, '10,000 scenario names', 'put', '/__admin/session/scenarios', {
      names: Array.from({ length: 10_000 }, (_, i) => `no-such-${i}`),
    }),
    admin(
      g,
      'webhook faults: failTimes -1',
      'put',
      '/__admin/session/webhook-faults',
      { failTimes: -1 },
      {
        status: 400,
      },
    ),
    admin(
      g,
      'webhook faults: failTimes "2"',
      'put',
      '/__admin/session/webhook-faults',
      { failTimes: '2' },
      {
        status: 400,
      },
    ),
    admin(g, 'an unknown admin path', 'get', '/__admin/../__admin/secrets', undefined, { status: 404 }),
    admin(g, 'X-HTTP-Method-Override: DELETE on a GET', 'get', '/__admin/webhooks/receivers/x', undefined, {
      headers: { 'x-http-method-override': 'DELETE' },
      status: 405,
    }),
  ];
}

function rawCase(group: string, name: string, text: string | Buffer, status: number, code?: string): RawCase {
  return {
    group,
    name,
    bytes: Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'),
    status,
    ...(code ? { code } : {}),
  };
}

/** The battery's session and token as raw header lines. */
const rawAuth = (f: Fixtures) =>
  `x-mock-session: ${f.session}\r\nAuthorization: Bearer ${f.merchantToken}\r\n`;

/** Raw requests with header values Node's client will not send: non-ASCII bytes, a bare CR, a folded line. */
export function rawHeaderCases(f: Fixtures): RawCase[] {
  const withHeader = (name: string, value: Buffer) =>
    Buffer.concat([
      Buffer.from(
        `GET /v1/orders/${f.approvedOrder} HTTP/1.1\r\nHost: 127.0.0.1\r\n${rawAuth(f)}${name}: `,
        'latin1',
      ),
      value,
      Buffer.from('\r\nConnection: close\r\n\r\n', 'latin1'),
    ]);
  return [
    rawCase(
      'non-ASCII headers',
      'UTF-8 in x-mock-session',
      withHeader('x-mock-session', Buffer.from('café', 'utf8')),
      400,
    ),
    rawCase(
      'non-ASCII headers',
      'UTF-8 in x-mock-scenario',
      withHeader('x-mock-scenario', Buffer.from('gateway-timeout–é', 'utf8')),
      400,
    ),
    rawCase(
      'CR and LF in headers',
      'a bare CR inside a header value',
      withHeader('X-A', Buffer.from('a\rb', 'latin1')),
      400,
      '400013',
    ),
    rawCase(
      'CR and LF in headers',
      'a header folded onto the next line',
      withHeader('X-A', Buffer.from('a\r\n b', 'latin1')),
      400,
      '400013',
    ),
  ];
}

/** Raw requests Node's client will not send: HTTP/1.1 without Host, an Expect the server cannot meet. */
export function rawHostExpectCases(f: Fixtures): RawCase[] {
  const orders = `/v1/orders/${f.approvedOrder}`;
  return [
    rawCase(
      'missing Host',
      'HTTP/1.1 without Host',
      `GET ${orders} HTTP/1.1\r\n${rawAuth(f)}Connection: close\r\n\r\n`,
      400,
    ),
    rawCase(
      'odd Expect',
      'Expect: weird',
      `GET ${orders} HTTP/1.1\r\nHost: x\r\n${rawAuth(f)}Expect: weird\r\nConnection: close\r\n\r\n`,
      417,
    ),
  ];
}
