// A recorded flow replayed offline: the token answer hands out a token the replaying mock accepts (the file never
// holds the recorded one), and a recorded body that breaks the contract still replays, its differences reported as
// warnings while the file is as recorded, and checked like any hand-written body once it is edited.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startRecorder } from '../mock/cli/record.js';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { type MockServer, startMock } from '../mock/http/start-mock.js';
import { checkScenarioFolders } from '../mock/scenarios/index.js';
import { runCli } from './harness-cli.js';
import { evaluateBody } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'ff-record-replay-'));

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/** A sandbox stand-in: a mock behind a proxy that answers GET /v1/orders/{id} in a shape the contract forbids. */
async function differentSandbox(mock: MockServer): Promise<{ server: Server; url: string }> {
  const upstream = new URL(mock.url);
  const server = createServer((req, res) => {
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          let text = Buffer.concat(chunks).toString('utf8');
          if (
            req.method === 'GET' &&
            /^\/v1\/orders\/[^/]+$/.test(req.url ?? '') &&
            answer.statusCode === 200
          ) {
            const {
              status,
              referenceNumber: _dropped,
              ...rest
            } = JSON.parse(text) as Record<string, unknown>;
            text = JSON.stringify({ ...rest, Status: status, sandboxOnly: true, capturedAmount: '0' });
          }
          res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json; charset=utf-8' });
          res.end(text);
        });
      },
    );
    req.pipe(out);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` };
}

describe('a recorded flow replayed offline', { timeout: 120_000 }, () => {
  const dir = join(scratch, 'recorded');
  let sandbox: MockServer;
  let proxy: { server: Server; url: string };
  let files: string[] = [];
  let recordedToken = '';

  before(async () => {
    sandbox = await startMock({});
    proxy = await differentSandbox(sandbox);
    const recorder = await startRecorder({ target: proxy.url, out: dir, port: 0 });
    try {
      const base = `${recorder.url}/v1`;
      const token = (await fetch(
        `${base}/oauth2/token`,
        json({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret }),
      ).then((r) => r.json())) as { accessToken: string; refreshToken: string };
      recordedToken = token.accessToken;
      const auth = { authorization: `Bearer ${token.accessToken}` };
      const decision = (await fetch(`${base}/evaluate`, json(evaluateBody(), auth)).then((r) =>
        r.json(),
      )) as {
        orderSessionKey: string;
      };
      const order = await fetch(`${base}/orders/${decision.orderSessionKey}`, { headers: auth });
      assert.equal(order.status, 200);
    } finally {
      await recorder.close();
    }
    files = readdirSync(dir).sort();
  });
  after(async () => {
    await sandbox?.close();
    await new Promise((done) => proxy?.server.close(done));
    rmSync(scratch, { recursive: true, force: true });
  });

  const named = (suffix: string) => (files.find((f) => f.endsWith(suffix)) as string).replace(/\.yaml$/, '');

  test('token → evaluate → get order replays end to end; the file holds no token', async () => {
    assert.deepEqual(
      files.map((f) => f.replace(/^recorded-\d+-/, '')),
      ['createToken-200.yaml', 'evaluate-200.yaml', 'getOrder-200.yaml'],
    );
    const tokenFile = readFileSync(join(dir, `${named('createToken-200.yaml')}.yaml`), 'utf8');
    assert.ok(!tokenFile.includes(recordedToken), 'the recorded token is not in the file');
    assert.doesNotMatch(tokenFile, /\[redacted/, 'no redaction marker is handed out as a token');

    // Under --validate-responses too: the recorded body is the target's answer, not a bug in the mock (500002).
    const replay = await startMock({ scenarios: { dirs: [dir] }, validateResponses: true });
    try {
      const token = await fetch(
        `${replay.baseUrl}/oauth2/token`,
        json(
          { AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret },
          { 'x-mock-scenario': named('createToken-200.yaml') },
        ),
      );
      assert.equal(token.status, 200);
      const issued = (await token.json()) as { accessToken: string; refreshToken: string; expires: number };
      assert.match(issued.accessToken, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/, 'a real token of the mock');
      assert.notEqual(issued.accessToken, recordedToken, 'a fresh token, not the recorded one');
      assert.match(issued.refreshToken, /^AQAAAAEAACcQ/);
      // The expiry and id describe the token handed out now, not the recorded one (whose expiry is long past).
      const claims = JSON.parse(
        Buffer.from(issued.accessToken.split('.')[1] as string, 'base64url').toString(),
      );
      assert.equal(issued.expires, Number(claims.iat) + 600_000);
      assert.equal((issued as unknown as { id: string }).id, claims.sub);
      assert.equal(typeof issued.expires, 'number');
      const auth = { authorization: `Bearer ${issued.accessToken}` };
      const decision = await fetch(
        `${replay.baseUrl}/evaluate`,
        json(evaluateBody(), { ...auth, 'x-mock-scenario': named('evaluate-200.yaml') }),
      );
      assert.equal(decision.status, 200, await decision.clone().text());
      const { orderSessionKey } = (await decision.json()) as { orderSessionKey: string };
      const order = await fetch(`${replay.baseUrl}/orders/${orderSessionKey}`, {
        headers: { ...auth, 'x-mock-scenario': named('getOrder-200.yaml') },
      });
      assert.equal(order.status, 200, 'the recorded body replays, contract differences and all');
      const body = (await order.json()) as Record<string, unknown>;
      assert.equal(body.sandboxOnly, true);
      assert.equal(body.capturedAmount, '0');
    } finally {
      await replay.close();
    }
  });

  test('scenarios:check lists the recorded body contract differences as warnings, file and field named', () => {
    const checked = checkScenarioFolders([dir]);
    assert.deepEqual(checked.problems, []);
    assert.equal(checked.valid, 3);
    const order = checked.warnings.filter((w) => w.file.endsWith('getOrder-200.yaml'));
    const text = order.map((w) => w.message).join('\n');
    assert.match(text, /capturedAmount: the contract expects an integer/);
    assert.match(text, /missing fields the contract requires: .*referenceNumber/);
    assert.match(text, /missing fields the contract requires: .*status/);
    assert.match(text, /fields the contract does not declare: .*(Status|sandboxOnly)/);
    assert.ok(
      order.every((w) => w.line > 1),
      'each warning points at its line',
    );
    assert.deepEqual(
      checked.warnings.filter((w) => !w.file.endsWith('getOrder-200.yaml')),
      [],
      'the bodies that fit the contract have no warnings',
    );
  });

  test('the scenarios:check command prints each warning as file:line and still exits 0', async () => {
    const r = await runCli(['scenarios:check', dir]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /3 scenario file\(s\) checked: 3 valid, 0 invalid, 3 warning\(s\)/);
    assert.match(
      r.stderr,
      /getOrder-200\.yaml:\d+: warning: recorded body differs from the contract: body: capturedAmount/,
    );
  });

  test('the start report lists the warnings, and the replay logs no problem', async () => {
    const lines: string[] = [];
    const replay = await startMock({
      scenarios: { dirs: [dir], defaults: [named('getOrder-200.yaml')] },
      logger: { info: () => {}, warn: (line: string) => lines.push(line), error: () => {} },
    });
    await replay.close();
    const report = lines.join('\n');
    assert.match(report, /getOrder-200\.yaml:\d+: .*capturedAmount/);
    assert.doesNotMatch(report, /scenario file skipped/);
  });

  test('an edited recorded body loses its exemption: it is checked like a hand-written one', () => {
    const edited = join(scratch, 'edited');
    rmSync(edited, { recursive: true, force: true });
    mkdirSync(edited);
    const text = readFileSync(join(dir, `${named('getOrder-200.yaml')}.yaml`), 'utf8');
    writeFileSync(join(edited, 'copied.yaml'), text.replace('sandboxOnly: true', 'sandboxOnly: false'));
    const checked = checkScenarioFolders([edited]);
    assert.equal(checked.valid, 0);
    assert.match(
      checked.problems.map((p) => p.message).join('\n'),
      /capturedAmount: the contract expects an integer/,
    );
    assert.match(
      checked.problems.map((p) => p.message).join('\n'),
      /respond is no longer the answer this file recorded \(observed\.sha256 does not match\)/,
    );
    // observed without its fingerprint (hand-written, or recorded before it existed) exempts nothing either.
    writeFileSync(join(edited, 'copied.yaml'), text.replace(/^ {2}sha256: .*\n/m, ''));
    const unsigned = checkScenarioFolders([edited]);
    assert.equal(unsigned.valid, 0);
    assert.match(unsigned.problems.map((p) => p.message).join('\n'), /observed has no sha256/);
    // Only respond's status and body are fingerprinted: a new description or YAML layout keeps the exemption.
    rmSync(join(edited, 'copied.yaml'));
    writeFileSync(
      join(edited, 'described.yaml'),
      text.replace(/^description: .*$/m, 'description: Renamed.'),
    );
    const described = checkScenarioFolders([edited]);
    assert.deepEqual(described.problems, []);
    assert.ok(described.warnings.length > 0);
  });

  test('a hand-written JSON content-type does not skip the contract check', () => {
    const hand = join(scratch, 'hand');
    mkdirSync(hand, { recursive: true });
    writeFileSync(
      join(hand, 'typed.yaml'),
      `description: A capture with a JSON content type and a body the contract forbids.
source: invented
match:
  operation: captureOrder
respond:
  status: 200
  headers:
    content-type: application/json; charset=utf-8
  body:
    Status: SUCCESS
`,
    );
    const checked = checkScenarioFolders([hand]);
    assert.equal(checked.valid, 0);
    assert.match(checked.problems.map((p) => p.message).join('\n'), /fields the contract does not declare/);
  });

  test('{{applied.…}} without applied: true is a problem, not an always-empty value', () => {
    const hand = join(scratch, 'applied');
    mkdirSync(hand, { recursive: true });
    writeFileSync(
      join(hand, 'token.yaml'),
      `description: A token answer that reads the real answer without running it.
source: invented
match:
  operation: createToken
respond:
  status: 200
  body:
    accessToken: '{{applied.body.accessToken}}'
`,
    );
    const checked = checkScenarioFolders([hand]);
    assert.equal(checked.valid, 0);
    assert.match(checked.problems.map((p) => p.message).join('\n'), /add applied: true/);
  });
});
