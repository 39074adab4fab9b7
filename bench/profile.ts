// CPU profile of the mock, run by hand: `npm run bench:profile -- startup` or `-- evaluate [--duration 10]`.
// Spawns the compiled mock (as `npm start` runs it) under --cpu-prof, does the work (startup: the first answer;
// evaluate: the benchmark's evaluate load), stops it with SIGTERM so V8 writes the profile, then prints where the
// self time went: by module (a package, a file of ours, node's internals, GC) and by function, then the time of each
// function with its callees (for evaluate also per request: what each stage of the pipeline costs). `--cli` profiles
// another build; `--profile file.cpuprofile` only summarizes an existing profile; `--top n` sets the rows shown.

import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { waitForFirst200 } from './http.js';
import { runLoad } from './load.js';
import {
  installCleanup,
  MOCK_NODE_FLAGS,
  spawnServer,
  stopAllServers,
  stopServer,
  urlInLine,
} from './processes.js';
import { evaluateBody, prepareMock, TOKEN_PROBE } from './workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Row {
  name: string;
  ms: number;
  share: number;
}

/** Where a script URL belongs: an npm package, a file of ours (under dist/), node's own code, or V8 itself. */
export function moduleOf(url: string, functionName: string): string {
  if (url === '') {
    // V8 names its own work in parentheses: (garbage collector), (program), (idle).
    return functionName.startsWith('(') ? functionName : '(native)';
  }
  if (url.startsWith('node:')) return 'node: internals';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1] as string;
  const ours = /\/dist\/(.+)$/.exec(url);
  if (ours) return ours[1] as string;
  return url.replace(/^file:\/\//, '');
}

/** The `// path` line esbuild writes before each module it bundles, by line (0-based); none for other files. */
const BUNDLED = new Map<string, { line: number; path: string }[]>();

function bundledModules(url: string): { line: number; path: string }[] {
  let marks = BUNDLED.get(url);
  if (!marks) {
    marks = [];
    if (url.startsWith('file://') && /\/dist\/mock\/cli[^/]*\.js$/.test(url)) {
      const lines = readFileSync(fileURLToPath(url), 'utf8').split('\n');
      lines.forEach((text, line) => {
        const mark = /^\/\/ (\S+\.c?js|on-first-use:\S+)$/.exec(text);
        if (mark) marks?.push({ line, path: mark[1] as string });
      });
    }
    BUNDLED.set(url, marks);
  }
  return marks;
}

/** moduleOf(), looking inside the bundled CLI (dist/mock/cli*.js) for the module a line came from. */
export function moduleAt(url: string, lineNumber: number, functionName: string): string {
  const marks = bundledModules(url);
  let found: string | undefined;
  for (const mark of marks) {
    if (mark.line > lineNumber) break;
    found = mark.path;
  }
  if (found === undefined) return moduleOf(url, functionName);
  if (found.startsWith('on-first-use:')) return `${found.slice('on-first-use:'.length)} (stand-in)`;
  return moduleOf(`/${found.replace(/^(\.\.\/)+/, '')}`, functionName);
}

/** Self time per node, from the sample stream (each sample's time delta is charged to the node it hit). */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    // The delta before the next sample is the time this one stood for.
    const us = profile.timeDeltas[i + 1] ?? 0;
    self.set(id, (self.get(id) ?? 0) + us);
  }
  return self;
}

function top(totals: Map<string, number>, allUs: number, n: number): Row[] {
  return [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / allUs }));
}

/** A function's name and where it is: its module, and for a bundled one the bundle's file and line. */
function functionLabel({ functionName, url, lineNumber }: ProfileNode['callFrame']): string {
  const module = moduleAt(url, lineNumber, functionName);
  const file = moduleOf(url, functionName);
  const where = url ? `${file}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${module === file ? where || module : `${module} (${where})`}`;
}

/**
 * Self time by module and by function, and inclusive time by function (its own and its callees', each sample counted
 * once per function however deep the recursion), largest first; `(idle)` is left out of the shares.
 */
export function summarize(
  profile: CpuProfile,
  n: number,
): { busyMs: number; modules: Row[]; functions: Row[]; inclusive: Row[] } {
  const self = selfTimes(profile);
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const us = self.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    if (us === 0 || functionName === '(idle)') continue;
    busy += us;
    const module = moduleAt(url, lineNumber, functionName);
    byModule.set(module, (byModule.get(module) ?? 0) + us);
    const fn = functionLabel(node.callFrame);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const seen = new Set<string>();
    for (let at: ProfileNode | undefined = node; at; at = parent.get(at.id)) {
      if (at.callFrame.functionName === '(root)') continue;
      const label = at === node ? fn : functionLabel(at.callFrame);
      if (seen.has(label)) continue;
      seen.add(label);
      inclusive.set(label, (inclusive.get(label) ?? 0) + us);
    }
  }
  return {
    busyMs: busy / 1000,
    modules: top(byModule, busy, n),
    functions: top(byFunction, busy, n),
    inclusive: top(inclusive, busy, n),
  };
}

function table(title: string, rows: Row[], kind = 'self', requests?: number): string {
  const perRequest = (r: Row) => (requests ? ` | ${((r.ms * 1000) / requests).toFixed(1)}` : '');
  const lines = rows.map(
    (r) => `| ${r.name} | ${r.ms.toFixed(1)} | ${(r.share * 100).toFixed(1)} %${perRequest(r)} |`,
  );
  const head = `| ${title} | ${kind} ms | share of busy |${requests ? ' µs per request |' : ''}`;
  return [head, `| --- | ---: | ---: |${requests ? ' ---: |' : ''}`, ...lines].join('\n');
}

/** The report; with `requests` (answered during the profile) the inclusive table also gives µs per request. */
export function report(profile: CpuProfile, n: number, requests?: number): string {
  const { busyMs, modules, functions, inclusive } = summarize(profile, n);
  const wallMs = (profile.endTime - profile.startTime) / 1000;
  return [
    `profiled ${wallMs.toFixed(0)} ms wall, ${busyMs.toFixed(0)} ms busy (not idle)`,
    '',
    table('module', modules),
    '',
    table('function', functions),
    '',
    table('function, with its callees', inclusive, 'inclusive', requests),
    '',
  ].join('\n');
}

async function profileRun(mode: 'startup' | 'evaluate', cli: string, durationSeconds: number) {
  const dir = `${ROOT}.scratch/profiles/${mode}-${process.pid}`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const server = await spawnServer(
    process.execPath,
    [...MOCK_NODE_FLAGS, '--cpu-prof', '--cpu-prof-dir', dir, cli, '--port', '0', '--seed', '1'],
    urlInLine,
  );
  // Evaluate requests answered while profiling (warm-up included), for the per-request column.
  let requests: number | undefined;
  try {
    const ms = await waitForFirst200(server, TOKEN_PROBE);
    process.stderr.write(`[profile] first answer after ${ms.toFixed(0)} ms\n`);
    if (mode === 'evaluate') {
      const prepared = await prepareMock(server.origin);
      const load = await runLoad({
        origin: server.origin,
        method: 'POST',
        path: '/v1/evaluate',
        headers: prepared.headers,
        makeBody: evaluateBody,
        durationSeconds,
      });
      process.stderr.write(`[profile] evaluate ${load.rps.toFixed(0)} req/s, ${load.non2xx} non-2xx\n`);
      requests = Object.values(load.statuses).reduce((sum, count) => sum + count, 0);
    }
  } finally {
    await stopServer(server);
  }
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}: did the mock exit cleanly on SIGTERM?`);
  process.stderr.write(`[profile] ${dir}/${file}\n`);
  return { profile: JSON.parse(readFileSync(`${dir}/${file}`, 'utf8')) as CpuProfile, requests };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      cli: { type: 'string', default: `${ROOT}dist/mock/cli.js` },
      duration: { type: 'string', default: '10' },
      profile: { type: 'string' },
      top: { type: 'string', default: '25' },
    },
  });
  const n = Number(values.top);
  if (values.profile) {
    const profile = JSON.parse(readFileSync(values.profile, 'utf8')) as CpuProfile;
    process.stdout.write(report(profile, n));
    return;
  }
  const mode = positionals[0];
  if (mode !== 'startup' && mode !== 'evaluate') throw new Error('say `startup` or `evaluate`');
  installCleanup();
  const { profile, requests } = await profileRun(mode, values.cli, Number(values.duration));
  process.stdout.write(report(profile, n, requests));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    await main();
  } catch (error) {
    process.stderr.write(`[profile] ${(error as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await stopAllServers();
  }
}
