// The contract and real clients' casing: the real API binds JSON keys case-insensitively, the schemas name one
// spelling. Prism's proxy with --errors, given contracts/openapi.yaml, refuses the official sample client's camelCase
// `appKey`; given `flexfactor-mock contract --any-case`, it lets the request through to the mock.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { type MockServer, startMock } from '../mock/start-mock.js';
import { ROOT, runCli } from './harness-cli.js';

const PRISM = join(
  dirname(createRequire(import.meta.url).resolve('@stoplight/prism-cli/package.json')),
  'dist',
  'index.js',
);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startPrism(spec: string, upstream: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [PRISM, 'proxy', '-h', '127.0.0.1', '-p', String(port), spec, upstream, '--errors'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`Prism did not start within 30 s:\n${out}`)), 30_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Prism is listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Prism exited with ${code}:\n${out}`));
    });
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

describe('case-insensitive key binding in the contract', { timeout: 90_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'ff-any-case-'));
  const anyCase = join(scratch, 'openapi.any-case.yaml');
  let mock: MockServer;
  let literal: { child: ChildProcess; url: string } | undefined;
  let lenient: { child: ChildProcess; url: string } | undefined;

  before(async () => {
    mock = await startMock();
    const r = await runCli(['contract', '--any-case', '--out', anyCase]);
    assert.equal(r.code, 0, r.stderr);
    [literal, lenient] = await Promise.all([
      startPrism('contracts/openapi.yaml', mock.url),
      startPrism(anyCase, mock.url),
    ]);
  });
  after(async () => {
    await Promise.all([stop(literal?.child), stop(lenient?.child)]);
    await mock.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  const sampleClientToken = (base: string) =>
    fetch(`${base}/v1/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appKey: mock.credentials.appKey, appSecret: mock.credentials.appSecret }),
    });

  test('the contract says how keys are bound', () => {
    const doc = parse(readFileSync(join(ROOT, 'contracts', 'openapi.yaml'), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(doc['x-flexfactor-key-binding'], 'case-insensitive');
  });

  test('Prism with the literal contract refuses camelCase appKey, which the mock (like the real API) accepts', async () => {
    assert.equal((await sampleClientToken(mock.url)).status, 200);
    assert.equal((await sampleClientToken(literal?.url ?? '')).status, 422);
  });

  test('Prism with the any-case variant passes the same request through, and still checks the answer', async () => {
    const res = await sampleClientToken(lenient?.url ?? '');
    assert.equal(res.status, 200);
    assert.equal(typeof ((await res.json()) as { accessToken?: unknown }).accessToken, 'string');
    const missing = await fetch(`${lenient?.url}/v1/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ appKey: mock.credentials.appKey }),
    });
    assert.equal(missing.status, 422, 'a key missing in every casing is still a violation');
  });
});
