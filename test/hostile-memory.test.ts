// Hostile traffic against memory, tokens and the clock, over a real socket: what the server keeps from requests stays
// within its byte budget, tokens cannot be forged or made to exhaust memory, and no clock input breaks later requests.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { CompactSign } from 'jose';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { STORE_BYTE_LIMITS } from '../mock/domain/store.js';
import { evaluateBody } from './helpers.js';
import { type Live, startLive } from './hostile-helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
setFlagsFromString('--no-expose-gc');

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** The key every server used before: derived from the seed, which the admin API shows to anyone. */
const SEED_KEY = createHash('sha256').update('flexfactor-mock-signing-key:1').digest();

async function mint(claims: Record<string, unknown>, key: Uint8Array, alg = 'HS256'): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg, typ: 'JWT' })
    .sign(key);
}

function claimsAt(nowS: number, extra: Record<string, unknown> = {}) {
  return {
    'custom:mid': DEFAULT_MERCHANT.mid,
    nbf: nowS,
    exp: nowS + 600,
    iat: String(nowS * 1000),
    ...extra,
  };
}

describe('hostile memory: the journal keeps copies within a byte budget', { timeout: 60_000 }, () => {
  const BUDGET = 1024 * 1024;
  let live: Live;
  before(async () => {
    live = await startLive({ journalBytes: BUDGET });
  });
  after(() => live.close());

  test('looping over a 60-order listing retains no more than the budget', async () => {
    const token = await live.token(DEFAULT_MERCHANT, 'lister');
    const auth = { authorization: `Bearer ${token}`, 'x-mock-session': 'lister' };
    for (let i = 0; i < 60; i++) {
      const res = await live.call('POST', '/v1/evaluate', { headers: auth, body: evaluateBody() });
      assert.equal(res.status, 200, res.text);
    }
    const first = await live.call('GET', '/v1/orders?pageSize=100', { headers: auth });
    assert.equal(first.status, 200);
    assert.ok(first.text.length > 30_000, `a listing is large (${first.text.length} characters)`);
    const before = heapAfterGc();
    for (let i = 0; i < 250; i++) {
      const res = await live.call('GET', '/v1/orders?pageSize=100', { headers: auth });
      assert.equal(res.status, 200);
    }
    const grown = heapAfterGc() - before;
    const journal = live.app.mock.journal;
    // 250 listings of ~70 KB each: a journal that kept slices of them held ~17 MB alive.
    assert.ok(grown < 6 * BUDGET, `the heap grew by ${grown} bytes over 250 listings`);
    assert.ok(journal.bytes <= BUDGET, `journal counts ${journal.bytes} bytes, budget ${BUDGET}`);
    const newest = journal.entries({ session: 'lister', limit: 1 })[0];
    assert.equal(newest?.kind, 'request');
  });
});

describe('hostile memory: an order counts every string it keeps', { timeout: 120_000 }, () => {
  let live: Live;
  before(async () => {
    // Bodies of a few megabytes, so that a handful of orders fill the default 48 MiB order budget.
    live = await startLive({ bodyLimit: 16 * 1024 * 1024 });
  });
  after(() => live.close());

  test('long transaction ids, then long refund messages: the oldest orders go, and the total stays within budget', async () => {
    const session = 'long-strings';
    const token = await live.token(DEFAULT_MERCHANT, session);
    const auth = { authorization: `Bearer ${token}`, 'x-mock-session': session };
    const budget = live.app.mock.store.budget.orders;
    // Each of these strings is counted at 8 MB: six fill the budget.
    const long = (i: number) => `${i}`.padEnd(4_000_000, 'x');
    const evaluated = async (transactionId: string): Promise<string> => {
      const body = evaluateBody({ transaction: { id: transactionId } });
      const res = await live.call('POST', '/v1/evaluate', { headers: auth, body });
      assert.equal(res.status, 200, res.text.slice(0, 300));
      return res.body.orderSessionKey as string;
    };
    const found = async (id: string) =>
      (await live.call('GET', `/v1/orders/${id}`, { headers: auth })).status;

    const ids: string[] = [];
    for (let i = 0; i < 8; i++) {
      ids.push(await evaluated(long(i)));
      assert.ok(budget.bytes <= STORE_BYTE_LIMITS.orders, `${budget.bytes} bytes of orders`);
    }
    assert.deepEqual(await Promise.all(ids.map(found)), [404, 404, 200, 200, 200, 200, 200, 200]);

    // Refunds grow an order after it was made: eight small orders, each refunded with a long message.
    live.app.mock.store.reset(session);
    const small: string[] = [];
    for (let i = 0; i < 8; i++) small.push(await evaluated(`tx-${i}`));
    for (const [i, id] of small.entries()) {
      const body = { amountToRefund: 1, refundMessage: long(i) };
      const res = await live.call('POST', `/v1/orders/${id}/refund`, { headers: auth, body });
      assert.equal(res.status, 200, res.text.slice(0, 300));
      assert.equal(res.body.status, 'SUCCESS', res.text.slice(0, 300));
      assert.ok(budget.bytes <= STORE_BYTE_LIMITS.orders, `${budget.bytes} bytes of orders`);
    }
    assert.deepEqual(await Promise.all(small.map(found)), [404, 404, 200, 200, 200, 200, 200, 200]);
  });
});

describe('hostile tokens', { timeout: 60_000 }, () => {
  let live: Live;
  before(async () => {
    live = await startLive();
  });
  after(() => live.close());
  const nowS = () => Math.floor(live.app.mock.clock.now() / 1000);
  const orders = (token: string) =>
    live.call('GET', '/v1/orders', { headers: { authorization: `Bearer ${token}` } });

  test('a token signed with the seed-derived key is refused (the key is random per process)', async () => {
    const forged = await mint(claimsAt(nowS()), SEED_KEY);
    const res = await orders(forged);
    assert.equal(res.status, 401);
    assert.match(res.body.code, /^40100[23]$/);
    const real = await live.token();
    assert.equal((await orders(real)).status, 200);
  });

  test('the admin API never shows the signing key', async () => {
    const health = await live.call('GET', '/__admin/health');
    assert.equal(health.status, 200);
    assert.doesNotMatch(health.text, /key/i);
  });

  test('alg none and RS256 headers are refused with 401, not 500', async () => {
    const payload = Buffer.from(JSON.stringify(claimsAt(nowS()))).toString('base64url');
    for (const alg of ['none', 'RS256', 'HS512']) {
      const header = Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
      const res = await orders(`${header}.${payload}.${alg === 'none' ? '' : 'c2ln'}`);
      assert.equal(res.status, 401, `${alg}: ${res.text}`);
      assert.match(res.body.code, /^40100[23]$/);
    }
  });
});

describe('hostile tokens: a shared key still refuses absurd or oversized tokens', { timeout: 60_000 }, () => {
  const KEY = 'test-token-key';
  const key = createHash('sha256').update(KEY).digest();
  let live: Live;
  before(async () => {
    live = await startLive({ tokenKey: KEY });
  });
  after(() => live.close());
  const nowS = () => Math.floor(live.app.mock.clock.now() / 1000);
  const orders = (token: string) =>
    live.call('GET', '/v1/orders', { headers: { authorization: `Bearer ${token}` } });

  test('two servers with the same tokenKey accept each other’s tokens', async () => {
    const other = await startLive({ tokenKey: KEY });
    try {
      const token = await other.token();
      assert.equal((await orders(token)).status, 200);
    } finally {
      await other.close();
    }
  });

  test('a token valid for a century, or with non-finite times, is refused', async () => {
    for (const claims of [
      claimsAt(nowS(), { exp: nowS() + 100 * 365 * 86_400 }),
      claimsAt(nowS(), { exp: 1e308 }),
      claimsAt(nowS(), { nbf: -1e308 }),
    ]) {
      const res = await orders(await mint(claims, key));
      assert.equal(res.status, 401, res.text);
    }
  });

  test('an oversized token is refused before its signature is checked', async () => {
    const big = await mint(claimsAt(nowS(), { pad: 'x'.repeat(8_000) }), key);
    const res = await orders(big);
    assert.equal(res.status, 401);
    assert.equal(res.body.code, '401002');
    assert.match(res.body.detail ?? res.text, /bytes/);
  });

  test('thousands of distinct valid tokens keep the verified-token cache within its byte budget', async () => {
    const tokens = live.app.mock.tokens;
    const pad = 'p'.repeat(2_500);
    const base = nowS();
    for (let i = 0; i < 700; i++) {
      const token = await mint(claimsAt(base, { jti: String(i), pad }), key);
      const res = await orders(token);
      assert.equal(res.status, 200, res.text);
    }
    assert.ok(tokens.cachedBytes <= tokens.maxCachedBytes, `cache holds ${tokens.cachedBytes} bytes`);
    assert.ok(tokens.maxCachedBytes <= 8 * 1024 * 1024);
  });
});

describe('hostile clock inputs', { timeout: 60_000 }, () => {
  let live: Live;
  before(async () => {
    live = await startLive();
  });
  after(() => live.close());

  const health = async () => {
    const res = await live.call('GET', '/__admin/health');
    assert.equal(res.status, 200, res.text);
    assert.equal(Number.isNaN(Date.parse(res.body.now)), false);
  };

  // Raw JSON, so numbers past 2^53 reach the server exactly as an attacker would send them.
  const refusals: [string, string, string][] = [
    ['advance', '{"by":1e308}', '400020'],
    ['advance', '{"by":9007199254740993}', '400020'],
    ['advance', '{"by":"100000000d"}', '400020'],
    ['advance', '{"by":"36600d"}', '400020'],
    ['advance', '{"by":-5}', '400001'],
    ['set', '{"to":"+275760-09-13T00:00:00.000Z"}', '400020'],
    ['set', '{"to":"9999-01-01T00:00:00Z"}', '400020'],
    ['set', '{"to":8640000000000000}', '400001'],
    ['freeze', '{"at":"+200000-01-01T00:00:00Z"}', '400020'],
    ['freeze', '{"at":"-100000-01-01T00:00:00Z"}', '400020'],
  ];
  for (const [action, raw, code] of refusals) {
    test(`clock/${action} ${raw} is refused with ${code}, and later requests still work`, async () => {
      const res = await live.call('POST', `/__admin/clock/${action}`, {
        raw,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.code, code);
      if (code === '400020') assert.match(res.body.detail, /within 100 years/);
      await health();
      const token = await live.token();
      assert.equal(
        (await live.call('GET', '/v1/orders', { headers: { authorization: `Bearer ${token}` } })).status,
        200,
      );
    });
  }

  test('durations that do not parse stay validation errors (400001)', async () => {
    for (const by of ['101y', '1e400', 'soon']) {
      const res = await live.call('POST', '/__admin/clock/advance', { body: { by } });
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.code, '400001');
    }
    await health();
  });

  test('many small advances stop at the edge of the range instead of leaving it', async () => {
    let refused = 0;
    for (let i = 0; i < 30; i++) {
      const res = await live.call('POST', '/__admin/clock/advance', { body: { by: '3650d' } });
      if (res.status === 400) {
        assert.equal(res.body.code, '400020');
        refused += 1;
      } else assert.equal(res.status, 200, res.text);
    }
    assert.ok(refused > 0, 'advancing 300 years in 10-year steps must be refused at some point');
    await health();
    const token = await live.token();
    assert.equal(
      (await live.call('GET', '/v1/orders', { headers: { authorization: `Bearer ${token}` } })).status,
      200,
    );
  });
});
