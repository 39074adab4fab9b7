// npm run bench:inspector — what an open inspector tab costs the /v1 path: evaluate throughput with no browser and
// with a chromium tab streaming the whole journal, interleaved rounds in one run, and the page's first paint. The
// browser shares the machine's cores with the mock, so req/s mixes what the stream costs the mock with what chromium
// takes from it; the mock's own CPU time per request (from /proc) is the cost of the stream alone.
// Writes nothing: paste the printed table into bench/RESULTS.md.

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { launchChromium } from '../test/inspector-browser.js';
import { type LoadResult, runLoad } from './load.js';
import { treeCpuMs } from './processes.js';
import { evaluateBody, evaluateHeaders, prepareMock } from './workload.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const SECONDS = Number(process.env.SECONDS ?? 5);

async function startMock(): Promise<{ child: ChildProcess; origin: string }> {
  const child = spawn(process.execPath, ['--max-old-space-size=256', 'dist/mock/cli.js', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8');
  for await (const chunk of child.stdout as AsyncIterable<string>) {
    out += chunk;
    const match = /listening on (http:\/\/[^\s/]+)\/v1/.exec(out);
    if (match?.[1]) return { child, origin: match[1] };
  }
  throw new Error(`the mock did not start: ${out}`);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

const { child, origin } = await startMock();
const open = await launchChromium();
try {
  await prepareMock(origin);
  const pid = child.pid as number;
  const load = async (cpu: number[]) => {
    const before = treeCpuMs(pid);
    const result = await runLoad({
      origin,
      method: 'POST',
      path: '/v1/evaluate',
      headers: evaluateHeaders(),
      makeBody: evaluateBody,
      durationSeconds: SECONDS,
    });
    const requests = Object.values(result.statuses).reduce((n, c) => n + c, 0);
    if (requests > 0) cpu.push(((treeCpuMs(pid) - before) * 1000) / requests);
    return result;
  };

  const paints: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    const page = await open.context.newPage();
    await page.goto(`${origin}/__admin/ui`);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    const fcp = await page.evaluate(
      () =>
        (
          globalThis as unknown as { performance: { getEntriesByName(n: string): { startTime: number }[] } }
        ).performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? Number.NaN,
    );
    paints.push(fcp);
    await page.close();
  }

  const without: LoadResult[] = [];
  const withTab: LoadResult[] = [];
  const cpuWithout: number[] = [];
  const cpuWithTab: number[] = [];
  let shown = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    without.push(await load(cpuWithout));
    const page = await open.context.newPage();
    await page.goto(`${origin}/__admin/ui`);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    withTab.push(await load(cpuWithTab));
    shown = Math.max(shown, await page.locator('tr[data-seq]').count());
    await page.close();
  }
  const rps = (rs: LoadResult[]) => median(rs.map((r) => r.rps));
  const p99 = (rs: LoadResult[]) => median(rs.map((r) => r.p99));
  const errors = [...without, ...withTab].reduce((n, r) => n + r.non2xx + r.errors, 0);
  console.log(
    `inspector bench: ${ROUNDS} interleaved rounds of ${SECONDS} s, POST /v1/evaluate, 10 connections`,
  );
  console.log('| setup | req/s (median) | p99 ms | ratio | mock CPU µs per request (median) |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| no browser | ${rps(without).toFixed(0)} | ${p99(without)} | 1.00 | ${median(cpuWithout).toFixed(0)} |`,
  );
  console.log(
    `| inspector tab streaming every session | ${rps(withTab).toFixed(0)} | ${p99(withTab)} | ${(rps(withTab) / rps(without)).toFixed(2)} | ${median(cpuWithTab).toFixed(0)} |`,
  );
  console.log(`non-2xx or errors: ${errors}; rows the tab showed: ${shown}`);
  console.log(
    `first contentful paint of /__admin/ui (ms, 3 loads): ${paints.map((p) => p.toFixed(0)).join(', ')}`,
  );
} finally {
  await open.close();
  child.kill('SIGTERM');
  await once(child, 'exit');
}
