// Several mock processes on one Redis act as one FlexFactor account: the built CLI (dist/, `npm run build` first) run
// twice, A and B on different ports, against a redis-server started for this file (test/redis-server.ts). Each test
// gets its own key prefix, so the processes of one test never see another test's orders, clock or journal. Journal
// entries reach the other process "within a short delay", so reads of the journal poll (bounded); everything else is
// read once and must already be there.

import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { DEFAULT_MERCHANT, DEFAULT_PARTNER, type MerchantAccount } from '../mock/domain/accounts.js';
import { TEST_CARDS, type TestCardName } from '../mock/domain/outcomes.js';
import { startMock } from '../mock/index.js';
import { runCli, startCli, stopCli } from './harness-cli.js';
import { evaluateBody } from './helpers.js';
import { type RedisServer, startRedis } from './redis-server.js';

const SESSION = 'x-mock-session';
const ERROR_CODE = 'x-mock-error-code';
const REPLAY = 'x-mock-idempotent-replay';
/** The start line of `serve`: "FlexFactor mock listening on http://127.0.0.1:<port>/v1 (profile …". */
const START_LINE = /listening on (http:\/\/\S+?)\/v1\b/;
/** How long a journal entry recorded by one process may take to show on the other, and a bound for recoveries. */
const EVENTUALLY_MS = 10_000;
/** No single request may take longer than this, an outage included: a hang fails the request, not the file. */
const REQUEST_TIMEOUT_MS = 20_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const STATUS = { CANCELLED: 2, PROCESSING: 4, CAPTUREREQUIRED: 5, RETURNED: 6, COMPLETED: 7 } as const;

/** Something that answers HTTP: a serve process or an in-process mock. */
interface Target {
  name: string;
  /** Origin, e.g. http://127.0.0.1:41234 */
  url: string;
}

interface Mock extends Target {
  child: ChildProcess;
  /** The key prefix it was started with. */
  prefix: string;
}

interface Answer {
  status: number;
  /** Wall-clock time until the whole answer was in. */
  ms: number;
  headers: IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field and asserted.
  body: any;
  text: string;
}

interface JournalEntry {
  kind: 'request' | 'transition' | 'webhook';
  operationId?: string | null;
  orderIds?: string[];
  orderId?: string | null;
  transition?: string;
  event?: string;
  attempt?: number;
}

let redis: RedisServer;
/** Processes and servers started by the running test, stopped after it whatever happened. */
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  redis = await startRedis();
});

after(async () => {
  await redis?.stop();
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A key prefix of this test's own: the processes of one test share it, other tests do not. */
function freshPrefix(): string {
  return `ffmock-test-${randomUUID().slice(0, 8)}:`;
}

/** `serve` on a free port with the Redis store; resolves once it prints its start line. */
async function serve(name: string, prefix: string, extra: string[] = []): Promise<Mock> {
  const args = ['serve', '--port', '0', '--store', redis.url, '--store-prefix', prefix, ...extra];
  const { child, match } = await startCli(args, START_LINE);
  cleanups.push(() => stopCli(child));
  return { name, url: match, child, prefix };
}

/** Two processes, A and B, sharing this test's prefix of the one Redis. */
async function pair(extra: string[] = []): Promise<[Mock, Mock]> {
  const prefix = freshPrefix();
  return await Promise.all([serve('A', prefix, extra), serve('B', prefix, extra)]);
}

/** Two processes on one prefix, a fresh session, and a token from each (what most tests start from). */
async function pairInSession(): Promise<{
  a: Mock;
  b: Mock;
  session: string;
  tokenA: string;
  tokenB: string;
}> {
  const [a, b] = await pair();
  const session = `redis-${randomUUID()}`;
  return { a, b, session, tokenA: await tokenOf(a, session), tokenB: await tokenOf(b, session) };
}

/**
 * One request on a connection of its own (no keep-alive pool): with `--workers` every request may land on another
 * worker, and a request cannot wait behind another one's socket.
 */
function call(
  mock: Target,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; session?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${mock.url}${path}`,
      {
        method,
        agent: false,
        headers: {
          accept: 'application/json',
          ...(payload !== undefined
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(options.session ? { [SESSION]: options.session } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = text === '' ? undefined : JSON.parse(text);
          } catch {
            // Not JSON: left as text; the assertions say so.
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text,
            ms: Date.now() - started,
          });
        });
        res.on('error', reject);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () =>
      req.destroy(new Error(`${method} ${path} got no answer within ${REQUEST_TIMEOUT_MS} ms`)),
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** A fresh bearer token of the default merchant, issued by `mock` (credentials: README / docs/credentials.md). */
async function tokenOf(
  mock: Target,
  session: string,
  account: MerchantAccount = DEFAULT_MERCHANT,
): Promise<string> {
  const res = await call(mock, 'POST', '/v1/oauth2/token', {
    session,
    body: { AppKey: account.appKey, AppSecret: account.appSecret },
  });
  assert.equal(res.status, 200, `token from ${mock.name}: ${res.text}`);
  assert.equal(typeof res.body.accessToken, 'string');
  return res.body.accessToken as string;
}

function card(name: TestCardName): Record<string, unknown> {
  return { paymentMethod: { cardNumber: TEST_CARDS[name], token: false } };
}

/** An evaluate body of its own (fresh merchant orderId and idempotency key). */
function body(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return evaluateBody({ orderId: `ORDER-${randomUUID()}`, idempotencyKey: randomUUID(), ...overrides });
}

/** Evaluate on `mock`, check the answer's status, return FlexFactor's order id. */
async function create(
  mock: Target,
  token: string,
  session: string,
  overrides: Record<string, unknown>,
  expected: string,
): Promise<string> {
  const res = await call(mock, 'POST', '/v1/evaluate', { token, session, body: body(overrides) });
  assert.equal(res.status, 200, `evaluate on ${mock.name}: ${res.text}`);
  assert.equal(res.body.status, expected, `evaluate on ${mock.name}: ${res.text}`);
  assert.equal(res.body.orderId, res.body.orderSessionKey);
  return res.body.orderId as string;
}

async function order(mock: Target, token: string, session: string, id: string) {
  const res = await call(mock, 'GET', `/v1/orders/${id}`, { token, session });
  assert.equal(res.status, 200, `GET order on ${mock.name}: ${res.text}`);
  assert.equal(res.body.id, id);
  return res.body;
}

/** Vault a test card through `mock`'s /v1/tokenize and return its token. */
async function vaultCard(mock: Target, session: string, name: TestCardName): Promise<string> {
  const res = await call(
    mock,
    'POST',
    `/v1/tokenize?mid=${DEFAULT_MERCHANT.mid}&environment=${DEFAULT_MERCHANT.tokenizationKey}`,
    {
      session,
      body: {
        payment_method: {
          credit_card: {
            first_name: 'Cure',
            last_name: 'Tester',
            number: TEST_CARDS[name],
            verification_value: '999',
            month: '09',
            year: '2030',
          },
        },
      },
    },
  );
  assert.equal(res.status, 200, `tokenize on ${mock.name}: ${res.text}`);
  return res.body.transaction.payment_method.token as string;
}

/** Refund `dollars` of an order on `mock`, check it succeeded, return the answer's body. */
async function refundOk(mock: Target, token: string, session: string, id: string, dollars: number) {
  const res = await call(mock, 'POST', `/v1/orders/${id}/refund`, {
    token,
    session,
    body: { amountToRefund: dollars },
  });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.status, 'SUCCESS', res.text);
  return res.body;
}

function admin(mock: Target, method: string, path: string, session: string, bodyValue?: unknown) {
  return call(mock, method, `/__admin${path}`, {
    session,
    ...(bodyValue === undefined ? {} : { body: bodyValue }),
  });
}

async function journal(mock: Target, session: string, kind?: JournalEntry['kind']): Promise<JournalEntry[]> {
  const res = await admin(mock, 'GET', `/journal${kind ? `?kind=${kind}` : ''}`, session);
  assert.equal(res.status, 200, `journal on ${mock.name}: ${res.text}`);
  return res.body.entries as JournalEntry[];
}

async function timeline(mock: Target, session: string, id: string): Promise<JournalEntry[]> {
  const res = await admin(mock, 'GET', `/orders/${id}/timeline`, session);
  assert.equal(res.status, 200, `timeline on ${mock.name}: ${res.text}`);
  return res.body.entries as JournalEntry[];
}

/** Retry `check` until it stops throwing, for at most `ms`; the last failure is the error. */
async function eventually<T>(check: () => Promise<T>, ms = EVENTUALLY_MS): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function count<T>(items: T[], predicate: (item: T) => boolean): number {
  return items.filter(predicate).length;
}

/** The operationIds of the journal's requests that touched `id`. */
function operationsOn(entries: JournalEntry[], id: string): string[] {
  return entries
    .filter((e) => e.kind === 'request' && (e.orderIds ?? []).includes(id))
    .map((e) => String(e.operationId));
}

function transitionsOf(entries: JournalEntry[]): string[] {
  return entries.filter((e) => e.kind === 'transition').map((e) => String(e.transition));
}

/** A 503100 as docs/scale-out.md describes it: problem JSON with the code, Retry-After: 1, at once. */
function assertStoreDown(res: Answer, what: string): void {
  assert.equal(res.status, 503, `${what}: ${res.status} ${res.text}`);
  assert.equal(res.headers[ERROR_CODE], '503100', `${what}: ${res.text}`);
  assert.equal(res.headers['retry-after'], '1', what);
  // "At once rather than after a timeout": generous for a busy machine, far below any client or command timeout.
  assert.ok(res.ms < 2_500, `${what} took ${res.ms} ms`);
  assert.match(String(res.headers['content-type']), /^application\/problem\+json/, what);
  assert.equal(res.body.code, '503100', `${what}: ${res.text}`);
  assert.equal(res.body.status, 503, `${what}: ${res.text}`);
  assert.equal(typeof res.body.detail === 'string' || typeof res.body.title === 'string', true, what);
}

describe('two serve processes on one Redis act as one account', { timeout: 120_000 }, () => {
  test('evaluate on A; GET, capture, refund and cancel on B; both journals and the timeline show both', async () => {
    const { a, b, session, tokenA, tokenB } = await pairInSession();

    // Capture: a CAPTUREREQUIRED order made on A, captured on B, read back on A.
    const captured = await create(a, tokenA, session, card('captureRequired'), 'CAPTUREREQUIRED');
    const seen = await order(b, tokenB, session, captured);
    assert.equal(seen.status, STATUS.CAPTUREREQUIRED);
    // The token key is shared: a token issued by A is good on B.
    assert.equal((await order(b, tokenA, session, captured)).status, STATUS.CAPTUREREQUIRED);
    const capture = await call(b, 'POST', '/v1/capture', {
      token: tokenB,
      session,
      body: { idempotencyKey: randomUUID(), orderId: captured, amount: 1500, currency: 'USD' },
    });
    assert.equal(capture.status, 200, capture.text);
    assert.equal(capture.body.status, 'SUCCESS', capture.text);
    const afterCapture = await order(a, tokenA, session, captured);
    assert.equal(afterCapture.status, STATUS.COMPLETED);
    assert.equal(afterCapture.capturedAmount, 1500);
    assert.deepEqual(
      afterCapture.statusHistory.map((h: { reason: string }) => h.reason),
      ['authorized', 'captured'],
    );

    // Refund: an APPROVED order made on A, partly refunded on B.
    const refunded = await create(a, tokenA, session, card('approved'), 'APPROVED');
    const refund = await refundOk(b, tokenB, session, refunded, 5.0);
    const afterRefund = await order(a, tokenA, session, refunded);
    assert.equal(afterRefund.refundedAmount, 500);
    assert.equal(afterRefund.refundableAmount, 1000);
    assert.equal(afterRefund.refunds.length, 1);
    assert.equal(afterRefund.refunds[0].id, refund.transactionId);

    // Cancel: another CAPTUREREQUIRED order made on A, cancelled on B.
    const cancelled = await create(a, tokenA, session, card('captureRequired'), 'CAPTUREREQUIRED');
    const cancel = await call(b, 'POST', `/v1/orders/${cancelled}/cancel`, {
      token: tokenB,
      session,
      body: {},
    });
    assert.equal(cancel.status, 200, cancel.text);
    assert.deepEqual(cancel.body, {});
    const afterCancel = await order(a, tokenA, session, cancelled);
    assert.deepEqual([afterCancel.status, afterCancel.statusName], [STATUS.CANCELLED, 'CANCELLED']);

    // Each process's journal holds the requests of both: evaluate answered by A, the rest by B.
    for (const mock of [a, b]) {
      await eventually(async () => {
        const entries = await journal(mock, session, 'request');
        const on = (id: string) => new Set(operationsOn(entries, id));
        for (const op of ['evaluate', 'getOrder', 'captureOrder']) {
          assert.ok(on(captured).has(op), `${mock.name}'s journal lacks ${op} of the captured order`);
        }
        assert.ok(on(refunded).has('evaluate') && on(refunded).has('refundOrder'), `${mock.name}: refund`);
        assert.ok(on(cancelled).has('evaluate') && on(cancelled).has('cancelOrder'), `${mock.name}: cancel`);
      });
      // The HAR export too (what the inspector and browser tools read).
      await eventually(async () => {
        const har = await admin(mock, 'GET', '/journal/har', session);
        assert.equal(har.status, 200, har.text);
        const ops = (har.body.log.entries as { _operationId: string; _orderIds: string[] }[])
          .filter((e) => e._orderIds.includes(captured))
          .map((e) => e._operationId);
        assert.ok(ops.includes('evaluate') && ops.includes('captureOrder'), `${mock.name}'s HAR: ${ops}`);
      });
      // The captured order's timeline: the requests of both processes and each transition once.
      await eventually(async () => {
        const entries = await timeline(mock, session, captured);
        const ops = operationsOn(entries, captured);
        assert.ok(ops.includes('evaluate') && ops.includes('captureOrder'), `${mock.name}: ${ops}`);
        assert.deepEqual(transitionsOf(entries), ['requireCapture', 'capture'], `${mock.name}'s timeline`);
      });
    }
  });

  test('40 parallel 1.00 refunds of a 15.00 order over A and B: exactly 15 succeed', async () => {
    const [a, b] = await pair();
    const session = `redis-${randomUUID()}`;
    const tokens = [await tokenOf(a, session), await tokenOf(b, session)];
    const id = await create(a, tokens[0] as string, session, card('approved'), 'APPROVED');

    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, n) =>
        call(n % 2 === 0 ? a : b, 'POST', `/v1/orders/${id}/refund`, {
          token: tokens[n % 2] as string,
          session,
          body: { amountToRefund: 1.0 },
        }),
      ),
    );
    // Every answer is a refund answer (HTTP 200): no lock timeout (503101), no error.
    const other = answers.filter((r) => r.status !== 200);
    assert.deepEqual(
      other.map((r) => `${r.status} ${r.headers[ERROR_CODE] ?? ''}`),
      [],
      'every refund answers HTTP 200',
    );
    const succeeded = answers.filter((r) => r.body.status === 'SUCCESS');
    const refused = answers.filter((r) => r.body.status === 'FAILED');
    assert.equal(succeeded.length, 15, 'successful refunds');
    assert.equal(refused.length, 25, 'refused refunds');
    for (const r of refused) {
      assert.equal(r.body.responseCode, '2001', r.text);
      assert.equal(r.body.errors[0]?.item2, '2001', r.text);
    }
    // Fifteen distinct refunds, all in the order.
    assert.equal(new Set(succeeded.map((r) => r.body.transactionId)).size, 15);
    for (const [n, mock] of [a, b].entries()) {
      const o = await order(mock, tokens[n] as string, session, id);
      assert.equal(o.refundedAmount, 1500, `refundedAmount on ${mock.name}`);
      assert.equal(o.refundableAmount, 0, `refundableAmount on ${mock.name}`);
      assert.equal(o.refunds.length, 15, `refunds on ${mock.name}`);
      assert.deepEqual([o.status, o.statusName], [STATUS.RETURNED, 'RETURNED'], mock.name);
    }
    // One transition per successful refund: 14 partial, then the full one.
    await eventually(async () => {
      const transitions = transitionsOf(await timeline(b, session, id));
      assert.equal(
        count(transitions, (t) => t === 'refundPartially'),
        14,
        `${transitions}`,
      );
      assert.equal(
        count(transitions, (t) => t === 'refundFully'),
        1,
        `${transitions}`,
      );
    });
  });

  test('50 concurrent evaluates with one idempotency key over A and B: one order', async () => {
    const [a, b] = await pair();
    const session = `redis-${randomUUID()}`;
    const tokens = [await tokenOf(a, session), await tokenOf(b, session)];
    const same = body(card('approved'));
    const merchantOrderId = String(same.orderId);

    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        call(n % 2 === 0 ? a : b, 'POST', '/v1/evaluate', {
          token: tokens[n % 2] as string,
          session,
          body: same,
        }),
      ),
    );
    const ok = answers.filter((r) => r.status === 200);
    const inProgress = answers.filter((r) => r.status === 409 && r.headers[ERROR_CODE] === '409002');
    assert.equal(
      ok.length + inProgress.length,
      50,
      `every answer is 200 or 409002 (in progress): ${answers
        .filter((r) => r.status !== 200 && r.headers[ERROR_CODE] !== '409002')
        .map((r) => `${r.status} ${r.headers[ERROR_CODE] ?? ''} ${r.text.slice(0, 200)}`)
        .join('; ')}`,
    );
    assert.ok(ok.length >= 1, 'at least one evaluate succeeded');
    const ids = new Set(ok.map((r) => r.body.orderId));
    assert.equal(ids.size, 1, `every 2xx names the same order: ${[...ids]}`);
    const [id] = [...ids] as [string];
    for (const r of ok) assert.equal(r.body.status, 'APPROVED', r.text);

    // Once settled, the key replays that order on either process.
    for (const [n, mock] of [a, b].entries()) {
      const replay = await call(mock, 'POST', '/v1/evaluate', {
        token: tokens[n] as string,
        session,
        body: same,
      });
      assert.equal(replay.status, 200, replay.text);
      assert.equal(replay.headers[REPLAY], 'true', `replay on ${mock.name}`);
      assert.equal(replay.body.orderId, id);
      const list = await call(mock, 'GET', `/v1/orders?query=${encodeURIComponent(merchantOrderId)}`, {
        token: tokens[n] as string,
        session,
      });
      assert.equal(list.status, 200, list.text);
      assert.equal(list.body.totalItemCount, 1, `orders for the merchant orderId on ${mock.name}`);
      assert.equal(list.body.items[0].id, id);
    }
    // The order was approved once.
    await eventually(async () => {
      assert.deepEqual(transitionsOf(await timeline(a, session, id)), ['approve']);
    });
  });

  test('vaulted cards, Sync-MIT retries, partner API keys and the scenario choice are shared', async () => {
    const { a, b, session, tokenA, tokenB } = await pairInSession();

    // A card vaulted through A's /v1/tokenize is known to B.
    const cardToken = await vaultCard(a, session, 'challenge');
    const tokenized = await create(
      b,
      tokenB,
      session,
      { paymentMethod: { cardNumber: cardToken, token: true } },
      'CHALLENGE',
    );
    const viaToken = await order(a, tokenA, session, tokenized);
    assert.deepEqual(viaToken.card, { bin: '400000', last4: '0038', brand: 'VISA', tokenized: true });

    // A Sync-MIT retry (same merchant orderId, new idempotency key) on B finds the order A made.
    const orderId = `MIT-${randomUUID()}`;
    const mit = { ...card('submitted'), isMIT: true, orderId };
    const first = await call(a, 'POST', '/v1/evaluate', { token: tokenA, session, body: body(mit) });
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.status, 'SUBMITTED');
    const retry = await call(b, 'POST', '/v1/evaluate', { token: tokenB, session, body: body(mit) });
    assert.equal(retry.status, 200, retry.text);
    assert.equal(retry.headers[REPLAY], undefined);
    assert.equal(retry.body.orderSessionKey, first.body.orderSessionKey);

    // A partner's API key created through A is found through B (the partner's own token, issued by A).
    const partnerToken = await tokenOf(a, session, DEFAULT_PARTNER);
    const key = await call(a, 'POST', '/v1/api-keys', {
      token: partnerToken,
      session,
      body: { mid: DEFAULT_MERCHANT.mid, name: 'Checkout backend', type: 'secret', scopes: ['charges:read'] },
    });
    assert.equal(key.status, 200, key.text);
    assert.equal(typeof key.body.id, 'string', key.text);
    const found = await call(b, 'GET', `/v1/api-keys/${key.body.id}`, { token: partnerToken, session });
    assert.equal(found.status, 200, found.text);
    assert.equal(found.body.id, key.body.id);

    // The session's scenario choice, made on A, applies on B; cleared on B, it is gone on A.
    const chosen = await admin(a, 'PUT', '/session/scenarios', session, { names: ['evaluate-declined'] });
    assert.equal(chosen.status, 200, chosen.text);
    const listed = await admin(b, 'GET', '/session/scenarios', session);
    assert.deepEqual(listed.body.names, ['evaluate-declined']);
    await create(b, tokenB, session, card('approved'), 'DECLINED');
    const cleared = await admin(b, 'DELETE', '/session/scenarios', session);
    assert.equal(cleared.status, 200, cleared.text);
    await create(a, tokenA, session, card('approved'), 'APPROVED');
  });

  test('a reset on A forgets the session on B; B lists the sessions A made; another prefix is another account', async () => {
    const { a, b, session, tokenA, tokenB } = await pairInSession();
    const id = await create(a, tokenA, session, card('approved'), 'APPROVED');
    const sessions = await admin(b, 'GET', '/sessions', session);
    assert.equal(sessions.status, 200, sessions.text);
    assert.ok((sessions.body.sessions as string[]).includes(session), `B lists ${session}: ${sessions.text}`);

    // A mock on another prefix of the same Redis does not see the order.
    const other = await serve('other prefix', freshPrefix());
    const elsewhere = await call(other, 'GET', `/v1/orders/${id}`, {
      token: await tokenOf(other, session),
      session,
    });
    assert.equal(elsewhere.status, 404, elsewhere.text);

    const reset = await admin(a, 'POST', '/reset', session);
    assert.equal(reset.status, 200, reset.text);
    const gone = await call(b, 'GET', `/v1/orders/${id}`, { token: tokenB, session });
    assert.equal(gone.status, 404, `GET on B after a reset on A: ${gone.text}`);
    assert.equal(gone.headers[ERROR_CODE], '404002');
    const list = await call(b, 'GET', '/v1/orders', { token: tokenB, session });
    assert.equal(list.body.totalItemCount, 0, list.text);
  });

  test('--max-orders bounds the whole account: the oldest orders go, whichever process made them', async () => {
    const [a, b] = await pair(['--max-orders', '100']);
    const first = `redis-${randomUUID()}`;
    const second = `redis-${randomUUID()}`;
    const tokens = {
      a1: await tokenOf(a, first),
      b1: await tokenOf(b, first),
      b2: await tokenOf(b, second),
      a2: await tokenOf(a, second),
    };
    // 60 orders in the first session (made on A, in batches), then 60 in the second (made on B).
    const made: string[] = [];
    for (let batch = 0; batch < 6; batch++) {
      made.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, () => create(a, tokens.a1, first, card('approved'), 'APPROVED')),
        )),
      );
    }
    for (let batch = 0; batch < 6; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, () => create(b, tokens.b2, second, card('approved'), 'APPROVED')),
      );
    }
    // 120 made, 100 kept: the first session lost 20, also as A (which made them) sees it.
    for (const [mock, token] of [
      [a, tokens.a1],
      [b, tokens.b1],
    ] as const) {
      const list = await call(mock, 'GET', '/v1/orders?pageSize=100', { token, session: first });
      assert.equal(
        list.body.totalItemCount,
        40,
        `the first session on ${mock.name}: ${list.text.slice(0, 200)}`,
      );
    }
    for (const [mock, token] of [
      [a, tokens.a2],
      [b, tokens.b2],
    ] as const) {
      const list = await call(mock, 'GET', '/v1/orders?pageSize=100', { token, session: second });
      assert.equal(list.body.totalItemCount, 60, `the second session on ${mock.name}`);
    }
    const oldest = await call(a, 'GET', `/v1/orders/${made[0]}`, { token: tokens.a1, session: first });
    assert.equal(oldest.status, 404, `the oldest order on A: ${oldest.text.slice(0, 200)}`);

    // In Redis, what belongs to a session expires once it is idle for 7 days (docs/scale-out.md#bounds).
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    try {
      const keys = await client.keys(`${a.prefix}*`);
      for (const name of [first, second]) {
        const own = keys.filter((key) => key.includes(name));
        assert.ok(own.length > 0, `keys of ${name} under ${a.prefix}: ${keys.join(', ')}`);
        for (const key of own) {
          const ttl = await client.pttl(key);
          assert.ok(ttl > 0 && ttl <= 7 * DAY, `${key} expires within 7 days (PTTL ${ttl})`);
        }
      }
    } finally {
      client.disconnect();
    }
  });

  test('the clock is shared; a managed MIT fate fires once; each webhook is delivered once', async () => {
    // The receiver: records every delivery by path; fails the first attempt of order.completed at each path, so a
    // retry is due too.
    const received: { path: string; event: string; orderId: string; isResent: boolean; status: number }[] =
      [];
    const receiver: Server = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        text += chunk;
      });
      req.on('end', () => {
        const payload = JSON.parse(text) as { Event: string; OrderId: string; IsResent: boolean };
        const path = req.url ?? '';
        const firstCompleted =
          payload.Event === 'order.completed' &&
          !received.some(
            (r) => r.path === path && r.event === 'order.completed' && r.orderId === payload.OrderId,
          );
        const status = firstCompleted ? 500 : 200;
        received.push({
          path,
          event: payload.Event,
          orderId: payload.OrderId,
          isResent: payload.IsResent,
          status,
        });
        res.writeHead(status).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    cleanups.push(() => new Promise((resolve) => receiver.close(() => resolve())));
    const origin = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    // Both processes deliver to /hook (given to each on the command line) and both run their schedulers.
    const [a, b] = await pair(['--webhook-url', `${origin}/hook`]);
    const session = `redis-${randomUUID()}`;
    const paths = ['/hook'];

    // Frozen on A → frozen on B at the same instant; moved on either → moved on both.
    const frozen = await admin(a, 'POST', '/clock/freeze', session);
    assert.equal(frozen.status, 200, frozen.text);
    const t0 = frozen.body.nowMs as number;
    const clockOf = async (mock: Target) => {
      const res = await admin(mock, 'GET', '/clock', session);
      assert.equal(res.status, 200, res.text);
      return res.body as { nowMs: number; frozen: boolean };
    };
    const clockB = await clockOf(b);
    assert.deepEqual(
      [clockB.frozen, clockB.nowMs],
      [true, t0],
      'B sees the clock A froze, at the same instant',
    );
    const advanced = await admin(a, 'POST', '/clock/advance', session, { by: '10m' });
    assert.equal(advanced.body.nowMs, t0 + 10 * MINUTE);
    assert.equal((await clockOf(b)).nowMs, t0 + 10 * MINUTE, 'B sees the advance made on A');
    await admin(b, 'POST', '/clock/advance', session, { by: '5m' });
    assert.equal((await clockOf(a)).nowMs, t0 + 15 * MINUTE, 'A sees the advance made on B');
    // Running again, so each process's scheduler polls the clock every second: both look for due fates.
    const running = await admin(a, 'POST', '/clock/unfreeze', session);
    assert.equal(running.status, 200, running.text);
    assert.equal((await clockOf(b)).frozen, false, 'B sees the clock running again');

    // Tokens live 10 minutes of virtual time: issue them now that the clock has moved.
    let tokenA = await tokenOf(a, session);
    let tokenB = await tokenOf(b, session);
    const authorized = await create(b, tokenB, session, card('captureRequired'), 'CAPTUREREQUIRED');
    const now = (await clockOf(b)).nowMs;
    const mit = await create(
      b,
      tokenB,
      session,
      { ...card('submitted'), isMIT: true, expiryDateUtc: new Date(now + 2 * DAY).toISOString() },
      'SUBMITTED',
    );

    // The fate comes due when A moves the clock; B's scheduler is made to run over the same instant as well.
    await admin(a, 'POST', '/clock/advance', session, { by: '1h' });
    await admin(b, 'POST', '/clock/advance', session, { by: '1s' });
    tokenA = await tokenOf(a, session);
    tokenB = await tokenOf(b, session);
    for (const [mock, token] of [
      [a, tokenA],
      [b, tokenB],
    ] as const) {
      const done = await order(mock, token, session, mit);
      assert.deepEqual([done.status, done.statusName], [STATUS.COMPLETED, 'COMPLETED'], mock.name);
      assert.equal(
        count(done.statusHistory as { status: number }[], (h) => h.status === STATUS.COMPLETED),
        1,
        `one COMPLETED in the history on ${mock.name}`,
      );
    }
    for (const mock of [a, b]) {
      await eventually(async () => {
        const transitions = transitionsOf(await timeline(mock, session, mit));
        assert.deepEqual(transitions, ['submit', 'pickUp', 'complete'], `${mock.name}'s timeline`);
      });
    }

    // The first order.completed attempt failed (500): its retry is due 1 minute later, and is sent once.
    const flushBoth = async () => {
      for (const mock of [a, b]) {
        const flushed = await admin(mock, 'POST', '/webhooks/flush?waitMs=10000', session);
        assert.equal(flushed.status, 200, flushed.text);
      }
    };
    await flushBoth();
    await admin(a, 'POST', '/clock/advance', session, { by: '1m' });
    await admin(b, 'POST', '/clock/advance', session, { by: '1s' });
    await flushBoth();
    const of = (path: string, id: string, event: string) =>
      received.filter((r) => r.path === path && r.orderId === id && r.event === event);
    await eventually(async () => {
      for (const path of paths) {
        assert.deepEqual(
          of(path, mit, 'order.completed').map((r) => [r.isResent, r.status]),
          [
            [false, 500],
            [true, 200],
          ],
          `order.completed at ${path}`,
        );
        assert.equal(
          of(path, authorized, 'order.capturerequired').length,
          1,
          `order.capturerequired at ${path}`,
        );
      }
    });
    // Both schedulers have run past every due instant once more: still nothing sent twice.
    await admin(a, 'POST', '/clock/advance', session, { by: '1s' });
    await admin(b, 'POST', '/clock/advance', session, { by: '1s' });
    await flushBoth();
    for (const path of paths) {
      assert.equal(of(path, mit, 'order.completed').length, 2, `one failed attempt and one retry at ${path}`);
      assert.equal(
        of(path, authorized, 'order.capturerequired').length,
        1,
        `order.capturerequired at ${path}`,
      );
    }
    const events = received.map((r) => `${r.path} ${r.event} ${r.orderId} ${r.isResent}`);
    assert.equal(new Set(events).size, events.length, `no delivery repeated: ${events.join('; ')}`);
  });
});

describe('webhook receivers registered through the admin API', { timeout: 120_000 }, () => {
  test('a receiver registered on A gets the events B commits right after the 201, each once', async () => {
    const received: string[] = [];
    const receiver: Server = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        text += chunk;
      });
      req.on('end', () => {
        const payload = JSON.parse(text) as { Event: string; OrderId: string };
        received.push(`${payload.Event} ${payload.OrderId}`);
        res.writeHead(200).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    cleanups.push(() => new Promise((resolve) => receiver.close(() => resolve())));
    const [a, b] = await pair();
    const session = `redis-${randomUUID()}`;
    const tokenB = await tokenOf(b, session);

    const registered = await admin(a, 'POST', '/webhooks/receivers', session, {
      url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/session-hook`,
      sessionOnly: true,
    });
    assert.equal(registered.status, 201, registered.text);
    // Through a load balancer the next request may reach B at once: the registration must already count there.
    const first = await create(b, tokenB, session, card('captureRequired'), 'CAPTUREREQUIRED');
    await eventually(async () => {
      const listed = await admin(b, 'GET', '/webhooks/receivers', session);
      assert.ok(listed.text.includes('/session-hook'), `B lists the receiver: ${listed.text}`);
    });
    const second = await create(b, tokenB, session, card('captureRequired'), 'CAPTUREREQUIRED');
    for (const mock of [a, b]) await admin(mock, 'POST', '/webhooks/flush?waitMs=10000', session);
    const of = (id: string) => received.filter((r) => r === `order.capturerequired ${id}`).length;
    await eventually(async () => {
      assert.equal(of(second), 1, 'the event of an order B made once it listed the receiver');
      assert.equal(of(first), 1, 'the event of an order B made right after the receiver was registered on A');
    });
    assert.equal(received.length, 2, received.join('; '));
  });
});

describe('Redis outage: 503100 while it is down, recovery after it restarts', { timeout: 120_000 }, () => {
  test('requests answer 503100, then succeed again; no order is half-written', async () => {
    const { a, b, session, tokenA, tokenB } = await pairInSession();
    const before = await create(a, tokenA, session, card('approved'), 'APPROVED');
    await order(b, tokenB, session, before);
    // The clock, frozen before the outage, keeps its time through it.
    const frozen = await admin(a, 'POST', '/clock/freeze', session);
    assert.equal(frozen.status, 200, frozen.text);
    const frozenAt = frozen.body.nowMs as number;

    // Redis stops while evaluates are in flight on both processes: each answers, with an order or with 503.
    const burst = Array.from({ length: 20 }, (_, n) => ({
      mock: n % 2 === 0 ? a : b,
      body: body(card('approved')),
    }));
    const sending = burst.map(({ mock, body: sent }) =>
      call(mock, 'POST', '/v1/evaluate', { token: mock === a ? tokenA : tokenB, session, body: sent }),
    );
    const inFlight = Promise.all(sending);
    // Stopped once the first answer is in: the rest are on their way through the processes.
    await Promise.race(sending);
    await redis.stop();
    for (const [n, res] of (await inFlight).entries()) {
      if (res.status === 200) continue;
      assert.equal(res.status, 503, `burst request ${n}: ${res.status} ${res.text}`);
      assert.ok(['503100', '503101'].includes(String(res.headers[ERROR_CODE])), `burst ${n}: ${res.text}`);
    }

    // Down: every state-touching request answers 503100 on both processes.
    assertStoreDown(
      await call(a, 'POST', '/v1/evaluate', { token: tokenA, session, body: body(card('approved')) }),
      'evaluate on A while Redis is down',
    );
    assertStoreDown(await call(b, 'GET', `/v1/orders/${before}`, { token: tokenB, session }), 'GET on B');
    assertStoreDown(
      await call(b, 'POST', `/v1/orders/${before}/refund`, {
        token: tokenB,
        session,
        body: { amountToRefund: 1.0 },
      }),
      'refund on B while Redis is down',
    );
    assertStoreDown(await call(a, 'GET', '/v1/orders', { token: tokenA, session }), 'order list on A');

    // Back, empty: the processes reconnect by themselves; a new token from A is good on B, and new orders work.
    await redis.restart();
    const fresh = await eventually(
      async () => [await tokenOf(a, session), await tokenOf(b, session)],
      20_000,
    );
    const [newA, newB] = fresh as [string, string];
    const after = await eventually(() => create(a, newA, session, card('approved'), 'APPROVED'), 20_000);
    assert.equal((await order(b, newA, session, after)).status, STATUS.COMPLETED, 'A token and order on B');
    // Documented: tokens from before stay valid (the processes put the signing key back), and the clock keeps its time.
    assert.equal(
      (await order(b, tokenA, session, after)).id,
      after,
      "A's token from before the outage, on B",
    );
    for (const mock of [a, b]) {
      const clock = await admin(mock, 'GET', '/clock', session);
      assert.deepEqual([clock.body.frozen, clock.body.nowMs], [true, frozenAt], `the clock on ${mock.name}`);
    }
    // An id handed out before the outage names that order or nothing, never another order made since.
    assert.notEqual(
      after,
      before,
      'the first order after the data loss got the id of an order made before it',
    );
    // The order made before the outage went with Redis's data: a clean 404, never a 500 or a broken body.
    for (const [mock, token] of [
      [a, newA],
      [b, newB],
    ] as const) {
      const gone = await call(mock, 'GET', `/v1/orders/${before}`, { token, session });
      assert.equal(
        gone.status,
        404,
        `GET of a pre-outage order on ${mock.name}: ${gone.status} ${gone.text}`,
      );
      assert.equal(gone.headers[ERROR_CODE], '404002', gone.text);
      assert.equal(gone.body.code, '404002', gone.text);
    }
    // Every request of the burst, sent again with its own key, makes one whole order: nothing left of a claim.
    const retried = await Promise.all(
      burst.map(({ mock, body: sent }) =>
        call(mock, 'POST', '/v1/evaluate', { token: mock === a ? newA : newB, session, body: sent }),
      ),
    );
    const made = new Set<string>();
    for (const [n, res] of retried.entries()) {
      assert.equal(res.status, 200, `retry ${n} after recovery: ${res.status} ${res.text}`);
      assert.equal(res.body.status, 'APPROVED', res.text);
      const other = burst[n]?.mock === a ? b : a;
      const o = await order(other, other === a ? newA : newB, session, res.body.orderId);
      assert.equal(o.externalOrderId, burst[n]?.body.orderId);
      assert.equal(o.amount, 1500);
      made.add(res.body.orderId);
    }
    assert.equal(made.size, burst.length);
    const list = await call(a, 'GET', '/v1/orders?pageSize=100', { token: newA, session });
    assert.equal(list.status, 200, list.text);
    assert.equal(list.body.totalItemCount, burst.length + 1, 'the burst and the new order, nothing else');
  });
});

describe('a process killed while it holds a session', { timeout: 120_000 }, () => {
  test('the other process carries on once the lock expires, and the order is whole', async () => {
    const { a, b, session, tokenA, tokenB } = await pairInSession();
    const id = await create(a, tokenA, session, card('approved'), 'APPROVED');

    // A dies (SIGKILL: no clean-up of any kind) while its refunds are being served. Whether it dies holding the
    // session's lock depends on timing (in trials, about one run in three); the assertions hold either way.
    const sending = Array.from({ length: 20 }, () =>
      call(a, 'POST', `/v1/orders/${id}/refund`, {
        token: tokenA,
        session,
        body: { amountToRefund: 0.5 },
      }).catch(() => null),
    );
    await Promise.race(sending);
    const exited = once(a.child, 'exit');
    a.child.kill('SIGKILL');
    await exited;
    await Promise.all(sending);

    // B answers: at once, or after 503101 for as long as A's lock lives; never an error of another kind.
    const seen = await eventually(async () => {
      const res = await call(b, 'GET', `/v1/orders/${id}`, { token: tokenB, session });
      if (res.status === 503) {
        assert.equal(res.headers[ERROR_CODE], '503101', res.text);
        throw new Error('still locked');
      }
      assert.equal(res.status, 200, res.text);
      return res.body;
    }, 20_000);
    // Whatever A committed before it died is there in full: each refund with its amount, nothing in between.
    assert.equal(seen.refundedAmount, seen.refunds.length * 50, JSON.stringify(seen.refunds));
    await refundOk(b, tokenB, session, id, 0.5);
    const after = await order(b, tokenB, session, id);
    assert.equal(after.refundedAmount, seen.refundedAmount + 50);
    assert.equal(after.refunds.length, seen.refunds.length + 1);
  });
});

describe('the Redis store in-process, from the environment and with --workers', { timeout: 120_000 }, () => {
  test('startMock({ store }) evaluates and reads back; serve with FLEXFACTOR_MOCK_STORE sees the order', async () => {
    const prefix = freshPrefix();
    const mock = await startMock({ store: redis.url, storePrefix: prefix });
    cleanups.push(() => mock.close());
    const session = `redis-${randomUUID()}`;
    const token = await mock.token(undefined, session);
    const inProcess: Target = { name: 'in-process', url: mock.url };
    const id = await create(inProcess, token, session, card('approved'), 'APPROVED');
    assert.equal((await order(inProcess, token, session, id)).status, STATUS.COMPLETED);

    // The environment names the store when --store is absent (the variable is read by the spawned process only).
    const saved = process.env.FLEXFACTOR_MOCK_STORE;
    process.env.FLEXFACTOR_MOCK_STORE = redis.url;
    let fromEnv: Target;
    try {
      const { child, match } = await startCli(['serve', '--port', '0', '--store-prefix', prefix], START_LINE);
      cleanups.push(() => stopCli(child));
      fromEnv = { name: 'env', url: match };
    } finally {
      if (saved === undefined) delete process.env.FLEXFACTOR_MOCK_STORE;
      else process.env.FLEXFACTOR_MOCK_STORE = saved;
    }
    assert.equal((await order(fromEnv, token, session, id)).externalOrderId.startsWith('ORDER-'), true);
  });

  test('lenient: a card number given as orderId or idempotency key never reaches Redis, and both still work', async () => {
    const prefix = freshPrefix();
    const mock = await startMock({ store: redis.url, storePrefix: prefix, profile: 'lenient' });
    cleanups.push(() => mock.close());
    const session = `redis-${randomUUID()}`;
    const token = await mock.token(undefined, session);
    const target: Target = { name: 'in-process', url: mock.url };
    const sent = body({
      orderId: '4111 1111 1111 1111',
      idempotencyKey: 'k-5555555555554444',
      ...card('approved'),
    });
    const first = await call(target, 'POST', '/v1/evaluate', { token, session, body: sent });
    assert.equal(first.status, 200, first.text);
    const again = await call(target, 'POST', '/v1/evaluate', { token, session, body: sent });
    assert.equal(again.headers[REPLAY], 'true', 'the same key replays');
    assert.equal(again.body.orderSessionKey, first.body.orderSessionKey);
    const read = await call(target, 'GET', `/v1/orders/${first.body.orderSessionKey}`, { token, session });
    assert.match(String(read.body.externalOrderId), /^411111\*{6}1111~[0-9a-f]{16}$/);
    // The merchant's own id still finds the order (the lookup uses the same card-safe form).
    const cancel = await call(
      target,
      'POST',
      `/v1/orders/${encodeURIComponent('4111 1111 1111 1111')}/external-cancel`,
      {
        token,
        session,
        body: { idempotencyKey: randomUUID() },
      },
    );
    assert.notEqual(cancel.status, 404, cancel.text);

    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    try {
      let everything = '';
      for (const key of await client.keys(`${prefix}*`)) {
        const type = await client.type(key);
        const value =
          type === 'string'
            ? await client.get(key)
            : type === 'hash'
              ? await client.hgetall(key)
              : type === 'list'
                ? await client.lrange(key, 0, -1)
                : type === 'set'
                  ? await client.smembers(key)
                  : type === 'zset'
                    ? await client.zrange(key, 0, -1)
                    : type;
        everything += `${key} ${JSON.stringify(value)}\n`;
      }
      assert.ok(everything.length > 0, 'the session is in Redis');
      for (const digits of ['4111 1111 1111 1111', '4111111111111111', '5555555555554444'])
        assert.ok(!everything.includes(digits), `${digits} is not in Redis`);
    } finally {
      client.disconnect();
    }
  });

  test('a store of another storage form (marked, or old sessions without a mark) is refused, naming the way out; a flushed one is marked again', async () => {
    const prefix = freshPrefix();
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    try {
      // A first process marks the store with the form it writes; a second of the same version agrees with it.
      const first = await startMock({ store: redis.url, storePrefix: prefix });
      cleanups.push(() => first.close());
      const mark = await client.get(`${prefix}format`);
      assert.match(String(mark), /^\d+$/);
      const second = await startMock({ store: redis.url, storePrefix: prefix });
      await second.close();

      // A flush loses the mark (here every key of the prefix goes, as FLUSHDB would take them): the first request
      // after it starts the store's new epoch and marks it again, so a process started later still joins.
      await client.del(...(await client.keys(`${prefix}*`)));
      const session = `redis-${randomUUID()}`;
      const target: Target = { name: 'first', url: first.url };
      await create(target, await first.token(undefined, session), session, card('approved'), 'APPROVED');
      assert.equal(await client.get(`${prefix}format`), mark, 'marked again with the new epoch');
      const third = await startMock({ store: redis.url, storePrefix: prefix });
      await third.close();

      const other = freshPrefix();
      await client.set(`${other}format`, '1');
      await assert.rejects(startMock({ store: redis.url, storePrefix: other }), (error: Error) => {
        assert.match(error.message, new RegExp(`"${other}" holds data in storage form 1`));
        assert.match(error.message, /same version/);
        assert.match(error.message, /--store-prefix/);
        return true;
      });
      const refused = await runCli(['serve', '--port', '0', '--store', redis.url, '--store-prefix', other], {
        timeoutMs: 30_000,
      });
      assert.notEqual(refused.code, 0, `serve on a store of another form: ${refused.stdout}`);
      assert.notEqual(refused.code, null, 'serve exits instead of serving');
      assert.match(refused.stderr, /storage form 1/);
      assert.doesNotMatch(refused.stderr, /\n\s+at /, 'a message, not a stack trace');

      // Sessions under a prefix without a mark were written before there were marks: another form too.
      const unmarked = freshPrefix();
      await client.zadd(`${unmarked}sessions`, 1, 'old-session');
      await assert.rejects(startMock({ store: redis.url, storePrefix: unmarked }), /storage form 1/);
      assert.equal(await client.get(`${unmarked}format`), null, 'the old store is left unmarked');
    } finally {
      await client.quit();
    }
  });

  /** An in-process mock on a prefix of its own that collects its warnings, with a session and its token. */
  async function tamperedMock() {
    const prefix = freshPrefix();
    const logs: string[] = [];
    const log = (line: string) => logs.push(line);
    const mock = await startMock({
      store: redis.url,
      storePrefix: prefix,
      validateResponses: true,
      logger: { info: () => undefined, warn: log, error: log },
    });
    cleanups.push(() => mock.close());
    const session = `redis-${randomUUID()}`;
    const token = await mock.token(undefined, session);
    const target: Target = { name: 'in-process', url: mock.url };
    return { prefix, logs, session, token, target };
  }

  /** A session's hash in Redis, its fields, and a way to edit one field's JSON as another writer might. */
  async function sessionHash(prefix: string, session: string) {
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    cleanups.push(async () => void (await client.quit()));
    const hash = `${prefix}s:${session}`;
    const fields = await client.hkeys(hash);
    const patch = async (field: string, changes: Record<string, unknown>) => {
      const stored = JSON.parse(String(await client.hget(hash, field)));
      await client.hset(hash, field, JSON.stringify({ ...stored, ...changes }));
    };
    return { client, hash, fields, patch };
  }

  test('orders in Redis that do not decode are left out or lose their bad parts: never a 500, the rest still listed', async () => {
    const { prefix, logs, session, token, target } = await tamperedMock();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await create(target, token, session, card('approved'), 'APPROVED'));
    const [badTime, badStatus, badFate, noHistory] = ids as [string, string, string, string];
    // An order with every part filled in (history, refunds, a shipping address) reads back whole.
    const intact = await create(
      target,
      token,
      session,
      {
        ...card('captureRequired'),
        shippingInformation: { ...(evaluateBody().billingInformation as object) },
      },
      'CAPTUREREQUIRED',
    );
    const captured = await call(target, 'POST', '/v1/capture', {
      token,
      session,
      body: { orderId: intact, amount: 1500, currency: 'USD', idempotencyKey: randomUUID() },
    });
    assert.equal(captured.body.status, 'SUCCESS', captured.text);
    await refundOk(target, token, session, intact, 1);
    const whole = await order(target, token, session, intact);

    // Edit the orders as another version (or a hand) might have written them, and mark the session changed.
    const { client, hash, fields, patch } = await sessionHash(prefix, session);
    const edit = (id: string, changes: Record<string, unknown>) =>
      patch(fields.find((f) => f.startsWith('o\u001f') && f.endsWith(`\u001f${id}`)) as string, changes);
    await edit(badTime, { createdOn: 1e300 });
    await edit(badStatus, { status: 99 });
    await edit(badFate, { schedule: [{ at: 0, fate: 'nope' }] });
    await edit(noHistory, { history: null });
    // A foreign field whose "id" is a card number, holding no order at all: its log line must not show the digits.
    await client.hset(hash, `o\u001f${DEFAULT_MERCHANT.mid.toLowerCase()}\u001f4111111111111111`, '"text"');
    await client.incr(`${hash}/ver`);

    const reported = (id: string) => logs.filter((line) => line.includes(id));
    for (const id of [badTime, badStatus]) {
      const res = await call(target, 'GET', `/v1/orders/${id}`, { token, session });
      assert.equal(res.status, 404, `an order that does not decode is left out: ${res.text}`);
      assert.equal(res.headers[ERROR_CODE], '404002');
    }
    assert.equal((await order(target, token, session, badFate)).statusName, 'COMPLETED');
    assert.deepEqual((await order(target, token, session, noHistory)).statusHistory, []);
    assert.deepEqual(await order(target, token, session, intact), whole);
    const list = await call(target, 'GET', '/v1/orders?pageSize=100', { token, session });
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(
      list.body.items.map((o: { id: string }) => o.id).sort(),
      [badFate, noHistory, intact].sort(),
    );
    // The session goes on: a new order is made. Read whole once more after another edit, the values reported
    // already are not reported again.
    await create(target, token, session, card('approved'), 'APPROVED');
    await edit(noHistory, { createdOn: 'yesterday' });
    await client.incr(`${hash}/ver`);
    const after = await call(target, 'GET', '/v1/orders?pageSize=100', { token, session });
    assert.equal(after.body.totalItemCount, 3, after.text);
    assert.equal(reported(noHistory).length, 1, logs.join('\n'));

    // Each order left out is reported once, with its id and why; the card number is redacted.
    assert.equal(reported(badTime).length, 1, logs.join('\n'));
    assert.match(reported(badTime)[0] as string, /createdOn/);
    assert.equal(reported(badStatus).length, 1, logs.join('\n'));
    assert.match(reported(badStatus)[0] as string, /status/);
    assert.equal(logs.filter((line) => line.includes('not a JSON object')).length, 1, logs.join('\n'));
    assert.ok(!logs.some((line) => line.includes('4111111111111111')), logs.join('\n'));
  });

  /** The one field of a session's hash that holds an evaluate's idempotency record. */
  function evaluateKeyField(fields: string[]): string {
    const keyFields = fields.filter((f) => f.startsWith('k\u001f') && f.includes('\u001fevaluate\u001f'));
    assert.equal(keyFields.length, 1, fields.join(', '));
    return keyFields[0] as string;
  }

  test('vaulted cards and idempotency records in Redis that do not decode are left out: never a 500', async () => {
    const { prefix, logs, session, token, target } = await tamperedMock();
    const [badCard, goodCard] = [
      await vaultCard(target, session, 'approved'),
      await vaultCard(target, session, 'approved'),
    ];
    const replayed = body(card('approved'));
    const first = await call(target, 'POST', '/v1/evaluate', { token, session, body: replayed });
    assert.equal(first.status, 200, first.text);

    const { client, hash, fields, patch: edit } = await sessionHash(prefix, session);
    await edit(fields.find((f) => f.startsWith('c\u001f') && f.endsWith(badCard)) as string, {
      firstSix: 400000,
    });
    const keyField = evaluateKeyField(fields);
    // A kept response whose headers are null, or named what no header may be, would make the replay's write throw.
    await edit(keyField, { headers: { 'bad name': 'x', 'x-mock-kept': 'yes' } });
    await client.incr(`${hash}/ver`);

    const byBadCard = await call(target, 'POST', '/v1/evaluate', {
      token,
      session,
      body: body({ paymentMethod: { cardNumber: badCard, token: true } }),
    });
    assert.equal(byBadCard.status, 400, `a card that does not decode is left out: ${byBadCard.text}`);
    assert.equal(byBadCard.headers[ERROR_CODE], '400006');
    await create(
      target,
      token,
      session,
      { paymentMethod: { cardNumber: goodCard, token: true } },
      'APPROVED',
    );
    const replay = await call(target, 'POST', '/v1/evaluate', { token, session, body: replayed });
    assert.equal(replay.status, 200, replay.text);
    assert.equal(replay.body.orderId, first.body.orderId);
    assert.equal(replay.headers['x-mock-kept'], 'yes');
    assert.equal(replay.headers['bad name'], undefined);

    await edit(keyField, { headers: null, status: 'done' });
    await client.incr(`${hash}/ver`);
    // The record is left out: the retry is evaluated again, as a retry of the order its orderId names.
    const again = await call(target, 'POST', '/v1/evaluate', { token, session, body: replayed });
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.orderId, first.body.orderId);
    assert.equal(logs.filter((line) => line.includes('vaulted card')).length, 1, logs.join('\n'));
    assert.equal(logs.filter((line) => line.includes('idempotency record')).length, 1, logs.join('\n'));
  });

  /** A tampered mock that answered one evaluate with an idempotency key, and that key's record as Redis holds it. */
  async function keptEvaluate() {
    const { prefix, logs, session, token, target } = await tamperedMock();
    const replayed = body(card('approved'));
    const first = await call(target, 'POST', '/v1/evaluate', { token, session, body: replayed });
    assert.equal(first.status, 200, first.text);
    const { client, hash, fields } = await sessionHash(prefix, session);
    const field = evaluateKeyField(fields);
    const stored = JSON.parse(String(await client.hget(hash, field)));
    return { logs, session, token, target, replayed, first, client, hash, field, stored };
  }

  test('an idempotency record whose kept body is nested 100,000 deep is left out: the retry is evaluated, the server goes on', async () => {
    const { logs, session, token, target, replayed, first, client, hash, field, stored } =
      await keptEvaluate();
    // JSON.parse reads any depth; walking the result (the replay's copy, its JSON, the journal) would overflow.
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    await client.hset(
      hash,
      field,
      JSON.stringify({ ...stored, body: 0 }).replace('"body":0', `"body":{"x":${deep}}`),
    );
    await client.incr(`${hash}/ver`);

    const retry = await call(target, 'POST', '/v1/evaluate', { token, session, body: replayed });
    assert.equal(retry.status, 200, retry.text);
    assert.equal(retry.body.orderId, first.body.orderId, 'evaluated again, as a retry of the order it names');
    assert.equal(retry.headers[REPLAY], undefined, 'not a replay of the record left out');
    const reported = logs.filter((line) => line.includes('idempotency record'));
    assert.equal(reported.length, 1, logs.join('\n'));
    assert.match(reported[0] as string, /body[^)]*nested deeper than 64/);
    // The retry kept its own answer again: the next retry replays it; the session and the server go on.
    const replay = await call(target, 'POST', '/v1/evaluate', { token, session, body: replayed });
    assert.equal(replay.headers[REPLAY], 'true', replay.text);
    assert.equal(replay.body.orderId, first.body.orderId);
    await create(target, token, session, card('approved'), 'APPROVED');
  });

  test('planted idempotency records with a 40 MiB body, a 500 or 78 KB of headers are left out: retries are evaluated, the server goes on', async () => {
    const { logs, session, token, target, replayed, first, client, hash, field, stored } =
      await keptEvaluate();
    const big = 'A'.repeat(40 * 1024 * 1024);
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-mock-${i}`, 'v'.repeat(50)]));
    const plants: [Record<string, unknown>, RegExp][] = [
      // Each replay built a copy and 40 MiB of JSON of it: six at once ran the heap out, with every session.
      [{ body: { x: big } }, /more than 4194304 characters of JSON/],
      [{ status: 500, body: null }, /status is neither 0 \(in flight\) nor 200/],
      [{ headers: { 'x-mock-big': 'v'.repeat(60_000), ...many } }, /headers has more than 32 names/],
    ];
    for (const [changes, reason] of plants) {
      await client.hset(hash, field, JSON.stringify({ ...stored, ...changes }));
      await client.incr(`${hash}/ver`);
      const retries = await Promise.all(
        Array.from({ length: 6 }, () =>
          call(target, 'POST', '/v1/evaluate', { token, session, body: replayed }),
        ),
      );
      for (const retry of retries) {
        assert.equal(retry.status, 200, retry.text);
        assert.equal(
          retry.body.orderId,
          first.body.orderId,
          'evaluated again, as a retry of the order it names',
        );
        assert.ok(retry.text.length < 10_000, 'not the planted body');
        assert.equal(retry.headers['x-mock-big'], undefined);
      }
      const reported = logs.filter((line) => line.includes('idempotency record'));
      assert.match(reported.at(-1) as string, reason, logs.join('\n'));
    }
    assert.equal(
      logs.filter((line) => line.includes('idempotency record')).length,
      plants.length,
      logs.join('\n'),
    );
    // The server and the session go on.
    await create(target, token, session, card('approved'), 'APPROVED');
  });

  test('a kept reply with framing, hop-by-hop or control-character headers replays as a well-formed answer', async () => {
    const { prefix, session, token, target } = await tamperedMock();
    const replayed = body(card('approved'));
    const first = await call(target, 'POST', '/v1/evaluate', { token, session, body: replayed });
    assert.equal(first.status, 200, first.text);

    const { client, hash, fields, patch: edit } = await sessionHash(prefix, session);
    await edit(evaluateKeyField(fields), {
      headers: {
        'Content-Length': '1',
        'transfer-encoding': 'chunked',
        'content-encoding': 'gzip',
        trailer: 'x-after',
        upgrade: 'h2c',
        'keep-alive': 'timeout=1',
        host: 'elsewhere.example',
        'x-mock-split': 'a\r\nx-injected: 1',
        'x-mock-control': 'a\u0000b',
        'x-mock-number': 7,
        'set-cookie': 'session=planted',
        location: 'https://elsewhere.example/',
        'x-mock-kept': 'yes',
      },
    });
    await client.incr(`${hash}/ver`);

    // Sent back as they were, these would make the client read one byte, or chunks that are not there, or gzip.
    for (let i = 0; i < 2; i++) {
      const replay = await call(target, 'POST', '/v1/evaluate', { token, session, body: replayed });
      assert.equal(replay.status, 200, replay.text);
      assert.equal(replay.headers[REPLAY], 'true');
      assert.equal(replay.body.orderId, first.body.orderId, replay.text);
      assert.equal(replay.headers['content-length'], String(Buffer.byteLength(replay.text)));
      for (const name of [
        'transfer-encoding',
        'content-encoding',
        'trailer',
        'upgrade',
        'keep-alive',
        'host',
      ])
        assert.equal(replay.headers[name], undefined, name);
      for (const name of [
        'x-mock-split',
        'x-injected',
        'x-mock-control',
        'x-mock-number',
        'set-cookie',
        'location',
      ])
        assert.equal(replay.headers[name], undefined, name);
      assert.equal(replay.headers['x-mock-kept'], 'yes');
    }
  });

  test('serve --workers 2 on one port answers as one mock; without a Redis store it refuses to start', async () => {
    const workers = await serve('workers', freshPrefix(), ['--workers', '2']);
    const session = `redis-${randomUUID()}`;
    const token = await tokenOf(workers, session);
    // Each call is a new connection, so the cluster spreads them over both workers.
    const ids = await Promise.all(
      Array.from({ length: 10 }, () => create(workers, token, session, card('approved'), 'APPROVED')),
    );
    const reads = await Promise.all(ids.map((id) => order(workers, token, session, id)));
    assert.deepEqual(
      reads.map((o) => o.status),
      ids.map(() => STATUS.COMPLETED),
    );
    const list = await call(workers, 'GET', '/v1/orders?pageSize=100', { token, session });
    assert.equal(list.body.totalItemCount, 10, list.text);
    // Errors answered outside a session's transaction (an unknown path) carry trace ids no other worker repeats,
    // although the workers share one seed.
    const missing = await Promise.all(
      Array.from({ length: 12 }, (_, i) => call(workers, 'GET', `/v1/nope-${i}`, { token, session })),
    );
    const traces = missing.map((answer) => answer.body.traceId ?? answer.body.TraceId?.[0]);
    assert.ok(
      traces.every((trace) => /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/.test(trace)),
      traces.join(' '),
    );
    assert.equal(new Set(traces).size, traces.length, traces.join(' '));

    const refused = await runCli(['serve', '--port', '0', '--workers', '2'], { timeoutMs: 30_000 });
    assert.notEqual(refused.code, 0, `serve --workers without a store: ${refused.stdout}`);
    assert.notEqual(refused.code, null, 'serve --workers without a store exits instead of serving');
    assert.match(refused.stderr, /store|redis/i);
  });
});
