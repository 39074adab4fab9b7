// Provider verification (contracts/pact/verify.ts). Self-sufficient: the consumer cases first write their pact into a
// temp folder, so this file does not depend on test/pact-consumer.test.ts having run. The pact is verified against
// the mock started in process; then, through the `verify` command, against a second mock process by base URL and
// credentials (the path a user takes to the real sandbox); then a pact of "someone else's" is reported readably.

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeConsumerPacts } from '../contracts/pact/consumer.js';
import { COMPARATOR_INSTALL } from '../contracts/pact/openapi-check.js';
import { STATES } from '../contracts/pact/states.js';
import { formatReport, verifyPacts } from '../contracts/pact/verify.js';
import { DEFAULT_MERCHANT, SECOND_MERCHANT } from '../mock/domain/accounts.js';
import { pactDocument, TOKEN_INTERACTION } from './harness-cli.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = [process.execPath, '--import', 'tsx', 'mock/cli.ts'] as const;
const scratch = mkdtempSync(join(tmpdir(), 'ff-pact-provider-'));
const pactDir = join(scratch, 'pacts');

before(async () => {
  await writeConsumerPacts(pactDir);
});

after(() => rmSync(scratch, { recursive: true, force: true }));

/** Node's options that make the OpenAPI comparator resolve as not installed (test/hide-comparator.ts). */
const WITHOUT_COMPARATOR = ['--import', 'tsx', '--import', './test/hide-comparator.ts'];

/** Run `flexfactor-mock verify …` from source; resolves with its exit code and output. */
async function verifyCommand(
  args: string[],
  nodeOptions: readonly string[] = ['--import', 'tsx'],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const [node, , , cli] = CLI;
  try {
    const { stdout, stderr } = await promisify(execFile)(node, [...nodeOptions, cli, 'verify', ...args], {
      cwd: ROOT,
      env: { ...process.env, PACT_DO_NOT_TRACK: 'true' },
      maxBuffer: 10 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A second mock, in its own process on its own port, as a user would run it next to their CI job. */
async function startMockProcess(): Promise<{ child: ChildProcess; url: string }> {
  const [node, ...rest] = CLI;
  const child = spawn(node, [...rest, '--port', '0', '--seed', '7'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the mock did not start within 120 s: ${out}`));
    }, 120_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve({ child, url: match[1] });
      }
    });
    child.once('exit', (code) => reject(new Error(`the mock exited with ${code}: ${out}`)));
  });
}

test('every interaction of the reference client is satisfied by the mock started in process', async () => {
  const report = await verifyPacts({ pacts: [pactDir], checkSpec: false });
  assert.ok(report.ok, formatReport(report));
  assert.equal(report.inProcess, true);
  assert.match(report.target, /^http:\/\/127\.0\.0\.1:\d+\/v1$/);
  assert.equal(report.interactions.length, 17);
  assert.deepEqual(report.unknownStates, [], 'the state-handler table knows every state the pacts use');
  const used = new Set(report.interactions.flatMap((i) => i.states));
  assert.deepEqual([...used].sort(), Object.values(STATES).sort(), 'and every state in the table is used');
});

test('`verify --base-url … --app-key … --app-secret …` checks the same pacts against a second mock process', async () => {
  const { child, url } = await startMockProcess();
  try {
    const ok = await verifyCommand([
      '--base-url',
      `${url}/v1`,
      '--app-key',
      SECOND_MERCHANT.appKey,
      '--app-secret',
      SECOND_MERCHANT.appSecret,
      '--mid',
      SECOND_MERCHANT.mid,
      '--tokenization-key',
      SECOND_MERCHANT.tokenizationKey,
      '--pacts',
      pactDir,
      '--no-spec-check',
    ]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.ok(ok.stdout.includes(`Pact verification against ${url}/v1: 17 interactions`), ok.stdout);
    assert.ok(ok.stdout.includes('OK: 17 of 17 interactions verified'), ok.stdout);

    // Wrong credentials: the token fetched before anything is replayed is refused, so verification cannot run
    // (exit 2), and the message names the step and the provider's answer instead of 17 confusing failures.
    const denied = await verifyCommand([
      '--base-url',
      url,
      '--app-key',
      DEFAULT_MERCHANT.appKey,
      '--app-secret',
      'not-the-secret',
      '--pacts',
      pactDir,
      '--no-spec-check',
    ]);
    assert.equal(denied.code, 2, denied.stdout + denied.stderr);
    assert.match(denied.stderr, /refused the credentials \(POST \/oauth2\/token answered 400 400003/);
    assert.match(denied.stderr, /check --app-key and --app-secret/);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});

test('bring your own pacts: the report names each interaction the mock does not satisfy, and why', async () => {
  const file = join(scratch, 'shop-backend-flexfactor.json');
  writeFileSync(
    file,
    pactDocument('shop-backend', [
      TOKEN_INTERACTION,
      {
        description: 'an order placed yesterday',
        providerStates: [{ name: 'the shopper placed an order yesterday' }],
        request: {
          method: 'GET',
          path: '/v1/orders/2b1c7e6a-0000-4000-8000-000000000001',
          headers: { Authorization: 'Bearer x' },
        },
        response: { status: 200, body: { statusName: 'COMPLETED' } },
      },
      {
        description: 'a page of orders in rows',
        request: { method: 'GET', path: '/v1/orders', headers: { Authorization: 'Bearer x' } },
        response: { status: 200, body: { rows: [] } },
      },
    ]),
  );

  const report = await verifyPacts({ pacts: [file], checkSpec: false });
  assert.equal(report.ok, false);
  assert.deepEqual(
    report.interactions.map((i) => [i.description, i.ok]),
    [
      ['a token request', true],
      ['an order placed yesterday', false],
      ['a page of orders in rows', false],
    ],
  );
  assert.deepEqual(report.interactions[1]?.problems.slice(0, 1), ['status: expected 200 but was 404']);
  assert.ok(
    report.interactions[1]?.problems.includes('body $: Actual map is missing the following keys: statusName'),
    formatReport(report),
  );
  assert.deepEqual(report.interactions[2]?.problems, [
    'body $: Actual map is missing the following keys: rows',
  ]);
  assert.deepEqual(report.unknownStates, ['the shopper placed an order yesterday']);

  const cli = await verifyCommand(['--pacts', file, '--no-spec-check']);
  assert.equal(cli.code, 1);
  assert.ok(
    cli.stdout.includes('FAIL an order placed yesterday (given "the shopper placed an order yesterday")'),
  );
  assert.ok(cli.stdout.includes('  - the shopper placed an order yesterday'), 'unknown states are listed');
  assert.ok(cli.stdout.includes('NOT OK: 1 of 3 interactions verified, 2 not satisfied'), cli.stdout);

  const missing = await verifyCommand(['--pacts', join(scratch, 'nothing-here')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /no such pact file or folder/);
});

test('a report against a base URL says its webhook messages were checked against the mock, not that URL', () => {
  const outcome = (kind: 'http' | 'message', description: string) => ({
    pact: 'shop-flexfactor.json',
    consumer: 'shop',
    provider: 'flexfactor',
    description,
    kind,
    states: [],
    ok: true,
    problems: [],
  });
  const report = {
    target: 'https://api-sandbox.flexfactor.io/v1',
    inProcess: false,
    pactFiles: ['shop-flexfactor.json'],
    skippedFiles: [],
    interactions: [outcome('http', 'a token request'), outcome('message', 'order.completed')],
    unknownStates: [],
    setupErrors: [],
    spec: null,
    specSkipped: 'not asked for',
    ok: true,
  };
  assert.match(
    formatReport(report),
    /webhook \[message\] interactions are checked against the mock's webhook payloads, not https:\/\/api-sandbox\.flexfactor\.io\/v1/,
  );
  // In process there is nothing to tell apart.
  assert.doesNotMatch(formatReport({ ...report, inProcess: true }), /webhook \[message\] interactions/);
  // Without messages there is nothing to say.
  assert.doesNotMatch(
    formatReport({ ...report, interactions: [outcome('http', 'a token request')] }),
    /webhook \[message\] interactions/,
  );
});

describe('verify without the OpenAPI comparator installed', { timeout: 300_000 }, () => {
  test('the CLI could not run (exit 2): one line naming the install command and --no-spec-check', async () => {
    const r = await verifyCommand(['--pacts', pactDir], WITHOUT_COMPARATOR);
    assert.equal(r.code, 2, r.stdout + r.stderr);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', /^flexfactor-mock verify: the check against contracts\/openapi\.yaml needs/);
    assert.ok(lines[0]?.includes(COMPARATOR_INSTALL), r.stderr);
    assert.match(lines[0] ?? '', /--no-spec-check/);
    assert.equal(r.stdout, '', 'no report: nothing was verified');
  });

  test('--no-spec-check verifies without it, and says the check was turned off', async () => {
    const r = await verifyCommand(['--pacts', pactDir, '--no-spec-check'], WITHOUT_COMPARATOR);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Check against contracts\/openapi\.yaml: skipped \(turned off\)/);
    assert.match(r.stdout, /OK: 17 of 17 interactions verified/);
  });

  test('verifyPacts() rejects with a CannotRunError, as for the other runs that could not start', async () => {
    const script = `
      const { verifyPacts, CannotRunError } = await import(${JSON.stringify(join(ROOT, 'contracts/pact/verify.ts'))});
      try {
        await verifyPacts({ pacts: [${JSON.stringify(pactDir)}] });
        console.log(JSON.stringify({ resolved: true }));
      } catch (error) {
        console.log(JSON.stringify({ cannotRun: error instanceof CannotRunError, message: error.message }));
      }`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [...WITHOUT_COMPARATOR, '--input-type=module', '-e', script],
      { cwd: ROOT, env: { ...process.env, PACT_DO_NOT_TRACK: 'true' } },
    );
    const outcome = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    assert.equal(outcome.cannotRun, true, stdout);
    assert.match(outcome.message, /checkSpec: false/);
  });
});
