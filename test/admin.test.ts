// The admin API: every operation of contracts/admin.yaml, per-session scoping, and the token on non-loopback binds.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { loadAdminContract } from '../mock/admin/admin-api.js';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import { MAX_SESSIONS } from '../mock/domain/store.js';
import { type MockServer, startMock } from '../mock/http/start-mock.js';
import { evaluate, evaluateBody, makeApp, T0, tokenFor } from './helpers.js';

const admin = loadAdminContract();

/** Assert the response conforms to contracts/admin.yaml for this operation. */
function conforms(operationId: string, res: request.Response): void {
  assert.deepEqual(
    admin.checkResponse(operationId, res.status, res.body),
    [],
    `${operationId} ${res.status}`,
  );
}

test('health, seed and sessions', async () => {
  const { app } = makeApp({ seed: 9 });
  const health = await request(app).get('/__admin/health');
  assert.equal(health.status, 200);
  conforms('adminHealth', health);
  assert.equal(health.body.seed, 9);
  assert.equal(health.body.now, T0);
  assert.equal(health.body.frozen, true);
  const seed = await request(app).get('/__admin/seed');
  conforms('adminSeed', seed);
  await tokenFor(app, undefined, 'worker-1');
  const sessions = await request(app).get('/__admin/sessions');
  conforms('adminSessions', sessions);
  assert.ok(sessions.body.sessions.includes('worker-1'));
});

test('the clock: read, advance (durations and ms), set forward only, freeze and unfreeze', async () => {
  const { app } = makeApp();
  const t0 = Date.parse(T0);
  const read = await request(app).get('/__admin/clock');
  conforms('adminClock', read);
  assert.deepEqual(read.body, { now: T0, nowMs: t0, frozen: true });
  const advanced = await request(app).post('/__admin/clock/advance').send({ by: '10m' });
  conforms('adminClockAdvance', advanced);
  assert.equal(advanced.body.nowMs, t0 + 600_000);
  const byMs = await request(app).post('/__admin/clock/advance').send({ by: 1000 });
  assert.equal(byMs.body.nowMs, t0 + 601_000);
  const bad = await request(app).post('/__admin/clock/advance').send({ by: 'soon' });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, '400001');
  const backwards = await request(app).post('/__admin/clock/set').send({ to: '2020-01-01T00:00:00Z' });
  assert.equal(backwards.status, 400);
  const set = await request(app).post('/__admin/clock/set').send({ to: '2026-07-01T00:00:00Z' });
  conforms('adminClockSet', set);
  assert.equal(set.body.now, '2026-07-01T00:00:00.000Z');
  const running = await request(app).post('/__admin/clock/unfreeze');
  conforms('adminClockUnfreeze', running);
  assert.equal(running.body.frozen, false);
  const frozen = await request(app).post('/__admin/clock/freeze').send({ at: '2026-08-01T00:00:00Z' });
  assert.equal(frozen.body.now, '2026-08-01T00:00:00.000Z');
  assert.equal(frozen.body.frozen, true);
});

test('clock/freeze only moves forward, as clock/set does', async () => {
  const { app } = makeApp();
  const t0 = Date.parse(T0);
  await request(app).post('/__admin/clock/advance').send({ by: '1d' });
  for (const [call, body] of [
    ['set', { to: T0 }],
    ['freeze', { at: T0 }],
  ] as const) {
    const backwards = await request(app).post(`/__admin/clock/${call}`).send(body);
    conforms(call === 'set' ? 'adminClockSet' : 'adminClockFreeze', backwards);
    assert.equal(backwards.status, 400, call);
    assert.equal(backwards.body.code, '400001', call);
    assert.match(Object.values(backwards.body.errors).flat().join(' '), /only moves forward/, call);
  }
  const clock = await request(app).get('/__admin/clock');
  assert.equal(clock.body.nowMs, t0 + 86_400_000, 'the refused calls left the clock alone');
  const same = await request(app)
    .post('/__admin/clock/freeze')
    .send({ at: new Date(t0 + 86_400_000).toISOString() });
  assert.equal(same.status, 200, 'freezing at the current instant is not going back');
  const here = await request(app).post('/__admin/clock/freeze');
  assert.equal(here.body.nowMs, t0 + 86_400_000);
});

test('advancing the clock through the admin API runs due fates: a token expires, a managed MIT completes', async () => {
  const { app } = makeApp();
  const token = await tokenFor(app);
  const res = await evaluate(
    app,
    token,
    evaluateBody({
      isMIT: true,
      expiryDateUtc: '2026-06-20T00:00:00Z',
      paymentMethod: { cardNumber: TEST_CARDS.submitted },
    }),
  );
  assert.equal(res.body.status, 'SUBMITTED');
  await request(app).post('/__admin/clock/advance').send({ by: '1h' });
  const expired = await request(app)
    .get(`/v1/orders/${res.body.orderId}`)
    .set('authorization', `Bearer ${token}`);
  assert.equal(expired.status, 401);
  assert.equal(expired.body.code, '401004');
  const order = await request(app)
    .get(`/v1/orders/${res.body.orderId}`)
    .set('authorization', `Bearer ${await tokenFor(app)}`);
  assert.equal(order.body.statusName, 'COMPLETED');
});

test('reset forgets one session and leaves the others alone', async () => {
  const { app } = makeApp();
  for (const session of ['a', 'b']) {
    await evaluate(app, await tokenFor(app, undefined, session), evaluateBody(), session);
  }
  const reset = await request(app).post('/__admin/reset').set('x-mock-session', 'a');
  conforms('adminReset', reset);
  assert.deepEqual(reset.body, { session: 'a' });
  const count = async (session: string) =>
    (
      await request(app)
        .get('/v1/orders')
        .set('authorization', `Bearer ${await tokenFor(app, undefined, session)}`)
        .set('x-mock-session', session)
    ).body.totalItemCount;
  assert.equal(await count('a'), 0);
  assert.equal(await count('b'), 1);
  const journalA = await request(app).get('/__admin/journal').set('x-mock-session', 'a');
  assert.ok(journalA.body.entries.every((e: { path?: string }) => e.path !== '/v1/evaluate'));
});

test('journal, HAR and an order timeline are per session and redacted', async () => {
  const { app } = makeApp();
  const token = await tokenFor(app, undefined, 's1');
  const res = await evaluate(
    app,
    token,
    evaluateBody({ paymentMethod: { cardNumber: TEST_CARDS.approved } }),
    's1',
  );
  const journal = await request(app).get('/__admin/journal?kind=request').set('x-mock-session', 's1');
  conforms('adminJournal', journal);
  assert.ok(journal.body.entries.some((e: { path: string }) => e.path === '/v1/evaluate'));
  assert.ok(!JSON.stringify(journal.body).includes(TEST_CARDS.approved));
  assert.ok(!JSON.stringify(journal.body).includes(token));
  const limited = await request(app).get('/__admin/journal?limit=1').set('x-mock-session', 's1');
  assert.equal(limited.body.entries.length, 1);
  const other = await request(app).get('/__admin/journal').set('x-mock-session', 's2');
  assert.equal(other.body.entries.length, 0);
  const har = await request(app).get('/__admin/journal/har').set('x-mock-session', 's1');
  conforms('adminJournalHar', har);
  assert.equal(har.body.log.version, '1.2');
  const timeline = await request(app)
    .get(`/__admin/orders/${res.body.orderId}/timeline`)
    .set('x-mock-session', 's1');
  conforms('adminOrderTimeline', timeline);
  assert.ok(timeline.body.entries.some((e: { kind: string }) => e.kind === 'transition'));
});

test('an order timeline is found by a card-bearing merchant orderId, which it never echoes', async () => {
  // The lenient profile takes a card number as the merchant's orderId and keeps it in a card-safe form.
  const { app } = makeApp({ profile: 'lenient' });
  const token = await tokenFor(app, undefined, 'c1');
  const card = TEST_CARDS.approved;
  const res = await evaluate(app, token, evaluateBody({ orderId: card }), 'c1');
  assert.equal(res.status, 200);
  const timeline = await request(app).get(`/__admin/orders/${card}/timeline`).set('x-mock-session', 'c1');
  assert.equal(timeline.status, 200);
  conforms('adminOrderTimeline', timeline);
  assert.ok(timeline.body.entries.some((e: { kind: string }) => e.kind === 'transition'));
  assert.ok(timeline.body.entries.some((e: { kind: string }) => e.kind === 'request'));
  assert.ok(!JSON.stringify(timeline.body).includes(card), 'the card number is not echoed');
});

test('scenarios: list, choose for a session, clear; unknown names are refused', async () => {
  const { app } = makeApp();
  const list = await request(app).get('/__admin/scenarios');
  conforms('adminScenarios', list);
  const name = list.body.scenarios[0]?.name as string;
  assert.ok(name, 'the built-in library is loaded');
  const chosen = await request(app)
    .put('/__admin/session/scenarios')
    .set('x-mock-session', 'w1')
    .send({ names: [name] });
  conforms('adminUseScenarios', chosen);
  assert.deepEqual(chosen.body, { session: 'w1', names: [name] });
  const otherSession = await request(app).get('/__admin/session/scenarios').set('x-mock-session', 'w2');
  assert.deepEqual(otherSession.body.names, []);
  const unknown = await request(app)
    .put('/__admin/session/scenarios')
    .send({ names: ['no-such-scenario'] });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.body.code, '400011');
  const cleared = await request(app).delete('/__admin/session/scenarios').set('x-mock-session', 'w1');
  conforms('adminClearScenarios', cleared);
  assert.deepEqual(cleared.body.names, []);
});

test('webhook receivers, faults, deliveries and flush through the admin API', async () => {
  const { app } = makeApp();
  const added = await request(app)
    .post('/__admin/webhooks/receivers')
    .send({ url: 'http://127.0.0.1:9999/hook' });
  assert.equal(added.status, 201);
  conforms('adminAddWebhookReceiver', added);
  const list = await request(app).get('/__admin/webhooks/receivers');
  conforms('adminWebhookReceivers', list);
  assert.ok(list.body.receivers.some((r: { id: string }) => r.id === added.body.id));
  const badUrl = await request(app).post('/__admin/webhooks/receivers').send({ url: 'ftp://x' });
  assert.equal(badUrl.status, 400);
  const faults = await request(app).put('/__admin/session/webhook-faults').send({ failTimes: 2 });
  conforms('adminSetWebhookFaults', faults);
  assert.equal(faults.body.failTimes, 2);
  const flushed = await request(app).post('/__admin/webhooks/flush');
  conforms('adminFlushWebhooks', flushed);
  const deliveries = await request(app).get('/__admin/webhooks/deliveries');
  conforms('adminWebhookDeliveries', deliveries);
  const missing = await request(app).post('/__admin/webhooks/deliveries/nope/redeliver');
  assert.equal(missing.status, 404);
  const removed = await request(app).delete(`/__admin/webhooks/receivers/${added.body.id}`);
  conforms('adminRemoveWebhookReceiver', removed);
  const cleared = await request(app).delete('/__admin/session/webhook-faults');
  assert.deepEqual(cleared.body, {});
});

test("a session's webhook faults are forgotten with the session: on reset, and when it is evicted", async () => {
  const mock = await startMock();
  try {
    const put = (session: string, body: object) =>
      fetch(`${mock.url}/__admin/session/webhook-faults`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-mock-session': session },
        body: JSON.stringify(body),
      });
    assert.equal((await put('reset-me', { failTimes: 3 })).status, 200);
    assert.deepEqual(mock.webhooks.faults('reset-me'), { failTimes: 3 });
    await fetch(`${mock.url}/__admin/reset`, { method: 'POST', headers: { 'x-mock-session': 'reset-me' } });
    assert.deepEqual(mock.webhooks.faults('reset-me'), {});

    await put('evict-me', { failTimes: 3, duplicate: true });
    // Each PUT uses (and so creates) its session: MAX_SESSIONS newer ones push the first out of the store.
    for (let i = 0; i < MAX_SESSIONS; i++) (await put(`newer-${i}`, { delayMs: 1 })).body?.cancel();
    const live = (await (await fetch(`${mock.url}/__admin/sessions`)).json()) as { sessions: string[] };
    assert.ok(!live.sessions.includes('evict-me'));
    // A later session of the same name starts without the old faults.
    assert.deepEqual(mock.webhooks.faults('evict-me'), {});
    assert.deepEqual(mock.webhooks.faults(`newer-${MAX_SESSIONS - 1}`), { delayMs: 1 });
  } finally {
    await mock.close();
  }
});

test('webhook faults set for sessions the store never holds are bounded by the session limit', () => {
  const { app } = makeApp();
  for (let i = 0; i <= MAX_SESSIONS; i++) app.mock.webhooks.setFaults(`direct-${i}`, { failTimes: 1 });
  assert.deepEqual(app.mock.webhooks.faults('direct-0'), {});
  assert.deepEqual(app.mock.webhooks.faults('direct-1'), { failTimes: 1 });
  assert.deepEqual(app.mock.webhooks.faults(`direct-${MAX_SESSIONS}`), { failTimes: 1 });
});

test('admin errors use the catalog: unknown admin path, wrong method', async () => {
  const { app } = makeApp();
  const unknown = await request(app).get('/__admin/nope');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.code, '404100');
  const method = await request(app).delete('/__admin/clock');
  assert.equal(method.status, 405);
  assert.equal(method.headers.allow, 'GET');
});

let guarded: MockServer;
before(async () => {
  guarded = await startMock({ adminToken: 'sekret-admin-token' });
});
after(async () => {
  await guarded.close();
});

test('with an admin token, admin calls need it; the FlexFactor endpoints do not', async () => {
  const denied = await fetch(`${guarded.url}/__admin/health`);
  assert.equal(denied.status, 401);
  assert.equal(((await denied.json()) as { code: string }).code, '401005');
  const allowed = await fetch(`${guarded.url}/__admin/health`, {
    headers: { 'x-mock-admin-token': 'sekret-admin-token' },
  });
  assert.equal(allowed.status, 200);
  const bearer = await fetch(`${guarded.url}/__admin/health`, {
    headers: { authorization: 'Bearer sekret-admin-token' },
  });
  assert.equal(bearer.status, 200);
  assert.ok(await guarded.token());
});
