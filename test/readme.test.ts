// The README's examples, run as written: the shell walkthrough against a listening mock, the TypeScript example
// as a test file importing the package by name, and the generated tables compared with the code.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import request from 'supertest';
import { createApp } from '../mock/app.js';
import { DEFAULT_MERCHANT, loadAccountsFile } from '../mock/credentials.js';
import { listen } from '../mock/server.js';
import { buildPayload } from '../mock/webhooks/events.js';
import { renderReadme } from '../scripts/readme-tables.js';
import { evaluateBody } from './helpers.js';

const run = promisify(execFile);
const README = readFileSync('README.md', 'utf8');

function blocks(language: string): string[] {
  const pattern = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g');
  return [...README.matchAll(pattern)].map((m) => String(m[1]));
}

test('the README shell walkthrough runs against a listening mock and prints what it says', async () => {
  const running = await listen(createApp({ logger: { info() {}, warn() {}, error() {} } }), { port: 0 });
  try {
    const script = blocks('bash').join('\n').replaceAll('127.0.0.1:4848', `127.0.0.1:${running.port}`);
    assert.ok(script.includes('curl'), 'the README has a bash walkthrough');
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { timeout: 20_000 });
    // The walkthrough's challenge (PROCESSING), then the admin example: the clock is running (not frozen), and an
    // hour later the last thing in the journal is the challenge's transition to COMPLETED.
    assert.deepEqual(stdout.trim().split('\n'), ['PROCESSING', 'false', 'transition']);
  } finally {
    await running.close();
  }
});

test('every README TypeScript example that is a test passes, importing the package by name', async () => {
  const examples = blocks('ts').filter((code) => code.includes("from 'node:test'"));
  assert.ok(examples.length >= 2, 'the createApp and the startMock examples');
  mkdirSync('.readme-examples', { recursive: true });
  // A clean environment: inherited NODE_TEST_CONTEXT would make the child report to this runner instead.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  for (const [index, example] of examples.entries()) {
    assert.ok(example.includes("from 'flexfactor-mock'"));
    const file = `.readme-examples/example-${index}.test.ts`;
    writeFileSync(file, example);
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=tap', file],
      {
        timeout: 30_000,
        env,
      },
    );
    assert.match(stdout, /# pass 1/, file);
    assert.match(stdout, /# fail 0/, file);
  }
});

test('the generated README sections match the code (run npm run docs to refresh them)', () => {
  assert.equal(README, renderReadme(README));
});

test('the merchants file example loads and its credentials get a token', async () => {
  const [example] = blocks('yaml').filter((b) => b.startsWith('merchants:'));
  assert.ok(example, 'README shows a merchants file');
  mkdirSync('.readme-examples', { recursive: true });
  writeFileSync(
    '.readme-examples/merchants.yaml',
    example.replace('<base64>', DEFAULT_MERCHANT.subscriberKey),
  );
  const accounts = loadAccountsFile('.readme-examples/merchants.yaml');
  assert.equal(accounts[0]?.mid, '11111111-2222-4333-8444-555555555555');
  const app = createApp({ accounts, logger: { info() {}, warn() {}, error() {} } });
  const res = await request(app)
    .post('/v1/oauth2/token')
    .send({ AppKey: 'my-app-key', AppSecret: 'my-app-secret' });
  assert.equal(res.status, 200);
});

test('the error example is what the mock answers to that request', async () => {
  const example = JSON.parse(blocks('json').find((b) => b.includes('"code": "400001"')) ?? '{}');
  const app = createApp({ logger: { info() {}, warn() {}, error() {} } });
  const token = await request(app)
    .post('/v1/oauth2/token')
    .send({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret });
  const body = evaluateBody();
  const res = await request(app)
    .post('/v1/evaluate')
    .set('authorization', `Bearer ${token.body.accessToken}`)
    .send({ ...body, orderId: undefined, transaction: { id: '1', currency: 'USD' } });
  assert.deepEqual(Object.keys(res.body), Object.keys(example));
  for (const key of ['type', 'title', 'status', 'code', 'instance', 'errors'])
    assert.deepEqual(res.body[key], example[key], key);
  assert.ok(res.body.detail.startsWith(String(example.detail).replace(' …', '')));
});

test('the webhook payload example has the fields, in the order, the mock sends', async () => {
  const example = JSON.parse(blocks('json').find((b) => b.includes('"Event"')) ?? '{}');
  const app = createApp({ logger: { info() {}, warn() {}, error() {} } });
  const token = await request(app)
    .post('/v1/oauth2/token')
    .send({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret });
  const res = await request(app)
    .post('/v1/evaluate')
    .set('authorization', `Bearer ${token.body.accessToken}`)
    .send(evaluateBody());
  const order = app.mock.store.session().partition(DEFAULT_MERCHANT.mid).orders.get(res.body.orderId);
  assert.ok(order?.history[0]);
  const payload = buildPayload('order.completed', order, order.history[0], 0, {
    seed: 1,
    captureWindowMs: app.mock.settings.captureWindowMs,
  });
  assert.deepEqual(Object.keys(example), Object.keys(payload));
  assert.equal(payload.EventData, example.EventData);
});

test('every command-line option in --help is in the README or the docs it links', async () => {
  // The reference moves from the README into docs/*.md; an option documented in either is documented.
  const docs = readdirSync('docs')
    .filter((name) => name.endsWith('.md'))
    .map((name) => readFileSync(`docs/${name}`, 'utf8'))
    .join('\n');
  for (const command of ['serve', 'verify', 'record', 'drift', 'contract']) {
    const { stdout } = await run(process.execPath, ['dist/mock/cli.js', command, '--help']);
    for (const option of stdout.match(/--[a-z][a-z-]+/g) ?? []) {
      if (option === '--help') continue;
      assert.ok(README.includes(option) || docs.includes(option), `${command} ${option} is documented`);
    }
  }
});

test('the Pact excerpt in the README is the interaction contracts/pact/consumer.ts really runs', () => {
  const excerpt = blocks('ts').find((b) => b.includes('pact.addInteraction()'));
  assert.ok(excerpt, 'README shows a Pact interaction');
  // The state sentences live in states.ts; the interaction itself in consumer.ts.
  const consumer =
    readFileSync('contracts/pact/consumer.ts', 'utf8') + readFileSync('contracts/pact/states.ts', 'utf8');
  const sentences = [...excerpt.matchAll(/\.(?:given|uponReceiving)\('([^']+)'/g)].map((m) => `'${m[1]}'`);
  assert.equal(sentences.length, 2);
  for (const quoted of sentences) assert.ok(consumer.includes(quoted), `${quoted} is in contracts/pact/`);
  assert.ok(consumer.includes("withRequest('POST', '/v1/capture'"));
});
