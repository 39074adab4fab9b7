// Prism's validating proxy as the tests start it: `prism proxy <spec> <upstream> --errors` on a free loopback port.
// Prism takes seconds to start, and over 45 s with both cores busy, so the wait is generous and a failed start
// kills the child instead of leaving it behind.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const PRISM = join(
  dirname(createRequire(import.meta.url).resolve('@stoplight/prism-cli/package.json')),
  'dist',
  'index.js',
);
const START_TIMEOUT_MS = 120_000;

export interface PrismProxy {
  child: ChildProcess;
  /** The proxy's origin, e.g. http://127.0.0.1:43121 (append /v1 for the API). */
  url: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Start `prism proxy` for `spec` (a path from the repository root) in front of `upstream`, and wait until it listens. */
export async function startPrismProxy(spec: string, upstream: string): Promise<PrismProxy> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [PRISM, 'proxy', '-h', '127.0.0.1', '-p', String(port), spec, upstream, '--errors'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () => reject(new Error(`Prism did not start within ${START_TIMEOUT_MS / 1000} s:\n${out}`)),
        START_TIMEOUT_MS,
      );
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('Prism is listening')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`Prism exited with ${code}:\n${out}`));
      });
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { child, url: `http://127.0.0.1:${port}`, stop };
}
