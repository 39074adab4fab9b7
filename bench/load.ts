// One load run with autocannon: 10 connections, one uncounted warm-up second, then the measured duration.

import autocannon from 'autocannon';

export const CONNECTIONS = 10;
const WARMUP_SECONDS = 1;

export interface LoadSpec {
  origin: string;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  /** Called for every request (warm-up included) when the body must differ per request. */
  makeBody?: () => string;
  durationSeconds: number;
  /** Instead of one request: a sequence each connection runs in a loop (autocannon passes `context` along). */
  sequence?: autocannon.RequestSpec[];
}

export interface LoadResult {
  /** Mean requests per second over the measured part (latencies too: warm-up excluded). */
  rps: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  /** Connection errors (timeouts included). */
  errors: number;
  /** Count per status code, e.g. { 200: 14000, 422: 3 }, warm-up included. */
  statuses: Record<string, number>;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const { makeBody } = spec;
  const latencies: number[] = [];
  const instance = autocannon({
    url: spec.origin,
    connections: CONNECTIONS,
    duration: spec.durationSeconds,
    timeout: 10,
    warmup: { connections: CONNECTIONS, duration: WARMUP_SECONDS },
    requests: spec.sequence ?? [
      {
        method: spec.method,
        path: spec.path,
        headers: spec.headers,
        ...(makeBody ? { setupRequest: (request) => ({ ...request, body: makeBody() }) } : {}),
      },
    ],
  });
  // autocannon's own histogram has 1 ms resolution; keep the exact times of the measured part (not the warm-up).
  instance.on('response', (_client, _status, _bytes, responseTimeMs) => latencies.push(responseTimeMs));
  const result = await instance;
  latencies.sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  for (const run of [result.warmup, result]) {
    for (const [code, { count }] of Object.entries(run?.statusCodeStats ?? {})) {
      statuses[code] = (statuses[code] ?? 0) + Number(count);
    }
  }
  return {
    rps: result.requests.average,
    p50: percentile(latencies, 50) ?? result.latency.p50,
    p99: percentile(latencies, 99) ?? result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx + (result.warmup?.non2xx ?? 0),
    errors: result.errors + (result.warmup?.errors ?? 0),
    statuses,
  };
}
