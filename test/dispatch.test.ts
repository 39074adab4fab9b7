// Every request reaches the same stages however it arrives: through the mock's own server (requests born with
// Express's prototypes, exact paths dispatched before the router) or through supertest's plain server (Express's
// own prototype swap). Same requests, same answers.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, test } from 'node:test';
import request from 'supertest';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { createApp } from '../mock/http/app.js';
import { serverClasses } from '../mock/http/fast-lane.js';
import { listen, type RunningServer } from '../mock/http/server.js';
import { evaluateBody } from './helpers.js';

const quiet = { info() {}, warn() {}, error() {} };
const viaOwnServer = createApp({ logger: quiet, seed: 7, validateResponses: true });
const viaSupertest = createApp({ logger: quiet, seed: 7, validateResponses: true });
let server: RunningServer;

before(async () => {
  server = await listen(viaOwnServer, { port: 0 });
});
after(() => server.close());

type Step = { method: 'get' | 'post' | 'put' | 'head'; path: string; body?: object; auth?: boolean };

const STEPS: Step[] = [
  { method: 'post', path: '/v1/evaluate', body: evaluateBody({ orderId: 'DISPATCH-1' }), auth: true },
  { method: 'post', path: '/v1/evaluate', body: evaluateBody({ orderId: 'DISPATCH-1' }), auth: false },
  { method: 'post', path: '/V1/Evaluate', body: evaluateBody({ orderId: 'DISPATCH-2' }), auth: true },
  { method: 'post', path: '/v1/evaluate/', body: { orderId: 'x' }, auth: true },
  { method: 'get', path: '/v1/orders?pageSize=5', auth: true },
  { method: 'get', path: '/v1/orders/3f1e6a2b-0000-4000-8000-000000000000', auth: true },
  { method: 'head', path: '/v1/orders', auth: true },
  { method: 'put', path: '/v1/evaluate', auth: true },
  { method: 'get', path: '/v1/nothing-here' },
  { method: 'get', path: '/__admin/health' },
];

async function walk(target: Parameters<typeof request>[0]): Promise<string[]> {
  const token = await request(target)
    .post('/v1/oauth2/token')
    .send({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret });
  assert.equal(token.status, 200);
  const answers: string[] = [];
  for (const step of STEPS) {
    let call = request(target)[step.method](step.path);
    if (step.auth) call = call.set('authorization', `Bearer ${token.body.accessToken}`);
    const res = step.body ? await call.send(step.body) : await call;
    const { code, status, orderId } = (res.body ?? {}) as Record<string, unknown>;
    answers.push(
      `${step.method} ${step.path} → ${res.status} ${String(code ?? status ?? '')} ${orderId ? 'id' : ''}`,
    );
  }
  return answers;
}

test('the own server and a plain one give the same answers, and the same order ids', async () => {
  const own = await walk(server.url);
  const plain = await walk(viaSupertest);
  assert.deepEqual(own, plain);
  assert.match(String(own[0]), /→ 200 APPROVED id$/);
  assert.match(String(own[1]), /→ 401 401001/);
  assert.match(String(own[7]), /→ 405 405001/);
  assert.match(String(own[8]), /→ 404 404001/);
  assert.deepEqual(viaOwnServer.mock.violations, []);
  assert.deepEqual(viaSupertest.mock.violations, []);
  // The same seed and requests give the same orders either way.
  const list = async (target: Parameters<typeof request>[0], token: string) =>
    (await request(target).get('/v1/orders').set('authorization', `Bearer ${token}`)).body.items.map(
      (o: { orderId: string }) => o.orderId,
    );
  const tokenOf = async (target: Parameters<typeof request>[0]) =>
    (
      await request(target)
        .post('/v1/oauth2/token')
        .send({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret })
    ).body.accessToken as string;
  assert.deepEqual(
    await list(server.url, await tokenOf(server.url)),
    await list(viaSupertest, await tokenOf(viaSupertest)),
  );
});

test('a server whose classes were made for another app still serves this one with its own settings', async () => {
  const other = createApp({ logger: quiet });
  other.set('query parser', 'extended'); // this app keeps 'simple': `pageNumber[a]=2` is then an unknown key, not a bad pageNumber
  const app = createApp({ logger: quiet });
  const mismatched = createServer(serverClasses(other), app);
  const ask = async (target: Parameters<typeof request>[0]) => {
    const token = await request(target)
      .post('/v1/oauth2/token')
      .send({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret });
    const res = await request(target)
      .get('/v1/orders?pageNumber[a]=2')
      .set('authorization', `Bearer ${token.body.accessToken}`);
    return `${res.status} ${JSON.stringify(res.body.errors ?? res.body.pageSize)}`;
  };
  assert.equal(await ask(mismatched), await ask(createApp({ logger: quiet })));
  assert.equal(app.mock.journal.entries({ kind: 'request' }).length, 2);
  assert.equal(other.mock.journal.entries({ kind: 'request' }).length, 0);
});
