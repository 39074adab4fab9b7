// Session isolation on a shared server (isolateSessions): a caller with one session's token reaches that session
// and nothing else; the admin token reaches everything; without isolation loopback stays open, as documented.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiError } from '../mock/errors/catalog.js';
import { type MockServer, startMock } from '../mock/http/start-mock.js';
import { evaluateBody } from './helpers.js';

describe('admin API isolation', { timeout: 60_000 }, () => {
  let mock: MockServer;
  before(async () => {
    mock = await startMock({ isolateSessions: true, clock: { frozen: true } });
  });
  after(() => mock.close());

  const call = (path: string, headers: Record<string, string>, method = 'GET') =>
    fetch(`${mock.url}${path}`, { method, headers });

  test('a session token opens its own session only', async () => {
    const alice = { 'x-mock-session': 'alice', 'x-mock-session-token': mock.sessionToken('alice') };
    const token = await mock.token(undefined, 'alice');
    const evaluate = await fetch(`${mock.baseUrl}/evaluate`, {
      method: 'POST',
      headers: { ...alice, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(evaluateBody()),
    });
    assert.equal(evaluate.status, 200);
    const journal = await call('/__admin/journal', alice);
    assert.equal(journal.status, 200);
    assert.ok(((await journal.json()) as { entries: unknown[] }).entries.length > 0);

    // Mallory names alice's session with her own token, or none: refused everywhere.
    for (const headers of <Record<string, string>[]>[
      { 'x-mock-session': 'alice', 'x-mock-session-token': mock.sessionToken('mallory') },
      { 'x-mock-session': 'alice' },
    ]) {
      for (const [path, method] of [
        ['/__admin/journal', 'GET'],
        ['/__admin/journal/har', 'GET'],
        ['/__admin/webhooks/deliveries', 'GET'],
        ['/__admin/reset', 'POST'],
      ] as const) {
        const res = await call(path, headers, method);
        assert.equal(res.status, 401, `${method} ${path}`);
        assert.equal(((await res.json()) as { code: string }).code, '401040');
      }
      const orders = await fetch(`${mock.baseUrl}/orders`, {
        headers: { ...headers, authorization: `Bearer ${token}` },
      });
      assert.equal(orders.status, 401);
    }
    // Listing sessions, moving the clock and minting tokens are for the admin token only.
    const mallory = { 'x-mock-session': 'mallory', 'x-mock-session-token': mock.sessionToken('mallory') };
    for (const [path, method] of [
      ['/__admin/sessions', 'GET'],
      ['/__admin/clock/advance', 'POST'],
      ['/__admin/session/token', 'POST'],
    ] as const) {
      const res = await call(path, mallory, method);
      assert.equal(res.status, 401, path);
      assert.equal(((await res.json()) as { code: string }).code, '401005', path);
    }
    // A receiver for every session would get alice's events: refused without the admin token.
    const global = await fetch(`${mock.url}/__admin/webhooks/receivers`, {
      method: 'POST',
      headers: { ...mallory, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1:9999/x' }),
    });
    assert.equal(global.status, 401);
  });

  test("a session token lists and removes its own session's receivers, and only those", async () => {
    const as = (name: string) => ({
      'x-mock-session': name,
      'x-mock-session-token': mock.sessionToken(name),
      'content-type': 'application/json',
    });
    const add = async (name: string) => {
      const res = await fetch(`${mock.url}/__admin/webhooks/receivers`, {
        method: 'POST',
        headers: as(name),
        body: JSON.stringify({ url: `http://127.0.0.1:9999/${name}`, sessionOnly: true }),
      });
      assert.equal(res.status, 201, await res.clone().text());
      return ((await res.json()) as { id: string }).id;
    };
    const list = async (name: string) => {
      const res = await call('/__admin/webhooks/receivers', as(name));
      assert.equal(res.status, 200);
      return ((await res.json()) as { receivers: { id: string }[] }).receivers.map((r) => r.id);
    };
    const carol = await add('carol');
    const dave = await add('dave');
    assert.deepEqual(await list('carol'), [carol]);
    assert.deepEqual(await list('dave'), [dave]);
    // Another session's receiver is answered as if it did not exist, and stays.
    const foreign = await call(`/__admin/webhooks/receivers/${dave}`, as('carol'), 'DELETE');
    assert.equal(foreign.status, 404);
    assert.deepEqual(await list('dave'), [dave]);
    const own = await call(`/__admin/webhooks/receivers/${carol}`, as('carol'), 'DELETE');
    assert.equal(own.status, 200);
    assert.deepEqual(await list('carol'), []);
    // The admin token sees every session's.
    const all = await call('/__admin/webhooks/receivers', { 'x-mock-admin-token': mock.adminToken ?? '' });
    const ids = ((await all.json()) as { receivers: { id: string }[] }).receivers.map((r) => r.id);
    assert.ok(ids.includes(dave) && !ids.includes(carol), ids.join());
    await call(
      `/__admin/webhooks/receivers/${dave}`,
      { 'x-mock-admin-token': mock.adminToken ?? '' },
      'DELETE',
    );
  });

  test('the admin token reaches every session and issues session tokens', async () => {
    const admin = { 'x-mock-admin-token': mock.adminToken ?? '' };
    const sessions = await call('/__admin/sessions', admin);
    assert.equal(sessions.status, 200);
    assert.ok(((await sessions.json()) as { sessions: string[] }).sessions.includes('alice'));
    const issued = await call('/__admin/session/token', { ...admin, 'x-mock-session': 'bob' }, 'POST');
    const body = (await issued.json()) as { session: string; token: string };
    assert.deepEqual(body, { session: 'bob', token: mock.sessionToken('bob') });
    const bobJournal = await call('/__admin/journal', {
      'x-mock-session': 'bob',
      'x-mock-session-token': body.token,
    });
    assert.equal(bobJournal.status, 200);
    const health = await call('/__admin/health', {});
    assert.equal(health.status, 200, 'health stays open');
  });

  test('without isolation, loopback stays open (the documented default)', async () => {
    const open = await startMock();
    try {
      const res = await fetch(`${open.url}/__admin/sessions`);
      assert.equal(res.status, 200);
      // No session has a token: asking is a refusal that says how to get one, as every in-process refusal is.
      assert.throws(
        () => open.sessionToken('alice'),
        (error: unknown) =>
          error instanceof ApiError && error.code === '404001' && /isolateSessions: true/.test(error.message),
      );
    } finally {
      await open.close();
    }
  });
});
