// A clock advance that makes many webhook deliveries at once: 7 receivers nobody listens on, N challenge orders
// (each passes its challenge 5 minutes later: three events per receiver), then one `clock/advance {"by":"1h"}`
// while `GET /__admin/health` is polled beside it. Reports how long the advance took, the longest health answer, and
// how many deliveries were created and kept, and the server's resident memory (peak, and after 5 s idle). Loopback only;
// bounded by N and by each request's timeout.
//
// SESSIONS=k registers the receivers for every session from k sessions (each within its own per-session cap), the way
// an attacker without the admin token multiplies the receivers every event goes to; LIVE=500 points them at a
// receiver in this process that answers 500 instead of a dead port.
//
//   npm run build && [RECEIVERS=7] [SESSIONS=1] [MOVES=1] [LIVE=500] node --import tsx bench/webhook-clock.ts [dist/mock/cli.js …] [N…]   (default N: 1000 5000)
//
// Several builds (paths ending in .js) are measured one after the other for each N, so they share the run's noise.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import { call } from './abuses.js';
import {
  installCleanup,
  MOCK_NODE_FLAGS,
  runBench,
  spawnServer,
  stopServer,
  treeRssMb,
  urlInLine,
} from './processes.js';
import { evaluateBody } from './workload.js';

/** Receivers registered (RECEIVERS=1–20 in the environment; the admin API allows 20 per session). */
const RECEIVERS = Number(process.env.RECEIVERS ?? 7);
if (!Number.isInteger(RECEIVERS) || RECEIVERS < 1 || RECEIVERS > 20)
  throw new Error('RECEIVERS must be 1–20');
/** Clock advances sent at once (MOVES=1–10), each by an hour: parallel moves must not add up their slices. */
const MOVES = Number(process.env.MOVES ?? 1);
if (!Number.isInteger(MOVES) || MOVES < 1 || MOVES > 10) throw new Error('MOVES must be 1–10');
/** Sessions that each register RECEIVERS receivers for every session (SESSIONS=1–10). */
const SESSIONS = Number(process.env.SESSIONS ?? 1);
if (!Number.isInteger(SESSIONS) || SESSIONS < 1 || SESSIONS > 10) throw new Error('SESSIONS must be 1–10');
/** LIVE=<status>: receivers on a loopback server here answering that status, instead of a dead port. */
const LIVE = process.env.LIVE === undefined ? undefined : Number(process.env.LIVE);
if (LIVE !== undefined && !(Number.isInteger(LIVE) && LIVE >= 200 && LIVE <= 599))
  throw new Error('LIVE must be an HTTP status');
const CONCURRENCY = 16;
/** How long the moves may take before the server counts as stuck (they answer once every due fate has settled). */
const MOVE_TIMEOUT_MS = 180_000;
/** A port nothing listens on: every attempt is refused at once. */
const DEAD_PORT = 5999;

async function token(origin: string): Promise<string> {
  const res = await call(
    origin,
    'POST',
    '/v1/oauth2/token',
    {},
    {
      AppKey: DEFAULT_MERCHANT.appKey,
      AppSecret: DEFAULT_MERCHANT.appSecret,
    },
  );
  const accessToken = (JSON.parse(res.body) as { accessToken?: string }).accessToken;
  if (!accessToken) throw new Error(`oauth2/token answered ${res.status}: ${res.body}`);
  return accessToken;
}

/** The benchmark's evaluate body with the challenge card in clear (unique ids each call). */
function challengeOrder(): unknown {
  return {
    ...(JSON.parse(evaluateBody()) as Record<string, unknown>),
    paymentMethod: { cardNumber: TEST_CARDS.challenge, token: false },
  };
}

async function attack(cli: string, orders: number): Promise<string> {
  const server = await spawnServer(
    process.execPath,
    [...MOCK_NODE_FLAGS, cli, 'serve', '--port', '0', '--profile', 'strict'],
    urlInLine,
  );
  let peakRss = treeRssMb(server.pid);
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, treeRssMb(server.pid));
  }, 100);
  try {
    const { origin } = server;
    let registered = 0;
    let refused = '';
    for (let s = 0; s < SESSIONS; s++) {
      for (let r = 0; r < RECEIVERS; r++) {
        const res = await call(
          origin,
          'POST',
          '/__admin/webhooks/receivers',
          { 'x-mock-session': `s${s}` },
          { url: `http://127.0.0.1:${receiverPort}/s${s}_r${r}` },
        );
        if (res.status < 300) registered += 1;
        else if (res.status === 400) refused ||= (JSON.parse(res.body) as { code?: string }).code ?? '400';
        else throw new Error(`receiver ${r} of session ${s}: ${res.status} ${res.body}`);
      }
    }
    const bearer = `Bearer ${await token(origin)}`;
    let next = 0;
    const worker = async () => {
      while (next < orders) {
        const n = next++;
        const res = await call(origin, 'POST', '/v1/evaluate', { authorization: bearer }, challengeOrder());
        if (res.status !== 200) throw new Error(`evaluate ${n}: ${res.status} ${res.body}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    let advancing = true;
    let slowestHealth = 0;
    let healthAnswers = 0;
    const poll = (async () => {
      while (advancing) {
        const res = await call(origin, 'GET', '/__admin/health');
        if (res.status === 200) healthAnswers += 1;
        slowestHealth = Math.max(slowestHealth, res.ms);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    const started = performance.now();
    const moves = await Promise.all(
      Array.from({ length: MOVES }, () =>
        call(origin, 'POST', '/__admin/clock/advance', {}, { by: '1h' }, undefined, MOVE_TIMEOUT_MS),
      ),
    );
    const advanceMs = performance.now() - started;
    const advance = moves.find((m) => m.status !== 200) ?? (moves[0] as (typeof moves)[number]);
    advancing = false;
    await poll;
    if (advance.status === 0) {
      // The server is still settling: nothing else would be answered either (stopServer kills it).
      return `N=${orders}: receivers ${registered}, advance gave no answer within ${MOVE_TIMEOUT_MS} ms (${advance.body}), slowest health ${slowestHealth.toFixed(0)} ms (${healthAnswers} answered), RSS peak ${peakRss.toFixed(0)} MB`;
    }
    if (advance.status !== 200) throw new Error(`advance: ${advance.status} ${advance.body}`);
    const listed = await call(origin, 'GET', '/__admin/webhooks/deliveries');
    const deliveries = (JSON.parse(listed.body) as { deliveries?: { id: string }[] }).deliveries ?? [];
    const lastId = deliveries.at(-1)?.id ?? '-';
    const afterMove = treeRssMb(server.pid);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    return (
      `N=${orders}: receivers ${registered}${refused ? ` (then ${refused})` : ''}, advance ${advanceMs.toFixed(0)} ms, ` +
      `slowest health ${slowestHealth.toFixed(0)} ms (${healthAnswers} answered), deliveries listed ${deliveries.length}, ` +
      `last id ${lastId}, RSS peak ${peakRss.toFixed(0)} MB, after the move ${afterMove.toFixed(0)} MB, ` +
      `5 s later ${treeRssMb(server.pid).toFixed(0)} MB`
    );
  } finally {
    clearInterval(sampler);
    await stopServer(server);
  }
}

/** Where receivers point: a dead port, or (LIVE) a loopback server here that answers LIVE to everything. */
let receiverPort = DEAD_PORT;
const live =
  LIVE === undefined
    ? undefined
    : createServer((req, res) => {
        req.resume();
        req.on('end', () => res.writeHead(LIVE).end());
      });

installCleanup();
await runBench('webhook-clock', async () => {
  if (live) {
    await new Promise<void>((resolve) => live.listen(0, '127.0.0.1', resolve));
    receiverPort = (live.address() as AddressInfo).port;
  }
  try {
    await measureAll();
  } finally {
    live?.close();
    live?.closeAllConnections();
  }
});

async function measureAll(): Promise<void> {
  const args = process.argv.slice(2);
  const clis = args.filter((a) => a.endsWith('.js'));
  const sizes = args.filter((a) => !a.endsWith('.js')).map(Number);
  for (const n of sizes.length > 0 ? sizes : [1000, 5000]) {
    if (!Number.isInteger(n) || n < 1 || n > 20_000) throw new Error(`N must be 1–20000, got ${n}`);
    for (const cli of clis.length > 0 ? clis : ['dist/mock/cli.js']) {
      process.stdout.write(`${cli} ${await attack(cli, n)}\n`);
    }
  }
}
