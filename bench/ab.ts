// Evaluate throughput of this build against another build, run by hand, with bare Express as the anchor. The three
// servers run side by side and take turns in rounds (the order rotates each round), so the drift of a shared, busy
// machine falls on all of them alike; one load after another (npm run bench's A/B mode) cannot tell a 10 % change
// from that drift. Prints each target's median req/s, the median per-round ratio to bare Express, and the server's own
// CPU time per request (utime + stime from /proc, warm-up included), which contention disturbs far less.
//   node --import tsx bench/ab.ts <other build's dist/mock/cli.js> [rounds, default 5] [seconds per load, default 3]
//     [node flags, e.g. "--max-semi-space-size=4": a fourth target, this build run with these flags instead of npm start's]

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runLoad } from './load.js';
import {
  installCleanup,
  MOCK_NODE_FLAGS,
  type SpawnedServer,
  spawnServer,
  stopAllServers,
  urlInLine,
} from './processes.js';
import { evaluateBody, evaluateHeaders, prepareMock } from './workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

installCleanup();
const other = process.argv[2];
const rounds = Number(process.argv[3] ?? 5);
const seconds = Number(process.argv[4] ?? 3);
const otherFlags = process.argv[5]?.split(' ').filter((flag) => flag !== '');
if (!other) throw new Error('usage: bench/ab.ts <other dist/mock/cli.js> [rounds] [seconds per load]');
try {
  const targets = [
    { name: 'bare Express', mock: false, args: [`${ROOT}bench/bare-express.js`] },
    { name: 'baseline', mock: true, args: [...MOCK_NODE_FLAGS, other, '--port', '0', '--seed', '1'] },
    {
      name: 'this build',
      mock: true,
      args: [...MOCK_NODE_FLAGS, `${ROOT}dist/mock/cli.js`, '--port', '0', '--seed', '1'],
    },
    ...(otherFlags
      ? [
          {
            name: `this build, ${otherFlags.join(' ')}`,
            mock: true,
            args: [...otherFlags, `${ROOT}dist/mock/cli.js`, '--port', '0', '--seed', '1'],
          },
        ]
      : []),
  ];
  const servers: ((typeof targets)[number] & { server: SpawnedServer })[] = [];
  for (const target of targets)
    servers.push({ ...target, server: await spawnServer(process.execPath, target.args, urlInLine) });
  const rps = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  const cpu = new Map<string, number[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < rounds; round += 1) {
    const order = servers.map((_, i) => servers[(i + round) % servers.length] as (typeof servers)[number]);
    for (const { name, mock, server } of order) {
      if (mock) await prepareMock(server.origin);
      const before = cpuMs(server.pid);
      const load = await runLoad({
        origin: server.origin,
        method: 'POST',
        path: '/v1/evaluate',
        headers: evaluateHeaders(),
        makeBody: evaluateBody,
        durationSeconds: seconds,
      });
      if (mock && (load.non2xx > 0 || load.errors > 0))
        throw new Error(`${name}: ${load.non2xx} non-2xx, ${load.errors} errors`);
      rps.get(name)?.push(load.rps);
      const requests = Object.values(load.statuses).reduce((a, b) => a + b, 0);
      cpu.get(name)?.push(((cpuMs(server.pid) - before) * 1000) / requests);
    }
  }
  const bare = rps.get('bare Express') ?? [];
  for (const [name, runs] of rps) {
    const ratios = runs.map((r, i) => r / (bare[i] as number));
    console.log(
      `${name}: median ${median(runs).toFixed(0)} req/s (${runs.map((r) => r.toFixed(0)).join(' / ')}), ` +
        `median ratio to bare ${median(ratios).toFixed(2)}×, median ${median(cpu.get(name) ?? []).toFixed(0)} µs CPU per request`,
    );
  }
} finally {
  await stopAllServers();
}
