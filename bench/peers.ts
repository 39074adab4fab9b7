// The mock against the floor and its peers, run by hand: `npm run bench:peers` (options after `--`). Never part of
// the tests. One request stream for every server: 10 connections, POST /v1/evaluate with a fresh idempotency key
// (and orderId) per request, loopback only. Servers: raw node:http answering a constant body (the floor), the
// validating floor (bench/validating-floor.js: node:http that parses, checks the body against the contract and keeps
// an order, the least a validating server does), a bare Express 5 stub, the mock (compiled, as `npm start` runs it), Prism mock on contracts/openapi.yaml, WireMock
// standalone serving a static stub, and the Mockoon CLI on contracts/openapi.yaml. Rounds are interleaved (each
// round runs every server once, in a rotated order) so a noisy neighbour hurts all alike; the report gives medians
// over the rounds and ratios to raw node:http.
//
// WireMock and Mockoon are installed on demand at pinned versions into .scratch/peers (gitignored), not into
// package.json. A server that cannot start is reported, not fatal.
//
// Options: --rounds n (3), --duration s per load (5), --starts n extra cold starts per round (2), --only a,b (names
// or keys: raw, floor, express, mock, prism, wiremock, mockoon), --mock name=path/to/dist/mock/cli.js (repeatable: another
// build of the mock in the same run, for a before/after), --raw-busy µs (repeatable: raw node:http spinning that
// long per request, to see what a given CPU cost per request allows on this machine).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Probe, waitForFirst200 } from './http.js';
import { CONNECTIONS, type LoadResult, runLoad } from './load.js';
import {
  freePort,
  installCleanup,
  MOCK_NODE_FLAGS,
  prismLaunch,
  runBench,
  type SpawnedServer,
  spawnServer,
  stopServer,
  treeCpuMs,
  treeRssMb,
  type UrlReader,
  urlInLine,
} from './processes.js';
import { median } from './report.js';
import { evaluateBody, evaluateHeaders, prepareMock, TOKEN_PROBE } from './workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONTRACT = `${ROOT}contracts/openapi.yaml`;
const PEERS_DIR = `${ROOT}.scratch/peers`;
const OUT_FILE = `${ROOT}bench/out/peers.md`;
/** Pinned peer versions, installed into PEERS_DIR when missing. */
const PEER_PACKAGES = { wiremock: '3.13.2', '@mockoon/cli': '9.9.0' } as const;
const WIREMOCK_JAR = `${PEERS_DIR}/node_modules/wiremock/build/wiremock-standalone-${PEER_PACKAGES.wiremock}.jar`;

/** The first request of every static server: one evaluate, as the load sends it. */
const EVALUATE_PROBE = (): Probe => ({
  method: 'POST',
  path: '/v1/evaluate',
  headers: evaluateHeaders(),
  body: JSON.parse(evaluateBody()),
});

interface Launch {
  cmd: string;
  args: string[];
  readUrl: UrlReader | string;
}

interface Target {
  key: string;
  name: string;
  /** Non-2xx answers under load are an error for the mock, a note for a peer (it answers from examples). */
  strict: boolean;
  launch(): Promise<Launch>;
  probe(): Probe;
  /** Headers for the load (the mock needs a bearer token first). */
  prepare(origin: string): Promise<Record<string, string>>;
}

interface Sample {
  startMs: number[];
  /** CPU time the server (and its children) used up to its first answer. */
  startCpuMs: number[];
  load?: LoadResult;
  rssMb?: number;
  /** Server CPU time per answered request under the load (warm-up included), in µs. */
  cpuUsPerRequest?: number;
  /** Server CPU time over the load's wall time: near 100 % the server is the bottleneck, well below it the load is. */
  busyShare?: number;
}

interface Outcome {
  target: Target;
  rounds: Sample[];
  notes: string[];
  failed?: string;
}

const staticPrepare = async () => evaluateHeaders();

function nodeTarget(key: string, name: string, script: string, extraArgs: string[] = []): Target {
  return {
    key,
    name,
    strict: true,
    launch: async () => ({ cmd: process.execPath, args: [script, ...extraArgs], readUrl: urlInLine }),
    probe: EVALUATE_PROBE,
    prepare: staticPrepare,
  };
}

function mockTarget(key: string, name: string, cli: string): Target {
  return {
    key,
    name,
    strict: true,
    launch: async () => ({
      cmd: process.execPath,
      args: [...MOCK_NODE_FLAGS, cli, '--port', '0', '--seed', '1'],
      readUrl: urlInLine,
    }),
    probe: () => TOKEN_PROBE,
    prepare: async (origin) => (await prepareMock(origin)).headers,
  };
}

/** A WireMock root folder with one static stub for POST /v1/evaluate (the body the raw server sends). */
function wiremockRoot(): string {
  const root = `${ROOT}.scratch/wiremock-root`;
  mkdirSync(`${root}/mappings`, { recursive: true });
  // The same reply raw node:http sends.
  const body: unknown = JSON.parse(readFileSync(`${ROOT}bench/evaluate-reply.json`, 'utf8'));
  writeFileSync(
    `${root}/mappings/evaluate.json`,
    JSON.stringify({
      request: { method: 'POST', url: '/v1/evaluate' },
      response: { status: 200, jsonBody: body, headers: { 'Content-Type': 'application/json' } },
    }),
  );
  return root;
}

const PEERS: Target[] = [
  {
    key: 'prism',
    name: 'Prism mock',
    strict: false,
    launch: () => prismLaunch(ROOT, CONTRACT),
    probe: EVALUATE_PROBE,
    prepare: staticPrepare,
  },
  {
    key: 'wiremock',
    name: `WireMock ${PEER_PACKAGES.wiremock} standalone`,
    strict: true,
    launch: async () => {
      const port = await freePort();
      return {
        cmd: 'java',
        args: [
          '-jar',
          WIREMOCK_JAR,
          '--port',
          String(port),
          '--bind-address',
          '127.0.0.1',
          '--root-dir',
          wiremockRoot(),
          '--disable-banner',
        ],
        readUrl: `http://127.0.0.1:${port}`,
      };
    },
    probe: EVALUATE_PROBE,
    prepare: staticPrepare,
  },
  {
    key: 'mockoon',
    name: `Mockoon CLI ${PEER_PACKAGES['@mockoon/cli']}`,
    strict: false,
    launch: async () => {
      const port = await freePort();
      return {
        cmd: `${PEERS_DIR}/node_modules/.bin/mockoon-cli`,
        args: ['start', '-d', CONTRACT, '-p', String(port), '-l', '127.0.0.1', '-X'],
        readUrl: `http://127.0.0.1:${port}`,
      };
    },
    probe: EVALUATE_PROBE,
    prepare: staticPrepare,
  },
];

/** Install the pinned peers into PEERS_DIR unless they are there; a failure is returned, not thrown. */
function installPeers(): string | undefined {
  const missing = Object.entries(PEER_PACKAGES).filter(([name, version]) => {
    const manifest = `${PEERS_DIR}/node_modules/${name}/package.json`;
    return !existsSync(manifest) || JSON.parse(readFileSync(manifest, 'utf8')).version !== version;
  });
  if (missing.length === 0) return undefined;
  mkdirSync(PEERS_DIR, { recursive: true });
  if (!existsSync(`${PEERS_DIR}/package.json`)) {
    writeFileSync(`${PEERS_DIR}/package.json`, '{ "name": "bench-peers", "private": true }\n');
  }
  const specs = missing.map(([name, version]) => `${name}@${version}`);
  process.stderr.write(`[peers] installing ${specs.join(' ')} into .scratch/peers\n`);
  const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', ...specs], {
    cwd: PEERS_DIR,
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: 300_000,
  });
  return npm.status === 0 ? undefined : `npm install failed: ${(npm.stderr ?? '').slice(-500)}`;
}

async function startOnce(target: Target): Promise<{ server: SpawnedServer; ms: number; cpuMs: number }> {
  const { cmd, args, readUrl } = await target.launch();
  const server = await spawnServer(cmd, args, readUrl);
  try {
    const ms = await waitForFirst200(server, target.probe());
    return { server, ms, cpuMs: treeCpuMs(server.pid) };
  } catch (error) {
    await stopServer(server);
    throw error;
  }
}

/** One round for one target: `starts` cold starts, then one more start that takes the evaluate load. */
async function runRound(target: Target, starts: number, durationSeconds: number, notes: string[]) {
  const sample: Sample = { startMs: [], startCpuMs: [] };
  for (let i = 0; i < starts; i++) {
    const { server, ms, cpuMs } = await startOnce(target);
    sample.startMs.push(ms);
    sample.startCpuMs.push(cpuMs);
    await stopServer(server);
  }
  const { server, ms, cpuMs } = await startOnce(target);
  sample.startMs.push(ms);
  sample.startCpuMs.push(cpuMs);
  try {
    const headers = await target.prepare(server.origin);
    const cpuBefore = treeCpuMs(server.pid);
    const wallBefore = performance.now();
    sample.load = await runLoad({
      origin: server.origin,
      method: 'POST',
      path: '/v1/evaluate',
      headers,
      makeBody: evaluateBody,
      durationSeconds,
    });
    const cpuUsed = treeCpuMs(server.pid) - cpuBefore;
    const answered = Object.values(sample.load.statuses).reduce((sum, n) => sum + n, 0);
    if (answered > 0) sample.cpuUsPerRequest = (cpuUsed * 1000) / answered;
    sample.busyShare = cpuUsed / (performance.now() - wallBefore);
    sample.rssMb = treeRssMb(server.pid);
    const { non2xx, errors, statuses } = sample.load;
    if (non2xx > 0 || errors > 0) {
      const message = `${non2xx} non-2xx, ${errors} connection errors (${JSON.stringify(statuses)})`;
      if (target.strict) throw new Error(message);
      notes.push(message);
    }
  } finally {
    await stopServer(server);
  }
  return sample;
}

const fmt = (value: number | undefined, digits = 0) =>
  value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);

interface Summary {
  name: string;
  rps?: number;
  p99?: number;
  startMs?: number;
  startCpuMs?: number;
  rssMb?: number;
  cpuUs?: number;
  busy?: number;
  failed?: string;
}

function summarize(outcome: Outcome): Summary {
  const loads = outcome.rounds.flatMap((r) => (r.load ? [r.load] : []));
  return {
    name: outcome.target.name,
    rps: median(loads.map((l) => l.rps)),
    p99: median(loads.map((l) => l.p99)),
    startMs: median(outcome.rounds.flatMap((r) => r.startMs)),
    startCpuMs: median(outcome.rounds.flatMap((r) => r.startCpuMs)),
    rssMb: median(outcome.rounds.flatMap((r) => (r.rssMb === undefined ? [] : [r.rssMb]))),
    cpuUs: median(
      outcome.rounds.flatMap((r) => (r.cpuUsPerRequest === undefined ? [] : [r.cpuUsPerRequest])),
    ),
    busy: median(outcome.rounds.flatMap((r) => (r.busyShare === undefined ? [] : [r.busyShare]))),
    ...(outcome.failed ? { failed: outcome.failed } : {}),
  };
}

function buildReport(outcomes: Outcome[], options: { rounds: number; duration: number; starts: number }) {
  const rows = outcomes.map(summarize);
  const raw = rows.find((r) => r.name === 'raw node:http');
  const ratio = (a?: number, b?: number) => (a !== undefined && b ? `${(a / b).toFixed(2)}×` : '—');
  const lines = [
    `# bench:peers — ${new Date().toISOString()}`,
    '',
    `Node ${process.version}, ${availableParallelism()} cores; ${CONNECTIONS} connections, POST /v1/evaluate with a ` +
      `fresh idempotency key per request; ${options.rounds} interleaved rounds of 1 s warm-up + ${options.duration} s ` +
      `load; start = spawn → first 200, ${options.starts + 1} starts per round. Medians over the rounds.`,
    '',
    '| server | evaluate req/s | × raw | p99 ms | server CPU µs/request | server busy | start ms | start − raw ms | start CPU ms | RSS after load MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) =>
      r.failed
        ? `| ${r.name} | could not run: ${r.failed.split('\n')[0]?.slice(0, 160)} | | | | | | | | |`
        : `| ${r.name} | ${fmt(r.rps)} | ${ratio(r.rps, raw?.rps)} | ${fmt(r.p99, 2)} | ${fmt(r.cpuUs)} | ` +
          `${r.busy === undefined ? '—' : `${Math.round(r.busy * 100)} %`} | ${fmt(r.startMs)} | ` +
          `${raw?.startMs !== undefined && r.startMs !== undefined ? fmt(r.startMs - raw.startMs) : '—'} | ` +
          `${fmt(r.startCpuMs)} | ${fmt(r.rssMb, 1)} |`,
    ),
    '',
    "Server busy is its CPU time over the load's wall time (one core = 100 %): a server well below 100 % was waiting for " +
      'the load generator, which shares the machine, so its req/s measure the generator more than the server.',
    '',
    '## Each round',
    '',
    '| server | round | req/s | p99 ms | starts ms | start CPU ms | RSS MB |',
    '| --- | ---: | ---: | ---: | --- | --- | ---: |',
    ...outcomes.flatMap((o) =>
      o.rounds.map(
        (s, i) =>
          `| ${o.target.name} | ${i + 1} | ${fmt(s.load?.rps)} | ${fmt(s.load?.p99, 2)} | ` +
          `${s.startMs.map((m) => fmt(m)).join(', ')} | ${s.startCpuMs.map((m) => fmt(m)).join(', ')} | ${fmt(s.rssMb, 1)} |`,
      ),
    ),
  ];
  const notes = outcomes.flatMap((o) => o.notes.map((n) => `- ${o.target.name}: ${n}`));
  if (notes.length > 0) lines.push('', '## Notes', '', ...[...new Set(notes)]);
  const isMock = (key: string) => key === 'mock' || key.startsWith('mock:');
  const mocks = rows.filter((r) => isMock(keyOf(outcomes, r.name)));
  const peers = rows.filter((r) => !isMock(keyOf(outcomes, r.name)) && r !== raw && r.rps !== undefined);
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  if (raw?.rps && raw.startMs !== undefined && raw.p99 !== undefined) {
    lines.push('', '## Against the targets', '');
    for (const m of mocks) {
      if (m.rps === undefined || m.startMs === undefined || m.p99 === undefined) continue;
      const each = peers.map((p) => `${ratio(m.rps, p.rps)} ${p.name}`).join(', ');
      const beatsAll = peers.every((p) => m.rps !== undefined && m.rps >= 1.5 * (p.rps ?? 0));
      const vsPeers = each ? `${each} (target ≥ 1.5× each: ${verdict(beatsAll)}); ` : '';
      lines.push(
        `- ${m.name}: throughput ${ratio(m.rps, raw.rps)} raw (target ≥ 0.5×: ${verdict(m.rps >= 0.5 * raw.rps)}); ` +
          vsPeers +
          `start ${fmt(m.startMs)} ms = raw + ${fmt(m.startMs - raw.startMs)} ms (target ≤ raw + 100: ${verdict(m.startMs <= raw.startMs + 100)}); ` +
          `p99 ${fmt(m.p99, 2)} ms, allowed ${fmt(2 * raw.p99 + 2, 2)} (${verdict(m.p99 <= 2 * raw.p99 + 2)})`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function keyOf(outcomes: Outcome[], name: string): string {
  return outcomes.find((o) => o.target.name === name)?.target.key ?? '';
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '5' },
      starts: { type: 'string', default: '2' },
      only: { type: 'string' },
      mock: { type: 'string', multiple: true, default: [] },
      'raw-busy': { type: 'string', multiple: true, default: [] },
    },
  });
  const whole = (name: string, value: string, min: number, max: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`--${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
  const extraMocks = values.mock.map((spec) => {
    const at = spec.indexOf('=');
    if (at < 1) throw new Error(`--mock wants name=path/to/dist/mock/cli.js, got ${spec}`);
    const path = spec.slice(at + 1);
    if (!existsSync(path)) throw new Error(`--mock ${spec}: ${path} does not exist`);
    return { name: spec.slice(0, at), path };
  });
  return {
    rounds: whole('rounds', values.rounds, 1, 20),
    duration: whole('duration', values.duration, 1, 60),
    starts: whole('starts', values.starts, 0, 20),
    only: values.only?.split(',').map((s) => s.trim()),
    extraMocks,
    rawBusy: values['raw-busy'].map((v) => whole('raw-busy', v, 1, 100_000)),
  };
}

async function main(): Promise<void> {
  installCleanup();
  const options = parseOptions();
  const mockCli = `${ROOT}dist/mock/cli.js`;
  if (!existsSync(mockCli))
    throw new Error('dist/mock/cli.js is missing: run `npm run build` (npm run bench:peers does)');
  const targets: Target[] = [
    nodeTarget('raw', 'raw node:http', `${ROOT}bench/raw-http.js`),
    ...options.rawBusy.map((us) =>
      nodeTarget(`raw-busy:${us}`, `raw node:http + ${us} µs of work`, `${ROOT}bench/raw-http.js`, [
        '--busy-us',
        String(us),
      ]),
    ),
    // Under the mock's own V8 flags, so the two differ only in the work they do.
    {
      ...nodeTarget('floor', 'validating floor', `${ROOT}bench/validating-floor.js`),
      launch: async () => ({
        cmd: process.execPath,
        args: [...MOCK_NODE_FLAGS, `${ROOT}bench/validating-floor.js`],
        readUrl: urlInLine,
      }),
    },
    nodeTarget('express', 'bare Express 5', `${ROOT}bench/bare-express.js`),
    mockTarget('mock', 'mock', mockCli),
    ...options.extraMocks.map((m) => mockTarget(`mock:${m.name}`, `mock (${m.name})`, m.path)),
    ...PEERS,
  ].filter(
    (t) =>
      !options.only ||
      options.only.includes(t.key.split(':')[0] as string) ||
      options.only.includes(t.name) ||
      t.key === 'raw' ||
      t.key.startsWith('raw-busy:'),
  );
  const outcomes: Outcome[] = targets.map((target) => ({ target, rounds: [], notes: [] }));
  const needsPeers = targets.some((t) => t.key === 'wiremock' || t.key === 'mockoon');
  const installError = needsPeers ? installPeers() : undefined;
  for (const outcome of outcomes) {
    if (installError && (outcome.target.key === 'wiremock' || outcome.target.key === 'mockoon')) {
      outcome.failed = installError;
    }
  }
  for (let round = 0; round < options.rounds; round++) {
    // Rotate the order each round so no server always runs first (or right after the heaviest one).
    const order = outcomes.map((_, i) => outcomes[(i + round) % outcomes.length] as Outcome);
    for (const outcome of order) {
      if (outcome.failed) continue;
      const { target } = outcome;
      process.stderr.write(`[peers] round ${round + 1}/${options.rounds}: ${target.name}\n`);
      try {
        outcome.rounds.push(await runRound(target, options.starts, options.duration, outcome.notes));
      } catch (error) {
        outcome.failed = (error as Error).message;
        process.stderr.write(`[peers] ${target.name} could not run: ${outcome.failed}\n`);
      }
    }
  }
  const report = buildReport(outcomes, options);
  process.stdout.write(`\n${report}`);
  mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
  writeFileSync(OUT_FILE, report);
  process.stderr.write('[peers] report written to bench/out/peers.md\n');
}

await runBench('peers', main);
