// Soak run, by hand, never part of the tests:
//   npm run build && node --import tsx bench/soak.ts --requests 500000 [--phases 10] [--connections 10]
//     [--max-orders N]   (passed to the CLI: the store's order/key/card budget)
//     [--node-flags="…"] (the server's Node flags instead of npm start's, to compare V8 settings)
//     [--idle-seconds N] (after the last phase, leave the server idle N s, default 45, and read its RSS again: V8's
//                        memory reducer compacts the heap and returns pages once allocation stops)
//     [--memory-stats]   (after each phase, where the server's memory is: V8's heap spaces, used and committed,
//                        external memory, and RSS split into anonymous and file-backed pages; bench/memory-stats.js)
// Starts the compiled CLI (dist/mock/cli.js --port 0) as a child and drives a bounded mixed workload with autocannon
// on loopback, in phases of equal size. Each connection loops over one cycle of 14 requests: token → tokenize →
// evaluate (that card) → GET order → refund → the same refund again (replay) → the same evaluate again (replay) →
// tokenize → evaluate AUTHORIZATION → capture → list orders → outcome → malformed JSON (400 expected) → unknown
// order (404 expected). Every request succeeds or fails as planned, so any other status is counted as unexpected.
// During and after each phase: the child's VmRSS and open file descriptors (/proc/<pid>/status, /proc/<pid>/fd),
// p50/p99/max latency of the phase, and 25 sequential probes each of list, GET and evaluate (their p50 shows whether
// a request gets slower as the store fills). Prints a markdown table and writes bench/out/soak.md.

import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import { heapSummary } from './heap-summary.js';
import { type Probe, send, sendExpecting } from './http.js';
import {
  installCleanup,
  MOCK_NODE_FLAGS,
  type SpawnedServer,
  spawnServer,
  stopServer,
  urlInLine,
} from './processes.js';
import { BILLING } from './workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = `${ROOT}dist/mock/cli.js`;
const OUT = `${ROOT}bench/out/soak.md`;
const SESSION = 'soak';
const SAMPLE_EVERY_MS = 500;
const PROBES = 25;
const SNAPSHOT_DIR = `${ROOT}.scratch/heap`;
const STATS_FILE = `${ROOT}.scratch/memory-stats-${process.pid}.json`;

// --- the child process ---------------------------------------------------------------------------------------

function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : 0;
}

/** User + system CPU time the process has used, in ms (/proc/<pid>/stat; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

function openFds(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** Ask the server for a heap snapshot (SIGUSR2), wait until V8 has written it, and summarize it. */
async function snapshotOf(server: SpawnedServer): Promise<string> {
  mkdirSync(SNAPSHOT_DIR, { recursive: true });
  const before = new Set(readdirSync(SNAPSHOT_DIR));
  process.kill(server.pid, 'SIGUSR2');
  for (let waited = 0; waited < 120_000; waited += 500) {
    await sleep(500);
    const file = readdirSync(SNAPSHOT_DIR).find((f) => f.endsWith('.heapsnapshot') && !before.has(f));
    // The preload writes under another name and renames the file when it is complete.
    if (file) {
      const path = `${SNAPSHOT_DIR}/${file}`;
      process.stderr.write(`[soak] heap snapshot ${path}\n`);
      return heapSummary(path, 25);
    }
  }
  return 'no heap snapshot was written within 120 s\n';
}

interface MemoryStats {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  rollup: { rss?: number; anonymous?: number; file?: number };
  spaces: Record<string, { size: number; used: number; physical: number }>;
}

/** The server's latest memory figures (written every second by bench/memory-stats.js), or undefined. */
async function memoryStats(): Promise<MemoryStats | undefined> {
  // Let the preload write once more after the phase's last request.
  await sleep(1200);
  try {
    return JSON.parse(readFileSync(STATS_FILE, 'utf8')) as MemoryStats;
  } catch {
    return undefined;
  }
}

function memoryTable(rows: { phase: number; stats: MemoryStats }[]): string {
  const spaces = [...new Set(rows.flatMap((r) => Object.keys(r.stats.spaces)))];
  const short = (name: string) => name.replace(/_space$/, '');
  const lines = [
    `| phase | RSS MB | anon / file MB | heap committed / used MB | external / arrayBuffers MB | ${spaces.map((s) => `${short(s)} committed / used`).join(' | ')} |`,
    `|--:|--:|--:|--:|--:|${spaces.map(() => '--:|').join('')}`,
  ];
  for (const { phase, stats: m } of rows) {
    const cells = spaces.map((s) => {
      const space = m.spaces[s];
      return space ? `${space.physical} / ${space.used}` : '–';
    });
    lines.push(
      `| ${phase < 0 ? `idle ${-phase} s` : phase} | ${m.rss} | ${m.rollup.anonymous?.toFixed(1) ?? '?'} / ${m.rollup.file?.toFixed(1) ?? '?'} | ${m.heapTotal} / ${m.heapUsed} | ${m.external} / ${m.arrayBuffers} | ${cells.join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

// --- the workload --------------------------------------------------------------------------------------------

/** The part of autocannon 9's API this file uses beyond bench/autocannon.d.ts (contexts, onResponse, amount). */
interface Step {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: Step, context: Context) => Step;
  onResponse?: (status: number, body: string, context: Context) => void;
}

interface Context {
  token?: string;
  card?: string;
  authCard?: string;
  order?: string;
  authOrder?: string;
  evaluateBody?: string;
  refundBody?: string;
}

interface StepTally {
  name: string;
  expected: number;
  statuses: Map<number, number>;
}

let counter = 0;
function next(): string {
  counter += 1;
  return counter.toString(16).padStart(12, '0');
}

function evaluateJson(card: string, authorization = false): string {
  const n = next();
  return JSON.stringify({
    isDeclined: true,
    isMIT: false,
    orderId: `soak-${n}`,
    idempotencyKey: `50a40000-0000-4000-8000-${n}`,
    ...(authorization ? { transactionType: 'AUTHORIZATION' } : {}),
    transaction: { id: `tx-${n}`, amount: 1500, currency: 'USD', timestampUtc: '2026-06-12T14:30:00Z' },
    payer: { email: 'soak@example.com' },
    billingInformation: { ...BILLING, firstName: 'Soak' },
    paymentMethod: { cardNumber: card, token: true },
  });
}

function tokenizeJson(number: string): string {
  return JSON.stringify({
    payment_method: { credit_card: { first_name: 'S', last_name: 'R', number, month: '12', year: '2030' } },
  });
}

function parse(body: string): Record<string, unknown> {
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The cycle each connection repeats; its context is reset at the start of every cycle (autocannon). */
function cycle(): { steps: Step[]; tallies: StepTally[] } {
  const tallies: StepTally[] = [];
  const auth = (context: Context) => ({
    'content-type': 'application/json',
    'x-mock-session': SESSION,
    authorization: `Bearer ${context.token ?? 'none'}`,
  });
  const step = (name: string, expected: number, s: Step): Step => {
    const tally: StepTally = { name, expected, statuses: new Map() };
    tallies.push(tally);
    const user = s.onResponse;
    return {
      ...s,
      onResponse: (status, body, context) => {
        tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
        user?.(status, body, context);
      },
    };
  };
  const tokenizePath = `/v1/tokenize?mid=${DEFAULT_MERCHANT.mid}&environment=${DEFAULT_MERCHANT.tokenizationKey}`;
  // Each cycle vaults the cards it uses: cards are bounded too, so a card vaulted long ago may be gone.
  const tokenize = (name: string, number: string, into: 'card' | 'authCard'): Step =>
    step(name, 200, {
      method: 'POST',
      path: tokenizePath,
      headers: { 'content-type': 'application/json', 'x-mock-session': SESSION },
      body: tokenizeJson(number),
      onResponse: (_s, body, context) => {
        const transaction = parse(body).transaction as { payment_method?: { token?: string } } | undefined;
        context[into] = String(transaction?.payment_method?.token);
      },
    });
  const steps: Step[] = [
    step('token', 200, {
      method: 'POST',
      path: '/v1/oauth2/token',
      headers: { 'content-type': 'application/json', 'x-mock-session': SESSION },
      body: JSON.stringify({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret }),
      onResponse: (_s, body, context) => {
        context.token = String(parse(body).accessToken);
      },
    }),
    tokenize('tokenize', TEST_CARDS.approved, 'card'),
    step('evaluate', 200, {
      method: 'POST',
      path: '/v1/evaluate',
      setupRequest: (req, context) => {
        context.evaluateBody = evaluateJson(context.card ?? 'none');
        return { ...req, headers: auth(context), body: context.evaluateBody };
      },
      onResponse: (_s, body, context) => {
        context.order = String(parse(body).orderSessionKey);
      },
    }),
    step('GET order', 200, {
      method: 'GET',
      path: '/v1/orders/x',
      setupRequest: (req, context) => ({
        ...req,
        headers: auth(context),
        path: `/v1/orders/${context.order}`,
      }),
    }),
    step('refund 1.00', 200, {
      method: 'POST',
      path: '/v1/orders/x/refund',
      setupRequest: (req, context) => {
        context.refundBody = JSON.stringify({ amountToRefund: 1.0, transactionId: `rf-${next()}` });
        return {
          ...req,
          headers: auth(context),
          path: `/v1/orders/${context.order}/refund`,
          body: context.refundBody,
        };
      },
    }),
    step('refund replay', 200, {
      method: 'POST',
      path: '/v1/orders/x/refund',
      setupRequest: (req, context) => ({
        ...req,
        headers: auth(context),
        path: `/v1/orders/${context.order}/refund`,
        body: context.refundBody ?? '{}',
      }),
    }),
    step('evaluate replay', 200, {
      method: 'POST',
      path: '/v1/evaluate',
      setupRequest: (req, context) => ({
        ...req,
        headers: auth(context),
        body: context.evaluateBody ?? '{}',
      }),
    }),
    tokenize('tokenize for capture', TEST_CARDS.captureRequired, 'authCard'),
    step('evaluate authorization', 200, {
      method: 'POST',
      path: '/v1/evaluate',
      setupRequest: (req, context) => ({
        ...req,
        headers: auth(context),
        body: evaluateJson(context.authCard ?? 'none', true),
      }),
      onResponse: (_s, body, context) => {
        context.authOrder = String(parse(body).orderSessionKey);
      },
    }),
    step('capture', 200, {
      method: 'POST',
      path: '/v1/capture',
      setupRequest: (req, context) => ({
        ...req,
        headers: auth(context),
        body: JSON.stringify({
          idempotencyKey: `ca-${next()}`,
          orderId: context.authOrder,
          amount: 1500,
          currency: 'USD',
        }),
      }),
    }),
    step('list orders', 200, {
      method: 'GET',
      path: '/v1/orders?pageSize=10&status=7',
      setupRequest: (req, context) => ({ ...req, headers: auth(context) }),
    }),
    step('outcome', 200, {
      method: 'POST',
      path: '/v1/outcome',
      setupRequest: (req, context) => ({
        ...req,
        headers: auth(context),
        body: JSON.stringify({ orderSessionKey: context.order }),
      }),
    }),
    step('malformed JSON', 400, {
      method: 'POST',
      path: '/v1/evaluate',
      setupRequest: (req, context) => ({ ...req, headers: auth(context), body: '{"isDeclined": tru' }),
    }),
    step('unknown order', 404, {
      method: 'GET',
      path: '/v1/orders/00000000-0000-4000-8000-000000000000',
      setupRequest: (req, context) => ({ ...req, headers: auth(context) }),
    }),
  ];
  return { steps, tallies };
}

// --- one phase -----------------------------------------------------------------------------------------------

interface PhaseResult {
  phase: number;
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  max: number;
  /** The server's CPU time per request of the phase (probes excluded), in µs: contention disturbs it far less than req/s. */
  cpuUs: number;
  rssEnd: number;
  rssMax: number;
  fdsEnd: number;
  fdsMax: number;
  serverErrors: number;
  unexpected: number;
  connectionErrors: number;
  listP50: number;
  getP50: number;
  evaluateP50: number;
  ordersListed: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** p50 of PROBES sequential requests (a fresh body per request when `makeBody` is given); returns the last body. */
async function probeP50(
  origin: string,
  probe: Probe,
  makeBody?: () => unknown,
): Promise<{ p50: number; last: string }> {
  const times: number[] = [];
  let last = '';
  for (let i = 0; i < PROBES; i++) {
    const started = performance.now();
    const reply = await send(origin, makeBody ? { ...probe, body: makeBody() } : probe);
    times.push(performance.now() - started);
    if (reply.status !== 200)
      throw new Error(`probe ${probe.method} ${probe.path} answered ${reply.status}: ${reply.body}`);
    last = reply.body;
  }
  times.sort((a, b) => a - b);
  return { p50: times[Math.floor(times.length / 2)] ?? 0, last };
}

async function runPhase(
  phase: number,
  server: SpawnedServer,
  amount: number,
  connections: number,
  vault: (number: string) => Promise<string>,
  token: () => Promise<string>,
): Promise<PhaseResult> {
  const { steps, tallies } = cycle();
  let latencies = new Float64Array(amount + connections * 2);
  let count = 0;
  let rssMax = 0;
  let fdsMax = 0;
  const sample = () => {
    rssMax = Math.max(rssMax, rssMb(server.pid));
    fdsMax = Math.max(fdsMax, openFds(server.pid));
  };
  const sampler = setInterval(sample, SAMPLE_EVERY_MS);
  const cpuStarted = cpuMs(server.pid);
  const started = performance.now();
  const instance = autocannon({
    url: server.origin,
    connections,
    amount,
    timeout: 20,
    requests: steps,
  } as unknown as autocannon.Options);
  instance.on('response', (_client, _status, _bytes, responseTimeMs) => {
    if (count >= latencies.length) {
      const bigger = new Float64Array(latencies.length * 2);
      bigger.set(latencies);
      latencies = bigger;
    }
    latencies[count++] = responseTimeMs;
  });
  const result = await instance;
  const seconds = (performance.now() - started) / 1000;
  const cpuUs = ((cpuMs(server.pid) - cpuStarted) * 1000) / Math.max(1, count);
  clearInterval(sampler);
  sample();
  const sorted = latencies.subarray(0, count).sort();
  let serverErrors = 0;
  let unexpected = 0;
  for (const tally of tallies) {
    for (const [status, n] of tally.statuses) {
      if (status >= 500) serverErrors += n;
      if (status !== tally.expected) unexpected += n;
    }
  }
  if (unexpected > 0) {
    const detail = tallies
      .map((t) => `${t.name}: ${[...t.statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`)
      .join('; ');
    process.stderr.write(`[soak] phase ${phase}: unexpected statuses — ${detail}\n`);
  }
  const headers = { authorization: `Bearer ${await token()}`, 'x-mock-session': SESSION };
  const list = await probeP50(server.origin, {
    method: 'GET',
    path: '/v1/orders?pageSize=10&status=7',
    headers,
  });
  const listed = (await sendExpecting(server.origin, {
    method: 'GET',
    path: '/v1/orders?pageSize=1',
    headers,
  })) as {
    totalItemCount?: number;
  };
  const card = await vault(TEST_CARDS.approved);
  const evaluated = await probeP50(server.origin, { method: 'POST', path: '/v1/evaluate', headers }, () =>
    JSON.parse(evaluateJson(card)),
  );
  const order = String(parse(evaluated.last).orderSessionKey);
  const read = await probeP50(server.origin, { method: 'GET', path: `/v1/orders/${order}`, headers });
  return {
    phase,
    requests: count,
    seconds,
    rps: count / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? 0,
    cpuUs,
    rssEnd: rssMb(server.pid),
    rssMax,
    fdsEnd: openFds(server.pid),
    fdsMax,
    serverErrors,
    unexpected,
    connectionErrors: result.errors + result.timeouts,
    listP50: list.p50,
    getP50: read.p50,
    evaluateP50: evaluated.p50,
    ordersListed: listed.totalItemCount ?? -1,
  };
}

// --- report --------------------------------------------------------------------------------------------------

function table(rows: PhaseResult[], baseline: { rss: number; fds: number }): string {
  const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : 'n/a');
  const f2 = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
  const lines = [
    '| phase | requests | s | req/s | server CPU µs/req | p50 ms | p99 ms | max ms | RSS end MB | RSS max MB | fds end / max | 5xx | unexpected | conn. errors | probe p50 ms list / get / evaluate | orders listed |',
    '|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    `| start | – | – | – | – | – | – | – | ${f1(baseline.rss)} | – | ${baseline.fds} | – | – | – | – | 0 |`,
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.phase} | ${r.requests} | ${f1(r.seconds)} | ${Math.round(r.rps)} | ${Math.round(r.cpuUs)} | ${f2(r.p50)} | ${f2(r.p99)} | ${f1(r.max)} | ${f1(r.rssEnd)} | ${f1(r.rssMax)} | ${r.fdsEnd} / ${r.fdsMax} | ${r.serverErrors} | ${r.unexpected} | ${r.connectionErrors} | ${f2(r.listP50)} / ${f2(r.getP50)} / ${f2(r.evaluateP50)} | ${r.ordersListed} |`,
    );
  }
  return lines.join('\n');
}

function verdict(rows: PhaseResult[], baseline: { rss: number; fds: number }): string[] {
  const half = rows.slice(Math.floor(rows.length / 2));
  const first = half[0];
  const last = rows[rows.length - 1];
  if (!first || !last) return [];
  const rssGrowth = last.rssEnd - first.rssEnd;
  const p99s = half.map((r) => r.p99);
  const out = [
    `- total: ${rows.reduce((s, r) => s + r.requests, 0)} requests in ${rows.reduce((s, r) => s + r.seconds, 0).toFixed(0)} s; 5xx: ${rows.reduce((s, r) => s + r.serverErrors, 0)}; unexpected statuses: ${rows.reduce((s, r) => s + r.unexpected, 0)}; connection errors: ${rows.reduce((s, r) => s + r.connectionErrors, 0)}`,
    `- RSS: ${baseline.rss.toFixed(1)} MB at start, ${first.rssEnd.toFixed(1)} MB after phase ${first.phase}, ${last.rssEnd.toFixed(1)} MB at the end (second half: ${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(1)} MB, ${((rssGrowth / first.rssEnd) * 100).toFixed(1)}%)`,
    `- open fds: ${baseline.fds} at start, ${last.fdsEnd} at the end (max ${Math.max(...rows.map((r) => r.fdsMax))})`,
    `- p99 over the second half: ${Math.min(...p99s).toFixed(2)}–${Math.max(...p99s).toFixed(2)} ms; p50 ${Math.min(...half.map((r) => r.p50)).toFixed(2)}–${Math.max(...half.map((r) => r.p50)).toFixed(2)} ms`,
  ];
  return out;
}

// --- main ----------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      requests: { type: 'string', default: '500000' },
      phases: { type: 'string', default: '10' },
      connections: { type: 'string', default: '10' },
      'max-orders': { type: 'string' },
      // Write a heap snapshot of the server after the last phase (to .scratch/) and summarize it by constructor.
      'heap-snapshot': { type: 'boolean', default: false },
      'node-flags': { type: 'string' },
      'memory-stats': { type: 'boolean', default: false },
      'idle-seconds': { type: 'string', default: '45' },
    },
  });
  const total = Number(values.requests);
  const phases = Number(values.phases);
  const connections = Number(values.connections);
  if (!Number.isInteger(total) || total < 1000 || total > 5_000_000)
    throw new Error('--requests: 1000 to 5000000');
  if (!Number.isInteger(phases) || phases < 2 || phases > 100) throw new Error('--phases: 2 to 100');
  if (!Number.isInteger(connections) || connections < 1 || connections > 256)
    throw new Error('--connections: 1 to 256');
  const idleSeconds = Number(values['idle-seconds']);
  if (!Number.isInteger(idleSeconds) || idleSeconds < 0 || idleSeconds > 600)
    throw new Error('--idle-seconds: 0 to 600');
  try {
    readFileSync(CLI);
  } catch {
    throw new Error('dist/mock/cli.js is missing: run `npm run build` first');
  }
  installCleanup();
  process.env.HEAP_SNAPSHOT_DIR = SNAPSHOT_DIR;
  if (values['memory-stats']) {
    mkdirSync(`${ROOT}.scratch`, { recursive: true });
    process.env.MEMORY_STATS_FILE = STATS_FILE;
  }
  const nodeFlags =
    values['node-flags'] === undefined ? MOCK_NODE_FLAGS : values['node-flags'].split(/\s+/).filter(Boolean);
  const limits = values['max-orders'] ? ['--max-orders', String(values['max-orders'])] : [];
  const server = await spawnServer(
    process.execPath,
    [
      ...nodeFlags,
      ...(values['memory-stats'] ? ['--import', `${ROOT}bench/memory-stats.js`] : []),
      // A preload, not Node's --heapsnapshot-signal: that one ended the server on SIGUSR2 on this machine.
      ...(values['heap-snapshot'] ? ['--import', `${ROOT}bench/heap-on-signal.js`] : []),
      CLI,
      '--port',
      '0',
      '--seed',
      '1',
      ...limits,
    ],
    urlInLine,
  );
  try {
    const token = async () => {
      const reply = (await sendExpecting(server.origin, {
        method: 'POST',
        path: '/v1/oauth2/token',
        headers: { 'x-mock-session': SESSION },
        body: { AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret },
      })) as { accessToken: string };
      return reply.accessToken;
    };
    const vault = async (number: string) => {
      const reply = (await sendExpecting(server.origin, {
        method: 'POST',
        path: `/v1/tokenize?mid=${DEFAULT_MERCHANT.mid}&environment=${DEFAULT_MERCHANT.tokenizationKey}`,
        headers: { 'x-mock-session': SESSION },
        body: {
          payment_method: {
            credit_card: { first_name: 'S', last_name: 'R', number, month: '12', year: '2030' },
          },
        },
      })) as { transaction: { payment_method: { token: string } } };
      return reply.transaction.payment_method.token;
    };
    const baseline = { rss: rssMb(server.pid), fds: openFds(server.pid) };
    const perPhase = Math.floor(total / phases);
    const rows: PhaseResult[] = [];
    const memory: { phase: number; stats: MemoryStats }[] = [];
    if (values['memory-stats']) {
      const stats = await memoryStats();
      if (stats) memory.push({ phase: 0, stats });
    }
    process.stderr.write(
      `[soak] ${total} requests in ${phases} phases of ${perPhase}, ${connections} connections, pid ${server.pid}\n`,
    );
    for (let phase = 1; phase <= phases; phase++) {
      const row = await runPhase(phase, server, perPhase, connections, vault, token);
      rows.push(row);
      process.stderr.write(
        `[soak] phase ${phase}: ${row.requests} req, ${Math.round(row.rps)} req/s, ${Math.round(row.cpuUs)} µs CPU/req, p99 ${row.p99.toFixed(2)} ms, RSS ${row.rssEnd.toFixed(1)} MB, fds ${row.fdsEnd}, orders ${row.ordersListed}\n`,
      );
      const stats = values['memory-stats'] ? await memoryStats() : undefined;
      if (stats) {
        memory.push({ phase, stats });
        process.stderr.write(
          `[soak]   heap ${stats.heapTotal} committed / ${stats.heapUsed} used, external ${stats.external}, anon ${stats.rollup.anonymous?.toFixed(1)} MB\n`,
        );
      }
    }
    // RSS while idle, sampled every second: what a test suite's mock holds between runs.
    const idle: number[] = [];
    for (let second = 1; second <= idleSeconds; second++) {
      await sleep(1000);
      idle.push(rssMb(server.pid));
    }
    const idleStats = values['memory-stats'] && idleSeconds > 0 ? await memoryStats() : undefined;
    if (idleStats) memory.push({ phase: -idleSeconds, stats: idleStats });
    if (idle.length > 0)
      process.stderr.write(
        `[soak] after ${idleSeconds} s idle: RSS ${idle[idle.length - 1]?.toFixed(1)} MB\n`,
      );
    const heap = values['heap-snapshot'] ? await snapshotOf(server) : '';
    const stopStarted = performance.now();
    await stopServer(server);
    const stopMs = performance.now() - stopStarted;
    const markdown = [
      '# Soak run',
      '',
      `- date: ${new Date().toISOString()}; node ${process.version}; ${connections} autocannon connections on loopback; server: node ${nodeFlags.join(' ')} dist/mock/cli.js --port 0 --seed 1 ${limits.length > 0 ? limits.join(' ') : '(default limits)'}`,
      `- cycle per connection (14 requests): token, tokenize, evaluate, GET order, refund, refund replay, evaluate replay, tokenize, evaluate AUTHORIZATION, capture, list (pageSize 10, status 7), outcome, malformed JSON (400 expected), unknown order (404 expected)`,
      `- latency: every response of the phase (autocannon); probes: ${PROBES} sequential requests after the phase`,
      '',
      table(rows, baseline),
      '',
      ...verdict(rows, baseline),
      ...(idle.length > 0
        ? [
            `- idle after the last phase: RSS ${idle.map((r) => r.toFixed(0)).join(', ')} MB (one sample a second; last ${idle[idle.length - 1]?.toFixed(1)} MB)`,
          ]
        : []),
      `- SIGTERM to exit: ${stopMs.toFixed(0)} ms`,
      '',
      ...(memory.length > 0
        ? ['Memory by phase (MB; "committed" is physical pages):', '', memoryTable(memory), '']
        : []),
      heap,
    ].join('\n');
    process.stdout.write(`\n${markdown}`);
    await mkdir(new URL('./out/', import.meta.url), { recursive: true });
    await writeFile(OUT, markdown);
    process.stderr.write('[soak] written to bench/out/soak.md\n');
    if (rows.some((r) => r.serverErrors > 0 || r.unexpected > 0)) process.exitCode = 1;
  } finally {
    await stopServer(server);
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`[soak] ${(error as Error).message}\n`);
  process.exitCode = 1;
}
