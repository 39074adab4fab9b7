// Large admin exports against clients that read slowly or not at all, run by hand:
// `npm run build && node --import tsx bench/exports.ts [cli.js] [entries]` (never part of the tests). One mock (the
// given build's CLI, default this build's dist/, with --max-old-space-size=256, loopback, port 0) gets one session's
// journal filled with failing token requests that each carry a 7 KB junk field; then, each phase bounded in time:
// one reading HAR export, 10 sockets that ask for the HAR and never read, 50 HAR requests pipelined on one socket
// that never reads, and 8 inspector streams asking for a 5,000-entry backlog that never read. While each phase runs a
// probe sends GET /__admin/health one at a time; its slowest answer and the server's RSS are printed as a table.

import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { installCleanup, runBench, spawnServer, stopServer, treeRssMb, urlInLine } from './processes.js';

const ROOT = new URL('..', import.meta.url).pathname;
const SESSION = 'big';
const JUNK = 'x'.repeat(7 * 1024);
const PHASE_MS = 4_000;
const PROBE_TIMEOUT_MS = 10_000;

interface Row {
  phase: string;
  rssMb: number;
  healthMaxMs: number;
  note: string;
}

function get(origin: string, path: string, headers: Record<string, string> = {}, agent?: Agent) {
  return new Promise<{ status: number; bytes: number; ms: number }>((resolve) => {
    const started = performance.now();
    const req = request(`${origin}${path}`, { headers, agent, timeout: PROBE_TIMEOUT_MS }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - started }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, bytes: 0, ms: performance.now() - started }));
    req.end();
  });
}

function post(origin: string, path: string, body: string, agent: Agent) {
  return new Promise<number>((resolve) => {
    const req = request(
      `${origin}${path}`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'x-mock-session': SESSION } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

/** Probe health one request at a time while `during` runs for PHASE_MS; the slowest answer, in ms. */
async function probe(origin: string, pid: number, during: () => Promise<unknown>): Promise<[number, number]> {
  let stop = false;
  let worst = 0;
  let peak = 0;
  const probing = (async () => {
    while (!stop) {
      const reply = await get(origin, '/__admin/health');
      worst = Math.max(worst, reply.status === 200 ? reply.ms : PROBE_TIMEOUT_MS);
      peak = Math.max(peak, treeRssMb(pid));
      await sleep(50);
    }
  })();
  await during();
  await sleep(PHASE_MS);
  peak = Math.max(peak, treeRssMb(pid));
  stop = true;
  await probing;
  return [Math.round(worst), Math.round(peak)];
}

/** Sockets that send `text` once and never read what comes back. */
function silentSockets(origin: string, count: number, text: string): Promise<Socket[]> {
  const { hostname, port } = new URL(origin);
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve) => {
          const socket = connect(Number(port), hostname, () => {
            socket.pause();
            socket.write(text);
            resolve(socket);
          });
          socket.on('error', () => {});
        }),
    ),
  );
}

async function main(): Promise<void> {
  installCleanup();
  const cli = process.argv[2] ?? `${ROOT}dist/mock/cli.js`;
  const entries = Number(process.argv[3] ?? 2_000);
  const server = await spawnServer(
    process.execPath,
    ['--max-old-space-size=256', cli, 'serve', '--port', '0'],
    urlInLine,
  );
  const { origin, pid } = server;
  const rows: Row[] = [];
  try {
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const body = JSON.stringify({ appKey: 'nobody', appSecret: 'nothing', junk: JUNK });
    for (let i = 0; i < entries; i += 64) {
      await Promise.all(
        Array.from({ length: Math.min(64, entries - i) }, () =>
          post(origin, '/v1/oauth2/token', body, agent),
        ),
      );
    }
    agent.destroy();
    rows.push({
      phase: `filled (${entries} requests)`,
      rssMb: Math.round(treeRssMb(pid)),
      healthMaxMs: 0,
      note: '',
    });

    let har = { status: 0, bytes: 0, ms: 0 };
    const [readingMax, readingRss] = await probe(origin, pid, async () => {
      har = await get(origin, '/__admin/journal/har', { 'x-mock-session': SESSION });
    });
    rows.push({
      phase: 'one reading HAR export',
      rssMb: readingRss,
      healthMaxMs: readingMax,
      note: `${har.status}, ${(har.bytes / 1e6).toFixed(1)} MB in ${Math.round(har.ms)} ms`,
    });

    const ask = (path: string) =>
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-mock-session: ${SESSION}\r\n\r\n`;
    const silentPhase = async (phase: string, count: number, text: string) => {
      let sockets: Socket[] = [];
      const [healthMaxMs, rssMb] = await probe(origin, pid, async () => {
        sockets = await silentSockets(origin, count, text);
      });
      for (const socket of sockets) socket.destroy();
      rows.push({ phase, rssMb, healthMaxMs, note: '' });
      await sleep(1_000);
    };
    await silentPhase('10 sockets ask for the HAR, never read', 10, ask('/__admin/journal/har'));
    await silentPhase('50 HAR requests pipelined, never read', 1, ask('/__admin/journal/har').repeat(50));
    await silentPhase(
      '8 inspector streams, backlog 5000, never read',
      8,
      ask('/__admin/ui/events?backlog=5000'),
    );
    rows.push({
      phase: 'after all (sockets closed, 1 s)',
      rssMb: Math.round(treeRssMb(pid)),
      healthMaxMs: 0,
      note: '',
    });
  } finally {
    await stopServer(server);
  }
  process.stdout.write(
    `${cli}\n\n| phase | RSS MB (peak) | health, slowest ms | note |\n|---|--:|--:|---|\n`,
  );
  for (const row of rows) {
    process.stdout.write(`| ${row.phase} | ${row.rssMb} | ${row.healthMaxMs || ''} | ${row.note} |\n`);
  }
}

void runBench('exports', main);
