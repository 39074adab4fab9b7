// verify and drift write reports where CI asks. A report path is checked before anything runs: its missing folders
// are created, and one that cannot be written (a folder, under a file) is exit 2 with one line naming it, since exit
// 1 means a broken contract and drift's walk creates orders on a real sandbox. A finished drift walk whose report
// cannot be written at the end still prints its result.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type MockServer, startMock } from '../mock/http/start-mock.js';
import { pactDocument, runCli, TOKEN_INTERACTION } from './harness-cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'ff-report-paths-'));
const pact = join(scratch, 'shop-flexfactor.json');

/** One line on stderr, no stack trace. */
function assertOneLine(stderr: string): void {
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
  assert.doesNotMatch(stderr, /node:|\n\s+at /, stderr);
}

describe('report paths of verify and drift', { timeout: 300_000 }, () => {
  let mock: MockServer;
  let target: Server;
  let targetUrl = '';
  let targetCalls = 0;
  /** Run once, on the target's first request: after the start-up checks, before the report is written. */
  let onFirstCall: (() => void) | null = null;

  before(async () => {
    writeFileSync(pact, pactDocument('shop', [TOKEN_INTERACTION]));
    // drift's target: a mock behind a counting relay, so a test sees whether the walk ran.
    mock = await startMock({});
    target = createServer((req, res) => {
      targetCalls += 1;
      const first = onFirstCall;
      onFirstCall = null;
      first?.();
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const headers: Record<string, string> = {};
        for (const name of ['content-type', 'accept', 'authorization']) {
          const value = req.headers[name];
          if (typeof value === 'string') headers[name] = value;
        }
        const body = Buffer.concat(chunks);
        const answer = await fetch(`${mock.url}${req.url}`, {
          method: req.method ?? 'GET',
          headers,
          ...(body.length > 0 ? { body } : {}),
        });
        res
          .writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'application/json',
          })
          .end(Buffer.from(await answer.arrayBuffer()));
      });
    });
    await new Promise<void>((done) => target.listen(0, '127.0.0.1', done));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/v1`;
  });

  after(async () => {
    await new Promise((done) => target.close(done));
    await mock.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('verify: report folders that do not exist are created, and the run exits as verified', async () => {
    const json = join(scratch, 'nodir2', 'deeper', 'v.json');
    const junit = join(scratch, 'nodir3', 'v.xml');
    const r = await runCli(['verify', '--pacts', pact, '--no-spec-check', '--json', json, '--junit', junit]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /OK: 1 of 1 interactions verified/);
    assert.equal((JSON.parse(readFileSync(json, 'utf8')) as { exitCode: number }).exitCode, 0);
    assert.match(readFileSync(junit, 'utf8'), /<testsuites?/);
  });

  test('verify: a report path that cannot be written is exit 2, one line, before anything is verified', async () => {
    const folder = join(scratch, 'a-folder');
    mkdirSync(folder, { recursive: true });
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'x');
    for (const [option, path, reason] of [
      ['--json', folder, /it is a folder/],
      ['--junit', join(file, 'v.xml'), /a file is in the way/],
    ] as const) {
      const r = await runCli(['verify', '--pacts', pact, '--no-spec-check', option, path]);
      assert.equal(r.code, 2, `${option} ${path}: ${r.stdout}${r.stderr}`);
      assertOneLine(r.stderr);
      assert.ok(r.stderr.startsWith(`flexfactor-mock verify: ${option} ${path}: `), r.stderr);
      assert.match(r.stderr, reason);
      assert.doesNotMatch(r.stdout, /interactions verified/, 'nothing was verified');
    }
  });

  test('drift: report folders that do not exist are created', async () => {
    const json = join(scratch, 'nodir', 'x', 'd.json');
    const markdown = join(scratch, 'nodir', 'y', 'd.md');
    const r = await runCli(['drift', '--base-url', targetUrl, '--json', json, '--markdown', markdown]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal((JSON.parse(readFileSync(json, 'utf8')) as { drift: boolean }).drift, false);
    assert.match(readFileSync(markdown, 'utf8'), /^# Drift report/);
  });

  test('drift: a report path that cannot be written is exit 2, one line, and no request reaches the target', async () => {
    const folder = join(scratch, 'd-folder');
    mkdirSync(folder, { recursive: true });
    const file = join(scratch, 'd-file');
    writeFileSync(file, 'x');
    for (const [option, path] of [
      ['--json', folder],
      ['--markdown', join(file, 'd.md')],
    ] as const) {
      const calls = targetCalls;
      const r = await runCli(['drift', '--base-url', targetUrl, option, path]);
      assert.equal(r.code, 2, `${option} ${path}: ${r.stdout}${r.stderr}`);
      assertOneLine(r.stderr.replace(/^flexfactor-mock drift: no credentials given.*\n/, ''));
      assert.match(r.stderr, new RegExp(`flexfactor-mock drift: ${option} ${path.replace(/\W/g, '\\$&')}: `));
      assert.equal(targetCalls, calls, 'the walk did not start');
    }
  });

  test('drift: a report that cannot be written after the walk is printed, with the verdict, exit 2', async () => {
    const folder = join(scratch, 'goes-away');
    const markdown = join(folder, 'd.md');
    const json = join(folder, 'd.json');
    // The folder becomes a file once the walk has started, after the start-up check passed.
    onFirstCall = () => {
      rmSync(folder, { recursive: true, force: true });
      writeFileSync(folder, 'x');
    };
    const r = await runCli(['drift', '--base-url', targetUrl, '--json', json, '--markdown', markdown]);
    assert.equal(onFirstCall, null, 'the walk ran');
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stdout, /^# Drift report/m, 'the report is printed instead');
    assert.match(r.stdout, /^NO DRIFT: 0 difference\(s\) in \d+ requests$/m);
    const errors = r.stderr.replace(/^flexfactor-mock drift: no credentials given.*\n/, '');
    assertOneLine(errors);
    assert.match(
      errors,
      /--markdown .*d\.md: cannot write it \(a file is in the way\); --json .*d\.json: cannot write it/,
    );
    assert.match(errors, /the report is printed above/);
    assert.equal(existsSync(markdown), false);
  });
});
