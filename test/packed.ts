// The package as a user receives it: `npm pack`, then the tarball installed into an empty temporary project without
// our devDependencies. test/pack.test.ts drives it; the helpers here run commands in that project and read the
// fenced blocks of docs that tests run verbatim.

import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO = resolve(import.meta.dirname, '..');

export interface Packed {
  dir: string;
  /** The temporary consumer project, with the tarball installed. */
  project: string;
  tarball: string;
  /** What `npm install` printed. */
  installLog: string;
  cleanup(): void;
}

/** The npm flags every install here uses: no audit or funding calls, and the cache before the registry. */
export const NPM_FLAGS = ['--no-audit', '--no-fund', '--prefer-offline'];

/**
 * Pack the repository (already built by `npm test`: packing with --ignore-scripts skips the prepack rebuild, which
 * would delete dist/ under the test files running in parallel) and install the tarball into a new project: exactly
 * the documented install, nothing else, so the project's node_modules is what a user gets.
 */
export async function packAndInstall(): Promise<Packed> {
  const dir = mkdtempSync(join(tmpdir(), 'flexfactor-pack-'));
  const project = join(dir, 'app');
  mkdirSync(project);
  // Packed straight into the project, so the install line is the documented `./flexfactor-mock-<version>.tgz`.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', project, '--json'], {
    cwd: REPO,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [info] = JSON.parse(stdout) as { filename: string }[];
  assert.ok(info, 'npm pack reports the tarball');
  const tarball = join(project, info.filename);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'flexfactor-consumer',
      version: '1.0.0',
      private: true,
      type: 'module',
      scripts: { test: 'node client.test.mjs' },
    }),
  );
  const install = await run('npm', ['install', '--save-dev', ...NPM_FLAGS, `./${info.filename}`], {
    cwd: project,
    env: npmEnv(),
    maxBuffer: 16 * 1024 * 1024,
  });
  return {
    dir,
    project,
    tarball,
    installLog: install.stdout + install.stderr,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The environment for npm and the installed CLI: no Pact analytics, no update notices. */
export function npmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...process.env, PACT_DO_NOT_TRACK: 'true', npm_config_update_notifier: 'false', ...extra };
}

/** Run a command; resolves with its exit code and output whatever the code (a failing command is data here). */
export async function exec(
  file: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(file, args, {
      cwd: options.cwd,
      env: options.env ?? npmEnv(),
      timeout: options.timeoutMs ?? 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Start a long-running command and resolve with the origin of the first `listening on http://…/v1` line. */
export function startServer(
  file: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv },
): Promise<{
  child: ChildProcess;
  url: string;
  line: string;
  stderr: () => string;
  /** Resolves once stderr matches (stdout and stderr are separate pipes: one may arrive before the other). */
  stderrMatching: (pattern: RegExp) => Promise<string>;
}> {
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: options.env ?? npmEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const stderrMatching = (pattern: RegExp) =>
    new Promise<string>((found, missing) => {
      const closed = () => missing(new Error(`stderr never matched ${pattern}: ${err}`));
      const check = () => {
        if (!pattern.test(err)) return false;
        child.stderr?.off('data', check);
        child.off('close', closed);
        found(err);
        return true;
      };
      if (check()) return;
      child.stderr?.on('data', check);
      child.once('close', closed);
    });
  return new Promise((done, fail) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.includes('listening on'));
      const match = line && /listening on (http:\/\/[^\s/]+)\/v1/.exec(line);
      if (match?.[1] && out.includes('\n')) {
        done({ child, url: match[1], line: line ?? '', stderr: () => err, stderrMatching });
      }
    });
    child.once('exit', (code) => fail(new Error(`exited with ${code} before listening: ${out}${err}`)));
  });
}

/** SIGTERM a server this test started and wait until it exited and its output was read to the end. */
export async function stop(child: ChildProcess): Promise<void> {
  if (child.stdout?.closed !== false && child.exitCode !== null) return;
  const closed = once(child, 'close');
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  await closed;
}

/** The fenced code blocks of a Markdown file with this info string (```sh, ```yaml …), in order. */
export function fencedBlocks(markdownFile: string, info: string): string[] {
  const text = readFileSync(join(REPO, markdownFile), 'utf8');
  const blocks: string[] = [];
  const fence = new RegExp(`^\`\`\`${info}\\s*\\n([\\s\\S]*?)^\`\`\`\\s*$`, 'gm');
  for (const match of text.matchAll(fence)) blocks.push(match[1] ?? '');
  return blocks;
}
