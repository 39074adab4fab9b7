// Memory and latency under abuse, run by hand: `npm run bench:abuse` (builds first). Never part of the tests.
// Each abuse gets its own mock: the compiled CLI started with the exact Node flags of `npm start` (read from
// package.json), on loopback, port 0. While the abuse runs (bounded in requests and seconds) a probe sends one
// normal request at a time (GET /__admin/health) and RSS is sampled from /proc. A child that dies is a finding,
// reported with its last output lines; the bench itself goes on to the next abuse.

import { createHash, createHmac, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request as httpRequest, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { DEFAULT_MERCHANT } from '../mock/credentials.js';
import {
  installCleanup,
  type SpawnedServer,
  spawnServer,
  stopAllServers,
  stopServer,
  treeRssMb,
  urlInLine,
} from './processes.js';
import { evaluateBody, prepareMock, session, TOKEN_PROBE } from './workload.js';

const ROOT = new URL('..', import.meta.url).pathname;
const RESULTS = `${ROOT}bench/RESULTS.md`;
const BEGIN = '<!-- abuse:begin -->';
const END = '<!-- abuse:end -->';
const WORKERS = 4;
const REQUEST_TIMEOUT_MS = 10_000;
const SAMPLE_EVERY_MS = 200;
/** Peak RSS above this share of --max-old-space-size leaves too little headroom. */
const HEADROOM_SHARE = 0.75;
/** A normal request slower than this (p99) while the abuse runs means the abuse stalls everyone. */
const STALL_MS = 2_000;

/** `npm start`'s Node flags: every `--flag` between `node` and the script in package.json's start script. */
export function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { scripts: Record<string, string> };
  const match = /\bnode\s+((?:--\S+\s+)*)dist\/mock\/cli\.js/.exec(pkg.scripts.start ?? '');
  if (!match)
    throw new Error(
      `package.json's start script has no "node [flags] dist/mock/cli.js": ${pkg.scripts.start}`,
    );
  return (match[1] ?? '').trim().split(/\s+/).filter(Boolean);
}

interface Reply {
  status: number;
  body: string;
  ms: number;
}

/** One request; never throws (a transport failure is status 0, its message the body). */
function call(
  origin: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: unknown,
  agent?: Agent,
): Promise<Reply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const all: Record<string, string> = { accept: 'application/json', ...headers };
  if (payload !== undefined) {
    all['content-type'] = 'application/json';
    all['content-length'] = String(Buffer.byteLength(payload));
  }
  const started = performance.now();
  return new Promise((resolve) => {
    const done = (status: number, text: string) =>
      resolve({ status, body: text, ms: performance.now() - started });
    const req = httpRequest(
      new URL(path, origin),
      { method, headers: all, agent: agent ?? false, timeout: REQUEST_TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
        res.on('error', (e) => done(0, e.message));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => done(0, e.message));
    req.end(payload);
  });
}

interface Target {
  server: SpawnedServer;
  origin: string;
  agent: Agent;
  /** Set when the child exits during the abuse. */
  died: string | null;
}

interface Abuse {
  name: string;
  /** What one abusive request is; `i` counts from 0. Setup runs once before the clock starts. */
  setup?: (t: Target) => Promise<unknown>;
  send: (t: Target, i: number, state: unknown) => Promise<Reply>;
  maxRequests: number;
  /** A finding read from the answers (e.g. forged tokens accepted), or null. */
  judge?: (counts: Map<number, number>) => string | null;
  teardown?: (state: unknown) => Promise<void>;
}

export interface AbuseRow {
  name: string;
  sent: number;
  statuses: string;
  seconds: number;
  rssStart: number;
  rssPeak: number;
  rssEnd: number;
  probeP99: number;
  probeMax: number;
  probes: number;
  probeFailed: number;
  verdict: string;
}

function p99(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] ?? Number.NaN;
}

function statusCounts(counts: Map<number, number>): string {
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([status, n]) => `${status === 0 ? 'no answer' : status}×${n}`)
    .join(', ');
}

async function runAbuse(abuse: Abuse, flags: string[], heapMb: number, seconds: number): Promise<AbuseRow> {
  const server = await spawnServer(
    process.execPath,
    [...flags, `${ROOT}dist/mock/cli.js`, '--port', '0'],
    urlInLine,
  );
  const target: Target = {
    server,
    origin: server.origin,
    agent: new Agent({ keepAlive: true, maxSockets: WORKERS }),
    died: null,
  };
  server.child.once('exit', (code, signal) => {
    // V8's own verdict ("FATAL ERROR: Reached heap limit …") says more than the stack frames printed after it.
    const lines = server.output().split('\n');
    const last =
      lines.find((l) => /FATAL ERROR|out of memory/i.test(l)) ??
      lines.filter((l) => /error/i.test(l)).at(-1) ??
      '';
    target.died = `exited (code ${code}, signal ${signal})${last ? `: ${last.trim().slice(0, 120)}` : ''}`;
  });
  let state: unknown;
  try {
    state = await abuse.setup?.(target);
    const rssStart = treeRssMb(server.pid);
    let rssPeak = rssStart;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, treeRssMb(server.pid));
    }, SAMPLE_EVERY_MS);
    const deadline = performance.now() + seconds * 1000;
    const counts = new Map<number, number>();
    let next = 0;
    const worker = async () => {
      while (next < abuse.maxRequests && performance.now() < deadline && !target.died) {
        const reply = await abuse.send(target, next++, state);
        counts.set(reply.status, (counts.get(reply.status) ?? 0) + 1);
      }
    };
    const probes: number[] = [];
    let probeFailed = 0;
    let abusing = true;
    const probe = async () => {
      while (abusing && !target.died) {
        const reply = await call(target.origin, 'GET', '/__admin/health');
        if (reply.status === 200) probes.push(reply.ms);
        else probeFailed += 1;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const started = performance.now();
    const probing = probe();
    await Promise.all(Array.from({ length: WORKERS }, worker));
    const took = (performance.now() - started) / 1000;
    abusing = false;
    await probing;
    clearInterval(sampler);
    const rssEnd = target.died ? 0 : treeRssMb(server.pid);
    rssPeak = Math.max(rssPeak, rssEnd);
    const memory = target.died
      ? `CRASHED: ${target.died}`
      : rssPeak > heapMb
        ? `RSS over the ${heapMb} MB limit`
        : rssPeak > heapMb * HEADROOM_SHARE
          ? `RSS under ${heapMb} MB, headroom < ${Math.round((1 - HEADROOM_SHARE) * 100)}%`
          : null;
    const findings = [
      memory,
      counts.get(0)
        ? `${counts.get(0)} abusive requests unanswered within ${REQUEST_TIMEOUT_MS / 1000} s`
        : null,
      p99(probes) > STALL_MS ? `normal requests stall (p99 ${Math.round(p99(probes))} ms)` : null,
      probeFailed > 0 ? `${probeFailed} probes failed` : null,
      abuse.judge?.(counts) ?? null,
    ].filter((x): x is string => x !== null);
    const verdict =
      findings.length > 0 ? findings.join('; ') : `ok (${Math.round(heapMb - rssPeak)} MB headroom)`;
    return {
      name: abuse.name,
      sent: next,
      statuses: statusCounts(counts),
      seconds: took,
      rssStart,
      rssPeak,
      rssEnd,
      probeP99: p99(probes),
      probeMax: probes.length > 0 ? Math.max(...probes) : Number.NaN,
      probes: probes.length,
      probeFailed,
      verdict,
    };
  } finally {
    target.agent.destroy();
    await abuse.teardown?.(state);
    await stopServer(server);
  }
}

/** A JWT-shaped token of about `size` bytes, HS256-signed with `key` (a forgery when the key is guessable). */
function jwt(key: Buffer, claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${head}.${createHmac('sha256', key).update(head).digest('base64url')}`;
}

async function evaluateWithFreshToken(t: Target): Promise<Reply> {
  const token = await call(t.origin, 'POST', '/v1/oauth2/token', {}, TOKEN_PROBE.body, t.agent);
  if (token.status !== 200) return token;
  const bearer = `Bearer ${(JSON.parse(token.body) as { accessToken: string }).accessToken}`;
  return call(
    t.origin,
    'POST',
    '/v1/evaluate',
    { authorization: bearer },
    JSON.parse(evaluateBody()),
    t.agent,
  );
}

/** A loopback receiver that accepts every webhook and never answers (its sockets are destroyed at the end). */
function hangingReceiver(): Promise<{ server: Server; url: string; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer(() => {});
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({ server, url: `http://127.0.0.1:${port}/hook`, sockets });
    }),
  );
}

const ABUSES: Abuse[] = [
  {
    name: 'order listing loop (60 orders, GET /v1/orders?pageSize=100)',
    maxRequests: 6_000,
    setup: async (t) => {
      await prepareMock(t.origin);
      for (let i = 0; i < 60; i++)
        await call(
          t.origin,
          'POST',
          '/v1/evaluate',
          { authorization: session.bearer },
          JSON.parse(evaluateBody()),
        );
      return session.bearer;
    },
    send: (t, _i, bearer) =>
      call(t.origin, 'GET', '/v1/orders?pageSize=100', { authorization: String(bearer) }, undefined, t.agent),
  },
  {
    name: 'token flood (12,000 distinct 15 KB tokens, 90% forged with the seed key)',
    maxRequests: 12_000,
    judge: (counts) => (counts.get(200) ? `${counts.get(200)} forged tokens accepted` : null),
    setup: async (t) => {
      const seed = (JSON.parse((await call(t.origin, 'GET', '/__admin/seed')).body) as { seed?: number })
        .seed;
      return createHash('sha256')
        .update(`flexfactor-mock-signing-key:${seed ?? 1}`)
        .digest();
    },
    send: (t, i, key) => {
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        'custom:mid': DEFAULT_MERCHANT.mid,
        nbf: now - 60,
        exp: now + 3_600,
        pad: `${i}:${'x'.repeat(11_000)}`,
      };
      // Nine in ten forged (what fills a cache of verified tokens), one in ten signed with a random key.
      const token = i % 10 !== 9 ? jwt(key as Buffer, claims) : jwt(randomBytes(32), claims);
      return call(
        t.origin,
        'GET',
        '/v1/orders?pageSize=1',
        { authorization: `Bearer ${token}` },
        undefined,
        t.agent,
      );
    },
  },
  {
    name: 'session flood (20,000 new x-mock-session values, POST /v1/oauth2/token)',
    maxRequests: 20_000,
    send: (t, i) =>
      call(
        t.origin,
        'POST',
        '/v1/oauth2/token',
        { 'x-mock-session': `flood-${i}-${'s'.repeat(48)}` },
        { AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret },
        t.agent,
      ),
  },
  {
    name: 'webhook receiver flood (3,000 hanging loopback receivers, evaluate + clock/advance)',
    maxRequests: 3_300,
    setup: async (t) => {
      await prepareMock(t.origin);
      return hangingReceiver();
    },
    send: (t, i, receiver) => {
      const r = receiver as { url: string };
      // Every 10th request makes events for the receivers and moves the clock so deliveries come due.
      // Moving the clock expires tokens (600 s), so each evaluate fetches a fresh one first.
      if (i % 20 === 19) return call(t.origin, 'POST', '/__admin/clock/advance', {}, { by: '1h' }, t.agent);
      if (i % 20 === 9) return evaluateWithFreshToken(t);
      return call(
        t.origin,
        'POST',
        '/__admin/webhooks/receivers',
        {},
        { url: `${r.url}/${i}`, mid: DEFAULT_MERCHANT.mid },
        t.agent,
      );
    },
    teardown: async (receiver) => {
      const r = receiver as { server: Server; sockets: Set<Socket> } | undefined;
      if (!r) return;
      for (const s of r.sockets) s.destroy();
      await new Promise((done) => r.server.close(() => done(undefined)));
    },
  },
];

function table(rows: AbuseRow[], flags: string[], seconds: number): string {
  const n = (v: number) => (Number.isNaN(v) ? '–' : v.toFixed(0));
  return [
    `Mock: \`node ${flags.join(' ')} dist/mock/cli.js --port 0\` (npm start's flags), ${WORKERS} abusive connections,`,
    `at most ${seconds} s per abuse; probe: one \`GET /__admin/health\` at a time, 50 ms apart, during the abuse.`,
    '',
    '| abuse | requests | answers | s | RSS start MB | RSS peak MB | RSS end MB | probes | probe p99 ms | probe max ms | probe failures | verdict |',
    '| --- | --: | --- | --: | --: | --: | --: | --: | --: | --: | --: | --- |',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.sent} | ${r.statuses} | ${r.seconds.toFixed(1)} | ${n(r.rssStart)} | ${n(r.rssPeak)} | ${n(r.rssEnd)} | ${r.probes} | ${n(r.probeP99)} | ${n(r.probeMax)} | ${r.probeFailed} | ${r.verdict} |`,
    ),
  ].join('\n');
}

/** Replace the section between the abuse markers in bench/RESULTS.md (append it the first time). */
function writeResults(markdown: string, heading: string): void {
  const text = readFileSync(RESULTS, 'utf8');
  const section = `${BEGIN}\n${heading}\n\n${markdown}\n${END}`;
  const from = text.indexOf(BEGIN);
  const to = text.indexOf(END);
  const next =
    from !== -1 && to > from
      ? `${text.slice(0, from)}${section}${text.slice(to + END.length)}`
      : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(RESULTS, next);
}

async function main(): Promise<void> {
  installCleanup();
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '120' },
      only: { type: 'string' },
      write: { type: 'boolean', default: false },
      label: { type: 'string', default: '' },
    },
  });
  const seconds = Number(values.duration);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 300)
    throw new Error('--duration: 1 to 300 seconds');
  const flags = startFlags();
  const heapFlag = flags.find((f) => f.startsWith('--max-old-space-size='));
  const heapMb = heapFlag ? Number(heapFlag.split('=')[1]) : Number.NaN;
  if (!Number.isFinite(heapMb)) throw new Error(`npm start sets no --max-old-space-size: ${flags.join(' ')}`);
  const rows: AbuseRow[] = [];
  for (const abuse of ABUSES.filter((a) => !values.only || a.name.includes(values.only))) {
    process.stderr.write(`[abuse] ${abuse.name}\n`);
    try {
      rows.push(await runAbuse(abuse, flags, heapMb, seconds));
    } catch (error) {
      rows.push({
        name: abuse.name,
        sent: 0,
        statuses: '',
        seconds: 0,
        rssStart: Number.NaN,
        rssPeak: Number.NaN,
        rssEnd: Number.NaN,
        probeP99: Number.NaN,
        probeMax: Number.NaN,
        probes: 0,
        probeFailed: 0,
        verdict: `bench could not run it: ${(error as Error).message.split('\n')[0]}`,
      });
    }
    process.stderr.write(`[abuse]   ${rows.at(-1)?.verdict}\n`);
  }
  const markdown = table(rows, flags, seconds);
  process.stdout.write(`\n${markdown}\n`);
  if (values.write) {
    writeResults(markdown, `## \`npm run bench:abuse\`${values.label ? ` (${values.label})` : ''}`);
    process.stderr.write('[abuse] written to bench/RESULTS.md\n');
  }
  if (rows.some((r) => !r.verdict.startsWith('ok'))) process.exitCode = 1;
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  })
  .finally(() => stopAllServers());
