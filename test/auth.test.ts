// Tokens: the observed JWT claims, a 600-second life on the virtual clock, and every 401/403 path.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { DEFAULT_MERCHANT, DEFAULT_PARTNER, SECOND_MERCHANT } from '../mock/domain/accounts.js';
import { evaluate, evaluateBody, makeApp, T0, tokenFor } from './helpers.js';

function claimsOf(jwt: string): Record<string, unknown> {
  const [, payload] = jwt.split('.');
  return JSON.parse(Buffer.from(String(payload), 'base64url').toString('utf8'));
}

test('the token response has the observed shape and a JWT with the observed claims', async () => {
  const { app } = makeApp();
  const res = await request(app)
    .post('/v1/oauth2/token')
    .send({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret });
  assert.equal(res.status, 200);
  const t0 = Date.parse(T0);
  assert.equal(res.body.expires, t0 + 600_000, 'expires is ms since the epoch, 600 s ahead');
  assert.equal(res.body.success, true);
  assert.deepEqual(res.body.errors, []);
  assert.equal(res.body.session, null);
  const [header] = String(res.body.accessToken).split('.');
  assert.deepEqual(JSON.parse(Buffer.from(String(header), 'base64url').toString()), {
    alg: 'HS256',
    typ: 'JWT',
  });
  const claims = claimsOf(res.body.accessToken);
  assert.deepEqual(Object.keys(claims).sort(), [
    'aud',
    'custom:mid',
    'exp',
    'iat',
    'iss',
    'jti',
    'nbf',
    'sub',
    'unique_name',
  ]);
  assert.equal(claims.sub, res.body.id);
  assert.equal(claims.unique_name, res.body.id);
  assert.equal(claims['custom:mid'], DEFAULT_MERCHANT.mid);
  assert.equal(claims.iss, 'Api-Client-Service');
  assert.equal(claims.iat, String(t0), 'iat is a string of ms, as observed');
  assert.equal((claims.exp as number) - (claims.nbf as number), 600);
  assert.ok(Array.isArray(claims.aud) && (claims.aud as string[]).includes('payments'));
});

test('a token works for 600 s of virtual time and then gets 401004', async () => {
  const { app } = makeApp();
  const token = await tokenFor(app);
  const ok = await request(app).get('/v1/orders').set('authorization', `Bearer ${token}`);
  assert.equal(ok.status, 200);
  app.mock.clock.advance(599_000);
  const stillOk = await request(app).get('/v1/orders').set('authorization', `Bearer ${token}`);
  assert.equal(stillOk.status, 200);
  app.mock.clock.advance(1_000);
  const expired = await request(app).get('/v1/orders').set('authorization', `Bearer ${token}`);
  assert.equal(expired.status, 401);
  assert.equal(expired.body.code, '401004');
  const fresh = await tokenFor(app);
  const again = await request(app).get('/v1/orders').set('authorization', `Bearer ${fresh}`);
  assert.equal(again.status, 200);
});

test('the word Bearer is case-insensitive, as ASP.NET accepts it', async () => {
  const { app } = makeApp();
  const token = await tokenFor(app);
  const res = await request(app).get('/v1/orders').set('authorization', `bearer ${token}`);
  assert.equal(res.status, 200);
});

test('a tampered token is refused with 401003', async () => {
  const { app } = makeApp();
  const token = await tokenFor(app);
  const [h, p, s] = token.split('.');
  const claims = claimsOf(token);
  claims['custom:mid'] = SECOND_MERCHANT.mid;
  const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
  const res = await request(app).get('/v1/orders').set('authorization', `Bearer ${forged}`);
  assert.equal(res.status, 401);
  assert.equal(res.body.code, '401003');
  assert.ok(p);
});

test('a token is one string: padding or base64 (not base64url) characters in it are refused with 401002', async () => {
  const { app } = makeApp();
  const token = await tokenFor(app);
  const [h, p, s] = token.split('.') as [string, string, string];
  // The same signature bytes in base64: "+" and "/" for "-" and "_", then "=" padding.
  const base64 = Buffer.from(s, 'base64url').toString('base64');
  for (const variant of [
    `${token}=`,
    `${token}==`,
    `${h}.${p}.${base64}`,
    `${h}.${p}.${base64.replace(/=+$/, '')}+/`,
  ]) {
    const res = await request(app).get('/v1/orders').set('authorization', `Bearer ${variant}`);
    assert.equal(res.status, 401, variant.slice(-8));
    assert.equal(res.body.code, '401002', variant.slice(-8));
    assert.match(res.body.detail, /base64url/);
  }
  assert.equal((await request(app).get('/v1/orders').set('authorization', `Bearer ${token}`)).status, 200);
});

test('a token from a server with another seed is refused', async () => {
  const other = makeApp({ seed: 2 }).app;
  const token = await tokenFor(other);
  const { app } = makeApp({ seed: 1 });
  const res = await request(app).get('/v1/orders').set('authorization', `Bearer ${token}`);
  assert.equal(res.status, 401);
  assert.equal(res.body.code, '401003');
});

test('a merchant cannot act for another merchant; a partner can act for both', async () => {
  const { app } = makeApp();
  const merchant = await tokenFor(app);
  const denied = await evaluate(app, merchant, evaluateBody({ mid: SECOND_MERCHANT.mid }));
  assert.equal(denied.status, 403);
  assert.equal(denied.body.code, '403001');
  const listDenied = await request(app)
    .get(`/v1/orders?mid=${SECOND_MERCHANT.mid}`)
    .set('authorization', `Bearer ${merchant}`);
  assert.equal(listDenied.status, 403);

  const partner = await tokenFor(app, DEFAULT_PARTNER);
  const created = await evaluate(app, partner, evaluateBody({ mid: SECOND_MERCHANT.mid }));
  assert.equal(created.status, 200);
  const listed = await request(app)
    .get(`/v1/orders?mid=${SECOND_MERCHANT.mid}`)
    .set('authorization', `Bearer ${partner}`);
  assert.equal(listed.body.totalItemCount, 1);
  assert.equal(listed.body.items[0].mid, SECOND_MERCHANT.mid);
  // The order lives with the second merchant: its own token sees it, the first merchant's does not.
  const second = await tokenFor(app, SECOND_MERCHANT);
  const own = await request(app)
    .get(`/v1/orders/${created.body.orderId}`)
    .set('authorization', `Bearer ${second}`);
  assert.equal(own.status, 200);
  const other = await request(app)
    .get(`/v1/orders/${created.body.orderId}`)
    .set('authorization', `Bearer ${merchant}`);
  assert.equal(other.status, 404);
});

test('accounts from a merchants list replace the defaults', async () => {
  const custom = {
    mid: '11111111-2222-4333-8444-555555555555',
    appKey: 'custom-key',
    appSecret: 'custom-secret',
    tokenizationKey: 'custom-tk',
    subscriberKey: DEFAULT_MERCHANT.subscriberKey,
    companyName: 'Custom',
    partnerFor: [],
  };
  const { app } = makeApp({ accounts: [custom] });
  const token = await tokenFor(app, custom);
  assert.ok(token);
  const res = await request(app)
    .post('/v1/oauth2/token')
    .send({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret });
  assert.equal(res.status, 400);
});
