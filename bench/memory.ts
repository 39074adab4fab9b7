// Memory by budget, run by hand: `node --import tsx bench/memory.ts` (after `npm run build`). Never part of the tests.
// The mock keeps what clients create, up to --max-orders orders (and as many idempotency keys and cards) and 5,000
// journal entries; its RSS after a load therefore depends on that budget. For each budget this starts the compiled
// CLI with npm start's Node flags, runs the benchmark's evaluate load (every request creates an order), and reads
// RSS before and after. Bare Express after the same load, with Node's default flags and with npm start's, is the
// floor any Node server on this machine starts from.

import { parseArgs } from 'node:util';
import { runLoad } from './load.js';
import {
  installCleanup,
  MOCK_NODE_FLAGS,
  runBench,
  spawnServer,
  stopServer,
  treeRssMb,
  urlInLine,
} from './processes.js';
import { evaluateBody, prepareMock } from './workload.js';

const ROOT = new URL('..', import.meta.url).pathname;
const BUDGETS = [100, 2_000, 5_000, 10_000, 20_000];

interface Row {
  label: string;
  rps: number;
  rssStart: number;
  rssAfter: number;
}

async function measure(label: string, args: string[], mock: boolean, seconds: number): Promise<Row> {
  const server = await spawnServer(process.execPath, args, urlInLine);
  try {
    const prepared = mock
      ? await prepareMock(server.origin)
      : { headers: { 'content-type': 'application/json' }, orderPath: '' };
    const rssStart = treeRssMb(server.pid);
    const load = await runLoad({
      origin: server.origin,
      method: 'POST',
      path: '/v1/evaluate',
      headers: prepared.headers,
      makeBody: evaluateBody,
      durationSeconds: seconds,
    });
    if (load.non2xx > 0 || load.errors > 0)
      throw new Error(`${label}: ${load.non2xx} non-2xx, ${load.errors} errors`);
    return { label, rps: load.rps, rssStart, rssAfter: treeRssMb(server.pid) };
  } finally {
    await stopServer(server);
  }
}

async function main(): Promise<void> {
  installCleanup();
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '5' } } });
  const seconds = Number(values.duration);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 60)
    throw new Error('--duration: 1 to 60 seconds');
  const bare = `${ROOT}bench/bare-express.js`;
  const rows: Row[] = [
    await measure('bare Express, default flags', [bare], false, seconds),
    await measure(`bare Express, ${MOCK_NODE_FLAGS.join(' ')}`, [...MOCK_NODE_FLAGS, bare], false, seconds),
  ];
  for (const budget of BUDGETS) {
    const args = [
      ...MOCK_NODE_FLAGS,
      `${ROOT}dist/mock/cli.js`,
      '--port',
      '0',
      '--max-orders',
      String(budget),
    ];
    process.stderr.write(`[memory] mock --max-orders ${budget}\n`);
    rows.push(await measure(`mock --max-orders ${budget}`, args, true, seconds));
  }
  const lines = [
    `| server (${seconds} s evaluate load, 10 connections) | evaluate req/s | RSS start MB | RSS after MB |`,
    '| --- | --: | --: | --: |',
    ...rows.map(
      (r) => `| ${r.label} | ${r.rps.toFixed(0)} | ${r.rssStart.toFixed(1)} | ${r.rssAfter.toFixed(1)} |`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await runBench('memory', main);
