// The README's examples, run as written: the shell walkthrough against a listening mock, the TypeScript example
// as a test file importing the package by name, and the generated tables compared with the code.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createApp } from '../mock/app.js';
import { listen } from '../mock/server.js';
import { renderReadme } from '../scripts/readme-tables.js';

const run = promisify(execFile);
const README = readFileSync('README.md', 'utf8');

function blocks(language: string): string[] {
  const pattern = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g');
  return [...README.matchAll(pattern)].map((m) => String(m[1]));
}

test('the README shell walkthrough runs against a listening mock and prints what it says', async () => {
  const running = await listen(createApp({ logger: { info() {}, warn() {}, error() {} } }), { port: 0 });
  try {
    const script = blocks('bash').join('\n').replaceAll('127.0.0.1:4848', `127.0.0.1:${running.port}`);
    assert.ok(script.includes('curl'), 'the README has a bash walkthrough');
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { timeout: 20_000 });
    // The walkthrough's challenge (PROCESSING), then the admin example: the clock is running (not frozen), and an
    // hour later the last thing in the journal is the challenge's transition to COMPLETED.
    assert.deepEqual(stdout.trim().split('\n'), ['PROCESSING', 'false', 'transition']);
  } finally {
    await running.close();
  }
});

test('every README TypeScript example that is a test passes, importing the package by name', async () => {
  const examples = blocks('ts').filter((code) => code.includes("from 'node:test'"));
  assert.ok(examples.length >= 2, 'the createApp and the startMock examples');
  mkdirSync('.readme-examples', { recursive: true });
  // A clean environment: inherited NODE_TEST_CONTEXT would make the child report to this runner instead.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  for (const [index, example] of examples.entries()) {
    assert.ok(example.includes("from 'flexfactor-mock'"));
    const file = `.readme-examples/example-${index}.test.ts`;
    writeFileSync(file, example);
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=tap', file],
      {
        timeout: 30_000,
        env,
      },
    );
    assert.match(stdout, /# pass 1/, file);
    assert.match(stdout, /# fail 0/, file);
  }
});

test('the generated README sections match the code (run npm run docs to refresh them)', () => {
  assert.equal(README, renderReadme(README));
});
