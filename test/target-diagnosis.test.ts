// `drift` and `verify` against a target they cannot use: each must stop with exit 2 (could not run) and one line
// that says what to change, instead of a wall of drift or a raw network error. The targets are loopback only: an
// in-process mock (wrong credentials), a tiny server answering 404 or 401 to everything (a URL that is not the API
// root; a target that refuses the mock's default credentials), the same plain-HTTP server asked for https, and a
// port fetch refuses to use.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tokenFailure } from '../mock/cli/target-errors.js';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { type MockServer, startMock } from '../mock/http/start-mock.js';
import { type CliResult, runCli } from './harness-cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'ff-target-diagnosis-'));
const pacts = join(scratch, 'pacts');
/** Explicitly no credentials, whatever the shell running the tests exports. */
const NO_CREDENTIALS = { FLEXFACTOR_APP_KEY: '', FLEXFACTOR_APP_SECRET: '' };
const HOW =
  /--app-key and --app-secret, or the FLEXFACTOR_APP_KEY and FLEXFACTOR_APP_SECRET environment variables/;

/** A server answering every request with `status` and a problem body (as a wrong path or a refusal would). */
async function answering(status: number, code: string): Promise<{ server: Server; root: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ status, code, title: 'answered by the test server' }));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, root: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Exit 2, and one line on stderr (after the default-credentials notice, when there is one), no stack trace. */
function couldNotRun(r: CliResult): string {
  const all = r.stdout + r.stderr;
  assert.equal(r.code, 2, all);
  assert.doesNotMatch(all, /DRIFT|difference\(s\)/, 'the walk did not run');
  assert.doesNotMatch(all, /at .+\.js:\d+:\d+/, 'no stack trace');
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter((line) => !/using the mock's default test credentials/.test(line));
  assert.equal(lines.length, 1, r.stderr);
  return lines[0] as string;
}

const verify = (args: string[], env: Record<string, string> = {}) =>
  runCli(['verify', '--pacts', pacts, '--no-spec-check', ...args], { timeoutMs: 30_000, env });
const drift = (args: string[], env: Record<string, string> = {}) =>
  runCli(['drift', ...args], { timeoutMs: 30_000, env });
const keys = ['--app-key', DEFAULT_MERCHANT.appKey, '--app-secret', DEFAULT_MERCHANT.appSecret];

describe('drift and verify explain a target they cannot use', { timeout: 120_000 }, () => {
  let mock: MockServer;
  let notFound: { server: Server; root: string };
  let unauthorized: { server: Server; root: string };

  before(async () => {
    mkdirSync(pacts);
    writeFileSync(
      join(pacts, 'diagnosis-consumer-flexfactor.json'),
      JSON.stringify({
        consumer: { name: 'diagnosis-consumer' },
        provider: { name: 'flexfactor' },
        interactions: [
          {
            description: 'outcome of an order nobody placed',
            request: {
              method: 'POST',
              path: '/v1/outcome',
              headers: { 'Content-Type': 'application/json', Authorization: 'Bearer recorded-token' },
              body: { orderSessionKey: '00000000-0000-4000-8000-000000000001' },
            },
            response: { status: 200, body: { status: 'NOTFOUND' } },
          },
        ],
        metadata: { pactSpecification: { version: '2.0.0' } },
      }),
    );
    mock = await startMock({});
    notFound = await answering(404, '404001');
    unauthorized = await answering(401, '401001');
  });

  after(async () => {
    await mock.close();
    for (const { server } of [notFound, unauthorized]) {
      await new Promise((done) => server.close(done));
    }
    rmSync(scratch, { recursive: true, force: true });
  });

  test('drift with wrong credentials stops before the walk and names how to give them', async () => {
    const line = couldNotRun(
      await drift(['--base-url', mock.baseUrl], { FLEXFACTOR_APP_KEY: 'k', FLEXFACTOR_APP_SECRET: 's' }),
    );
    assert.match(line, /refused the credentials \(POST \/oauth2\/token answered 400 400003/);
    assert.match(line, HOW);
  });

  test('drift without credentials says it uses the mock defaults, and says none were given when refused', async () => {
    const ok = await drift(['--base-url', mock.baseUrl], NO_CREDENTIALS);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(
      ok.stderr,
      /using the mock's default test credentials, which only a flexfactor-mock target accepts/,
    );

    const refused = await drift(['--base-url', unauthorized.root], NO_CREDENTIALS);
    assert.match(refused.stderr, /using the mock's default test credentials/);
    const line = couldNotRun(refused);
    assert.match(line, /no credentials were given, and .* refused the mock's default test credentials/);
    assert.match(line, /answered 401 401001/);
    assert.match(line, HOW);
  });

  test('a refusal that echoes the secret and control characters is printed redacted, on one line', async () => {
    const secret = 'shop-secret-7f3a9c2e1b4d';
    const echoing = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        res.writeHead(401, { 'content-type': 'application/problem+json' });
        const sent = (JSON.parse(body) as { AppSecret: string }).AppSecret;
        res.end(
          JSON.stringify({
            status: 401,
            code: `401001\u001b]0;owned\u0007${sent}`,
            detail: `Bad secret ${sent}\u001b[2J\nend`,
          }),
        );
      });
    });
    await new Promise<void>((done) => echoing.listen(0, '127.0.0.1', done));
    const root = `http://127.0.0.1:${(echoing.address() as AddressInfo).port}`;
    try {
      for (const run of [drift, verify]) {
        const r = await run(['--base-url', root], {
          FLEXFACTOR_APP_KEY: 'shop-key',
          FLEXFACTOR_APP_SECRET: secret,
        });
        const line = couldNotRun(r);
        // The code, when the command shows it, is cleaned and cut like the detail.
        assert.match(
          line,
          /refused the credentials \(POST \/oauth2\/token answered 401( 401001[^:]{0,40})?: Bad secret/,
        );
        assert.doesNotMatch(r.stdout + r.stderr, new RegExp(secret));
        assert.ok(!r.stderr.includes('\u001b'), 'no terminal escape reaches the terminal');
      }
    } finally {
      await new Promise((done) => echoing.close(done));
    }
  });

  test('verify --port on a port already taken: one line, exit 2', async () => {
    const r = await verify(['--port', String(mock.port)]);
    const line = couldNotRun(r);
    assert.equal(
      line,
      `flexfactor-mock verify: --port ${mock.port} on 127.0.0.1 is already in use; pick another, or leave --port out for a free one`,
    );
  });

  test('drift against a target whose token answer never ends: one line, exit 2, without holding it all', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const endless = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.on('error', () => {});
      let sent = 0;
      const more = () => {
        while (sent < 64 && res.write(chunk)) sent += 1;
        if (sent < 64) res.once('drain', more);
        else res.end();
      };
      more();
    });
    await new Promise<void>((done) => endless.listen(0, '127.0.0.1', done));
    const root = `http://127.0.0.1:${(endless.address() as AddressInfo).port}`;
    try {
      const line = couldNotRun(await drift(['--base-url', root], NO_CREDENTIALS));
      assert.match(
        line,
        /answered POST \/oauth2\/token with more than 16 MiB, which no FlexFactor answer is: check --base-url/,
      );
    } finally {
      endless.closeAllConnections();
      await new Promise((done) => endless.close(done));
    }
  });

  test('drift with only one of key and secret says which is missing', async () => {
    const line = couldNotRun(await drift(['--base-url', mock.baseUrl, '--app-key', 'k'], NO_CREDENTIALS));
    assert.match(line, /--app-secret is missing/);
    assert.match(line, HOW);
  });

  test('a 404 to the token request blames the base URL, not the credentials', async () => {
    const base = `${notFound.root}/api/v2`;
    const expected = new RegExp(
      `POST ${base.replace(/[.]/g, '\\.')}/v1/oauth2/token answered 404 404001: check --base-url \\(it should be the API root`,
    );
    for (const r of [
      await verify(['--base-url', base, ...keys]),
      await drift(['--base-url', base, ...keys]),
    ]) {
      const line = couldNotRun(r);
      assert.match(line, expected);
      assert.doesNotMatch(line, /refused the credentials|check --app-key/);
    }
  });

  test('verify with wrong credentials names the flags and the variables', async () => {
    const line = couldNotRun(
      await verify([
        '--base-url',
        mock.baseUrl,
        '--app-key',
        DEFAULT_MERCHANT.appKey,
        '--app-secret',
        'nope',
      ]),
    );
    assert.match(line, /refused the credentials \(POST \/oauth2\/token answered 400 400003/);
    assert.match(line, HOW);
  });

  test('verify --base-url without keys names the environment variables too', async () => {
    const line = couldNotRun(await verify(['--base-url', mock.baseUrl], NO_CREDENTIALS));
    assert.match(
      line,
      /needs --app-key and --app-secret, or the FLEXFACTOR_APP_KEY and FLEXFACTOR_APP_SECRET/,
    );
  });

  test('https against a plain-HTTP server hints at http://', async () => {
    const https = mock.baseUrl.replace(/^http:/, 'https:');
    for (const r of [
      await verify(['--base-url', https, ...keys]),
      await drift(['--base-url', https, ...keys]),
    ]) {
      const line = couldNotRun(r);
      assert.match(line, /is the server plain http\? try http:\/\/127\.0\.0\.1:\d+\/v1/);
      assert.doesNotMatch(line, /ssl3_get_record|openssl/i, 'no OpenSSL internals');
    }
  });

  test('a port fetch refuses is named as such', async () => {
    const base = 'http://127.0.0.1:9/v1';
    for (const r of [
      await verify(['--base-url', base, ...keys]),
      await drift(['--base-url', base, ...keys]),
    ]) {
      const line = couldNotRun(r);
      assert.match(line, /port 9 is one fetch refuses to use.*run the server on another port/);
    }
  });
});

test('a server error to the token request is not blamed on the credentials either', {
  timeout: 5_000,
}, () => {
  const line = tokenFailure('https://api.example/v1', { status: 503, code: null, detail: 'down' }, 'given');
  assert.match(line, /^POST https:\/\/api\.example\/v1\/oauth2\/token answered 503 \(a server error/);
  assert.match(line, /check --base-url/);
  assert.doesNotMatch(line, /credentials/);
});
