// The real process, started the way `npm start` starts it (compiled JavaScript, no TypeScript loader), on port 0.

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { MOCK_NODE_FLAGS } from '../bench/processes.js';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';

const CLI = 'dist/mock/cli.js';
/** The Node flags of `npm start` (package.json's start script), so these tests run the process as it does. */
const START_FLAGS = (() => {
  const script = String(JSON.parse(readFileSync('package.json', 'utf8')).scripts.start);
  const flags = /\bnode((?: --[^\s]+)*) dist\/mock\/cli\.js/.exec(script)?.[1];
  assert.ok(flags !== undefined, `the start script does not run node … ${CLI}: ${script}`);
  return flags.trim().split(/\s+/).filter(Boolean);
})();

function startCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; line: string; url: string }> {
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build (npm test does)`);
  const child = spawn(process.execPath, [...START_FLAGS, CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    // A child that never printed its line must not outlive the test: its open pipes would keep this file running.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no start-up line within 120 s: ${out}`));
    }, 120_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0] ?? '';
      const match = /listening on (http:\/\/[^\s/]+)\/v1/.exec(line);
      if (out.includes('\n') && match?.[1]) {
        clearTimeout(timer);
        resolve({ child, line, url: match[1] });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before listening: ${out}`)));
  });
}

test('the CLI listens on 127.0.0.1, prints one line with the credentials, and serves tokens', async () => {
  const { child, line, url } = await startCli(['--port', '0']);
  try {
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(line.includes(DEFAULT_MERCHANT.appKey) && line.includes(DEFAULT_MERCHANT.mid));
    const res = await fetch(`${url}/v1/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { accessToken: string };
    assert.equal(body.accessToken.split('.').length, 3);
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = await once(child, 'exit');
  assert.equal(code, 0, 'SIGTERM is a clean exit');
});

test('the PORT environment variable sets the port when --port is absent', async () => {
  const probe = await startCli(['--port', '0']);
  const port = Number(new URL(probe.url).port);
  probe.child.kill('SIGTERM');
  await once(probe.child, 'exit');
  const { child, url } = await startCli([], { PORT: String(port) });
  try {
    assert.equal(new URL(url).port, String(port));
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});

test('--help lists every option', async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'serve', '--help']);
  for (const option of [
    '--port',
    '--host',
    '--profile',
    '--seed',
    '--merchants',
    '--start-time',
    '--freeze-time',
    '--capture-window',
    '--body-limit',
    '--validate-responses',
  ]) {
    assert.ok(stdout.includes(option), `${option} in --help`);
  }
});

test('a bad option is a clear error and exit code 1, not a stack trace', async () => {
  const result = await promisify(execFile)(process.execPath, [CLI, '--port', 'abc']).catch(
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal((result as { code: number }).code, 1);
  assert.match(
    (result as { stderr: string }).stderr,
    /--port must be a whole number from 0 to 65535, in decimal digits/,
  );
  assert.doesNotMatch((result as { stderr: string }).stderr, /at .+\(/);
});

test('the benchmark and the docs run the mock with the Node flags of npm start', () => {
  assert.deepEqual(MOCK_NODE_FLAGS, START_FLAGS);
  assert.ok(START_FLAGS.includes('--max-semi-space-size=1'), 'the young generation is capped');
  // docs/performance.md: what npm start runs, and the NODE_OPTIONS that give `npx flexfactor-mock` the same.
  const readme = readFileSync('docs/performance.md', 'utf8').replace(/\s+/g, ' ');
  assert.ok(
    readme.includes(`\`npm start\` runs Node with \`${START_FLAGS.join(' ')}\``),
    'docs/performance.md: npm start flags',
  );
  assert.ok(
    readme.includes(`NODE_OPTIONS="${START_FLAGS.join(' ')}"`),
    'docs/performance.md: NODE_OPTIONS for the bin',
  );
});

test("the bin starts and serves with the README's NODE_OPTIONS (Node accepts both flags there)", async () => {
  const { child, url } = await startCli(['--port', '0'], { NODE_OPTIONS: START_FLAGS.join(' ') });
  try {
    const res = await fetch(`${url}/__admin/health`);
    assert.equal(res.status, 200);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});

test('serve compacts its heap once idle after a load (1,000 requests), and not for a health check now and then', async () => {
  const { child, url } = await startCli(['--port', '0', '--idle-compact', '1', '--log', 'info']);
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const compactions = () => [
    ...log.matchAll(/heap compacted after 1 s idle: ([\d.]+) -> ([\d.]+) MB committed \((\d+) ms\)/g),
  ];
  /** Resolves once `n` compactions were logged; fails with the log's end after 15 s. */
  const logged = async (n: number) => {
    for (let waited = 0; compactions().length < n; waited += 100) {
      assert.ok(waited < 15_000, `compaction ${n} not logged within 15 s:\n${log.slice(-2_000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  /** 1,000 health checks, ten at a time: the request count that makes a compaction worth its pause. */
  const load = async () => {
    for (let round = 0; round < 100; round++) {
      const statuses = await Promise.all(
        Array.from({ length: 10 }, () => fetch(`${url}/__admin/health`).then((res) => res.status)),
      );
      assert.deepEqual(new Set(statuses), new Set([200]));
    }
  };
  try {
    await load();
    await logged(1);
    // A health check now and then: below both thresholds, no compaction for it.
    for (let i = 0; i < 3; i++) {
      assert.equal((await fetch(`${url}/__admin/health`)).status, 200);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    }
    assert.equal(compactions().length, 1, log.slice(-2_000));
    await load();
    await logged(2);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});

test('--idle-compact 0 never compacts', async () => {
  const { child, url } = await startCli(['--port', '0', '--idle-compact', '0', '--log', 'info']);
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  try {
    assert.equal((await fetch(`${url}/__admin/health`)).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    assert.doesNotMatch(log, /heap compacted/);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});
