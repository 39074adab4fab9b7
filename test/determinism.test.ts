// Same seed + same requests = byte-identical answers; another seed changes the ids.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import request from 'supertest';
import { DEFAULT_MERCHANT } from '../mock/credentials.js';
import { TEST_CARDS } from '../mock/outcomes.js';
import { makeApp } from './helpers.js';

async function script(seed: number): Promise<string[]> {
  const { app } = makeApp({ seed });
  const out: string[] = [];
  const token = await request(app)
    .post('/v1/oauth2/token')
    .send({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret });
  out.push(token.text);
  const auth = `Bearer ${token.body.accessToken}`;
  const body = (orderId: string, card: string) => ({
    isDeclined: true,
    orderId,
    idempotencyKey: `key-${orderId}`,
    transaction: { id: '1', amount: 1500, currency: 'USD' },
    payer: { email: 'a@b.c', phone: '998888' },
    billingInformation: {
      firstName: 'A',
      lastName: 'B',
      country: 'US',
      countryCode: 'US',
      addressLine1: '1 St',
      city: 'X',
      zipCode: '1',
    },
    paymentMethod: { cardNumber: card },
  });
  for (const [id, card] of [
    ['A', TEST_CARDS.approved],
    ['B', TEST_CARDS.visa],
    ['C', TEST_CARDS.submitted],
  ] as const) {
    const res = await request(app).post('/v1/evaluate').set('authorization', auth).send(body(id, card));
    out.push(res.text);
    out.push((await request(app).get(`/v1/orders/${res.body.orderId}`).set('authorization', auth)).text);
  }
  out.push((await request(app).get('/v1/orders/unknown').set('authorization', auth)).text);
  out.push((await request(app).get('/v1/orders').set('authorization', auth)).text);
  return out;
}

test('two runs with the same seed answer byte-identically', async () => {
  const first = await script(7);
  const second = await script(7);
  assert.deepEqual(second, first);
});

test('a different seed gives different ids', async () => {
  const a = await script(7);
  const b = await script(8);
  assert.notEqual(a[1], b[1]);
});
