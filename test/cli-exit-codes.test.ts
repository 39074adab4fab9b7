// verify and drift promise exit codes a CI job branches on: 1 means the contract is broken (not satisfied, drift),
// 2 means the command could not run. A mistyped option or a missing required one is "could not run": exiting 1
// would report a broken contract for a typo in the job's script. record follows: 2 for any bad option.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runCli } from './harness-cli.js';

describe('usage errors of verify, drift and record exit 2', { timeout: 60_000 }, () => {
  test('verify with an unknown option, or a bad value', async () => {
    for (const args of [
      ['verify', '--bogus'],
      ['verify', '--timeout', 'abc'],
    ]) {
      const result = await runCli(args, { timeoutMs: 30_000 });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^error: /);
    }
  });

  test('drift without --base-url', async () => {
    const result = await runCli(['drift'], { timeoutMs: 30_000 });
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /required option '--base-url <url>' not specified/);
  });

  test('record without --target, or with a bad --port, exits 2 as its bad --out does', async () => {
    for (const args of [['record'], ['record', '--target', 'http://127.0.0.1:9/v1', '--port', 'abc']]) {
      const result = await runCli(args, { timeoutMs: 30_000 });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /^error: /);
    }
  });

  test('--help still exits 0', async () => {
    for (const command of ['verify', 'drift', 'record']) {
      const result = await runCli([command, '--help'], { timeoutMs: 30_000 });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`Usage: flexfactor-mock ${command}`));
    }
  });
});
