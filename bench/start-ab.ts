// Start-up of this build against other builds and raw node:http, run by hand: spawn → first 200 (wall) and the CPU
// time the server had used when that answer left (bench/first-answer-cpu.cjs, preloaded: to the microsecond, where
// /proc counts 10 ms ticks, and far less disturbed by a busy machine than wall time). The mock starts as `npm start`
// runs it and answers a first POST /v1/oauth2/token; starts are interleaved, the order rotating each round. Medians.
//   node --import tsx bench/start-ab.ts [--rounds 20] [name=path/to/dist/mock/cli.js …]

import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { waitForFirst200 } from './http.js';
import {
  installCleanup,
  MOCK_NODE_FLAGS,
  spawnServer,
  stopAllServers,
  stopServer,
  urlInLine,
} from './processes.js';
import { median } from './report.js';
import { TOKEN_PROBE } from './workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PRELOAD = ['-r', `${ROOT}bench/first-answer-cpu.cjs`];
const CPU_LINE = /first-answer-cpu-ms ([\d.]+)/;

interface Target {
  name: string;
  args: string[];
  wallMs: number[];
  cpuMs: number[];
}

async function startOnce(target: Target): Promise<void> {
  const server = await spawnServer(process.execPath, target.args, urlInLine);
  try {
    target.wallMs.push(await waitForFirst200(server, TOKEN_PROBE));
    for (let i = 0; i < 200 && !CPU_LINE.test(server.output()); i++) {
      await new Promise((done) => setTimeout(done, 5));
    }
    const cpu = CPU_LINE.exec(server.output())?.[1];
    if (cpu === undefined) throw new Error(`${target.name}: no first-answer CPU line:\n${server.output()}`);
    target.cpuMs.push(Number(cpu));
  } finally {
    await stopServer(server);
  }
}

installCleanup();
const { values, positionals } = parseArgs({
  options: { rounds: { type: 'string', default: '20' } },
  allowPositionals: true,
});
const mock = (name: string, cli: string): Target => ({
  name,
  args: [...PRELOAD, ...MOCK_NODE_FLAGS, cli, '--port', '0', '--seed', '1'],
  wallMs: [],
  cpuMs: [],
});
const targets: Target[] = [
  { name: 'raw node:http', args: [...PRELOAD, `${ROOT}bench/raw-http.js`], wallMs: [], cpuMs: [] },
  mock('this build', `${ROOT}dist/mock/cli.js`),
  ...positionals.map((spec) => {
    const at = spec.indexOf('=');
    if (at < 1) throw new Error(`give another build as name=path/to/dist/mock/cli.js, not "${spec}"`);
    return mock(spec.slice(0, at), spec.slice(at + 1));
  }),
];
try {
  const rounds = Number(values.rounds);
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < targets.length; i++) await startOnce(targets[(round + i) % targets.length] as Target);
  }
  const raw = targets[0] as Target;
  console.log(`${rounds} interleaved starts each; medians\n`);
  console.log('| server | start ms | start − raw ms | start CPU ms |');
  console.log('| --- | ---: | ---: | ---: |');
  const rawWall = median(raw.wallMs) ?? Number.NaN;
  for (const t of targets) {
    const wall = median(t.wallMs) ?? Number.NaN;
    const cpu = median(t.cpuMs) ?? Number.NaN;
    console.log(`| ${t.name} | ${wall.toFixed(0)} | ${(wall - rawWall).toFixed(0)} | ${cpu.toFixed(1)} |`);
  }
} finally {
  await stopAllServers();
}
