// In-process start-up with scenarios, run by hand: N× (startMock + useScenario + close) against N× (startMock +
// close), in one process, so the difference is what the scenario library costs each mock. With --dist it runs the
// build (dist/mock/index.js, as a library user does; `npm run build` first), else the sources through tsx. Profile it
// with `node --cpu-prof --cpu-prof-dir=… --import tsx bench/scenario-startup.ts …`.
//   node --import tsx bench/scenario-startup.ts [--cycles 20] [--scenario gateway-timeout] [--dist]

import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { startMock as StartMock } from '../mock/http/start-mock.js';

const { values } = parseArgs({
  options: {
    cycles: { type: 'string', default: '20' },
    scenario: { type: 'string', default: 'gateway-timeout' },
    dist: { type: 'boolean', default: false },
  },
});
const entry = values.dist ? new URL('../dist/mock/index.js', import.meta.url).href : '../mock/index.js';
const { startMock } = (await import(entry)) as { startMock: typeof StartMock };
const cycles = Number(values.cycles);
const scenario = values.scenario;

async function cycle(use: boolean): Promise<{ total: number; use: number }> {
  const start = performance.now();
  const mock = await startMock();
  let useMs = 0;
  if (use) {
    const before = performance.now();
    mock.useScenario(scenario);
    useMs = performance.now() - before;
  }
  await mock.close();
  return { total: performance.now() - start, use: useMs };
}

const withScenario: { total: number; use: number }[] = [];
for (let i = 0; i < cycles; i += 1) withScenario.push(await cycle(true));
let bareTotal = 0;
for (let i = 0; i < cycles; i += 1) bareTotal += (await cycle(false)).total;

const round = (n: number) => Math.round(n);
console.log(`useScenario per mock (ms): ${withScenario.map((c) => round(c.use)).join(', ')}`);
console.log(
  `${cycles}× start + useScenario + close: ${round(withScenario.reduce((a, c) => a + c.total, 0))} ms; ${cycles}× start + close: ${round(bareTotal)} ms`,
);
