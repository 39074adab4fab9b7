// The scenario engine: choosing scenarios (header, session, server default) without sessions interfering, unknown
// names, "first N" counts, predicates and templates, bad files, transport faults on real sockets, hot reload and the
// scenarios:check command.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { unlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import request from 'supertest';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import { MAX_SESSIONS } from '../mock/domain/store.js';
import { ApiError } from '../mock/errors/catalog.js';
import { listen } from '../mock/http/server.js';
import type { Exchange } from '../mock/http/types.js';
import { ApiError as PublicApiError, startMock } from '../mock/index.js';
import type { WebhookFaults } from '../mock/webhooks/faults.js';
import { evaluate, evaluateBody, makeApp, tokenFor } from './helpers.js';
import { appWith, scenarioFolders } from './scenario-folders.js';

const run = promisify(execFile);
/** A temporary folder of scenario files, removed after the suite. */
const folder = scenarioFolders('ffmock-scenarios-');

async function evaluateWith(
  app: ReturnType<typeof makeApp>['app'],
  headers: Record<string, string>,
  body = {},
) {
  // Tokens are not tied to a session: fetch it where no scenario applies.
  const token = await tokenFor(app, undefined, 'token-only');
  const req = request(app).post('/v1/evaluate').set('authorization', `Bearer ${token}`);
  for (const [name, value] of Object.entries(headers)) req.set(name, value);
  return req.send(evaluateBody(body));
}

/** Resolve once `check` holds, polling real time (for file-system events); fails after `limitMs`, a bound far above
 * the usual sub-second reload so that a busy machine does not fail it (speed belongs in bench/). */
async function eventually(check: () => boolean | Promise<boolean>, limitMs = 30_000): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < limitMs / 20; i++) {
    if (await check()) return performance.now() - started;
    await sleep(20);
  }
  assert.fail(`not within ${limitMs} ms`);
}

describe('choosing scenarios', () => {
  test('an unknown name is a 400011 problem that lists the close matches', async () => {
    const { app } = appWith();
    const res = await evaluateWith(app, { 'x-mock-scenario': 'gatway-timeout, rate-limited' });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, '400011');
    assert.match(res.body.detail, /Unknown scenario "gatway-timeout"; did you mean "gateway-timeout"/);
    assert.deepEqual(Object.keys(res.body.errors), ['x-mock-scenario']);
    assert.match(res.body.errors['x-mock-scenario'][0], /close matches: gateway-timeout/);
    assert.throws(
      () => app.mock.scenarios?.useForSession('s', ['servce-unavailable']),
      (e: unknown) => e instanceof ApiError && e.code === '400011' && /service-unavailable/.test(e.detail),
    );
  });

  test("startMock's useScenario throws an error whose message says the close matches, in terms of the call", async () => {
    const mock = await startMock();
    try {
      assert.throws(
        () => mock.useScenario('gateway-timout'),
        (e: unknown) => {
          // Test runners print the message: it carries the suggestion, phrased for useScenario(), not a header.
          assert.ok(e instanceof PublicApiError, 'the error class the package root exports');
          assert.equal(e.code, '400011');
          assert.match(
            e.message,
            /^Unknown mock scenario\. Unknown scenario "gateway-timout"; did you mean "gateway-timeout"/,
          );
          assert.match(e.message, /Pass useScenario\(\) the names of loaded scenarios/);
          assert.doesNotMatch(e.message, /x-mock-scenario|header/);
          assert.ok(e.message.endsWith(e.detail), e.message);
          return true;
        },
      );
      assert.throws(
        () => mock.useScenario(Array.from({ length: 21 }, () => 'client-timeout')),
        (e: unknown) =>
          e instanceof PublicApiError && /At most 20 scenarios at once; got 21\./.test(e.message),
      );
    } finally {
      await mock.close();
    }
  });

  test("a session's choice goes with the session: a later session of the same name starts without it", async () => {
    const { app } = appWith();
    const scenarios = app.mock.scenarios;
    assert.ok(scenarios);
    scenarios.useForSession('evict-me', ['evaluate-declined']);
    app.mock.store.session('evict-me');
    // MAX_SESSIONS newer sessions push the first out of the store.
    for (let i = 0; i < MAX_SESSIONS; i++) app.mock.store.session(`newer-${i}`);
    assert.ok(!app.mock.store.sessionNames().includes('evict-me'));
    assert.deepEqual(scenarios.sessionScenarios('evict-me'), []);
    const again = await evaluateWith(app, { 'x-mock-session': 'evict-me' });
    assert.equal(again?.body.status, 'APPROVED');

    scenarios.useForSession('reset-me', ['evaluate-declined']);
    app.mock.store.reset('reset-me');
    assert.deepEqual(scenarios.sessionScenarios('reset-me'), []);
  });

  test('two sessions choose different scenarios at once; a third sees the normal mock', async () => {
    const { app } = appWith();
    const scenarios = app.mock.scenarios;
    assert.ok(scenarios);
    scenarios.useForSession('worker-a', ['service-unavailable']);
    scenarios.useForSession('worker-b', ['evaluate-declined']);
    const [a, b, c] = await Promise.all(
      ['worker-a', 'worker-b', 'worker-c'].map((s) => evaluateWith(app, { 'x-mock-session': s })),
    );
    assert.equal(a?.status, 503);
    assert.equal(a?.headers['retry-after'], '5');
    assert.equal(b?.body.status, 'DECLINED');
    assert.equal(c?.body.status, 'APPROVED');
    assert.deepEqual(scenarios.sessionScenarios('worker-b'), ['evaluate-declined']);

    // The header wins over the session's choice for one request; `none` turns every scenario off.
    const header = await evaluateWith(app, {
      'x-mock-session': 'worker-a',
      'x-mock-scenario': 'evaluate-challenge',
    });
    assert.equal(header.body.status, 'CHALLENGE');
    const none = await evaluateWith(app, { 'x-mock-session': 'worker-a', 'x-mock-scenario': 'none' });
    assert.equal(none.body.status, 'APPROVED');
    scenarios.clearSession('worker-a');
    assert.equal((await evaluateWith(app, { 'x-mock-session': 'worker-a' })).body.status, 'APPROVED');
    assert.equal((await evaluateWith(app, { 'x-mock-session': 'worker-b' })).body.status, 'DECLINED');
  });

  test('a server-wide default applies where neither the request nor the session chose', async () => {
    const { app } = appWith({ scenarios: { defaults: ['evaluate-declined'] } });
    assert.equal((await evaluateWith(app, {})).body.status, 'DECLINED');
    app.mock.scenarios?.useForSession('mine', ['evaluate-challenge']);
    assert.equal((await evaluateWith(app, { 'x-mock-session': 'mine' })).body.status, 'CHALLENGE');
    assert.equal((await evaluateWith(app, { 'x-mock-scenario': 'none' })).body.status, 'APPROVED');
    assert.throws(
      () => makeApp({ scenarios: { defaults: ['evaluate-decline'] } }),
      /did you mean "evaluate-declined"/,
    );
  });

  test('the journal learns which scenarios applied to each exchange', async () => {
    const seen: Exchange[] = [];
    const { app } = appWith({ hooks: [{ name: 'spy', onFinish: (e) => seen.push(e) }] });
    await evaluateWith(app, { 'x-mock-scenario': 'latency-uniform, evaluate-declined, gateway-timeout' });
    const evaluate = seen.find((e) => e.operationId === 'evaluate');
    // gateway-timeout matches too, but evaluate-declined does not answer: the delay, the card and the 504 all apply.
    assert.deepEqual(evaluate?.scenarios, ['latency-uniform', 'evaluate-declined', 'gateway-timeout']);
    assert.equal(evaluate?.status, 504);
  });

  test('webhooks: a scenario sets the session’s delivery faults', async () => {
    const { app } = appWith();
    const calls: [string, WebhookFaults][] = [];
    app.mock.webhooks.setFaults = (session: string, faults: WebhookFaults) => {
      calls.push([session, faults]);
    };
    const res = await evaluateWith(app, { 'x-mock-session': 'hooks', 'x-mock-scenario': 'webhooks-failing' });
    assert.equal(res.status, 200);
    assert.deepEqual(calls, [['hooks', { failTimes: 3 }]]);
  });
});

/** The promise's value, or a failure once `ms` have passed (a helper that hangs must fail the test, not stall it). */
async function promptly<T>(pending: Promise<T>, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([pending, late]);
  } finally {
    clearTimeout(timer);
  }
}

describe("startMock's token() is test plumbing: the test's scenarios do not apply to it", {
  timeout: 60_000,
}, () => {
  const orders = (mock: { baseUrl: string }, token: string, session = 'default') =>
    fetch(`${mock.baseUrl}/orders`, {
      headers: { authorization: `Bearer ${token}`, 'x-mock-session': session },
    });

  test('after useScenario() of a scenario for every operation, a hang or the token endpoint, token() still answers', async () => {
    const mock = await startMock();
    try {
      const tokens: string[] = [];
      for (const name of [
        'client-timeout',
        'gateway-timeout',
        'service-unavailable',
        'internal-error',
        'rate-limited',
        'token-service-down',
      ]) {
        mock.useScenario(name);
        tokens.push(await promptly(mock.token()));
      }
      // The scenario still holds for the client under test…
      mock.useScenario('gateway-timeout');
      const timedOut = await orders(mock, tokens[0] as string);
      assert.equal(timedOut.status, 504);
      await timedOut.body?.cancel();
      // …and once it is cleared, every token from token() is accepted.
      mock.useScenario([]);
      for (const token of tokens) {
        const res = await orders(mock, token);
        assert.equal(res.status, 200, await res.text());
      }
      // A token for another session's requests, under that session's scenario, works on a request it does not touch.
      mock.useScenario('client-timeout', 'worker-2');
      const own = await promptly(mock.token(undefined, 'worker-2'));
      assert.equal((await orders(mock, own)).status, 200);
      // No HTTP round trip: the journal holds only the client's requests.
      assert.ok(!mock.journal.entries().some((e) => JSON.stringify(e).includes('/oauth2/token')));
    } finally {
      await mock.close();
    }
  });

  test("a token from token() is redacted from the journal like the endpoint's", async () => {
    const mock = await startMock();
    try {
      const session = 'plumbing-redaction';
      mock.useScenario('client-timeout', 'elsewhere');
      const token = await promptly(mock.token(undefined, session));
      const signature = token.slice(token.lastIndexOf('.') + 1);
      const res = await evaluate(
        mock.app,
        token,
        evaluateBody({
          orderId: `O-${signature.slice(0, 20)}`,
          billingInformation: { firstName: signature, addressLine2: token.slice(token.indexOf('.') + 1) },
        }),
        session,
      );
      assert.equal(res.status, 200, res.text);
      const journal = JSON.stringify(mock.journal.entries({ session }));
      assert.ok(journal.includes('/v1/evaluate'), journal);
      assert.ok(!journal.includes(signature), journal);
      assert.ok(!journal.includes(token.slice(token.indexOf('.') + 1)), journal);
    } finally {
      await mock.close();
    }
  });

  test('token() refuses promptly with an ApiError that says what to change: after close(), unknown credentials, a bad session', async () => {
    const mock = await startMock();
    await assert.rejects(
      promptly(mock.token({ ...DEFAULT_MERCHANT, appSecret: 'not-the-secret' })),
      (e: unknown) => {
        assert.ok(e instanceof PublicApiError, String(e));
        assert.equal(e.code, '400003');
        assert.match(e.message, /Pass token\(\) one of mock\.accounts/);
        return true;
      },
    );
    await assert.rejects(promptly(mock.token(undefined, 'no spaces allowed')), (e: unknown) => {
      assert.ok(e instanceof PublicApiError, String(e));
      assert.equal(e.code, '400012');
      assert.match(e.message, /Pass token\(\) the session name/);
      return true;
    });
    mock.useScenario('client-timeout');
    await mock.close();
    const started = performance.now();
    await assert.rejects(promptly(mock.token()), (e: unknown) => {
      assert.ok(e instanceof PublicApiError, String(e));
      assert.equal(e.code, '503001');
      assert.match(e.message, /mock\.token\(\) was called after mock\.close\(\)/);
      assert.match(e.message, /start another with startMock\(\)/);
      return true;
    });
    assert.ok(performance.now() - started < 1_000);
  });
});

describe('scenario files from a user folder', () => {
  const dir = folder({
    'amount-1999-fails.yaml': `# yaml-language-server: $schema=../scenario.schema.json
description: evaluate of exactly $19.99 with an x-test header gets 502, twice, then the normal answer.
source: invented
match:
  method: POST
  path: /v1/evaluate
  headers:
    X-Test: { present: true }
  body:
    Transaction.Amount: { oneOf: [1999] }
    payer.email: { matches: '@example\\.com$' }
times: 2
respond:
  error: '502001'
`,
    'echo-order.yaml': `description: GET an order, echoing the merchant orderId and the path id.
source: invented
match:
  operation: getOrder
respond:
  status: 200
  headers:
    x-echo: '{{request.params.id}}'
  body:
    '...': '{{order}}'
    externalOrderId: '{{order.externalOrderId}}-echo'
    status: 1
    statusName: ONHOLD
`,
  });

  test('predicates on method, path, headers and body, and "the first N requests, then fall back"', async () => {
    const { app } = appWith({ scenarios: { dirs: [dir] } });
    const headers = { 'x-mock-scenario': 'amount-1999-fails', 'x-test': '1', 'x-mock-session': 'n' };
    const amount = (n: number) => ({ transaction: { amount: n } });
    assert.equal((await evaluateWith(app, headers, amount(1500))).status, 200);
    const { 'x-test': _, ...noHeader } = headers;
    assert.equal((await evaluateWith(app, noHeader, amount(1999))).status, 200);
    assert.equal((await evaluateWith(app, headers, amount(1999))).status, 502);
    assert.equal((await evaluateWith(app, headers, amount(1999))).status, 502);
    assert.equal((await evaluateWith(app, headers, amount(1999))).status, 200);
    // Counts are per session, and choosing again restarts them.
    assert.equal(
      (await evaluateWith(app, { ...headers, 'x-mock-session': 'other' }, amount(1999))).status,
      502,
    );
    app.mock.scenarios?.useForSession('n', ['amount-1999-fails']);
    const { 'x-mock-scenario': __, ...bySession } = headers;
    assert.equal((await evaluateWith(app, bySession, amount(1999))).status, 502);
  });

  test('templates build the body from the request and the order', async () => {
    const { app } = appWith({ scenarios: { dirs: [dir] } });
    const token = await tokenFor(app);
    const created = await request(app)
      .post('/v1/evaluate')
      .set('authorization', `Bearer ${token}`)
      .send(evaluateBody({ orderId: 'ORDER-42' }));
    const id = created.body.orderSessionKey;
    const res = await request(app)
      .get(`/v1/orders/${id}`)
      .set('authorization', `Bearer ${token}`)
      .set('x-mock-scenario', 'echo-order');
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-echo'], id);
    assert.equal(res.body.externalOrderId, 'ORDER-42-echo');
    assert.equal(res.body.statusName, 'ONHOLD');
    assert.equal(res.body.amount, 1500);
    assert.deepEqual(app.mock.violations, []);
  });

  test('a bad file is reported with its line and skipped; strict mode refuses to start', () => {
    const bad = folder({
      'good.yaml': 'description: fine\nsource: invented\nfault: reset\n',
      'bad.yaml':
        'description: typo below\nsource: invented\nmatch:\n  operation: evaluate\nrespnd:\n  error: "504001"\n',
    });
    const { app, logs } = appWith({ scenarios: { dirs: [bad], builtIn: false } });
    assert.deepEqual(
      app.mock.scenarios?.list().map((s) => s.name),
      ['good'],
    );
    const problems = app.mock.scenarios?.problems() ?? [];
    assert.ok(
      problems.some(
        (p) =>
          p.file.endsWith('bad.yaml') && p.line === 5 && /"respnd"; did you mean respond/.test(p.message),
      ),
    );
    assert.ok(logs.some((l) => /bad\.yaml:5: unknown property "respnd"/.test(l)));
    assert.throws(
      () => makeApp({ scenarios: { dirs: [bad], builtIn: false, strict: true } }),
      /bad\.yaml:5: unknown property "respnd"/,
    );
  });
});

describe('templates echo request values redacted', () => {
  const dir = folder({
    'echo-everything.yaml': `description: capture answers back every part of the request.
source: invented
match:
  operation: captureOrder
respond:
  status: 418
  headers:
    x-echo: '{{request.body.currency}}'
  body:
    text: 'Capture of {{request.body.amount}} {{request.body.currency}} at {{request.path}} by {{request.headers.authorization}}'
    amount: '{{request.body.amount}}'
    currency: '{{request.body.currency}}'
    body: '{{request.body}}'
    bodyText: 'body {{request.body}}'
    apiKey: '{{request.headers.x-api-key}}'
    note: '{{request.headers.x-note}}'
    query: '{{request.query.note}}'
    path: '{{request.path}}'
`,
  });
  const card = '4111111111111111';
  const secret = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc';

  /** A capture under `scenario`; `headers` adds to the bearer token and the scenario header. */
  async function capture(
    app: ReturnType<typeof makeApp>['app'],
    scenario: string,
    body: Record<string, unknown>,
    { path = '/v1/capture', headers = {} }: { path?: string; headers?: Record<string, string> } = {},
  ) {
    const token = await tokenFor(app, undefined, 'token-only');
    const req = request(app)
      .post(path)
      .set('authorization', `Bearer ${token}`)
      .set('x-mock-scenario', scenario);
    for (const [name, value] of Object.entries(headers)) req.set(name, value);
    return { token, res: await req.send(body) };
  }

  test('lenient: strings, card-like numbers, objects, headers, query and path are redacted when rendered', async () => {
    const { app } = appWith({ profile: 'lenient', scenarios: { dirs: [dir] } });
    const { res: failed } = await capture(app, 'capture-failed', {
      orderId: 'ORDER-1',
      idempotencyKey: 'k1',
      amount: 1500,
      currency: card,
    });
    assert.equal(failed.status, 200, failed.text);
    assert.ok(!failed.text.includes(card), failed.text);
    assert.match(failed.body.errors[0].item1, /^Capture of 1500 411111\*{6}1111 failed/);

    const { token, res: echoed } = await capture(
      app,
      'echo-everything',
      { orderId: 'ORDER-1', idempotencyKey: 'k1', amount: Number(card), currency: secret, cardNumber: card },
      {
        path: '/v1/capture?note=4111%201111%201111%201111',
        headers: { 'x-api-key': 'my-secret-api-key', 'x-note': `card ${card}` },
      },
    );
    assert.equal(echoed.status, 418, echoed.text);
    const whole = `${JSON.stringify(echoed.headers)}${echoed.text}`;
    for (const kept of [card, '4111 1111 1111 1111', secret, 'my-secret-api-key', token]) {
      assert.ok(!whole.includes(kept), `${kept} echoed: ${whole}`);
    }
    assert.equal(echoed.headers['x-echo'], '[redacted-key]');
    assert.equal(echoed.body.amount, '411111******1111');
    assert.equal(echoed.body.currency, '[redacted-key]');
    assert.equal(echoed.body.body.cardNumber, '411111******1111');
    assert.equal(echoed.body.body.orderId, 'ORDER-1');
    assert.equal(echoed.body.apiKey, '[redacted]');
    assert.equal(echoed.body.note, 'card 411111******1111');
    assert.equal(echoed.body.query, '411111******1111');
    assert.match(echoed.body.text, /by Bearer \[redacted\]$/);
    // A value with nothing to redact is echoed as sent, keeping its type.
    const { res: plain } = await capture(app, 'echo-everything', {
      orderId: 'ORDER-1',
      idempotencyKey: 'k1',
      amount: 1500,
      currency: 'usd',
    });
    assert.equal(plain.body.amount, 1500);
    assert.equal(plain.body.currency, 'usd');
    assert.equal(plain.body.path, '/v1/capture');
  });

  test('strict: card data outside the card fields is refused before a scenario answers', async () => {
    const { app } = appWith({ scenarios: { dirs: [dir] } });
    const body = { orderId: 'ORDER-1', idempotencyKey: 'k1', amount: 1500, currency: card };
    for (const scenario of ['capture-failed', 'echo-everything']) {
      const { res } = await capture(app, scenario, body);
      assert.equal(res.status, 400, `${scenario}: ${res.text}`);
      assert.equal(res.body.code, '400041', scenario);
      assert.match(res.body.detail, /Card data found in currency/, scenario);
      assert.ok(!res.text.includes(card), res.text);
    }
  });
});

describe('transport faults on real sockets', () => {
  interface Seen {
    status: number | null;
    error: string | null;
  }
  function get(url: string, headers: Record<string, string>, timeoutMs?: number): Promise<Seen> {
    return new Promise((resolve) => {
      const req = httpRequest(`${url}/v1/orders`, { headers, agent: false }, (res) => {
        res.resume();
        res.on('close', () =>
          resolve({ status: res.statusCode ?? null, error: res.complete ? null : 'aborted' }),
        );
      });
      if (timeoutMs)
        req.setTimeout(timeoutMs, () =>
          req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })),
        );
      req.on('error', (e: NodeJS.ErrnoException) => resolve({ status: null, error: e.code ?? e.message }));
      req.end();
    });
  }

  test('a reset is ECONNRESET; a hang lasts until the client gives up, and never keeps the server open', async () => {
    const { app } = appWith();
    const running = await listen(app, { port: 0 });
    const auth = { authorization: `Bearer ${await tokenFor(app)}` };
    assert.deepEqual(await get(running.url, { ...auth, 'x-mock-scenario': 'connection-reset' }), {
      status: null,
      error: 'ECONNRESET',
    });
    const started = performance.now();
    assert.deepEqual(await get(running.url, { ...auth, 'x-mock-scenario': 'client-timeout' }, 150), {
      status: null,
      error: 'TIMEOUT',
    });
    assert.ok(performance.now() - started >= 140);

    // A client that never gives up: closing the server still ends the hung request after its grace.
    const held = app.mock.scenarios?.whenHung();
    const hung = get(running.url, { ...auth, 'x-mock-scenario': 'client-timeout' });
    await held;
    const closing = performance.now();
    await running.close(100);
    assert.ok(performance.now() - closing < 2_000);
    assert.equal((await hung).status, null);
  });

  test('at most maxHeld hung requests are held at once: one more is ended at once, with one warning', async () => {
    const { app, logs } = appWith({ scenarios: { hang: { maxHeld: 2 } } });
    const running = await listen(app, { port: 0 });
    const auth = { authorization: `Bearer ${await tokenFor(app)}`, 'x-mock-scenario': 'client-timeout' };
    const hung: Promise<Seen>[] = [];
    for (let i = 0; i < 2; i++) {
      const held = app.mock.scenarios?.whenHung();
      hung.push(get(running.url, auth));
      await held;
    }
    assert.equal(app.mock.scenarios?.hungCount, 2);
    // The third and fourth: their connections end at once (no client timeout is set), the first two stay held.
    assert.deepEqual(await get(running.url, auth), { status: null, error: 'ECONNRESET' });
    assert.deepEqual(await get(running.url, auth), { status: null, error: 'ECONNRESET' });
    assert.equal(app.mock.scenarios?.hungCount, 2);
    const warnings = logs.filter((line) => line.startsWith('warn hang:'));
    assert.equal(warnings.length, 1, logs.join('\n'));
    assert.match(warnings[0] as string, /2 requests are held open already/);
    // close() releases the held ones.
    await running.close(100);
    for (const seen of await Promise.all(hung)) assert.equal(seen.status, null);
    assert.equal(app.mock.scenarios?.hungCount, 0);
  });

  test('a hung request is held at most maxMs, then its connection ends', async () => {
    const { app } = appWith({ scenarios: { hang: { maxMs: 200 } } });
    const running = await listen(app, { port: 0 });
    const auth = { authorization: `Bearer ${await tokenFor(app)}`, 'x-mock-scenario': 'client-timeout' };
    const started = performance.now();
    const seen = await get(running.url, auth);
    assert.equal(seen.status, null);
    assert.ok(performance.now() - started >= 190, 'held for its maxMs first');
    // The server sees the close a moment after the client does.
    await eventually(() => app.mock.scenarios?.hungCount === 0);
    await running.close(100);
  });

  test('close() ends hung requests and stops pending delays', async () => {
    const { app } = appWith();
    const running = await listen(app, { port: 0 });
    const auth = { authorization: `Bearer ${await tokenFor(app)}` };
    const held = app.mock.scenarios?.whenHung();
    const hung = get(running.url, { ...auth, 'x-mock-scenario': 'client-timeout' });
    await held;
    assert.equal(app.mock.scenarios?.hungCount, 1);
    app.mock.scenarios?.close();
    assert.equal((await hung).status, null);
    assert.equal(app.mock.scenarios?.hungCount, 0);
    // A request that reaches its hang fault only after close() (the library loads lazily) is ended at once.
    const late = get(running.url, { ...auth, 'x-mock-scenario': 'client-timeout' });
    assert.equal((await late).status, null);
    assert.equal(app.mock.scenarios?.hungCount, 0);
    await running.close(100);
  });

  test('close() ends a held request and sockets that sent nothing at once; an in-flight request still finishes', async () => {
    const { app } = appWith();
    const running = await listen(app, { port: 0 });
    const token = await tokenFor(app);
    // The grace timer cuts every connection through closeAllConnections(): a close that waited for it calls it.
    let graceFired = false;
    const cutAll = running.server.closeAllConnections.bind(running.server);
    running.server.closeAllConnections = () => {
      graceFired = true;
      cutAll();
    };
    const held = app.mock.scenarios?.whenHung();
    const hung = get(running.url, { authorization: `Bearer ${token}`, 'x-mock-scenario': 'client-timeout' });
    await held;
    // A spare connection that has sent nothing (fetch's pool opens these), and one with a request half sent.
    const spare = connect(running.port, '127.0.0.1');
    await once(spare, 'connect');
    const spareClosed = once(spare, 'close');
    const body = JSON.stringify(evaluateBody());
    const inFlight = connect(running.port, '127.0.0.1');
    await once(inFlight, 'connect');
    const chunks: Buffer[] = [];
    inFlight.on('data', (c: Buffer) => chunks.push(c));
    inFlight.write(
      `POST /v1/evaluate HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
        `Expect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    await once(inFlight, 'data'); // 100 Continue: the request is in flight
    chunks.length = 0;
    const inFlightClosed = once(inFlight, 'close');

    const closed = running.close();
    assert.equal((await hung).status, null);
    await spareClosed;
    inFlight.write(body);
    await inFlightClosed;
    assert.match(Buffer.concat(chunks).toString('utf8'), /^HTTP\/1\.1 200 OK\r\n/);
    await closed;
    assert.equal(graceFired, false, 'close() waited for the grace timer');
    assert.equal(app.mock.scenarios?.hungCount, 0);
    const left = await new Promise<number>((resolve) => running.server.getConnections((_e, n) => resolve(n)));
    assert.equal(left, 0);
  });
});

describe('applied, but the response was lost', () => {
  test('the capture happens, the client gets a 504, the retry with the same key returns the original success', async () => {
    const seen: Exchange[] = [];
    const { app } = appWith({ hooks: [{ name: 'spy', onFinish: (e) => seen.push(e) }] });
    const token = await tokenFor(app);
    const order = await request(app)
      .post('/v1/evaluate')
      .set('authorization', `Bearer ${token}`)
      .send(evaluateBody({ paymentMethod: { cardNumber: TEST_CARDS.captureRequired } }));
    assert.equal(order.body.status, 'CAPTUREREQUIRED');
    const capture = {
      orderId: order.body.orderSessionKey,
      idempotencyKey: 'c0ffee00-0000-4000-8000-000000000001',
      amount: 1500,
      currency: 'USD',
    };
    const send = () =>
      request(app)
        .post('/v1/capture')
        .set('authorization', `Bearer ${token}`)
        .set('x-mock-scenario', 'capture-response-lost')
        .send(capture);
    const lost = await send();
    assert.equal(lost.status, 504);
    const read = await request(app)
      .get(`/v1/orders/${capture.orderId}`)
      .set('authorization', `Bearer ${token}`);
    assert.equal(read.body.statusName, 'COMPLETED', 'the capture was applied');
    const retry = await send();
    assert.equal(retry.status, 200);
    assert.equal(retry.body.status, 'SUCCESS');
    assert.equal(retry.headers['x-mock-idempotent-replay'], 'true');
    assert.deepEqual(
      seen.filter((e) => e.operationId === 'captureOrder').map((e) => e.scenarios),
      [['capture-response-lost'], []],
    );
  });
});

describe('hot reload', () => {
  test('adding, editing and deleting a file takes effect without a restart and without dropping a request in flight', async () => {
    const dir = folder({
      'slow-list.yaml':
        'description: GET /v1/orders waits 400 ms.\nsource: invented\nmatch:\n  operation: listOrders\ndelay: 400\n',
    });
    const { app } = appWith({ scenarios: { dirs: [dir], builtIn: false, watch: true } });
    const scenarios = app.mock.scenarios;
    assert.ok(scenarios);
    const token = await tokenFor(app);
    const list = (scenario: string) =>
      request(app).get('/v1/orders').set('authorization', `Bearer ${token}`).set('x-mock-scenario', scenario);
    const inFlight = list('slow-list').then((res) => res.status);

    writeFileSync(
      join(dir, 'down.yaml'),
      "description: GET /v1/orders is down.\nsource: invented\nrespond:\n  error: '503001'\n",
    );
    await eventually(() => scenarios.get('down') !== undefined);
    assert.equal((await list('down')).status, 503);

    writeFileSync(
      join(dir, 'down.yaml'),
      "description: now a bad gateway.\nsource: invented\nrespond:\n  error: '502001'\n",
    );
    await eventually(async () => (await list('down')).status === 502);

    unlinkSync(join(dir, 'slow-list.yaml'));
    await eventually(async () => (await list('slow-list')).status === 400);
    assert.equal(
      await inFlight,
      200,
      'the request that started under the deleted scenario still got its answer',
    );

    writeFileSync(join(dir, 'down.yaml'), 'description: broken\nsource: nowhere\nfault: reset\n');
    await eventually(() => scenarios.problems().length === 1);
    assert.equal(scenarios.get('down'), undefined, 'a file that turns bad is skipped, the server stays up');
    assert.equal((await list('none')).status, 200);
    scenarios.close();
  });

  test('a watching app built in-process does not keep the process alive; closeMock() from the package root stops it', async () => {
    const dir = folder({
      'down.yaml': "description: down.\nsource: invented\nrespond:\n  error: '503001'\n",
    });
    const script = join(dir, 'exits.mts');
    const root = pathToFileURL(join(process.cwd(), 'mock/index.ts')).href;
    writeFileSync(
      script,
      `import { closeMock, createApp } from ${JSON.stringify(root)};
      const quiet = { info() {}, warn() {}, error() {} };
      const idle = createApp({ logger: quiet, scenarios: { dirs: [${JSON.stringify(dir)}], watch: true } });
      if (!idle.mock.scenarios.get('down')) throw new Error('not loaded');
      const closed = createApp({ logger: quiet, scenarios: { dirs: [${JSON.stringify(dir)}], watch: true } });
      closed.mock.scenarios.list();
      await closeMock(closed.mock);
      console.log('built');\n`,
    );
    // Before, the folder watcher held the event loop: the child never exited and was killed here.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script], { timeout: 30_000 });
    assert.equal(stdout.trim(), 'built');
  });
});

describe('npm run scenarios:check', () => {
  const cli = ['--import', 'tsx', 'mock/cli.ts', 'scenarios:check'];

  test('the built-in folder is valid', async () => {
    const { stdout } = await run(process.execPath, cli, { timeout: 30_000 });
    assert.match(stdout, /(\d+) scenario file\(s\) checked: \1 valid, 0 invalid/);
  });

  test('a folder with a bad file exits 1 and prints file:line: message', async () => {
    const bad = folder({ 'oops.yaml': 'description: x\nsource: invented\nfault: resett\n' });
    await assert.rejects(
      run(process.execPath, [...cli, bad], { timeout: 30_000 }),
      (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 1);
        assert.match(error.stderr, /oops\.yaml:3: fault: "resett" is not one of reset, hang/);
        return true;
      },
    );
  });
});
