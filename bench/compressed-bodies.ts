// Compressed request bodies at once: N brotli bodies of a few hundred bytes that decode to 500 MiB each, sent to
// `POST /v1/oauth2/token` together while `GET /__admin/health` is polled. Reports the answers by status, the server's
// peak and final RSS (VmHWM / VmRSS), and the slowest health answer. Loopback only; bounded by N.
//
//   npm run build && node --import tsx bench/compressed-bodies.ts [dist/mock/cli.js …] [N, default 600]

import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { brotliCompressSync } from 'node:zlib';
import { call } from './abuses.js';
import { installCleanup, runBench, spawnServer, stopServer, urlInLine } from './processes.js';

const BOMB = brotliCompressSync(Buffer.alloc(500 * 1024 * 1024, 0x20));

/** A /proc/<pid>/status figure in MB (VmHWM: the peak resident set; VmRSS: now). */
function statusMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const kb = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb ?? 0) / 1024;
}

function post(origin: string, agent: Agent): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest(
      new URL('/v1/oauth2/token', origin),
      {
        method: 'POST',
        agent,
        timeout: 30_000,
        headers: {
          'content-type': 'application/json',
          'content-encoding': 'br',
          'content-length': String(BOMB.length),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
    req.end(BOMB);
  });
}

async function flood(cli: string, n: number): Promise<string> {
  const server = await spawnServer(process.execPath, [cli, 'serve', '--port', '0'], urlInLine);
  try {
    const agent = new Agent({ keepAlive: false, maxSockets: n });
    let polling = true;
    let slowest = 0;
    const poll = (async () => {
      while (polling) {
        slowest = Math.max(slowest, (await call(server.origin, 'GET', '/__admin/health')).ms);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const statuses = await Promise.all(Array.from({ length: n }, () => post(server.origin, agent)));
    polling = false;
    await poll;
    const counted: Record<number, number> = {};
    for (const status of statuses) counted[status] = (counted[status] ?? 0) + 1;
    return (
      `N=${n} (${BOMB.length}-byte bodies): ${JSON.stringify(counted)}, peak RSS ${statusMb(server.pid, 'VmHWM').toFixed(0)} MB, ` +
      `now ${statusMb(server.pid, 'VmRSS').toFixed(0)} MB, slowest health ${slowest.toFixed(0)} ms`
    );
  } finally {
    await stopServer(server);
  }
}

installCleanup();
await runBench('compressed-bodies', async () => {
  const args = process.argv.slice(2);
  const clis = args.filter((a) => a.endsWith('.js'));
  const n = Number(args.find((a) => !a.endsWith('.js')) ?? 600);
  if (!Number.isInteger(n) || n < 1 || n > 2_000) throw new Error(`N must be 1–2000, got ${n}`);
  for (const cli of clis.length > 0 ? clis : ['dist/mock/cli.js'])
    process.stdout.write(`${cli} ${await flood(cli, n)}\n`);
});
