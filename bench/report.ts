// The markdown report: environment, one table row per target, throughput ratios, and PASS/FAIL against targets.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { CONNECTIONS, type LoadResult } from './load.js';

export interface TargetResult {
  name: string;
  /** A non-2xx answer during this target's load is an error (the mock), not just a note (Prism). */
  strict: boolean;
  evaluate?: LoadResult;
  getOrder?: LoadResult;
  /** The mock only: evaluate (authorization) → capture → refund → GET, looped per connection. */
  lifeCycle?: LoadResult;
  /** Spawn-to-first-200 of each start, in ms. */
  startups: number[];
  rssStartMb?: number;
  rssAfterMb?: number;
  notes: string[];
  errors: string[];
}

export const TARGETS = {
  vsBare: 0.75,
  vsPrism: 4,
  first200Ms: 300,
  rssMb: 80,
} as const;

export function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function num(value: number | undefined, digits = 0): string {
  return value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return match?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function row(r: TargetResult): string {
  const non2xx = `${num(r.evaluate?.non2xx)} / ${num(r.getOrder?.non2xx)}`;
  return `| ${[
    r.name,
    num(r.evaluate?.rps),
    num(r.evaluate?.p50, 2),
    num(r.evaluate?.p99, 2),
    num(r.getOrder?.rps),
    num(r.getOrder?.p50, 2),
    num(r.getOrder?.p99, 2),
    non2xx,
    num(median(r.startups)),
    num(r.rssStartMb, 1),
    num(r.rssAfterMb, 1),
  ].join(' | ')} |`;
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

function atLeast(value: number | undefined, min: number): boolean | undefined {
  return value === undefined ? undefined : value >= min;
}

function verdict(ok: boolean | undefined): string {
  return ok === undefined ? 'N/A' : ok ? 'PASS' : 'FAIL';
}

export interface Report {
  markdown: string;
  /** True when any target recorded an error (failed setup, crash, or non-2xx on the mock). */
  hasErrors: boolean;
  allPass: boolean;
}

export function buildReport(
  results: { bare: TargetResult; mock: TargetResult; prism: TargetResult },
  durationSeconds: number,
): Report {
  const { bare, mock, prism } = results;
  const lines: string[] = [
    '# FlexFactor mock benchmark',
    '',
    `- date: ${new Date().toISOString()}`,
    `- node: ${process.version}`,
    `- CPU: ${cpuModel()} × ${availableParallelism()} cores`,
    `- load: autocannon, ${CONNECTIONS} connections, 1 s warm-up (not counted) + ${durationSeconds} s per load, ` +
      'targets one after another',
    '',
    '| target | evaluate req/s | p50 ms | p99 ms | GET order req/s | p50 ms | p99 ms | non-2xx eval / GET ' +
      '| first 200 ms (median of 5) | RSS start MB | RSS after MB |',
    '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
    ...[bare, mock, prism].map(row),
    '',
  ];

  const evalVsBare = ratio(mock.evaluate?.rps, bare.evaluate?.rps);
  const getVsBare = ratio(mock.getOrder?.rps, bare.getOrder?.rps);
  const evalVsPrism = ratio(mock.evaluate?.rps, prism.evaluate?.rps);
  const getVsPrism = ratio(mock.getOrder?.rps, prism.getOrder?.rps);
  lines.push(
    `- mock/bare evaluate throughput: ${num(evalVsBare, 2)}× (target ≥ ${TARGETS.vsBare})`,
    `- mock/bare GET order throughput: ${num(getVsBare, 2)}×`,
    `- mock/Prism evaluate throughput: ${num(evalVsPrism, 2)}× (target ≥ ${TARGETS.vsPrism})`,
    `- mock/Prism GET order throughput: ${num(getVsPrism, 2)}×`,
    `- mock life cycle (evaluate authorization → capture → partial refund → GET order, all four counted): ` +
      `${num(mock.lifeCycle?.rps)} req/s, p50 ${num(mock.lifeCycle?.p50, 2)} ms, p99 ${num(mock.lifeCycle?.p99, 2)} ms ` +
      `(${num(ratio(mock.lifeCycle?.rps, bare.evaluate?.rps), 2)}× bare Express evaluate)`,
    '',
  );

  const mockFirst200 = median(mock.startups);
  const mockRss = mock.rssAfterMb === undefined ? undefined : Math.max(mock.rssStartMb ?? 0, mock.rssAfterMb);
  const checks: [string, boolean | undefined][] = [
    [`evaluate throughput ≥ ${TARGETS.vsBare}× bare Express`, atLeast(evalVsBare, TARGETS.vsBare)],
    [`evaluate throughput ≥ ${TARGETS.vsPrism}× Prism`, atLeast(evalVsPrism, TARGETS.vsPrism)],
    [
      `mock spawn-to-first-200 < ${TARGETS.first200Ms} ms`,
      mockFirst200 === undefined ? undefined : mockFirst200 < TARGETS.first200Ms,
    ],
    [`mock RSS < ${TARGETS.rssMb} MB`, mockRss === undefined ? undefined : mockRss < TARGETS.rssMb],
    [
      'mock answered every request of the load with 2xx',
      mock.errors.length === 0 && mock.evaluate !== undefined,
    ],
  ];
  for (const [label, ok] of checks) lines.push(`- ${verdict(ok)}: ${label}`);

  const notes = [bare, mock, prism].flatMap((r) => [
    ...r.errors.map((e) => `- **ERROR** ${r.name}: ${e}`),
    ...r.notes.map((n) => `- note ${r.name}: ${n}`),
  ]);
  if (notes.length > 0) lines.push('', '## Problems and notes', '', ...notes);

  const hasErrors = [bare, mock, prism].some((r) => r.errors.length > 0);
  if (hasErrors) lines.splice(2, 0, '**THIS RUN HAD ERRORS: see "Problems and notes" below.**', '');
  return {
    markdown: `${lines.join('\n')}\n`,
    hasErrors,
    allPass: checks.every(([, ok]) => ok === true),
  };
}
