// The fast lane (mock/http/fast-lane.ts) relies on Express internals that are not public API. These tests pin the
// Express release line it was written against, check those internals are still there, and check that only listen()
// puts an app on the lane: an app given to supertest runs stock Express.

import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import express from 'express';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { createApp } from '../mock/http/app.js';
import { FAST_LANE_EXPRESS } from '../mock/http/fast-lane.js';
import { listen } from '../mock/http/server.js';
import { evaluateBody } from './helpers.js';

const quiet = { info() {}, warn() {}, error() {} };
type Internals = { handle: unknown; router: { handle?: unknown }; request: object; response: object };

describe('the fast lane', { timeout: 60_000 }, () => {
  test('Express is the release line whose private API the fast lane uses', () => {
    const { version } = createRequire(import.meta.url)('express/package.json') as { version: string };
    const line = version.split('.').slice(0, 2).join('.');
    assert.equal(
      line,
      FAST_LANE_EXPRESS,
      `mock/http/fast-lane.ts uses Express ${FAST_LANE_EXPRESS}'s private app.handle, app.router, app.request and ` +
        `app.response, but Express is now ${version}. Check that they still exist and behave the same (run ` +
        'test/dispatch.test.ts and npm run bench), then set FAST_LANE_EXPRESS to the new release line.',
    );
  });

  test('the private parts it uses are there', () => {
    const app = createApp({ logger: quiet }) as unknown as Internals;
    assert.equal(typeof app.handle, 'function', 'app.handle');
    assert.equal(typeof app.router?.handle, 'function', 'app.router.handle');
    assert.ok(app.request instanceof IncomingMessage, 'app.request extends IncomingMessage');
    assert.ok(app.response instanceof ServerResponse, 'app.response extends ServerResponse');
  });

  test('only listen() installs it; the app answers the same before and after', async () => {
    const app = createApp({ logger: quiet, seed: 3 });
    const internals = app as unknown as Internals;
    const stock = (express.application as unknown as Internals).handle;
    assert.equal(internals.handle, stock, 'createApp() alone leaves Express as it is');
    const running = await listen(app, { port: 0 });
    try {
      assert.notEqual(internals.handle, stock, 'listen() put the app on the fast lane');
      const token = await fetch(`${running.url}/v1/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret }),
      });
      const { accessToken } = (await token.json()) as { accessToken: string };
      const evaluated = await fetch(`${running.url}/v1/evaluate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${accessToken}` },
        body: JSON.stringify(evaluateBody({ orderId: 'FAST-LANE-1' })),
      });
      assert.equal(evaluated.status, 200);
      const missing = await fetch(`${running.url}/v1/nothing-here`);
      assert.equal(missing.status, 404);
      assert.equal(missing.headers.get('x-mock-error-code'), '404001');
    } finally {
      await running.close();
    }
  });
});
