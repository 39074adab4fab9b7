// The contract and real clients' casing: the real API binds JSON keys case-insensitively, the schemas name one
// spelling. Prism's proxy with --errors, given contracts/openapi.yaml, refuses the official sample client's camelCase
// `appKey`; given `flexfactor-mock contract --any-case`, it lets the request through to the mock.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { type MockServer, startMock } from '../mock/http/start-mock.js';
import { ROOT, runCli } from './harness-cli.js';
import { type PrismProxy, startPrismProxy } from './prism.js';

describe('case-insensitive key binding in the contract', { timeout: 300_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'ff-any-case-'));
  const anyCase = join(scratch, 'openapi.any-case.yaml');
  let mock: MockServer;
  let literal: PrismProxy | undefined;
  let lenient: PrismProxy | undefined;

  before(async () => {
    mock = await startMock();
    const r = await runCli(['contract', '--any-case', '--out', anyCase]);
    assert.equal(r.code, 0, r.stderr);
    [literal, lenient] = await Promise.all([
      startPrismProxy('contracts/openapi.yaml', mock.url),
      startPrismProxy(anyCase, mock.url),
    ]);
  });
  after(async () => {
    await Promise.all([literal?.stop(), lenient?.stop()]);
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
