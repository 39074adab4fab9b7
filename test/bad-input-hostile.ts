// The bad-input battery's hostile families (run by test/bad-input.test.ts, one test per family): what an attacker
// who read the README and the source would send, beyond malformed shapes — the admin API, raw header bytes Node's own
// client would never write, clock moves, forged tokens, card data in the wrong fields, receivers aimed elsewhere.
import type { BadCase, Fixtures, Method, RawCase } from './bad-input-cases.js';

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
