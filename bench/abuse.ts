// Memory and latency under abuse, run by hand: `npm run bench:abuse` (builds first). Never part of the tests.
// Each abuse gets its own mock: the compiled CLI started with the exact Node flags of `npm start` (read from
// package.json), on loopback, port 0. While the abuse runs (bounded in requests and seconds) a probe sends one
// normal request at a time (GET /__admin/health) and RSS is sampled from /proc. A child that dies is a finding,
// reported with its last output lines; the bench itself goes on to the next abuse.

import { readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { ABUSES, type Abuse, call, REQUEST_TIMEOUT_MS, type Target } from './abuses.js';
import {
  installCleanup,
  spawnServer,
  stopAllServers,
  stopServer,
  treeRssMb,
  urlInLine,
} from './processes.js';

const ROOT = new URL('..', import.meta.url).pathname;
const RESULTS = `${ROOT}bench/RESULTS.md`;
const BEGIN = '<!-- abuse:begin -->';
const END = '<!-- abuse:end -->';
const WORKERS = 4;
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
