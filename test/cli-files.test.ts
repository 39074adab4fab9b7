// Files the command line reads from a path the user gives (serve --merchants and --states, verify --pacts, wait
// --ready-file) must be regular files of a bounded size. /dev/zero was read until memory ran out and a FIFO blocked
// the start for ever, both without a word; now each is refused at once in one line naming the option, the path and
// what to give instead. A hang fails the test: every run is killed after its timeout (exit code null).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from './harness-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'flexfactor-cli-files-'));
const fifo = join(tmp, 'fifo');
execFileSync('mkfifo', [fifo]);
const folder = join(tmp, 'folder');
mkdirSync(folder);

/** A file one byte over `limit` (sparse: it costs no disk). */
function oversized(name: string, limit: number): string {
  const path = join(tmp, name);
  writeFileSync(path, '');
  truncateSync(path, limit + 1);
  return path;
}

const NOT_REGULAR = 'not a regular file (devices, pipes and folders are refused)';
const MiB = 1024 * 1024;

/** The four kinds of bad path, each with the reason the refusal gives. */
function badPaths(name: string, limit: number): [string, string][] {
  const big = oversized(name, limit);
  return [
    ['/dev/zero', NOT_REGULAR],
    [fifo, NOT_REGULAR],
    [folder, NOT_REGULAR],
    [big, `the file is ${limit + 1} bytes; the limit is`],
  ];
}

/** The output is one line that starts and ends as given. */
function oneLine(output: string, start: string, end: string): void {
  assert.ok(output.startsWith(start) && output.endsWith(`${end}\n`), output);
  assert.equal(output.split('\n').length, 2, output);
}

describe('files named on the command line', { timeout: 300_000 }, () => {
  after(() => rmSync(tmp, { recursive: true, force: true }));

  test('serve --merchants: refused in one line, exit 1, and the ready file says why', async () => {
    for (const [path, reason] of badPaths('merchants.yaml', MiB)) {
      const ready = join(tmp, 'ready-merchants');
      const result = await runCli(['--port', '0', '--merchants', path, '--ready-file', ready], {
        timeoutMs: 30_000,
      });
      const line = `--merchants ${path}: ${reason}`;
      assert.equal(result.code, 1, `${path}: ${result.stderr}`);
      oneLine(
        result.stderr,
        `flexfactor-mock: ${line}`,
        '; give a YAML or JSON file with a top-level "merchants:" list (at most 1 MiB)',
      );
      assert.equal(result.stdout, '');
      assert.ok(readFileSync(ready, 'utf8').startsWith(`failed to start: ${line}`));
    }
  });

  test('serve --states: refused in one line before Node loads the module, exit 1', async () => {
    for (const [path, reason] of badPaths('states.mjs', MiB)) {
      const result = await runCli(['--port', '0', '--states', path], { timeoutMs: 30_000 });
      assert.equal(result.code, 1, `${path}: ${result.stderr}`);
      oneLine(
        result.stderr,
        `flexfactor-mock: --states ${path}: ${reason}`,
        '; give a JavaScript module file (.js or .mjs) (at most 1 MiB)',
      );
    }
  });

  test('verify --pacts (a file, or a FIFO in a folder of pacts): refused in one line, exit 2', async () => {
    const pacts = join(tmp, 'pacts');
    mkdirSync(pacts);
    execFileSync('mkfifo', [join(pacts, 'consumer-provider.json')]);
    const cases: [string, string, string][] = [
      ...badPaths('pact.json', 16 * MiB)
        .filter(([path]) => path !== folder)
        .map(([path, reason]): [string, string, string] => [path, path, reason]),
      [pacts, join(pacts, 'consumer-provider.json'), NOT_REGULAR],
    ];
    for (const [given, file, reason] of cases) {
      const result = await runCli(['verify', '--pacts', given, '--no-spec-check'], { timeoutMs: 60_000 });
      assert.equal(result.code, 2, `${given}: ${result.stderr}`);
      oneLine(
        result.stderr,
        `flexfactor-mock verify: --pacts ${file}: ${reason}`,
        '; give a pact JSON file or a folder of them (at most 16 MiB)',
      );
    }
  });

  test('serve and record --ready-file on a pipe or a folder: refused in one line, and the path is left as it was', async () => {
    // Run as root, replacing the ready file turned /dev/full into a text file; a FIFO shows the same without root.
    for (const command of [[], ['record', '--target', 'http://127.0.0.1:9/v1', '--out', join(tmp, 'rec')]]) {
      for (const [path, kind] of [
        [fifo, 'a device, pipe or socket'],
        [folder, 'a folder'],
      ] as const) {
        const result = await runCli([...command, '--port', '0', '--ready-file', path], { timeoutMs: 30_000 });
        assert.notEqual(result.code, 0, `${command[0] ?? 'serve'} ${path}: ${result.stderr}`);
        assert.match(
          result.stderr,
          new RegExp(`--ready-file ${path}: it is ${kind}, not a file; give the path of a regular file\n$`),
        );
        assert.equal(result.stderr.split('\n').length, 2, result.stderr);
      }
      assert.ok(lstatSync(fifo).isFIFO(), 'the FIFO is still a FIFO');
      assert.ok(lstatSync(folder).isDirectory(), 'the folder is still a folder');
    }
  });

  test('wait --ready-file on what serve never writes: a final failure in one line, exit 1, before its timeout', async () => {
    for (const [path, reason] of badPaths('ready', 4 * 1024)) {
      const result = await runCli(['wait', '--ready-file', path, '--timeout', '10m'], { timeoutMs: 30_000 });
      assert.equal(result.code, 1, `${path}: ${result.stderr}`);
      oneLine(
        result.stderr,
        `flexfactor-mock wait: the server of ${path}: --ready-file: ${reason}`,
        '; give the file that serve --ready-file writes (a URL, at most 4 KiB)',
      );
    }
  });
});
