// Strict vs lenient: strict rejects what the real API would accept but a correct client never sends.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import { evaluate, evaluateBody, makeApp, tokenFor } from './helpers.js';

const REAL_LOOKING_CARD = '4532015112830366'; // Luhn-valid, not a test card

test('strict: an amount in dollars (19.99) is rejected with a message about cents; lenient accepts it', async () => {
  const strict = makeApp();
  const res = await evaluate(
    strict.app,
    await tokenFor(strict.app),
    evaluateBody({ transaction: { amount: 19.99 } }),
  );
  assert.equal(res.status, 400);
  assert.equal(res.body.code, '400007');
  assert.match(res.body.detail, /1999/);
  assert.match(res.body.detail, /real API would have accepted/);
  assert.ok(res.body.errors['Transaction.Amount']);

  const lenient = makeApp({ profile: 'lenient' });
  const ok = await evaluate(
    lenient.app,
    await tokenFor(lenient.app),
    evaluateBody({ transaction: { amount: 19.99 } }),
  );
  assert.equal(ok.status, 200);
});

test('strict: expiryDateUtc must be ISO 8601 UTC; RFC 1123 and zone-less forms are rejected', async () => {
  const { app } = makeApp();
  const token = await tokenFor(app);
  for (const expiry of [
    'Mon, 15 Jun 2026 00:00:00 GMT',
    '2026-06-15T00:00:00',
    '2026-06-15T00:00:00+02:00',
  ]) {
    const res = await evaluate(app, token, evaluateBody({ isMIT: true, expiryDateUtc: expiry }));
    assert.equal(res.status, 400, expiry);
    assert.equal(res.body.code, '400008');
    assert.ok(res.body.errors.ExpiryDateUtc);
  }
  const ok = await evaluate(app, token, evaluateBody({ isMIT: true, expiryDateUtc: '2026-06-15T00:00:00Z' }));
  assert.equal(ok.status, 200);

  const lenient = makeApp({ profile: 'lenient' });
  const rfc = await evaluate(
    lenient.app,
    await tokenFor(lenient.app),
    evaluateBody({ isMIT: true, expiryDateUtc: 'Mon, 15 Jun 2026 00:00:00 GMT' }),
  );
  assert.equal(rfc.status, 200);
  assert.equal(rfc.body.status, 'SUBMITTED');
});

test('an empty expiryDateUtc gets the observed 400 in both profiles', async () => {
  for (const profile of ['strict', 'lenient'] as const) {
    const { app } = makeApp({ profile });
    const res = await evaluate(app, await tokenFor(app), evaluateBody({ isMIT: true, expiryDateUtc: '' }));
    assert.equal(res.status, 400, profile);
    // The sandbox's flat ModelState (observed in ActiveMerchant's fixture invalid_expiry_date_utc).
    assert.deepEqual(res.body.ExpiryDateUtc, ['The field ExpiryDateUtc is invalid.']);
    assert.equal(res.headers['x-mock-error-code'], '400001');
  }
});

test('a real-looking card number: strict rejects it, lenient declines it; neither echoes or logs it', async () => {
  const strict = makeApp();
  const rejected = await evaluate(
    strict.app,
    await tokenFor(strict.app),
    evaluateBody({ paymentMethod: { cardNumber: REAL_LOOKING_CARD } }),
  );
  assert.equal(rejected.status, 400);
  assert.equal(rejected.body.code, '400005');
  assert.ok(!rejected.text.includes(REAL_LOOKING_CARD));
  assert.ok(!rejected.text.includes('0366'), 'not even the last four');

  const lenient = makeApp({ profile: 'lenient' });
  const token = await tokenFor(lenient.app);
  const declined = await evaluate(
    lenient.app,
    token,
    evaluateBody({ paymentMethod: { cardNumber: REAL_LOOKING_CARD } }),
  );
  assert.equal(declined.status, 200);
  assert.equal(declined.body.status, 'DECLINED');
  const order = await (await import('supertest'))
    .default(lenient.app)
    .get(`/v1/orders/${declined.body.orderId}`)
    .set('authorization', `Bearer ${token}`);
  assert.ok(!order.text.includes(REAL_LOOKING_CARD));
  assert.equal(order.body.card.last4, null);
  for (const line of [...strict.logs, ...lenient.logs]) assert.ok(!line.includes(REAL_LOOKING_CARD));
});

test('strict warns (header + log line) about raw test card numbers and undocumented cardholder fields', async () => {
  const { app, logs } = makeApp();
  const res = await evaluate(
    app,
    await tokenFor(app),
    evaluateBody({
      paymentMethod: { cardNumber: TEST_CARDS.approved, cvvCode: '123' },
      payer: { email: 'a@b.c', ssn: '000' },
    }),
  );
  assert.equal(res.status, 200);
  const warning = String(res.headers['x-mock-warning']);
  assert.match(warning, /tokenize/);
  assert.match(warning, /paymentMethod\.cvvCode/);
  assert.match(warning, /payer\.ssn/);
  assert.ok(logs.some((l) => l.startsWith('warn evaluate:') && l.includes('tokenize')));
  assert.ok(!warning.includes(TEST_CARDS.approved));

  const lenient = makeApp({ profile: 'lenient' });
  const quiet = await evaluate(lenient.app, await tokenFor(lenient.app), evaluateBody());
  assert.equal(quiet.headers['x-mock-warning'], undefined);
});

test('a warning is logged once per session, while every response carries the header', async () => {
  const { app, logs } = makeApp();
  const token = await tokenFor(app);
  for (let i = 0; i < 3; i++) {
    const res = await evaluate(app, token, evaluateBody());
    assert.match(String(res.headers['x-mock-warning']), /tokenize/);
  }
  assert.equal(logs.filter((l) => l.startsWith('warn evaluate:') && l.includes('tokenize')).length, 1);
  await evaluate(app, await tokenFor(app, undefined, 'other'), evaluateBody(), 'other');
  assert.equal(logs.filter((l) => l.startsWith('warn evaluate:') && l.includes('tokenize')).length, 2);
});
