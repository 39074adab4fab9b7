// Malformed HTTP and hostile request shapes over a real socket: every refusal is a JSON problem with a six-digit
// code (never an empty body or a 500), and what the stores keep from requests stays within their byte budgets.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { evaluateBody } from './helpers.js';
import { type Live, rawBody, rawExchange, startLive } from './hostile-helpers.js';

describe('hostile HTTP', { timeout: 60_000 }, () => {
  let live: Live;
  before(async () => {
    live = await startLive();
  });
  after(() => live.close());

  for (const encoding of ['gzip', 'br', 'deflate']) {
    test(`an admin body that does not inflate (${encoding}) is 400002, not a 500`, async () => {
      const res = await live.call('POST', '/__admin/clock/advance', {
        headers: { 'content-type': 'application/json', 'content-encoding': encoding },
        raw: 'this is not compressed',
      });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.code, '400002');
    });
  }

  test('a valid gzip admin body still works', async () => {
    const res = await live.call('POST', '/__admin/clock/advance', {
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      raw: gzipSync(JSON.stringify({ by: '1s' })),
    });
    assert.equal(res.status, 200, res.text);
  });

  test('an HTTP/1.1 request without Host gets a 400021 problem body', async () => {
    const answer = await rawExchange(
      live.server.port,
      'GET /__admin/health HTTP/1.1\r\nConnection: close\r\n\r\n',
    );
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /content-type: application\/problem\+json/i);
    assert.equal((rawBody(answer) as { code?: string })?.code, '400021');
  });

  test('an HTTP/1.0 request without Host is still served', async () => {
    const answer = await rawExchange(live.server.port, 'GET /__admin/health HTTP/1.0\r\n\r\n');
    assert.match(answer, /^HTTP\/1\.1 200 /);
  });

  test('an unknown Expect gets a 417001 problem body', async () => {
    const answer = await rawExchange(
      live.server.port,
      'GET /__admin/health HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: weird\r\nConnection: close\r\n\r\n',
    );
    assert.match(answer, /^HTTP\/1\.1 417 /);
    assert.equal((rawBody(answer) as { code?: string })?.code, '417001');
  });

  test('Expect: 100-continue still works', async () => {
    const body = JSON.stringify({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret });
    const answer = await rawExchange(
      live.server.port,
      'POST /v1/oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nConnection: close\r\n' +
        `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    assert.match(answer, /HTTP\/1\.1 200 /);
  });

  test('x-mock-scenario with thousands of names is a 400011, quickly refused', async () => {
    const token = await live.token();
    const names = Array.from({ length: 2_000 }, (_, i) => `s${i}`).join(',');
    const res = await live.call('GET', '/v1/orders', {
      headers: { authorization: `Bearer ${token}`, 'x-mock-scenario': names },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, '400011');
    assert.ok(res.text.length < 4_096, `the answer is ${res.text.length} characters`);
  });

  test('__proto__ and constructor keys in a body pollute nothing and are not a 500', async () => {
    const token = await live.token();
    const raw = JSON.stringify(evaluateBody()).replace(
      /^\{/,
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},',
    );
    const res = await live.call('POST', '/v1/evaluate', {
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      raw,
    });
    assert.ok(res.status < 500, res.text);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('unicode and control characters in a session name are refused with 400012', async () => {
    for (const name of ['séance', 'a b', 'x'.repeat(101)]) {
      const res = await live.call('GET', '/__admin/journal', { headers: { 'x-mock-session': name } });
      assert.equal(res.status, 400, name);
      assert.equal(res.body.code, '400012');
    }
  });
});

describe('hostile request sizes: the order and idempotency stores stay within their byte budgets', {
  timeout: 60_000,
}, () => {
  let live: Live;
  before(async () => {
    live = await startLive({ profile: 'lenient' });
  });
  after(() => live.close());

  test('orders with 200 KB names are evicted by bytes, not kept by the thousand', async () => {
    const token = await live.token(DEFAULT_MERCHANT, 'big');
    const headers = { authorization: `Bearer ${token}`, 'x-mock-session': 'big' };
    const long = 'n'.repeat(200_000);
    let created = 0;
    for (let i = 0; i < 150; i++) {
      const res = await live.call('POST', '/v1/evaluate', {
        headers,
        body: evaluateBody({
          billingInformation: { firstName: long, lastName: long },
          idempotencyKey: `${i}-${long}`,
        }),
      });
      assert.equal(res.status, 200, res.text.slice(0, 300));
      created += 1;
    }
    assert.equal(created, 150);
    const { orders, idempotencyKeys } = live.app.mock.store.budget;
    assert.ok(orders.bytes <= orders.maxBytes, `orders hold ${orders.bytes} bytes`);
    assert.ok(orders.maxBytes <= 64 * 1024 * 1024);
    assert.ok(idempotencyKeys.bytes <= idempotencyKeys.maxBytes, `keys hold ${idempotencyKeys.bytes} bytes`);
    assert.ok(orders.size < 150, `${orders.size} orders kept`);
    const health = await live.call('GET', '/__admin/health');
    assert.equal(health.status, 200);
  });
});

describe('hostile body shapes', { timeout: 60_000 }, () => {
  let live: Live;
  before(async () => {
    live = await startLive();
  });
  after(() => live.close());

  test('a body of 80,000 keys is refused before anything walks it', async () => {
    const token = await live.token();
    const keys: Record<string, number> = {};
    for (let i = 0; i < 80_000; i++) keys[`k${i}`] = 1;
    const res = await live.call('POST', '/v1/evaluate', {
      headers: { authorization: `Bearer ${token}`, accept: 'application/problem+json' },
      body: { ...evaluateBody(), ...keys },
    });
    assert.equal(res.status, 400, res.text.slice(0, 300));
    assert.equal(res.body.code, '400001');
    assert.match(res.body.errors.$[0], /more than 10000 values/);
    const ok = await live.call('POST', '/v1/evaluate', {
      headers: { authorization: `Bearer ${token}` },
      body: evaluateBody(),
    });
    assert.equal(ok.status, 200);
  });

  test('numbers in the query are plain decimal digits within range, else 400012 saying so', async () => {
    const token = await live.token();
    const list = (query: string) =>
      live.call('GET', `/v1/orders?${query}`, { headers: { authorization: `Bearer ${token}` } });
    for (const [query, field, message] of [
      ['pageSize=0x10', 'pageSize', /decimal digits/],
      ['pageSize=%201', 'pageSize', /decimal digits/],
      ['pageNumber=1e300', 'pageNumber', /decimal digits/],
      ['pageNumber=1e2', 'pageNumber', /decimal digits/],
      ['pageNumber=9007199254740993', 'pageNumber', /decimal digits/],
      ['pageNumber=2147483648', 'pageNumber', /<= 2147483647/],
      ['pageNumber=Infinity', 'pageNumber', /decimal digits/],
      ['status=5&status=0x7', 'status[1]', /decimal digits/],
    ] as const) {
      const res = await list(query);
      assert.equal(res.status, 400, `${query}: ${res.text}`);
      assert.equal(res.headers.get('x-mock-error-code'), '400012', query);
      assert.match(String(res.body[field]), message, `${query}: ${res.text}`);
    }
    const fine = await list('pageSize=25&pageNumber=2147483647&status=5&status=7');
    assert.equal(fine.status, 200, fine.text);
    assert.equal(fine.body.pageNumber, 2147483647);
    assert.equal(fine.body.pageSize, 25);
    const admin = await live.call('GET', '/__admin/journal?limit=0x10');
    assert.equal(admin.status, 400, admin.text);
    assert.equal(admin.body.code, '400012');
  });
});
