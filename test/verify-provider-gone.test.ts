// `verify --base-url` against a provider that disappears in the middle of the run: the provider is a mock behind a
// server of this test that counts the interactions it answers and, once the first one's answer has been sent, stops
// listening and drops its connections. No timer decides when: the run must notice the refused connection, print the
// summary, name the cause and exit 2 (could not run) well before the verifier's 30 s request timeout.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { createApp } from '../mock/http/app.js';
import { runCli } from './harness-cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'ff-verify-gone-'));
const pacts = join(scratch, 'pacts');
const QUIET = { info() {}, warn() {}, error() {} };

/** An outcome request for an order nobody placed: needs a token, changes nothing, answers NOTFOUND. */
const outcome = (n: number) => ({
  description: `outcome ${n} of an order nobody placed`,
  request: {
    method: 'POST',
    path: '/v1/outcome',
    headers: { 'Content-Type': 'application/json', Authorization: 'Bearer recorded-token' },
    body: { orderSessionKey: `00000000-0000-4000-8000-00000000000${n}` },
  },
  response: { status: 200, body: { status: 'NOTFOUND' } },
});

describe('verify --base-url when the provider goes away mid-run', { timeout: 60_000 }, () => {
  let provider: Server;
  let root = '';
  /** Interactions (everything but token requests) whose answer was sent before the provider went away. */
  let answered = 0;

  before(async () => {
    mkdirSync(pacts);
    writeFileSync(
      join(pacts, 'gone-consumer-flexfactor.json'),
      JSON.stringify({
        consumer: { name: 'gone-consumer' },
        provider: { name: 'flexfactor' },
        interactions: [outcome(1), outcome(2), outcome(3)],
        metadata: { pactSpecification: { version: '2.0.0' } },
      }),
    );
    const app = createApp({ logger: QUIET });
    provider = createServer((req, res) => {
      if (!req.url?.startsWith('/v1/oauth2/token')) {
        res.once('finish', () => {
          answered += 1;
          // Gone after the first interaction: no new connections, and the kept-alive ones are dropped.
          provider.close();
          provider.closeAllConnections();
        });
      }
      app(req, res);
    });
    await new Promise<void>((done) => provider.listen(0, '127.0.0.1', done));
    root = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
  });

  after(async () => {
    if (provider.listening) await new Promise((done) => provider.close(done));
    provider.closeAllConnections();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('exits 2 within seconds, prints the summary and names the cause', async () => {
    // The kill after 20 s turns a wait for the verifier's 30 s timeout into a failure (code null).
    const r = await runCli(
      [
        'verify',
        '--pacts',
        pacts,
        '--no-spec-check',
        '--base-url',
        `${root}/v1`,
        '--app-key',
        DEFAULT_MERCHANT.appKey,
        '--app-secret',
        DEFAULT_MERCHANT.appSecret,
      ],
      { timeoutMs: 20_000 },
    );
    const all = r.stdout + r.stderr;
    assert.equal(r.code, 2, all);
    assert.equal(answered, 1, 'the provider answered one interaction, then went away');
    // The cause, named: the provider's address and the network error.
    assert.match(
      r.stderr,
      new RegExp(`cannot reach ${root.replace(/[.]/g, '\\.')}/v1: (ECONNREFUSED|ECONNRESET)`),
      all,
    );
    // The summary still prints: every interaction with its verdict, and the failed set-up step.
    assert.match(r.stdout, /Pact verification against http:\/\/127\.0\.0\.1:\d+\/v1: 3 interactions/, all);
    const verdicts = r.stdout.match(/^ {2}(ok {2}|FAIL) outcome \d of an order nobody placed$/gm) ?? [];
    assert.equal(verdicts.length, 3, r.stdout);
    assert.equal(verdicts.filter((v) => v.includes('ok ')).length, 1, r.stdout);
    assert.match(
      r.stdout,
      /Set-up that failed[^\n]*\n {2}- reaching http:\/\/127\.0\.0\.1:\d+[^\n]*ECONN/,
      r.stdout,
    );
    assert.doesNotMatch(all, /at .+\.js:\d+:\d+/, 'no stack trace');
  });
});
