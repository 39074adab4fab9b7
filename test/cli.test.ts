// The command line as a user meets it (dist/mock/cli.js, built by npm test): --version, the top-level help, the
// options documented in docs/cli.md, a fresh seed per start, scenario folders checked at start, --ready-file and
// wait, the request log, the JSON index and the admin 404. npm start's no-rebuild check is here too.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { createApp } from '../mock/http/app.js';
import { listen } from '../mock/http/server.js';
import { exec, REPO, startServer, stop } from './packed.js';

const CLI = join(REPO, 'dist/mock/cli.js');
const PKG = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
const node = (args: string[], cwd = REPO) =>
  exec(process.execPath, [CLI, ...args], { cwd, timeoutMs: 30_000 });
const serve = (args: string[]) => startServer(process.execPath, [CLI, '--port', '0', ...args], { cwd: REPO });
const tmp = mkdtempSync(join(tmpdir(), 'flexfactor-cli-'));
const QUIET = { info() {}, warn() {}, error() {} };

describe('the command line', { timeout: 90_000 }, () => {
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('--version prints the package version; the top-level help shows the options of serve', async () => {
    assert.equal((await node(['--version'])).stdout.trim(), PKG.version);
    const help = (await node(['--help'])).stdout;
    for (const option of ['--port', '--seed', '--log', '--ready-file', '--scenarios']) {
      assert.ok(help.includes(option), `${option} in the top-level help`);
    }
  });

  test('an unknown command is named as such; a reader that stops early ends the output quietly', async () => {
    const unknown = await node(['bogus']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown command 'bogus' \(commands: serve, .*contract/);
    assert.equal(unknown.stdout, '');
    // `contract | head -c 100`: the pipe closes after the first bytes of a 200 KB document.
    const child = spawn(process.execPath, [CLI, 'contract'], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE|Error/);
  });

  test('every option of serve and wait is in docs/cli.md', async () => {
    const doc = readFileSync(join(REPO, 'docs/cli.md'), 'utf8');
    for (const command of ['serve', 'wait']) {
      const { stdout } = await node([command, '--help']);
      for (const option of stdout.match(/--[a-z][a-z-]+/g) ?? []) {
        if (option !== '--help') assert.ok(doc.includes(option), `${command} ${option} in docs/cli.md`);
      }
    }
  });

  test('serve draws a fresh seed per start and prints it; --seed reproduces', async () => {
    const seeds: number[] = [];
    for (const args of [[], [], ['--seed', '7']]) {
      const server = await serve(args);
      try {
        const printed = Number(/seed (\d+)/.exec(server.line)?.[1]);
        const health = (await (await fetch(`${server.url}/__admin/seed`)).json()) as { seed: number };
        assert.equal(health.seed, printed, 'the printed seed is the one in use');
        seeds.push(printed);
      } finally {
        await stop(server.child);
      }
    }
    assert.notEqual(seeds[0], seeds[1], 'two starts, two seeds');
    assert.equal(seeds[2], 7);
  });

  test('--scenarios: a missing folder is an error at start; a bad file is reported at start as file:line', async () => {
    const missing = await node(['--port', '0', '--scenarios', join(tmp, 'nope')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /--scenarios .*nope: no such folder/);
    assert.equal(missing.stdout, '', 'nothing listened');
    const dir = join(tmp, 'bad-scenarios');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(join(dir, 'broken.yaml'), 'description: broken\nrespond:\n  status: nine\n');
    const server = await serve(['--scenarios', dir]);
    try {
      // No request is sent: the report comes from the start-up alone.
      assert.match(await server.stderrMatching(/broken\.yaml:\d+: /), /broken\.yaml:\d+: /);
    } finally {
      await stop(server.child);
    }
  });

  test('--scenarios twice: every bad file of both folders is named at start, however many problems', async () => {
    const mine = join(tmp, 'my-scenarios');
    const bad = join(tmp, 'bad');
    for (const dir of [mine, bad]) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
    }
    // 10 problems in 4 files: more lines of one kind than the log's rate limit lets through.
    const broken = (count: number) =>
      `description: broken\nsource: invented\nfault: reset\n${Array.from({ length: count }, (_, i) => `typo${i}: 1`).join('\n')}\n`;
    writeFileSync(join(mine, 'a-broken.yaml'), broken(4));
    writeFileSync(join(mine, 'b-broken.yaml'), broken(3));
    writeFileSync(join(bad, 'c-broken.yaml'), broken(2));
    writeFileSync(join(bad, 'd-broken.yaml'), broken(1));
    const server = await serve(['--scenarios', mine, '--scenarios', bad]);
    try {
      const timer = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`d-broken.yaml never named: ${server.stderr()}`)), 20_000).unref(),
      );
      const stderr = await Promise.race([server.stderrMatching(/d-broken\.yaml:\d+: /), timer]);
      for (const name of ['a-broken', 'b-broken', 'c-broken', 'd-broken'])
        assert.match(stderr, new RegExp(`${name}\\.yaml:\\d+: unknown property`), stderr);
      assert.match(
        stderr,
        /… and 1 more problem\(s\) in .*a-broken\.yaml; GET \/__admin\/scenarios lists them all/,
      );
      assert.doesNotMatch(stderr, /suppressed/);
    } finally {
      await stop(server.child);
    }
  });

  test('a port already taken: one line that says what to do, exit 1', async () => {
    const taken = await listen(createApp({ logger: QUIET }), { port: 0 });
    try {
      const r = await node(['serve', '--port', String(taken.port)]);
      assert.equal(r.code, 1);
      assert.equal(
        r.stderr,
        `flexfactor-mock: port ${taken.port} on 127.0.0.1 is already in use; stop what listens there, or pick another with --port (0 picks a free one) or PORT\n`,
      );
    } finally {
      await taken.close(100);
    }
  });

  test('--ready-file gets the base URL once listening; wait finds it; wait on a dead URL fails in one line', async () => {
    const file = join(tmp, 'ready');
    const server = await serve(['--ready-file', file]);
    try {
      assert.equal(readFileSync(file, 'utf8'), `${server.url}/v1\n`);
      const waited = await node(['wait', '--ready-file', file, '--timeout', '10s']);
      assert.equal(waited.code, 0, waited.stderr);
      const byUrl = await node(['wait', '--url', server.url, '--timeout', '10s']);
      assert.equal(byUrl.code, 0, byUrl.stderr);
    } finally {
      await stop(server.child);
    }
    // A stopped server takes its URL away: nothing reads a dead server's address from the file.
    assert.equal(existsSync(file), false, 'the ready file is removed when serve stops');
    const dead = await node(['wait', '--url', `${server.url}/v1`, '--timeout', '2s', '--interval', '50ms']);
    assert.equal(dead.code, 1);
    assert.match(
      dead.stderr,
      /^flexfactor-mock wait: http:\/\/127\.0\.0\.1:\d+\/v1 did not answer within 2s \(last attempt: ECONNREFUSED\)\n$/,
    );
    // `--timeout 30` reads as seconds to anyone used to `timeout 30`; as 30 ms it would fail at once, blaming the
    // server. It is refused, saying how to write it.
    const bare = await node(['wait', '--url', `${server.url}/v1`, '--timeout', '30']);
    assert.equal(bare.code, 1);
    assert.match(bare.stderr, /30 has no unit: write 30s for seconds or 30ms for milliseconds/);
    assert.doesNotMatch(bare.stderr, /did not answer/);
  });

  test('a serve that cannot start replaces the ready file with its reason, and wait stops on it at once', async () => {
    const file = join(tmp, 'ready-failed');
    // A previous run's URL: wait must not take it for this run's server.
    writeFileSync(file, 'http://127.0.0.1:1/v1\n');
    const taken = await listen(createApp({ logger: QUIET }), { port: 0 });
    try {
      const failed = await node(['--port', String(taken.port), '--ready-file', file]);
      assert.equal(failed.code, 1);
      assert.match(failed.stderr, /already in use/);
      assert.match(
        readFileSync(file, 'utf8'),
        /^failed to start: port \d+ on 127\.0\.0\.1 is already in use; /,
      );
      const started = Date.now();
      const waited = await node(['wait', '--ready-file', file, '--timeout', '60s']);
      assert.equal(waited.code, 1);
      assert.match(
        waited.stderr,
        /^flexfactor-mock wait: the server of .*: failed to start: port \d+ .* already in use/,
      );
      assert.doesNotMatch(waited.stderr, /did not answer/);
      assert.ok(Date.now() - started < 30_000, 'wait ends long before its timeout');
    } finally {
      await taken.close();
    }
  });

  test('--log info writes one line per request with six fields, never bodies, headers or card numbers', async () => {
    // Lenient: the strict profile would refuse the card number in the path before the scenario answers.
    const server = await serve(['--log', 'info', '--profile', 'lenient']);
    const card = '4111111111111111';
    try {
      const token = await fetch(`${server.url}/v1/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-mock-session': 'log-test' },
        body: JSON.stringify({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret }),
      });
      const { accessToken } = (await token.json()) as { accessToken: string };
      const order = await fetch(`${server.url}/v1/orders/${card}?cvv=123`, {
        headers: { authorization: `Bearer ${accessToken}`, 'x-mock-scenario': 'internal-error' },
      });
      await order.body?.cancel();
      assert.equal(order.status, 500);
      // Written with percent-escapes, the path is logged decoded and masked.
      const escaped = await fetch(`${server.url}/v1/orders/4111%201111%201111%201111`, {
        headers: { authorization: `Bearer ${accessToken}`, 'x-mock-scenario': 'internal-error' },
      });
      await escaped.body?.cancel();
      assert.equal(escaped.status, 500);
    } finally {
      await stop(server.child);
    }
    const lines = server
      .stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, 3, server.stderr());
    // The example line in docs/cli.md has exactly the fields of a real line.
    const example = /```json\n(\{.*\})\n```/.exec(readFileSync(join(REPO, 'docs/cli.md'), 'utf8'));
    assert.ok(example?.[1], 'docs/cli.md shows a request-log line');
    const fields = Object.keys(JSON.parse(example[1]) as Record<string, unknown>);
    for (const line of lines) assert.deepEqual(Object.keys(line).sort(), [...fields].sort());
    assert.deepEqual(
      lines.map((l) => [l.method, l.status, l.session, l.scenario]),
      [
        ['POST', 200, 'log-test', null],
        ['GET', 500, 'default', 'internal-error'],
        ['GET', 500, 'default', 'internal-error'],
      ],
    );
    assert.equal(lines[2]?.path, '/v1/orders/411111******1111');
    const all = server.stderr();
    assert.ok(!all.includes(card) && !all.includes(DEFAULT_MERCHANT.appSecret) && !all.includes('cvv'), all);
    assert.ok(!all.includes('4111%201111'), all);
  });

  test('GET / and /v1 answer a JSON index; an unknown admin path lists the admin paths', async () => {
    const app = createApp({ logger: QUIET, profile: 'lenient' });
    const running = await listen(app, { port: 0 });
    try {
      for (const path of ['/', '/v1']) {
        const res = await fetch(`${running.url}${path}`);
        assert.equal(res.status, 200);
        const index = (await res.json()) as Record<string, unknown>;
        assert.equal(index.version, PKG.version);
        assert.equal(index.profile, 'lenient');
        assert.deepEqual(Object.keys(index), [
          'name',
          'description',
          'version',
          'profile',
          'api',
          'admin',
          'credentials',
          'docs',
        ]);
        assert.ok(!JSON.stringify(index).includes(DEFAULT_MERCHANT.appSecret), 'pointers, not secrets');
      }
      const res = await fetch(`${running.url}/__admin/helth`);
      assert.equal(res.status, 404);
      const problem = (await res.json()) as { code: string; detail: string };
      assert.equal(problem.code, '404100');
      assert.match(problem.detail, /GET \/__admin\/health, .*POST \/__admin\/reset/);
      assert.doesNotMatch(problem.detail, /every path starts with \/v1/);
    } finally {
      await running.close();
    }
  });

  test('GET /__admin/scenarios returns load problems as objects with file and line', async () => {
    const dir = join(tmp, 'admin-scenarios');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'broken.yaml'), 'description: broken\nrespond:\n  status: nine\n');
    const app = createApp({ logger: QUIET, scenarios: { dirs: [dir] } });
    const running = await listen(app, { port: 0 });
    try {
      const body = (await (await fetch(`${running.url}/__admin/scenarios`)).json()) as {
        problems: unknown[];
      };
      const problem = body.problems.find((p) =>
        String((p as { file?: string }).file).endsWith('broken.yaml'),
      );
      assert.ok(problem && typeof problem === 'object', JSON.stringify(body.problems));
      const { line, message } = problem as { line: number; message: string };
      assert.ok(Number.isInteger(line) && line > 0 && message.length > 0);
    } finally {
      await running.close();
    }
  });

  test("npm start's build step does not rebuild a built checkout (npm test has just built)", async () => {
    const run = await promisify(execFile)(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: REPO });
    assert.equal(run.stderr, '', 'no "building" line: dist/ is newer than every source');
    assert.match(PKG.scripts.start, /^node scripts\/build-if-stale\.mjs && node .* dist\/mock\/cli\.js$/);
  });
});
