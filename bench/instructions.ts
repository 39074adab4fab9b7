// Instructions per evaluate, run by hand, for weighing a small change on a shared, noisy machine where req/s and CPU
// time cannot tell 2 % from drift. Each build runs under valgrind's callgrind (it counts instructions, not seconds)
// with V8 on one thread (--single-threaded: the compiler and the collector run on the main thread, in an order that
// no other process can change), serves a warm-up of evaluates, then the counters are zeroed and a fixed number of
// evaluates are sent one at a time; the count over them, divided by their number, is the figure. Two runs of one
// build agreed within 0.2 % (1,643,780 and 1,646,652 instructions per evaluate).
//   node --import tsx bench/instructions.ts [--requests 1000] [--warmup 300] [--rounds 2] <dist/mock/cli.js> [<other>…]
// Needs valgrind (apt-get install valgrind). About a minute per build and round; never part of the tests. The count
// includes V8's compiler and collector, but on one thread rather than several: compare builds, not this figure
// with CPU time.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  installCleanup,
  MOCK_NODE_FLAGS,
  spawnServer,
  stopAllServers,
  stopServer,
  urlInLine,
} from './processes.js';

// A server under valgrind answers its first requests tens of times slower than usual.
process.env.BENCH_REQUEST_TIMEOUT_MS ??= '120000';
const { evaluateBody, prepareMock } = await import('./workload.js');

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    requests: { type: 'string', default: '1000' },
    warmup: { type: 'string', default: '300' },
    rounds: { type: 'string', default: '2' },
  },
});
const requests = Number(values.requests);
const warmup = Number(values.warmup);
const rounds = Number(values.rounds);
if (positionals.length === 0 || ![requests, warmup, rounds].every((n) => Number.isInteger(n) && n > 0)) {
  throw new Error(
    'usage: bench/instructions.ts [--requests n] [--warmup n] [--rounds n] <cli.js> [<cli.js>…]',
  );
}

/** Send `count` evaluates one after another; every one must answer 200. */
async function evaluates(origin: string, headers: Record<string, string>, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${origin}/v1/evaluate`, { method: 'POST', headers, body: evaluateBody() });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`evaluate answered ${res.status}: ${text.slice(0, 300)}`);
  }
}

/** One build, once: instructions per evaluate over `requests` evaluates after the warm-up. */
async function measure(cli: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ffmock-callgrind-'));
  try {
    const server = await spawnServer(
      'valgrind',
      [
        '--tool=callgrind',
        `--callgrind-out-file=${dir}/out`,
        process.execPath,
        '--single-threaded',
        ...MOCK_NODE_FLAGS,
        cli,
        '--port',
        '0',
        '--seed',
        '1',
      ],
      urlInLine,
    );
    try {
      const { headers } = await prepareMock(server.origin);
      await evaluates(server.origin, headers, warmup);
      execFileSync('callgrind_control', ['--zero', String(server.pid)], { stdio: 'ignore' });
      await evaluates(server.origin, headers, requests);
      execFileSync('callgrind_control', ['--dump', String(server.pid)], { stdio: 'ignore' });
    } finally {
      await stopServer(server);
    }
    // The dump made after the measured evaluates is the file with the highest part number.
    const dumps = readdirSync(dir)
      .filter((f) => /^out\.\d+$/.test(f))
      .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
    const last = dumps.at(-1);
    const total = last ? /^(?:summary|totals): (\d+)/m.exec(readFileSync(join(dir, last), 'utf8')) : null;
    if (!total) throw new Error(`no callgrind dump with a total in ${dir}`);
    return Number(total[1]) / requests;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  installCleanup();
  const clis = positionals.map((p) => resolve(p));
  const counts = clis.map(() => [] as number[]);
  for (let round = 0; round < rounds; round++) {
    for (const [i, cli] of clis.entries()) {
      const perRequest = await measure(cli);
      counts[i]?.push(perRequest);
      process.stderr.write(
        `[instructions] round ${round + 1}: ${cli}: ${Math.round(perRequest).toLocaleString('en-US')}\n`,
      );
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const first = median(counts[0] ?? []);
  process.stdout.write(
    '| build | instructions per evaluate (median) | runs | vs the first |\n| --- | ---: | --- | ---: |\n',
  );
  for (const [i, cli] of clis.entries()) {
    const runs = counts[i] ?? [];
    const m = median(runs);
    const spread = runs.map((r) => Math.round(r).toLocaleString('en-US')).join(', ');
    process.stdout.write(
      `| ${cli} | ${Math.round(m).toLocaleString('en-US')} | ${spread} | ${((m / first - 1) * 100).toFixed(2)} % |\n`,
    );
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`[instructions] ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await stopAllServers();
}
