// `record` is started by hand, often with a fixed port and hand-typed paths: a taken port or a path that cannot be
// written must end the run at once with one line saying what to change, and a recording that could not be written
// later must neither be blamed on the target nor end the run as a success.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, startCli, stopCli } from './harness-cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'ff-record-paths-'));
const TARGET_UNUSED = 'http://127.0.0.1:9/v1';

/** One line on stderr, no stack trace. */
function assertOneLine(stderr: string): void {
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
  assert.doesNotMatch(stderr, /node:|\n\s+at /, stderr);
}

describe('record: ports and paths it cannot use', { timeout: 90_000 }, () => {
  let target: Server;
  let targetUrl = '';
  let targetCalls = 0;

  before(async () => {
    // A target that answers every call, so what fails in these tests is the recording, never the target.
    target = createHttpServer((_req, res) => {
      targetCalls += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"accessToken":"t","expiresIn":3600}');
    });
    await new Promise<void>((done) => target.listen(0, '127.0.0.1', done));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/v1`;
  });

  after(async () => {
    await new Promise((done) => target.close(done));
    rmSync(scratch, { recursive: true, force: true });
  });

  test('a --port in use: one line naming the port, exit 1 as serve', async () => {
    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', done));
    const { port } = taken.address() as AddressInfo;
    try {
      const r = await runCli(
        ['record', '--target', TARGET_UNUSED, '--port', String(port), '--out', join(scratch, 'taken')],
        { timeoutMs: 30_000 },
      );
      assert.equal(r.code, 1, r.stderr);
      assertOneLine(r.stderr);
      assert.match(r.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
      assert.match(r.stderr, /--port/);
    } finally {
      await new Promise((done) => taken.close(done));
    }
  });

  test('--out naming a file: one line naming it, exit 2', async () => {
    const file = join(scratch, 'afile');
    writeFileSync(file, 'x');
    const r = await runCli(['record', '--target', TARGET_UNUSED, '--port', '0', '--out', file], {
      timeoutMs: 30_000,
    });
    assert.equal(r.code, 2, r.stderr);
    assertOneLine(r.stderr);
    assert.match(r.stderr, /--out .*afile: .*a file is in the way.*give a folder/);
  });

  test('--har naming a folder, or under a file: one line, exit 2, before listening', async () => {
    const dir = join(scratch, 'hdir');
    mkdirSync(dir, { recursive: true });
    const file = join(scratch, 'hfile');
    writeFileSync(file, 'x');
    for (const har of [dir, join(file, 'x.har')]) {
      const r = await runCli(
        ['record', '--target', TARGET_UNUSED, '--port', '0', '--out', join(scratch, 'h-out'), '--har', har],
        { timeoutMs: 30_000 },
      );
      assert.equal(r.code, 2, `${har}: ${r.stderr}`);
      assertOneLine(r.stderr);
      assert.match(r.stderr, /--har .*give a file path for the HAR/);
      assert.doesNotMatch(r.stdout, /Recording/, 'nothing listens');
    }
  });

  test('--har in folders that do not exist yet: they are created, as --out is', async () => {
    const har = join(scratch, 'no', 'such', 'dir', 'x.har');
    const rec = await startCli(
      ['record', '--target', targetUrl, '--port', '0', '--out', join(scratch, 'nested-out'), '--har', har],
      /through (http:\/\/127\.0\.0\.1:\d+)\/v1/,
    );
    try {
      const res = await fetch(`${rec.match}/v1/oauth2/token`, { method: 'POST', body: '{}' });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    } finally {
      await stopCli(rec.child);
    }
    assert.equal(rec.child.exitCode, 0);
    const written = JSON.parse(readFileSync(har, 'utf8')) as { log: { entries: unknown[] } };
    assert.equal(written.log.entries.length, 1);
  });

  test('a recording that cannot be written later: reported as a write error, and the run exits 1', async () => {
    const out = join(scratch, 'late-out');
    const har = join(scratch, 'late.har');
    const rec = await startCli(
      ['record', '--target', targetUrl, '--port', '0', '--out', out, '--har', har],
      /through (http:\/\/127\.0\.0\.1:\d+)\/v1/,
    );
    let output = '';
    rec.child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    rec.child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    try {
      // Both paths become unwritable after the start-up checks passed.
      rmSync(out, { recursive: true });
      writeFileSync(out, 'x');
      rmSync(har);
      mkdirSync(har);
      const res = await fetch(`${rec.match}/v1/oauth2/token`, { method: 'POST', body: '{}' });
      assert.equal(res.status, 200, 'the client still gets the target answer');
      await res.arrayBuffer();
    } finally {
      await stopCli(rec.child);
    }
    assert.equal(rec.child.exitCode, 1, output);
    assert.doesNotMatch(output, /cannot reach/, 'the target is not to blame');
    assert.match(output, /cannot write .*late-out.*\.yaml: a file is in the way/);
    assert.match(output, /cannot write .*late\.har: it is a folder/);
    assert.match(output, /2 recording\(s\) could not be written/);
    assert.doesNotMatch(output, /\n\s+at /);
  });

  test('a --target that is not http:// or https://: one line, exit 2, nothing created, nothing listens', async () => {
    for (const bad of ['ftp://x', 'file:///tmp/api', 'not a url']) {
      const out = join(scratch, 'bad-target-out');
      const r = await runCli(['record', '--target', bad, '--port', '0', '--out', out], { timeoutMs: 30_000 });
      assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
      assertOneLine(r.stderr);
      assert.match(r.stderr, /--target .* is not (an http:\/\/ or https:\/\/ URL|a URL); give the API root/);
      assert.doesNotMatch(r.stdout, /Recording/, 'nothing listens');
      assert.equal(existsSync(out), false, 'no --out folder is created');
    }
  });

  test('--ready-file: the base URL once listening, which wait finds without a request to the target', async () => {
    const ready = join(scratch, 'record-ready');
    // A previous run's URL: wait must not take it for this recorder.
    writeFileSync(ready, 'http://127.0.0.1:1/v1\n');
    const rec = await startCli(
      [
        'record',
        '--target',
        targetUrl,
        '--port',
        '0',
        '--out',
        join(scratch, 'ready-out'),
        '--ready-file',
        ready,
      ],
      /through (http:\/\/127\.0\.0\.1:\d+)\/v1/,
    );
    try {
      assert.equal(readFileSync(ready, 'utf8'), `${rec.match}/v1\n`, 'written before the start line');
      const before = targetCalls;
      const waited = await runCli(['wait', '--ready-file', ready, '--timeout', '10s'], { timeoutMs: 30_000 });
      assert.equal(waited.code, 0, waited.stderr);
      assert.equal(targetCalls, before, 'the recorder answers wait itself');
      const res = await fetch(`${rec.match}/v1/oauth2/token`, { method: 'POST', body: '{}' });
      assert.equal(res.status, 200, 'API calls are still forwarded');
      await res.arrayBuffer();
      assert.equal(targetCalls, before + 1);
    } finally {
      await stopCli(rec.child);
    }
  });

  test('a record that cannot start says why in its ready file, and wait stops on it at once', async () => {
    const ready = join(scratch, 'record-ready-failed');
    writeFileSync(ready, 'http://127.0.0.1:1/v1\n');
    const file = join(scratch, 'afile-ready');
    writeFileSync(file, 'x');
    const r = await runCli(
      ['record', '--target', targetUrl, '--port', '0', '--out', file, '--ready-file', ready],
      { timeoutMs: 30_000 },
    );
    assert.equal(r.code, 2, r.stderr);
    assertOneLine(r.stderr);
    assert.match(
      readFileSync(ready, 'utf8'),
      /^failed to start: --out .*afile-ready: .*a file is in the way/,
    );
    const waited = await runCli(['wait', '--ready-file', ready, '--timeout', '60s'], { timeoutMs: 30_000 });
    assert.equal(waited.code, 1);
    assert.match(waited.stderr, /failed to start: --out /);
  });
});
