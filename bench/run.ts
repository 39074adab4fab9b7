// Load benchmark, run by hand: `npm run bench` (or `npm run bench -- --duration 3`). Never part of the tests.
// Measures, one target after another on 127.0.0.1: a bare Express app, the mock (compiled, dist/mock/cli.js) and
// Prism on contracts/openapi.yaml. For each: evaluate and GET-order throughput/latency under autocannon,
// spawn-to-first-200 (median of 5 starts) and resident memory before and after the load. Prints a markdown report
// and writes it to bench/out/latest.md.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import { type Probe, send, waitForFirst200 } from './http.js';
import { type LoadResult, runLoad } from './load.js';
import {
  installCleanup,
  MOCK_NODE_FLAGS,
  prismLaunch,
  runBench,
  type SpawnedServer,
  spawnServer,
  stopServer,
  treeRssMb,
  type UrlReader,
  urlInLine,
} from './processes.js';
import { buildReport, type TargetResult } from './report.js';
import {
  evaluateBody,
  evaluateHeaders,
  freshOrderPath,
  guid,
  nextRequestNumber,
  PLACEHOLDER_GUID,
  type Prepared,
  prepareMock,
  session,
  TOKEN_PROBE,
} from './workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONTRACT = `${ROOT}contracts/openapi.yaml`;
const MOCK_CLI = `${ROOT}dist/mock/cli.js`;
const OUT_FILE = `${ROOT}bench/out/latest.md`;
const STARTUP_RUNS = 5;

interface Launch {
  cmd: string;
  args: string[];
  readUrl: UrlReader | string;
}

interface Target {
  name: string;
  strict: boolean;
  launch(): Promise<Launch>;
  /** The request polled for spawn-to-first-200. */
  probe: Probe;
  prepare(origin: string, result: TargetResult): Promise<Prepared>;
}

const BARE: Target = {
  name: 'bare Express',
  strict: true,
  launch: async () => ({ cmd: process.execPath, args: [`${ROOT}bench/bare-express.js`], readUrl: urlInLine }),
  probe: { method: 'GET', path: '/v1/orders/x' },
  prepare: async () => ({ headers: evaluateHeaders(), orderPath: `/v1/orders/${PLACEHOLDER_GUID}` }),
};

const MOCK: Target = {
  name: 'mock',
  strict: true,
  launch: async () => ({
    cmd: process.execPath,
    args: [...MOCK_NODE_FLAGS, MOCK_CLI, '--port', '0', '--seed', '1'],
    readUrl: urlInLine,
  }),
  probe: TOKEN_PROBE,
  prepare: prepareMock,
};

const PRISM: Target = {
  name: 'Prism',
  strict: false,
  launch: () => prismLaunch(ROOT, CONTRACT),
  probe: TOKEN_PROBE,
  prepare: async (origin, result) => {
    // Prism answers from examples; note what it says to one evaluate, but never fail on it.
    const body: unknown = JSON.parse(evaluateBody());
    const reply = await send(origin, {
      method: 'POST',
      path: '/v1/evaluate',
      headers: evaluateHeaders(),
      body,
    });
    if (reply.status !== 200)
      result.notes.push(`sample evaluate answered ${reply.status}: ${reply.body.slice(0, 300)}`);
    return { headers: evaluateHeaders(), orderPath: `/v1/orders/${PLACEHOLDER_GUID}` };
  },
};

/** Spawn the target and wait for its first 200; resolves with the server and the milliseconds it took. */
async function startTarget(target: Target): Promise<{ server: SpawnedServer; first200Ms: number }> {
  const { cmd, args, readUrl } = await target.launch();
  const server = await spawnServer(cmd, args, readUrl);
  try {
    return { server, first200Ms: await waitForFirst200(server, target.probe) };
  } catch (error) {
    await stopServer(server);
    throw error;
  }
}

/** Spawn-to-first-200 of `STARTUP_RUNS` fresh starts (each server stopped before the next starts). */
async function measureStartup(target: Target): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < STARTUP_RUNS; i++) {
    const { server, first200Ms } = await startTarget(target);
    times.push(first200Ms);
    await stopServer(server);
  }
  return times;
}

function measureEvaluate(origin: string, prepared: Prepared, durationSeconds: number): Promise<LoadResult> {
  return runLoad({
    origin,
    method: 'POST',
    path: '/v1/evaluate',
    headers: prepared.headers,
    makeBody: evaluateBody,
    durationSeconds,
  });
}

function measureGetOrder(origin: string, prepared: Prepared, durationSeconds: number): Promise<LoadResult> {
  return runLoad({
    origin,
    method: 'GET',
    path: prepared.orderPath,
    headers: { authorization: session.bearer, accept: 'application/json' },
    durationSeconds,
  });
}

/**
 * The order life cycle as one loop per connection: evaluate an authorization (CAPTUREREQUIRED), capture it, refund
 * part of it, read it back. Throughput counts all four calls.
 */
function measureLifeCycle(origin: string, prepared: Prepared, durationSeconds: number): Promise<LoadResult> {
  const headers = { ...prepared.headers };
  const orderOf = (context: Record<string, unknown>) => String(context.orderId ?? PLACEHOLDER_GUID);
  return runLoad({
    origin,
    method: 'POST',
    path: '/v1/evaluate',
    headers,
    durationSeconds,
    sequence: [
      {
        method: 'POST',
        path: '/v1/evaluate',
        headers,
        setupRequest: (request) => {
          const body = JSON.parse(evaluateBody()) as Record<string, unknown>;
          body.transactionType = 'AUTHORIZATION';
          body.paymentMethod = { cardNumber: TEST_CARDS.captureRequired, token: false };
          return { ...request, body: JSON.stringify(body) };
        },
        onResponse: (_status, body, context) => {
          context.orderId = (JSON.parse(body) as { orderId?: string }).orderId;
        },
      },
      {
        method: 'POST',
        path: '/v1/capture',
        headers,
        setupRequest: (request, context) => ({
          ...request,
          body: JSON.stringify({
            idempotencyKey: guid('cafe0000', nextRequestNumber()),
            orderId: orderOf(context),
            amount: 1500,
            currency: 'USD',
          }),
        }),
      },
      {
        method: 'POST',
        path: '/v1/orders/refund',
        headers,
        setupRequest: (request, context) => ({
          ...request,
          path: `/v1/orders/${orderOf(context)}/refund`,
          body: JSON.stringify({ amountToRefund: 5.0, refundMessage: 'bench' }),
        }),
      },
      {
        method: 'GET',
        path: '/v1/orders',
        headers: { authorization: session.bearer },
        setupRequest: (request, context) => ({ ...request, path: `/v1/orders/${orderOf(context)}` }),
      },
    ],
  });
}

function describeStatuses(load: LoadResult): string {
  return Object.entries(load.statuses)
    .map(([code, count]) => `${code}×${count}`)
    .join(', ');
}

/** Record non-2xx answers and connection errors: errors for a strict target, notes otherwise. */
function checkLoad(target: Target, result: TargetResult, label: string, load: LoadResult): void {
  if (load.non2xx === 0 && load.errors === 0) return;
  const message = `${label}: ${load.non2xx} non-2xx, ${load.errors} connection errors (${describeStatuses(load)})`;
  (target.strict ? result.errors : result.notes).push(message);
}

async function benchTarget(target: Target, durationSeconds: number): Promise<TargetResult> {
  const result: TargetResult = {
    name: target.name,
    strict: target.strict,
    startups: [],
    notes: [],
    errors: [],
  };
  const log = (message: string) => process.stderr.write(`[bench] ${target.name}: ${message}\n`);
  try {
    log(`spawn-to-first-200 × ${STARTUP_RUNS}`);
    result.startups = await measureStartup(target);
    const { server } = await startTarget(target);
    try {
      result.rssStartMb = treeRssMb(server.pid);
      const prepared = await target.prepare(server.origin, result);
      log(`evaluate load (${durationSeconds} s)`);
      result.evaluate = await measureEvaluate(server.origin, prepared, durationSeconds);
      checkLoad(target, result, 'evaluate load', result.evaluate);
      // Every mock build (the A/B baseline too): the order prepared before the evaluate load has been evicted by then.
      if (target.prepare === prepareMock) prepared.orderPath = await freshOrderPath(server.origin);
      log(`GET order load (${durationSeconds} s)`);
      result.getOrder = await measureGetOrder(server.origin, prepared, durationSeconds);
      checkLoad(target, result, 'GET order load', result.getOrder);
      result.rssAfterMb = treeRssMb(server.pid);
      if (target === MOCK) {
        log(`life-cycle load: evaluate → capture → refund → GET (${durationSeconds} s)`);
        result.lifeCycle = await measureLifeCycle(server.origin, prepared, durationSeconds);
        checkLoad(target, result, 'life-cycle load', result.lifeCycle);
      }
    } finally {
      await stopServer(server);
    }
  } catch (error) {
    result.errors.push((error as Error).message);
    log(`FAILED: ${(error as Error).message}`);
  }
  return result;
}

function parseDuration(): number {
  const { values } = parseArgs({ options: { duration: { type: 'string', default: '5' } } });
  const seconds = Number(values.duration);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 120) {
    throw new Error('--duration must be a whole number of seconds from 1 to 120');
  }
  return seconds;
}

async function main(): Promise<void> {
  installCleanup();
  const durationSeconds = parseDuration();
  if (!existsSync(CONTRACT)) throw new Error('contracts/openapi.yaml is missing');
  if (!existsSync(MOCK_CLI))
    throw new Error('dist/mock/cli.js is missing: run `npm run build` (npm run bench does)');
  const bare = await benchTarget(BARE, durationSeconds);
  // A/B mode: BENCH_BASELINE_CLI=<another build's dist/mock/cli.js> benches it right before this build, in the same
  // run (ratios across runs on a shared machine mean little), and skips Prism.
  const baselineCli = process.env.BENCH_BASELINE_CLI;
  if (baselineCli) {
    const baselineTarget: Target = {
      ...MOCK,
      name: 'mock (baseline)',
      launch: async () => ({
        cmd: process.execPath,
        args: [...MOCK_NODE_FLAGS, baselineCli, '--port', '0', '--seed', '1'],
        readUrl: urlInLine,
      }),
    };
    const baseline = await benchTarget(baselineTarget, durationSeconds);
    const mock = await benchTarget(MOCK, durationSeconds);
    const ratio = (r: TargetResult, load: 'evaluate' | 'getOrder') => {
      const mine = r[load];
      const anchor = bare[load];
      return mine && anchor ? (mine.rps / anchor.rps).toFixed(2) : '—';
    };
    for (const [load, label] of [
      ['evaluate', 'evaluate'],
      ['getOrder', 'GET order'],
    ] as const) {
      process.stdout.write(
        `A/B ${label} vs bare Express (${bare[load]?.rps ?? '—'} req/s): baseline ${ratio(baseline, load)}× ` +
          `(${baseline[load]?.rps ?? '—'} req/s), this build ${ratio(mock, load)}× (${mock[load]?.rps ?? '—'} req/s)\n`,
      );
    }
    return;
  }
  const mock = await benchTarget(MOCK, durationSeconds);
  const prism = await benchTarget(PRISM, durationSeconds);
  const report = buildReport({ bare, mock, prism }, durationSeconds);
  process.stdout.write(`\n${report.markdown}`);
  mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
  writeFileSync(OUT_FILE, report.markdown);
  process.stderr.write(`[bench] report written to bench/out/latest.md\n`);
  if (report.hasErrors) process.exitCode = 1;
}

await runBench('bench', main);
