// Scenario benchmark, run by hand: `node --import tsx bench/scenarios.ts [--duration 5] [--rounds 2]`.
// 1. Load time: 1,000 generated scenario files, loaded cold (first load in the process: YAML parser and schema
//    validator included) and again from scratch (no cache). Target: under 500 ms.
// 2. Matching cost: POST /v1/evaluate throughput against two servers, one with 10 and one with 1,000 scenario files
//    loaded (same run, alternating rounds), every request choosing two of them with x-mock-scenario (one matches and
//    drives the outcome, one is checked and does not match). Target: under 10 % loss. A run without any scenario
//    header is reported too, for the cost of choosing at all.
// Prints a markdown report and writes it to bench/out/scenarios.md.

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { Contract } from '../mock/contract/contract.js';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { createApp } from '../mock/http/app.js';
import { listen } from '../mock/http/server.js';
import { loadScenarioFolders } from '../mock/scenarios/loader.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const OUT_FILE = join(ROOT, 'bench', 'out', 'scenarios.md');
const CONNECTIONS = 10;
const HEADER_NAMES = 'bench-miss, bench-hit';

/** A folder of `count` scenario files: the two the load uses, and fillers of every kind spread over the operations. */
function generate(count: number): string {
  const dir = mkdtempSync(join(tmpdir(), `ffmock-bench-${count}-`));
  const header = '# yaml-language-server: $schema=scenario.schema.json\n';
  writeFileSync(
    join(dir, 'bench-hit.yaml'),
    `${header}description: evaluate decides as if the approved test card were sent.\nsource: invented\nmatch:\n  operation: evaluate\n  body:\n    isDeclined: true\nstate:\n  evaluateAs: approved\n`,
  );
  writeFileSync(
    join(dir, 'bench-miss.yaml'),
    `${header}description: evaluate of exactly 19999 cents gets 503 (never in this load).\nsource: invented\nmatch:\n  operation: evaluate\n  headers:\n    x-bench: { present: true }\n  body:\n    transaction.amount: 19999\nrespond:\n  error: '503001'\n`,
  );
  const operations = ['evaluate', 'captureOrder', 'getOrder', 'listOrders', 'refundOrder', 'createToken'];
  const codes = ['500001', '502001', '503001', '504001', '429001', '401004'];
  for (let i = 0; i < count - 2; i++) {
    const op = operations[i % operations.length];
    const code = codes[i % codes.length];
    const kind = i % 4;
    const action =
      kind === 0
        ? `respond:\n  error: '${code}'\n  detail: filler ${i}\n`
        : kind === 1
          ? `delay:\n  distribution: uniform\n  min: ${i % 50}\n  max: ${(i % 50) + 20}\n`
          : kind === 2
            ? `respond:\n  status: 418\n  headers:\n    x-filler: '${i}'\n  body:\n    id: '{{uuid}}'\n    echo: '{{request.body.orderId}}'\n`
            : `applied: true\ntimes: ${1 + (i % 3)}\nfault: reset\n`;
    writeFileSync(
      join(dir, `filler-${String(i).padStart(4, '0')}.yaml`),
      `${header}description: filler scenario ${i} for the benchmark.\nsource: invented\nmatch:\n  operation: ${op}\n  body:\n    transaction.amount: { oneOf: [${i}, ${i + 1}] }\n${action}example:\n  request:\n    method: POST\n    path: /v1/evaluate\n  expect:\n    status: 200\n`,
    );
  }
  return dir;
}

/** Server mode (a child process): listen with exactly this folder's scenarios, print the URL. */
async function serve(dir: string): Promise<void> {
  const app = createApp({
    scenarios: { dirs: [dir], builtIn: false },
    logger: { info() {}, warn() {}, error() {} },
  });
  const count = app.mock.scenarios?.list().length ?? 0;
  const running = await listen(app, { port: 0 });
  process.stdout.write(`listening ${running.url} scenarios=${count}\n`);
}

interface Child {
  process: ChildProcess;
  url: string;
  scenarios: number;
}

function start(dir: string): Promise<Child> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', dir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffer = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = /listening (\S+) scenarios=(\d+)/.exec(buffer);
      if (match) resolve({ process: child, url: String(match[1]), scenarios: Number(match[2]) });
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

async function tokenOf(url: string): Promise<string> {
  const res = await fetch(`${url}/v1/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret }),
  });
  return ((await res.json()) as { accessToken: string }).accessToken;
}

let counter = 0;
function evaluateBody(): string {
  counter += 1;
  const id = `0bde0000-0000-4000-8000-${counter.toString(16).padStart(12, '0')}`;
  return JSON.stringify({
    orderId: `ORDER-${id}`,
    idempotencyKey: id,
    isDeclined: true,
    isMIT: false,
    transaction: { id: `tx-${counter}`, amount: 1500, currency: 'USD', timestampUtc: '2026-06-12T14:30:00Z' },
    payer: { email: 'john@example.com' },
    billingInformation: {
      firstName: 'John',
      lastName: 'Doe',
      country: 'US',
      countryCode: 'US',
      addressLine1: '1 Main St',
      city: 'Austin',
      zipCode: '73301',
    },
    paymentMethod: { cardNumber: '4000009900000020', token: false },
  });
}

interface Load {
  rps: number;
  p99: number;
  non2xx: number;
  errors: number;
}

async function load(url: string, token: string, seconds: number, scenarios: string | null): Promise<Load> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${token}`,
    'x-mock-session': `bench-${Math.random().toString(36).slice(2)}`,
  };
  if (scenarios) headers['x-mock-scenario'] = scenarios;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    timeout: 10,
    warmup: { connections: CONNECTIONS, duration: 1 },
    requests: [
      {
        method: 'POST',
        path: '/v1/evaluate',
        headers,
        setupRequest: (request) => ({ ...request, body: evaluateBody() }),
      },
    ],
  });
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '4' },
      rounds: { type: 'string', default: '2' },
      serve: { type: 'string' },
    },
  });
  if (values.serve) return serve(values.serve);
  const seconds = Number(values.duration);
  const rounds = Number(values.rounds);

  const small = generate(10);
  const large = generate(1000);
  const children: Child[] = [];
  try {
    // Load time, in this process: the first load pays for the YAML parser and the schema validator.
    const operations = [...new Contract().operations.values()].map((op) => ({
      id: op.id,
      method: op.method,
      path: op.path,
    }));
    let started = performance.now();
    const cold = loadScenarioFolders([large], operations);
    const coldMs = performance.now() - started;
    started = performance.now();
    loadScenarioFolders([large], operations);
    const warmMs = performance.now() - started;
    started = performance.now();
    loadScenarioFolders([large], operations, cold.cache);
    const reloadMs = performance.now() - started;
    if (cold.problems.length > 0) throw new Error(`generated files invalid: ${cold.problems[0]?.message}`);

    const a = await start(small);
    const b = await start(large);
    children.push(a, b);
    const tokens = [await tokenOf(a.url), await tokenOf(b.url)];
    const runs: Record<string, Load[]> = { none: [], small: [], large: [] };
    for (let round = 0; round < rounds; round++) {
      runs.small?.push(await load(a.url, tokens[0] as string, seconds, HEADER_NAMES));
      runs.large?.push(await load(b.url, tokens[1] as string, seconds, HEADER_NAMES));
      runs.none?.push(await load(a.url, tokens[0] as string, seconds, null));
    }
    const mean = (list: Load[], key: keyof Load) => list.reduce((sum, l) => sum + l[key], 0) / list.length;
    const row = (name: string, files: number, header: string, list: Load[]) =>
      `| ${name} | ${files} | ${header} | ${mean(list, 'rps').toFixed(0)} | ${mean(list, 'p99').toFixed(2)} | ${list.reduce((s, l) => s + l.non2xx + l.errors, 0)} |`;
    const ratio = mean(runs.large ?? [], 'rps') / mean(runs.small ?? [], 'rps');
    const report = [
      '# Scenario benchmark',
      '',
      `- date: ${new Date().toISOString()}; node ${process.version}; ${CONNECTIONS} connections, 1 s warm-up + ${seconds} s per load, ${rounds} alternating rounds`,
      '',
      `| load time of 1,000 files | ms |`,
      '|---|--:|',
      `| cold (first load in the process, parser and validator included) | ${coldMs.toFixed(1)} |`,
      `| again, from scratch | ${warmMs.toFixed(1)} |`,
      `| hot reload with nothing changed | ${reloadMs.toFixed(1)} |`,
      '',
      '| POST /v1/evaluate | files loaded | x-mock-scenario | req/s | p99 ms | non-2xx + errors |',
      '|---|--:|---|--:|--:|--:|',
      row('no scenario', a.scenarios, '—', runs.none ?? []),
      row('10 files', a.scenarios, HEADER_NAMES, runs.small ?? []),
      row('1,000 files', b.scenarios, HEADER_NAMES, runs.large ?? []),
      '',
      `- 1,000 vs 10 files: ${(ratio * 100).toFixed(1)} % of the throughput (loss ${((1 - ratio) * 100).toFixed(1)} %; target < 10 %): ${ratio > 0.9 ? 'PASS' : 'FAIL'}`,
      `- load of 1,000 files: ${coldMs.toFixed(0)} ms cold (target < 500 ms): ${coldMs < 500 ? 'PASS' : 'FAIL'}`,
      '',
    ].join('\n');
    process.stdout.write(report);
    mkdirSync(join(ROOT, 'bench', 'out'), { recursive: true });
    writeFileSync(OUT_FILE, report);
  } finally {
    for (const child of children) child.process.kill('SIGTERM');
    rmSync(small, { recursive: true, force: true });
    rmSync(large, { recursive: true, force: true });
  }
}

await main();
