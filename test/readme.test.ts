// The README's and docs/'s examples, run as written: the shell walkthroughs against a listening mock, every
// TypeScript example that is a test as a test file importing the package by name, the generated tables compared
// with the code; and a check that no code block in them is left without a test.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import request from 'supertest';
import { DEFAULT_ACCOUNTS, DEFAULT_MERCHANT, loadAccountsFile } from '../mock/domain/accounts.js';
import { statusHistory } from '../mock/domain/order-states.js';
import { createApp } from '../mock/http/app.js';
import { listen } from '../mock/http/server.js';
import { buildPayload } from '../mock/webhooks/events.js';
import { markedSections, renderGenerated, SECTIONS } from '../scripts/readme-tables.js';
import { allDocsText, type CodeBlock, codeBlocks, DOC_FILES, readDoc } from './docs.js';
import { evaluateBody } from './helpers.js';

const run = promisify(execFile);
const QUIET = { info() {}, warn() {}, error() {} };

// The files whose every code block this file answers for. Docs written for other parts of the project (the
// command line's service mode, security, the test suite…) are exercised by those parts' own tests.
const OWNED = [
  'README.md',
  'docs/admin-api.md',
  'docs/behaviour.md',
  'docs/cli.md',
  'docs/contract-testing.md',
  'docs/credentials.md',
  'docs/errors.md',
  'docs/in-process.md',
  'docs/performance.md',
  'docs/profiles.md',
  'docs/scale-out.md',
  'docs/scenarios.md',
  'docs/test-cards.md',
  'docs/webhooks.md',
];

/** Blocks a test below has run or compared, by their text. */
const exercised = new Set<string>();
function use(blocks: CodeBlock[]): CodeBlock[] {
  for (const b of blocks) exercised.add(b.code);
  return blocks;
}

test('the shell walkthroughs (README, then the admin API) run against a listening mock and print what they say', async () => {
  const running = await listen(createApp({ logger: QUIET }), { port: 0 });
  try {
    const blocks = use([...codeBlocks('README.md', 'bash'), ...codeBlocks('docs/admin-api.md', 'bash')]);
    const script = blocks
      .map((b) => b.code)
      .join('\n')
      .replaceAll('127.0.0.1:4848', `127.0.0.1:${running.port}`);
    assert.ok(script.includes('curl'), 'the README has a bash walkthrough');
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { timeout: 20_000 });
    // The walkthrough's challenge (PROCESSING) and the replayed gateway timeout, then the admin example: the clock
    // is running (not frozen), and an hour later the last thing in the journal is the challenge's transition.
    assert.deepEqual(stdout.trim().split('\n'), ['PROCESSING', '504001', 'false', 'transition']);
  } finally {
    await running.close();
  }
});

test('every TypeScript example that is a test passes, importing the package by name', async () => {
  const examples = use(codeBlocks(OWNED, 'ts').filter((b) => b.code.includes("from 'node:test'")));
  assert.ok(examples.length >= 2, 'the createApp and the startMock examples');
  mkdirSync('.readme-examples', { recursive: true });
  // A clean environment: inherited NODE_TEST_CONTEXT would make the child report to this runner instead.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const files = examples.map((example, index) => {
    assert.ok(example.code.includes("from 'flexfactor-mock'"), example.file);
    // Copied and then broken by a failing assertion, an example that closes its mock on its last line leaves the
    // server open, and node:test waits on it forever: every started server is closed in t.after.
    const started = example.code.match(/const (\w+) = (?:await startMock\(|\w+\.listen\()/g) ?? [];
    for (const line of started) {
      const name = /const (\w+)/.exec(line)?.[1];
      assert.ok(
        example.code.includes(`t.after(() => ${name}.close())`),
        `${example.file}: ${name} closed in t.after`,
      );
    }
    const file = `.readme-examples/example-${index}.test.ts`;
    writeFileSync(file, example.code);
    return file;
  });
  // Type-checked as a user's strict project would compile them, against the built package's declarations.
  await run(
    process.execPath,
    [
      'node_modules/typescript/bin/tsc',
      '--ignoreConfig',
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      '--types',
      'node',
      ...files,
    ],
    { timeout: 60_000 },
  ).catch((e: { stdout?: string }) => assert.fail(`the examples do not compile:\n${e.stdout}`));
  for (const [index, example] of examples.entries()) {
    const file = files[index] ?? '';
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=tap', file],
      {
        timeout: 30_000,
        env,
      },
    );
    assert.match(stdout, /# pass [1-9]/, `${example.file} (${file})`);
    assert.match(stdout, /# fail 0/, `${example.file} (${file})`);
  }
});

test('the generated sections match the code (run npm run docs to refresh them)', () => {
  const placed: string[] = [];
  for (const file of DOC_FILES) {
    const text = readDoc(file);
    assert.equal(text, renderGenerated(text), `${file} is stale: run npm run docs`);
    placed.push(...markedSections(text));
  }
  // A section whose markers went missing would otherwise stop being checked without a word. A section may stand in
  // more than one file (the credentials table is in the README and in docs/credentials.md).
  assert.deepEqual([...new Set(placed)].sort(), Object.keys(SECTIONS).sort());
});

test('the merchants file example loads and its credentials get a token', async () => {
  const [example] = use(codeBlocks(OWNED, 'yaml').filter((b) => b.code.startsWith('merchants:')));
  assert.ok(example, 'the docs show a merchants file');
  mkdirSync('.readme-examples', { recursive: true });
  writeFileSync(
    '.readme-examples/merchants.yaml',
    example.code.replace('<base64>', DEFAULT_MERCHANT.subscriberKey),
  );
  const accounts = loadAccountsFile('.readme-examples/merchants.yaml');
  assert.equal(accounts[0]?.mid, '11111111-2222-4333-8444-555555555555');
  const app = createApp({ accounts, logger: QUIET });
  const res = await request(app)
    .post('/v1/oauth2/token')
    .send({ AppKey: 'my-app-key', AppSecret: 'my-app-secret' });
  assert.equal(res.status, 200);
});

test('the credentials tables show the accounts the mock ships', () => {
  for (const file of ['README.md', 'docs/credentials.md']) {
    const text = readDoc(file);
    for (const account of DEFAULT_ACCOUNTS) {
      const row = `\`${account.appKey}\` | \`${account.appSecret}\` | \`${account.mid}\` | \`${account.tokenizationKey}\``;
      assert.ok(text.includes(row), `${file} lists ${account.appKey} as the code has it`);
    }
  }
});

test('the error example is what the mock answers to that request', async () => {
  const [block] = use(codeBlocks(OWNED, 'json').filter((b) => b.code.includes('"code": "400001"')));
  const example = JSON.parse(block?.code ?? '{}');
  const app = createApp({ logger: QUIET });
  const token = await request(app)
    .post('/v1/oauth2/token')
    .send({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret });
  const body = evaluateBody();
  const res = await request(app)
    .post('/v1/evaluate')
    .set('authorization', `Bearer ${token.body.accessToken}`)
    // The example is the problem body: what a request accepting application/problem+json gets (docs/errors.md).
    .set('accept', 'application/problem+json')
    .send({ ...body, orderId: undefined, transaction: { id: '1', currency: 'USD' } });
  assert.deepEqual(Object.keys(res.body), Object.keys(example));
  for (const key of ['type', 'title', 'status', 'code', 'instance', 'errors'])
    assert.deepEqual(res.body[key], example[key], key);
  assert.ok(res.body.detail.startsWith(String(example.detail).replace(' …', '')));
});

test('the webhook payload example has the fields, in the order, the mock sends', async () => {
  const [block] = use(codeBlocks(OWNED, 'json').filter((b) => b.code.includes('"Event"')));
  const example = JSON.parse(block?.code ?? '{}');
  const app = createApp({ logger: QUIET });
  const token = await request(app)
    .post('/v1/oauth2/token')
    .send({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret });
  const res = await request(app)
    .post('/v1/evaluate')
    .set('authorization', `Bearer ${token.body.accessToken}`)
    .send(evaluateBody());
  const order = app.mock.store.session().partition(DEFAULT_MERCHANT.mid).orders.get(res.body.orderId);
  const [change] = order ? statusHistory(order) : [];
  assert.ok(order && change);
  const payload = buildPayload('order.completed', order, change, 0, {
    seed: 1,
    captureWindowMs: app.mock.settings.captureWindowMs,
  });
  assert.deepEqual(Object.keys(example), Object.keys(payload));
  assert.equal(payload.EventData, example.EventData);
});

test('every command-line option in --help is in the docs, and the options block lists only real ones', async () => {
  const docs = allDocsText();
  const [usage] = use(
    codeBlocks('docs/cli.md', '').filter((b) => b.code.startsWith('flexfactor-mock [serve]')),
  );
  assert.ok(usage, 'docs/cli.md shows the usage');
  const helpOptions = new Set<string>();
  for (const command of ['serve', 'verify', 'scenarios:check', 'record', 'drift', 'contract', 'wait']) {
    const { stdout } = await run(process.execPath, ['dist/mock/cli.js', command, '--help']);
    for (const option of stdout.match(/--[a-z][a-z-]+/g) ?? []) {
      if (option === '--help') continue;
      helpOptions.add(option);
      assert.ok(docs.includes(option), `${command} ${option} is documented`);
    }
  }
  for (const option of usage.code.match(/--[a-z][a-z-]+/g) ?? [])
    assert.ok(helpOptions.has(option), `${option} in docs/cli.md is an option of the CLI`);
});

test('the Pact excerpt is the interaction contracts/pact/consumer.ts really runs', () => {
  const [excerpt] = use(codeBlocks(OWNED, 'ts').filter((b) => b.code.includes('pact.addInteraction()')));
  assert.ok(excerpt, 'the docs show a Pact interaction');
  // The state sentences live in states.ts; the interaction itself in consumer.ts.
  const consumer = readDoc('contracts/pact/consumer.ts') + readDoc('contracts/pact/states.ts');
  const sentences = [...excerpt.code.matchAll(/\.(?:given|uponReceiving)\('([^']+)'/g)].map(
    (m) => `'${m[1]}'`,
  );
  assert.equal(sentences.length, 2);
  for (const quoted of sentences) assert.ok(consumer.includes(quoted), `${quoted} is in contracts/pact/`);
  assert.ok(consumer.includes("withRequest('POST', '/v1/capture'"));
});

// Blocks another test file runs; named here so that the check below knows them.
const RUN_ELSEWHERE: { where: string; test: (b: CodeBlock) => boolean }[] = [
  {
    where: 'test/scenarios-library.test.ts runs the scenario file example',
    test: (b) => b.file === 'docs/scenarios.md' && b.code.includes('yaml-language-server'),
  },
  {
    where: 'test/cli.test.ts compares the request-log line of docs/cli.md with a real one',
    test: (b) => b.file === 'docs/cli.md' && b.language === 'json' && b.code.includes('"msg":"request"'),
  },
  {
    where:
      'test/redis-store.test.ts starts serve --store … --workers 2 and two serve replicas on one Redis (on free ports)',
    test: (b) => b.file === 'docs/scale-out.md' && b.code.startsWith('flexfactor-mock serve --store'),
  },
  {
    where:
      'test/pack.test.ts runs the CI-service recipe of docs/ci-service.md verbatim; the README shows the same lines',
    test: (b) => b.file === 'README.md' && b.code === CI_RECIPE,
  },
];

// The README's CI-service recipe is the tested one in docs/ci-service.md, character for character.
const [ciRecipe] = codeBlocks('docs/ci-service.md', 'sh');
const CI_RECIPE = ciRecipe?.code;

test('the README shows the CI-service recipe that the pack test runs', () => {
  assert.ok(CI_RECIPE, 'docs/ci-service.md has its sh recipe');
  assert.ok(
    codeBlocks('README.md', 'sh').some((b) => b.code === CI_RECIPE),
    'README.md shows the recipe of docs/ci-service.md unchanged',
  );
});

// Blocks no test runs, each with the reason. Keep this list short; prefer running an example.
const NOT_RUN: { why: string; test: (b: CodeBlock) => boolean }[] = [
  {
    why: "the repository's own commands: CI runs npm ci and npm test (.ci/run), test/process.test.ts starts the server as npm start does",
    test: (b) => b.file === 'README.md' && b.code.startsWith('npm ci\nnpm start'),
  },
  {
    why: 'installs the packed package into a project: the job of the pack-and-install test',
    test: (b) => b.file === 'README.md' && b.code.includes('npm install --save-dev ./flexfactor-mock-'),
  },
  {
    why: 'installs packages from the registry and verifies against the real sandbox with secrets',
    test: (b) => b.file === 'docs/contract-testing.md' && ['sh', 'yaml'].includes(b.language),
  },
];

test('every code block of the README and the reference is run or compared by a test', () => {
  const orphans = codeBlocks(OWNED)
    .filter((b) => !exercised.has(b.code))
    .filter((b) => !RUN_ELSEWHERE.some((r) => r.test(b)) && !NOT_RUN.some((n) => n.test(b)))
    .map((b) => `${b.file}: \`\`\`${b.language} ${b.code.split('\n')[0]}`);
  assert.deepEqual(orphans, []);
});
