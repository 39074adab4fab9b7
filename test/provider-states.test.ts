// Every built-in provider state set up through POST /__admin/provider-states (the verifiers' convention) on a real
// socket, each checked by reading back what it made; user-defined states through createApp/startMock's
// `stateHandlers`, with setup and teardown.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MORE_STATES, STATES } from '../contracts/pact/states.js';
import { BUILT_IN_STATES, changeProviderState } from '../mock/admin/provider-states.js';
import { ApiError } from '../mock/errors/catalog.js';
import { type MockServer, startMock } from '../mock/http/start-mock.js';

describe('provider states for any Pact verifier', { timeout: 60_000 }, () => {
  let mock: MockServer;
  const torn: string[] = [];
  before(async () => {
    mock = await startMock({
      stateHandlers: {
        'a shop-defined state': {
          setup: (params) => ({ echoed: params.value ?? null }),
          teardown: () => {
            torn.push('a shop-defined state');
            return undefined;
          },
        },
      },
    });
  });
  after(() => mock.close());

  const change = async (body: unknown, session = 'states') => {
    const res = await fetch(`${mock.url}/__admin/provider-states`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-mock-session': session },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const order = async (id: string, session = 'states') => {
    const token = await mock.token(undefined, session);
    const res = await fetch(`${mock.baseUrl}/orders/${id}`, {
      headers: { authorization: `Bearer ${token}`, 'x-mock-session': session },
    });
    return (await res.json()) as { statusName: string; refunds: unknown[]; totalRefundedAmount?: number };
  };

  const expected: Record<string, string> = {
    [STATES.authorizedOrder]: 'CAPTUREREQUIRED',
    [STATES.approvedOrder]: 'COMPLETED',
    [STATES.refundedOrder]: 'RETURNED',
    [MORE_STATES.capturedOrder]: 'COMPLETED',
    [MORE_STATES.challengeOrder]: 'PROCESSING',
    [MORE_STATES.submittedOrder]: 'DRAFT',
    [MORE_STATES.cancelledOrder]: 'CANCELLED',
    [MORE_STATES.partiallyRefundedOrder]: 'COMPLETED',
    [MORE_STATES.declinedOrder]: 'CANCELLED',
    [MORE_STATES.captureWindowExpired]: 'CANCELLED',
  };

  for (const [state, statusName] of Object.entries(expected)) {
    test(`"${state}" makes an order that reads ${statusName}`, async () => {
      const r = await change({ state, params: { amount: 2000 }, action: 'setup' });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(typeof r.body.orderId, 'string');
      assert.equal((await order(String(r.body.orderId))).statusName, statusName);
    });
  }

  test('every built-in state is covered above or below', () => {
    const covered = new Set([
      ...Object.keys(expected),
      STATES.tokenExpired,
      MORE_STATES.expiredToken,
      MORE_STATES.invalidCredentials,
    ]);
    assert.deepEqual(
      Object.keys(BUILT_IN_STATES).filter((s) => !covered.has(s)),
      [],
    );
  });

  test('"an expired access token" gives a token the mock refuses as expired', async () => {
    const r = await change({ state: MORE_STATES.expiredToken, action: 'setup' });
    assert.equal(r.status, 200);
    const res = await fetch(`${mock.baseUrl}/orders`, {
      headers: { authorization: String(r.body.authorization) },
    });
    assert.equal(res.status, 401);
    assert.match(((await res.json()) as { title: string }).title, /expired/i);
  });

  test('"the credentials are invalid" gives credentials the token endpoint refuses', async () => {
    const r = await change({ state: MORE_STATES.invalidCredentials, action: 'setup' });
    const res = await fetch(`${mock.baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ AppKey: r.body.appKey, AppSecret: r.body.appSecret }),
    });
    assert.equal(res.status, 400);
  });

  test('user-defined states run setup and teardown; an unknown state is a 400 with the known ones', async () => {
    const setup = await change({ state: 'a shop-defined state', params: { value: 7 }, action: 'setup' });
    assert.deepEqual(setup, { status: 200, body: { echoed: 7 } });
    const teardown = await change({ state: 'a shop-defined state', params: {}, action: 'teardown' });
    assert.deepEqual(teardown, { status: 200, body: {} });
    assert.deepEqual(torn, ['a shop-defined state']);
    const unknown = await change({ state: 'nope' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.code, '400080');
    assert.match(String(unknown.body.detail), /"a shop-defined state"/);
    const invalid = await change({ params: {} });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.code, '400001');
    assert.match(JSON.stringify(invalid.body.errors), /State field is required/);
    // What Pact's verifiers send for an interaction without a provider state: nothing to set up.
    assert.deepEqual(await change({ state: '', params: {}, action: 'setup' }), { status: 200, body: {} });
  });

  test('in process, changeProviderState() throws a refusal with its explanation in the message', async () => {
    const set = await changeProviderState(mock.engine, 'in-process', mock.url, {
      state: 'a shop-defined state',
      params: { value: 3 },
    });
    assert.deepEqual(set, { echoed: 3 });
    await assert.rejects(
      changeProviderState(mock.engine, 'in-process', mock.url, { state: 'nope' }),
      (error) => {
        assert.ok(error instanceof ApiError);
        assert.equal(error.code, '400080');
        // What test runners print: the message, which names the known states.
        assert.match(
          error.message,
          /^Unknown provider state\. No provider state "nope"\. Known states: .*"a shop-defined state"/,
        );
        return true;
      },
    );
  });

  test('a state whose set-up fails answers 409080 with the step, and other sessions are untouched', async () => {
    mock.useScenario('evaluate-challenge', 'broken');
    const r = await change({ state: STATES.approvedOrder, action: 'setup' }, 'broken');
    assert.equal(r.status, 409);
    assert.equal(r.body.code, '409080');
    assert.match(String(r.body.detail), /evaluate answered CHALLENGE where this state needs APPROVED/);
    assert.equal((await change({ state: STATES.approvedOrder, action: 'setup' })).status, 200);
  });
});
