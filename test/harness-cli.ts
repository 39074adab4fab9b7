// How the contract-harness tests run the command line: the built CLI (dist/), as a user's project runs it. To test
// the packed package instead, point CLI_PATH at its installed bin; nothing else changes.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_PATH = join(ROOT, 'dist', 'mock', 'cli.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run the CLI to completion; `timeoutMs` kills it (the result then has code null). */
export function runCli(
  args: string[],
  options: { cwd?: string; timeoutMs?: number; env?: Record<string, string> } = {},
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI_PATH, ...args],
      {
        cwd: options.cwd ?? ROOT,
        env: { ...process.env, PACT_DO_NOT_TRACK: 'true', ...options.env },
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 10 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Start a long-running CLI command; resolves once `ready` matches its stdout, with the first capture group. */
export function startCli(args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: string }> {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    cwd: ROOT,
    env: { ...process.env, PACT_DO_NOT_TRACK: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${args.join(' ')} did not start within 20 s: ${out}`));
    }, 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = ready.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, match: m[1] ?? m[0] });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(' ')} exited with ${code}: ${out}`));
    });
  });
}

/** Stop a CLI child by its own PID and wait for it. */
export async function stopCli(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
}

/** A pact file's content (Pact v3) from `consumer` to FlexFactor with these interactions. */
export function pactDocument(consumer: string, interactions: object[]): string {
  return JSON.stringify({
    consumer: { name: consumer },
    provider: { name: 'FlexFactor' },
    metadata: { pactSpecification: { version: '3.0.0' } },
    interactions,
  });
}

/** An interaction the mock satisfies: a token request, the token matched by type. */
export const TOKEN_INTERACTION = {
  description: 'a token request',
  request: {
    method: 'POST',
    path: '/v1/oauth2/token',
    headers: { 'Content-Type': 'application/json' },
    body: { appKey: 'my-key', appSecret: 'my-secret' },
  },
  response: {
    status: 200,
    body: { accessToken: 'x' },
    matchingRules: { body: { '$.accessToken': { matchers: [{ match: 'type' }] } } },
  },
};
