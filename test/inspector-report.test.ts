// The journal's live subscription and the prerequisites report, without a browser: what the inspector's stream and
// its readiness view are built on.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import request from 'supertest';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import type { JournalEntry } from '../mock/journal/journal.js';
import { evaluate, evaluateBody, makeApp, tokenFor } from './helpers.js';

describe('journal subscription and prerequisites report', { timeout: 60_000 }, () => {
  test('a subscriber gets each new entry once, redacted; clear() does not replay; unsubscribe stops it', async () => {
    const { app } = makeApp();
    const seen: JournalEntry[] = [];
    const stop = app.mock.journal.subscribe((entry) => seen.push(entry));
    const token = await tokenFor(app);
    await evaluate(app, token, evaluateBody());
    const requests = seen.filter((e) => e.kind === 'request');
    assert.equal(requests.length, 2);
    assert.deepEqual(
      seen.map((e) => e.seq),
      [...new Set(seen.map((e) => e.seq))],
    );
    assert.ok(!JSON.stringify(seen).includes(TEST_CARDS.approved), 'no card number reaches a subscriber');
    const before = seen.length;
    app.mock.journal.clear('someone-else');
    assert.equal(seen.length, before, 'the kept entries are stored again without being sent again');
    stop();
    await tokenFor(app);
    assert.equal(seen.length, before);
  });

  test('the report counts each strict-profile finding with one redacted example', async () => {
    const { app } = makeApp();
    const token = await tokenFor(app, undefined, 'ready');
    await evaluate(app, token, evaluateBody(), 'ready'); // a raw test card: warning
    await evaluate(app, token, evaluateBody(), 'ready');
    await evaluate(app, token, evaluateBody({ transaction: { amount: 15.5 } }), 'ready'); // 400007
    await evaluate(app, token, evaluateBody({ expiryDateUtc: 'Tue, 15 Dec 2026 00:00:00 GMT' }), 'ready');
    await evaluate(app, token, evaluateBody({ paymentMethod: { cardNumber: '4242424242424242' } }), 'ready');
    const res = await request(app).get('/__admin/session/prerequisites').set('x-mock-session', 'ready');
    assert.equal(res.status, 200);
    const counts = Object.fromEntries(
      (res.body.findings as { id: string; count: number }[]).map((f) => [f.id, f.count]),
    );
    assert.equal(counts['raw-card-number'], 3, 'two warnings and one refused foreign card');
    assert.equal(counts['amount-not-cents'], 1);
    assert.equal(counts['expiry-not-utc'], 1);
    assert.equal(counts['extra-personal-data'], 0);
    const amount = res.body.findings.find((f: { id: string }) => f.id === 'amount-not-cents');
    assert.equal(amount.example.code, '400007');
    assert.ok(!JSON.stringify(res.body).includes('4242424242424242'));
    const other = await request(app).get('/__admin/session/prerequisites').set('x-mock-session', 'fresh');
    assert.equal(other.body.requests, 0);
  });

  test('a warning quoting a field name the header had to percent-encode is reported as written', async () => {
    const { app } = makeApp();
    const token = await tokenFor(app, undefined, 'accents');
    const body = evaluateBody();
    (body.payer as Record<string, unknown>)['prénom 100%'] = 'Zoë';
    const answer = await evaluate(app, token, body, 'accents');
    assert.match(String(answer.headers['x-mock-warning']), /pr%C3%A9nom 100%25/, 'the header is encoded');
    const res = await request(app).get('/__admin/session/prerequisites').set('x-mock-session', 'accents');
    const extra = res.body.findings.find((f: { id: string }) => f.id === 'extra-personal-data');
    assert.equal(extra.count, 1);
    assert.match(extra.example.message, /payer\.prénom 100%/);
  });

  test('credentials: built-in accounts whole, a merchants-file account without its secrets', async () => {
    const mine = {
      ...DEFAULT_MERCHANT,
      companyName: 'Mine',
      mid: '11111111-2222-4333-8444-555555555555',
      appKey: 'my-app-key',
      appSecret: 'my-very-own-app-secret',
      tokenizationKey: 'my-tokenization-key',
      subscriberKey: 'bXktc3Vic2NyaWJlci1rZXk=',
    };
    const { app } = makeApp({ accounts: [DEFAULT_MERCHANT, mine] });
    const res = await request(app).get('/__admin/credentials');
    assert.equal(res.status, 200);
    const text = JSON.stringify(res.body);
    for (const secret of [mine.appSecret, mine.tokenizationKey, mine.subscriberKey]) {
      assert.ok(!text.includes(secret), `${secret} is not echoed`);
    }
    const byKey = new Map(res.body.accounts.map((a: { appKey: string }) => [a.appKey, a]));
    assert.deepEqual(byKey.get('my-app-key'), {
      companyName: 'Mine',
      mid: mine.mid,
      appKey: 'my-app-key',
      appSecret: '[redacted]',
      tokenizationKey: '[redacted]',
      subscriberKey: '[redacted]',
      partnerFor: [],
      source: 'merchants file',
    });
    assert.equal(
      (byKey.get(DEFAULT_MERCHANT.appKey) as { appSecret: string }).appSecret,
      DEFAULT_MERCHANT.appSecret,
    );
  });
});
