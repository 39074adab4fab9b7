// CPU time per evaluate, this build against another build, run by hand: the server process's own CPU time (utime +
// stime from /proc) per request, which a busy shared machine disturbs far less than throughput. Interleaved rounds.
//   node --import tsx bench/cpu-ab.ts <other build's dist/mock/cli.js> [requests per round, default 2000]

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { installCleanup, MOCK_NODE_FLAGS, spawnServer, stopAllServers, urlInLine } from './processes.js';
import { evaluateBody, evaluateHeaders, prepareMock } from './workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function round(origin: string, pid: number, n: number): Promise<number> {
  await prepareMock(origin);
  const before = cpuMs(pid);
  for (let i = 0; i < n; i += 1) {
    const res = await fetch(`${origin}/v1/evaluate`, {
      method: 'POST',
      headers: evaluateHeaders(),
      body: evaluateBody(),
    });
    if (res.status !== 200) throw new Error(`evaluate answered ${res.status}`);
    await res.arrayBuffer();
  }
  return ((cpuMs(pid) - before) * 1000) / n;
}

installCleanup();
const other = process.argv[2];
const n = Number(process.argv[3] ?? 2000);
if (!other) throw new Error('usage: bench/cpu-ab.ts <other dist/mock/cli.js> [requests per round]');
try {
  const targets = [
    ['baseline', other],
    ['this build', `${ROOT}dist/mock/cli.js`],
  ] as const;
  const servers = [];
  for (const [name, cli] of targets) {
    servers.push({
      name,
      server: await spawnServer(process.execPath, [...MOCK_NODE_FLAGS, cli, '--port', '0'], urlInLine),
    });
  }
  const results = new Map<string, number[]>(servers.map((s) => [s.name, []]));
  for (let r = 0; r < 3; r += 1) {
    for (const { name, server } of servers)
      results.get(name)?.push(await round(server.origin, server.pid, n));
  }
  for (const [name, runs] of results) {
    const sorted = [...runs].sort((a, b) => a - b);
    console.log(
      `${name}: ${sorted.map((v) => v.toFixed(0)).join(' / ')} µs CPU per evaluate (median ${sorted[1]?.toFixed(0)})`,
    );
  }
} finally {
  await stopAllServers();
}
