// `record` and `drift` end to end against a second local server that differs from the mock on purpose: a mock
// started with a scenario pack whose capture answers 202, spells `status` as `Status`, renames `success` to `ok` and
// drops the other fields, and whose tokenize answers 201 with a thinner transaction that echoes the card number (as
// a value and as a key, which only redaction keeps out of the report). No test here reaches beyond 127.0.0.1.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { runDrift } from '../mock/cli/drift.js';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { type MockServer, startMock } from '../mock/http/start-mock.js';
import { checkScenarioFolders } from '../mock/scenarios/index.js';
import { runCli, startCli, stopCli } from './harness-cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'ff-record-drift-'));
const pack = join(scratch, 'pack');
const DIFFERENT_CAPTURE = `description: A provider that answers capture differently (drift test).
source: invented
match:
  operation: captureOrder
respond:
  status: 202
  body:
    Status: SUCCESS
    ok: true
`;

const CARD = '4111111111111111';
const DIFFERENT_TOKENIZE = `description: A provider that answers tokenize differently (drift test).
source: invented
match:
  operation: tokenize
respond:
  status: 201
  body:
    transaction:
      token: 00000000-0000-4000-8000-000000000001
      succeeded: true
      "${CARD}": echoed
      payment_method:
        number: "${CARD}"
`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

function evaluateBody(card: string) {
  return {
    idempotencyKey: crypto.randomUUID(),
    mid: DEFAULT_MERCHANT.mid,
    orderId: `REC-${crypto.randomUUID()}`,
    isDeclined: true,
    isMIT: false,
    isRecurring: false,
    transactionType: 'AUTHORIZATION',
    transaction: {
      id: crypto.randomUUID(),
      amount: 1500,
      currency: 'USD',
      timestampUtc: new Date().toISOString(),
      responseCode: '05',
      responseCodeSource: 'NMI',
    },
    payer: { email: 'jane.doe@example.com', phone: '5551234567' },
    billingInformation: {
      firstName: 'Jane',
      lastName: 'Doe',
      country: 'United States',
      countryCode: 'US',
      addressLine1: '1 Secret Lane',
      city: 'San Francisco',
      state: 'CA',
      zipCode: '94111',
    },
    paymentMethod: { cardNumber: card, token: false, expirationMonth: 9, expirationYear: 2030 },
  };
}

describe('record and drift against a deliberately different local server', { timeout: 120_000 }, () => {
  let different: Awaited<ReturnType<typeof startCli>>;
  let url = '';
  before(async () => {
    mkdirSync(pack);
    writeFileSync(join(pack, 'different-capture.yaml'), DIFFERENT_CAPTURE);
    writeFileSync(join(pack, 'different-tokenize.yaml'), DIFFERENT_TOKENIZE);
    different = await startCli(
      [
        'serve',
        '--port',
        '0',
        '--scenarios',
        pack,
        '--scenario',
        'different-capture',
        '--scenario',
        'different-tokenize',
      ],
      /listening on (http:\/\/127\.0\.0\.1:\d+)\/v1/,
    );
    url = different.match;
  });
  after(async () => {
    await stopCli(different.child);
    rmSync(scratch, { recursive: true, force: true });
  });

  test('drift reports the changed status, the casing, the renamed and dropped fields, and exits 1', async () => {
    const out = join(scratch, 'drift.json');
    const md = join(scratch, 'drift.md');
    const r = await runCli(['drift', '--base-url', `${url}/v1`, '--json', out, '--markdown', md], {
      env: { FLEXFACTOR_TOKENIZATION_KEY: DEFAULT_MERCHANT.tokenizationKey },
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const report = JSON.parse(readFileSync(out, 'utf8')) as {
      drift: boolean;
      differences: { step: string; kind: string; path: string; mock: string; target: string }[];
    };
    assert.equal(report.drift, true);
    const capture = report.differences.filter((d) => d.step === 'capture');
    const has = (kind: string, path: string) => capture.some((d) => d.kind === kind && d.path === path);
    assert.ok(has('status', '(status)'), JSON.stringify(capture));
    assert.ok(has('casing', '$.status'), JSON.stringify(capture));
    assert.ok(has('missing', '$.success'), JSON.stringify(capture));
    assert.ok(has('missing', '$.customProperties'), JSON.stringify(capture));
    assert.ok(has('extra', '$.ok'), JSON.stringify(capture));
    assert.ok(
      capture.some((d) => d.kind === 'contract'),
      'the live answer is checked against the contract too',
    );
    // A contract row names its field: the property ajv names only in its params, in the message and the path.
    for (const field of ['Status', 'ok']) {
      assert.ok(
        capture.some(
          (d) =>
            d.kind === 'contract' &&
            d.path === `$.${field}` &&
            d.target === `(body) must NOT have additional properties: ${field}`,
        ),
        JSON.stringify(capture),
      );
    }
    assert.ok(
      capture.some((d) => d.kind === 'contract' && d.path === '$.traceId'),
      'a missing required property is its path',
    );
    assert.ok(!report.differences.some((d) => d.path === '(openapi)'), 'no row without its field');
    const tokenize = report.differences.filter((d) => d.step === 'tokenize');
    const inTokenize = (kind: string, path: string) =>
      tokenize.some((d) => d.kind === kind && d.path === path);
    assert.ok(inTokenize('status', '(status)'), JSON.stringify(tokenize));
    assert.ok(inTokenize('missing', '$.transaction.created_at'), JSON.stringify(tokenize));
    assert.ok(
      tokenize.some((d) => d.kind === 'extra' && d.path.startsWith('$.transaction.')),
      'the echoed key is reported as an extra field (redacted)',
    );
    // Only capture and tokenize differ: every other step of the walk (transmit included) matches the mock.
    assert.deepEqual([...new Set(report.differences.map((d) => d.step))].sort(), ['capture', 'tokenize']);
    assert.ok(
      (report as unknown as { steps: { name: string }[] }).steps.some((s) => s.name === 'transmit'),
      'the walk includes transmit',
    );
    const markdown = readFileSync(md, 'utf8');
    assert.match(markdown, /\| capture \| status \| \(status\) \| 200 \| 202 \|/);
    assert.match(markdown, /\| tokenize \| status \| \(status\) \| 200 \| 201 \|/);
    // Reports go through the journal's redaction: no card number, secret, tokenization key or token in them.
    const written = readFileSync(out, 'utf8') + markdown + r.stdout + r.stderr;
    for (const secret of [CARD, DEFAULT_MERCHANT.appSecret, DEFAULT_MERCHANT.tokenizationKey]) {
      assert.ok(!written.includes(secret), `the drift report leaks ${secret}`);
    }
    assert.doesNotMatch(written, /eyJ[\w-]+\.[\w-]+\.[\w-]+/, 'no bearer token in the report');
  });

  test('drift matches a plain mock with tokenize on the Bearer token and on the query key', async () => {
    const plain = await startMock({});
    try {
      for (const tokenizationKey of [undefined, DEFAULT_MERCHANT.tokenizationKey]) {
        const report = await runDrift({
          baseUrl: plain.baseUrl,
          appKey: DEFAULT_MERCHANT.appKey,
          appSecret: DEFAULT_MERCHANT.appSecret,
          ...(tokenizationKey ? { tokenizationKey } : {}),
        });
        assert.deepEqual(report.differences, [], `tokenization key ${tokenizationKey ? 'given' : 'absent'}`);
        const statuses = report.steps
          .filter((s) => s.name === 'tokenize' || s.name === 'transmit')
          .map((s) => `${s.name} ${s.mockStatus} ${s.targetStatus}`);
        assert.deepEqual(statuses, ['tokenize 200 200', 'transmit 200 200']);
      }
      // A wrong key is refused by the target while the mock, given its own key, tokenizes: that is drift.
      const wrong = await runDrift({
        baseUrl: plain.baseUrl,
        appKey: DEFAULT_MERCHANT.appKey,
        appSecret: DEFAULT_MERCHANT.appSecret,
        tokenizationKey: 'drift-wrong-tokenization-key',
      });
      assert.ok(
        wrong.differences.some((d) => d.step === 'tokenize' && d.kind === 'status' && d.target === '400'),
        JSON.stringify(wrong.differences),
      );
    } finally {
      await plain.close();
    }
  });

  test('drift against a URL where nothing listens exits 2 and names the cause', async () => {
    const port = await freePort();
    const r = await runCli(['drift', '--base-url', `http://127.0.0.1:${port}/v1`], { timeoutMs: 20_000 });
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /cannot reach http:\/\/127\.0\.0\.1:\d+\/v1: ECONNREFUSED/);
  });

  test('record answers a catalog 502001 problem when the target cannot be reached', async () => {
    const port = await freePort();
    const rec = await startCli(
      ['record', '--target', `http://127.0.0.1:${port}/v1`, '--port', '0', '--out', join(scratch, 'nowhere')],
      /through (http:\/\/127\.0\.0\.1:\d+)\/v1/,
    );
    try {
      const res = await fetch(`${rec.match}/v1/oauth2/token`, json({ AppKey: 'k', AppSecret: 's' }));
      assert.equal(res.status, 502);
      assert.equal(res.headers.get('x-mock-error-code'), '502001');
      const body = (await res.json()) as { code: string; detail: string };
      assert.equal(body.code, '502001');
      assert.match(body.detail, /cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
      // The cause and the catalog's advice are two sentences.
      assert.match(body.detail, /127\.0\.0\.1:\d+\. An upstream service failed\. /);
    } finally {
      await stopCli(rec.child);
    }
  });

  test('record writes redacted, replayable scenario files (and HAR) for every exchange', async () => {
    const dir = join(scratch, 'recorded');
    const har = join(scratch, 'recorded.har');
    const rec = await startCli(
      ['record', '--target', `${url}/v1`, '--port', '0', '--out', dir, '--har', har],
      /through (http:\/\/127\.0\.0\.1:\d+)\/v1/,
    );
    let replay: MockServer | undefined;
    try {
      const base = `${rec.match}/v1`;
      const token = (await fetch(
        `${base}/oauth2/token`,
        json({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret }),
      ).then((r) => r.json())) as { accessToken: string };
      const auth = { authorization: `Bearer ${token.accessToken}` };
      const decision = (await fetch(`${base}/evaluate`, json(evaluateBody('4000002760003184'), auth)).then(
        (r) => r.json(),
      )) as { orderId: string; status: string };
      assert.equal(decision.status, 'CAPTUREREQUIRED');
      const capture = await fetch(
        `${base}/capture`,
        json(
          { idempotencyKey: crypto.randomUUID(), orderId: decision.orderId, amount: 1500, currency: 'USD' },
          auth,
        ),
      );
      assert.equal(capture.status, 202, 'the recorder answers what the target answered');
      const refused = await fetch(`${base}/orders/${decision.orderId}`, {
        headers: { authorization: 'Bearer x.y.z' },
      });
      assert.equal(refused.status, 401);
      // A card number in a path reaches the target as sent (whose strict profile refuses it), but never the
      // recording.
      const byPan = await fetch(`${base}/orders/4111111111111111`, { headers: auth });
      assert.equal(byPan.status, 400);
      assert.equal(byPan.headers.get('x-mock-error-code'), '400041');
    } finally {
      await stopCli(rec.child);
    }
    try {
      const files = readdirSync(dir).sort();
      assert.deepEqual(
        files.map((f) => f.replace(/^recorded-\d+-/, '')),
        [
          'createToken-200.yaml',
          'evaluate-200.yaml',
          'captureOrder-202.yaml',
          'getOrder-401.yaml',
          'getOrder-400.yaml',
        ],
      );
      const checked = checkScenarioFolders([dir]);
      assert.deepEqual(checked.problems, [], 'every recorded file is a valid scenario');
      const all = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('\n') + readFileSync(har, 'utf8');
      for (const secret of [
        '4000002760003184',
        '4111111111111111',
        DEFAULT_MERCHANT.appSecret,
        'jane.doe@example.com',
        '5551234567',
        '1 Secret Lane',
      ]) {
        assert.ok(!all.includes(secret), `the recording leaks ${secret}`);
      }
      assert.doesNotMatch(all, /eyJ[\w-]+\.[\w-]+\.[\w-]+/, 'no bearer token survives');
      const captureFile = files.find((f) => f.endsWith('captureOrder-202.yaml')) as string;
      const scenario = parse(readFileSync(join(dir, captureFile), 'utf8')) as {
        source: string;
        observed: { at: string };
      };
      assert.equal(scenario.source, 'observed');
      assert.match(scenario.observed.at, /^\d{4}-\d\d-\d\dT/);
      // Editors find the schema from the recorded file's own folder: the installed package's copy.
      const schemaLine = /^# yaml-language-server: \$schema=(.+)$/m.exec(
        readFileSync(join(dir, captureFile), 'utf8'),
      );
      assert.ok(schemaLine?.[1], 'the recorded file names its schema');
      const schemaFile = resolve(dirname(join(dir, captureFile)), schemaLine[1]);
      assert.equal(JSON.parse(readFileSync(schemaFile, 'utf8')).title !== undefined, true, schemaFile);

      // Replayed offline: a plain mock with the recorded folder answers the recorded capture on request.
      replay = await startMock({ scenarios: { dirs: [dir] } });
      const token = await replay.token();
      const res = await fetch(
        `${replay.baseUrl}/capture`,
        json(
          {
            idempotencyKey: crypto.randomUUID(),
            orderId: crypto.randomUUID(),
            amount: 1500,
            currency: 'USD',
          },
          { authorization: `Bearer ${token}`, 'x-mock-scenario': captureFile.replace(/\.yaml$/, '') },
        ),
      );
      assert.equal(res.status, 202);
      assert.deepEqual(await res.json(), { Status: 'SUCCESS', ok: true });
      // Recorded files match by operation, like the library: the recorded 401 answers a read of any order.
      const notFound = files.find((f) => f.endsWith('getOrder-401.yaml')) as string;
      const read = await fetch(`${replay.baseUrl}/orders/${crypto.randomUUID()}`, {
        headers: { authorization: `Bearer ${token}`, 'x-mock-scenario': notFound.replace(/\.yaml$/, '') },
      });
      assert.equal(read.status, 401);
    } finally {
      await replay?.close();
    }
  });
});
