// The mock on its Redis store against the mock in memory, run by hand: `npm run bench:redis -- [rounds] [seconds]
// [--sessions n]` (defaults 3 rounds of 1 s warm-up + 10 s, one session). Never part of the tests. One redis-server (no persistence, loopback,
// a free port) serves the whole run; three configurations take the same request stream, interleaved over the rounds
// (the order rotates each round, so a noisy neighbour hurts all alike):
//   (a) in memory, one process   (b) --store redis, one process   (c) --store redis --workers 2
// The stream is bench/peers.ts's: 10 connections, POST /v1/evaluate with a fresh idempotency key (and orderId) per
// request. Every configuration and round gets its own --store-prefix; Redis is flushed after each run is measured.
// One session is the worst case for the shared store (every request takes that session's lock); --sessions n sends
// the requests round robin over n sessions, each with the card vaulted in it, to see what the lock costs.
//
// After each load, correctness counters:
//   1. every idempotency key the load used has one order: the 2xx answers carry distinct orderSessionKeys, the requests
//      cut off when the load stopped are sent again (a replay answers the order the first attempt made, or makes it),
//      and GET /v1/orders lists exactly as many orders as keys were used (plus the one made while preparing);
//   2. 50 concurrent evaluates with one idempotency key give one orderSessionKey and one more order;
//   3. 40 parallel 1.00 refunds of one 15.00 APPROVED order: exactly 15 succeed, and the order says 15.00 refunded.
// Each request of a check opens its own connection, so with --workers the node:cluster primary spreads them over the
// workers. Also measured: RSS of the mock (primary and workers summed), CPU time of the mock and of redis-server per
// request, Redis commands per request, Redis's `used_memory` after the load.
//
// A configuration that fails to start or to run is reported, not fatal; every child process is stopped at the end.

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import { SESSION_HEADER } from '../mock/http/session-stage.js';
import { type HttpReply, send } from './http.js';
import { CONNECTIONS, type LoadResult, runLoad } from './load.js';
import {
  freePort,
  installCleanup,
  MOCK_NODE_FLAGS,
  runBench,
  type SpawnedServer,
  spawnServer,
  stopServer,
  treeCpuMs,
  treeRssMb,
  urlInLine,
} from './processes.js';
import { median } from './report.js';
import { evaluateBody, prepareMock, session, TOKENIZE_BODY, TOKENIZE_PATH } from './workload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MOCK_CLI = `${ROOT}dist/mock/cli.js`;
const REDIS_SERVER = '/usr/bin/redis-server';
const OUT_FILE = `${ROOT}bench/out/redis.md`;
/**
 * Orders kept: far above what one load creates (11 s at even 5k req/s), so counter 1 can count them all; the default
 * (20,000) would evict the oldest during the in-memory load and the count would say nothing.
 */
const MAX_ORDERS = 200_000;
const CHECK_TIMEOUT_MS = 30_000;
/** How long to let the requests the load cut off finish on the server before sending them again. */
const SETTLE_MS = 500;

interface Config {
  key: 'a' | 'b' | 'c';
  name: string;
  redis: boolean;
  workers: number;
}

const CONFIGS: Config[] = [
  { key: 'a', name: 'in memory, 1 process', redis: false, workers: 1 },
  { key: 'b', name: 'Redis, 1 process', redis: true, workers: 1 },
  { key: 'c', name: 'Redis, --workers 2', redis: true, workers: 2 },
];

interface Counters {
  /** 2xx evaluate answers of the load (warm-up included). */
  answered: number;
  /** Distinct orderSessionKeys among them. */
  distinctAnswered: number;
  /** Requests cut off when the load stopped, sent again after it. */
  replayed: number;
  /** Idempotency keys the load used (answered + replayed). */
  keysUsed: number;
  /** Distinct orderSessionKeys over every key used (answers and replays). */
  distinctKeys: number;
  /** Orders GET /v1/orders lists after the load, minus the one made while preparing. */
  ordersListed: number;
  /** Orders of this run the store no longer lists (its budget forgot the oldest). */
  evicted: number;
  /** Orders Redis holds after the load (shared store only), the prepared one included. */
  inRedis?: number;
  sameKeyStatuses: Record<string, number>;
  sameKeyDistinct: number;
  sameKeyNewOrders: number;
  refundStatuses: Record<string, number>;
  refundSuccesses: number;
  refundRefused: number;
  refundedOnOrder?: number;
}

interface Sample {
  round: number;
  prefix?: string;
  load: LoadResult;
  counters: Counters;
  /** Every counter holds. */
  ok: boolean;
  problems: string[];
  rssMb: number;
  mockCpuUsPerReq: number;
  redisCpuUsPerReq?: number;
  /** Every command Redis ran (those inside the scripts too) per answered request. */
  redisCommandsPerReq?: number;
  /** Per command name: calls per answered request (evalsha = one script run, one round trip). */
  redisCallsPerReq?: Record<string, number>;
  redisUsedMb?: number;
}

interface Outcome {
  config: Config;
  samples: Sample[];
  failures: string[];
}

// ---- plain HTTP for the checks (own connection per request, generous timeout) ---------------------------------------

type Reply = HttpReply;

function call(
  origin: string,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
  sessionName?: string,
): Promise<Reply> {
  const headers: Record<string, string> = { authorization: session.bearer };
  if (sessionName !== undefined) headers[SESSION_HEADER] = sessionName;
  return send(origin, { method, path, headers, body, timeoutMs: CHECK_TIMEOUT_MS });
}

function json(reply: Reply): Record<string, unknown> {
  try {
    return JSON.parse(reply.body) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function count(statuses: Record<string, number>, status: number): void {
  statuses[status] = (statuses[status] ?? 0) + 1;
}

/** Every order id GET /v1/orders lists, page by page (100 per page, the contract's maximum). */
async function listOrderIds(origin: string, sessionName?: string): Promise<string[]> {
  const ids: string[] = [];
  for (let page = 1; page <= 10_000; page++) {
    const reply = await call(
      origin,
      'GET',
      `/v1/orders?pageSize=100&pageNumber=${page}`,
      undefined,
      sessionName,
    );
    const body = json(reply);
    if (reply.status !== 200 || !Array.isArray(body.items)) {
      throw new Error(`GET /v1/orders page ${page} answered ${reply.status}: ${reply.body.slice(0, 300)}`);
    }
    for (const item of body.items as { id?: unknown; orderId?: unknown }[])
      ids.push(String(item.id ?? item.orderId));
    if (body.isLastPage !== false) return ids;
  }
  throw new Error('GET /v1/orders: more than 10,000 pages');
}

async function ordersListed(origin: string): Promise<number> {
  const reply = await call(origin, 'GET', '/v1/orders?pageSize=1');
  const total = json(reply).totalItemCount;
  if (reply.status !== 200 || typeof total !== 'number') {
    throw new Error(`GET /v1/orders answered ${reply.status}: ${reply.body.slice(0, 300)}`);
  }
  return total;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Send an evaluate body again until it answers something other than 409 (its first attempt still running). */
async function replay(origin: string, body: string, sessionName: string | undefined): Promise<Reply> {
  let reply = await call(origin, 'POST', '/v1/evaluate', body, sessionName);
  for (let attempt = 0; reply.status === 409 && attempt < 20; attempt++) {
    await sleep(100);
    reply = await call(origin, 'POST', '/v1/evaluate', body, sessionName);
  }
  return reply;
}

// ---- one run ------------------------------------------------------------------------------------------------------

/**
 * The sessions the load spreads over: the first is the default session (no header; prepareMock vaulted its card),
 * each other one gets the same test card vaulted in it (a card token belongs to one session).
 */
async function prepareSessions(
  origin: string,
  count: number,
): Promise<{ name?: string; cardToken: string }[]> {
  const sessions: { name?: string; cardToken: string }[] = [{ cardToken: session.cardToken }];
  for (let n = 1; n < count; n++) {
    const name = `bench-${n}`;
    const reply = await call(origin, 'POST', TOKENIZE_PATH, TOKENIZE_BODY, name);
    const token = (json(reply).transaction as { payment_method?: { token?: unknown } } | undefined)
      ?.payment_method?.token;
    if (reply.status !== 200 || typeof token !== 'string') {
      throw new Error(`tokenize in session ${name} answered ${reply.status}: ${reply.body.slice(0, 300)}`);
    }
    sessions.push({ name, cardToken: token });
  }
  return sessions;
}

interface RedisHandle {
  server: SpawnedServer;
  url: string;
  client: Redis;
}

async function startRedis(): Promise<RedisHandle> {
  const port = await freePort();
  const server = await spawnServer(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    (line) => (/Ready to accept connections/i.test(line) ? `http://127.0.0.1:${port}` : undefined),
  );
  const url = `redis://127.0.0.1:${port}/0`;
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return { server, url, client };
}

async function redisStat(client: Redis, section: string, field: string): Promise<number> {
  const info = await client.info(section);
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return match ? Number(match[1]) : Number.NaN;
}

/** Calls per command since the last CONFIG RESETSTAT (commands run inside scripts are counted too). */
async function commandCalls(client: Redis): Promise<Map<string, number>> {
  const calls = new Map<string, number>();
  for (const match of (await client.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    const name = match[1] as string;
    if (name !== 'info' && name !== 'config|resetstat') calls.set(name, Number(match[2]));
  }
  return calls;
}

async function startMock(config: Config, redis: RedisHandle | undefined, prefix: string) {
  const args = [
    ...MOCK_NODE_FLAGS,
    MOCK_CLI,
    '--port',
    '0',
    '--seed',
    '1',
    '--max-orders',
    String(MAX_ORDERS),
  ];
  if (config.redis) {
    if (!redis) throw new Error('no redis-server');
    args.push('--store', redis.url, '--store-prefix', prefix);
  }
  if (config.workers > 1) args.push('--workers', String(config.workers));
  return spawnServer(process.execPath, args, urlInLine);
}

async function runOnce(
  config: Config,
  round: number,
  seconds: number,
  sessionCount: number,
  redis: RedisHandle | undefined,
): Promise<Sample> {
  const prefix = `bench:r${round}${config.key}:`;
  const server = await startMock(config, redis, prefix);
  try {
    const { origin } = server;
    const prepared = await prepareMock(origin);
    const sessions = await prepareSessions(origin, sessionCount);
    const idsBefore = await listOrderIds(origin);

    // The load: remember every body by its idempotency key, and the orderSessionKey each 2xx answer carries.
    const bodies = new Map<string, { body: string; session?: string }>();
    let sent = 0;
    const answers = new Map<string, string>();
    const answeredKeys: string[] = [];
    const mockCpuBefore = treeCpuMs(server.pid);
    const redisCpuBefore = redis ? treeCpuMs(redis.server.pid) : 0;
    if (redis) await redis.client.config('RESETSTAT');
    const load = await runLoad({
      origin,
      method: 'POST',
      path: '/v1/evaluate',
      headers: prepared.headers,
      durationSeconds: seconds,
      sequence: [
        {
          method: 'POST',
          path: '/v1/evaluate',
          headers: prepared.headers,
          setupRequest: (request, context) => {
            let body = evaluateBody();
            const key = (JSON.parse(body) as { idempotencyKey: string }).idempotencyKey;
            context.key = key;
            if (sessions.length === 1) {
              bodies.set(key, { body });
              return { ...request, body };
            }
            // Round robin over the sessions, each with the card vaulted in it.
            const target = sessions[sent++ % sessions.length] as (typeof sessions)[number];
            body = body.replace(session.cardToken, target.cardToken);
            bodies.set(key, { body, ...(target.name ? { session: target.name } : {}) });
            const headers = target.name
              ? { ...prepared.headers, [SESSION_HEADER]: target.name }
              : prepared.headers;
            return { ...request, headers, body };
          },
          onResponse: (status, body, context) => {
            if (status < 200 || status > 299) return;
            const key = String(context.key);
            answeredKeys.push(key);
            try {
              answers.set(key, String((JSON.parse(body) as { orderSessionKey?: unknown }).orderSessionKey));
            } catch {
              answers.set(key, `unparsable answer: ${body.slice(0, 80)}`);
            }
          },
        },
      ],
    });
    const mockCpuMs = treeCpuMs(server.pid) - mockCpuBefore;
    const redisCpuMs = redis ? treeCpuMs(redis.server.pid) - redisCpuBefore : 0;
    const commands = redis ? await commandCalls(redis.client) : new Map<string, number>();
    const rssMb = treeRssMb(server.pid);
    const redisUsedMb = redis
      ? (await redisStat(redis.client, 'memory', 'used_memory')) / 2 ** 20
      : undefined;
    // Answers the load got, warm-up included (the CPU readings include the warm-up too).
    const requests = Object.values(load.statuses).reduce((sum, n) => sum + n, 0);

    // Counter 1: one order per idempotency key.
    const problems: string[] = [];
    const distinctAnswered = new Set(answers.values()).size;
    if (answeredKeys.length !== answers.size) {
      problems.push(`${answeredKeys.length - answers.size} keys answered 2xx more than once`);
    }
    await sleep(SETTLE_MS);
    const unanswered = [...bodies.entries()].filter(([key]) => !answers.has(key));
    const replayStatuses: Record<string, number> = {};
    const keyToOrder = new Map(answers);
    for (const [key, { body, session: name }] of unanswered) {
      const reply = await replay(origin, body, name);
      count(replayStatuses, reply.status);
      if (reply.status === 200) keyToOrder.set(key, String(json(reply).orderSessionKey));
    }
    if (Object.keys(replayStatuses).some((s) => s !== '200')) {
      problems.push(`replays of cut-off requests answered ${JSON.stringify(replayStatuses)}`);
    }
    const distinctKeys = new Set(keyToOrder.values()).size;
    if (distinctAnswered !== answers.size) {
      problems.push(`${answers.size} 2xx answers carry only ${distinctAnswered} distinct orderSessionKeys`);
    }
    if (distinctKeys !== bodies.size) {
      problems.push(`${bodies.size} idempotency keys used, ${distinctKeys} distinct orderSessionKeys`);
    }
    // Every order the mock lists must be one of ours, listed once; ours that are missing must be the oldest (the
    // store's budget forgets the oldest first: the in-memory store also has a 48 MiB byte budget, ~22k orders of
    // this shape), give or take the requests in flight around them.
    const listedIds: string[] = [];
    for (const s of sessions) listedIds.push(...(await listOrderIds(origin, s.name)));
    // The checks below run in the default session (no header): its count before them.
    const defaultListed = await ordersListed(origin);
    const ours = new Set([...keyToOrder.values(), ...idsBefore]);
    const listedSet = new Set(listedIds);
    const foreign = listedIds.filter((id) => !ours.has(id)).length;
    if (listedSet.size !== listedIds.length || foreign > 0) {
      problems.push(
        `GET /v1/orders lists ${listedIds.length} orders, ${listedSet.size} distinct, ${foreign} not made by this run`,
      );
    }
    const missing = [...ours].filter((id) => !listedSet.has(id));
    const answerOrder = new Map(answeredKeys.map((key, n) => [answers.get(key), n]));
    const lastMissing = Math.max(-1, ...missing.map((id) => answerOrder.get(id) ?? -1));
    if (missing.length > 0 && lastMissing >= missing.length + 2 * CONNECTIONS) {
      problems.push(
        `${missing.length} of our orders are not listed, and not only the oldest (one was answered #${lastMissing + 1})`,
      );
    }
    const listed = listedIds.length - idsBefore.length;
    const evicted = missing.length;
    // Redis is the truth of a shared store: what the process lists must be what Redis holds (the account's order
    // budget, a sorted set with one member per order kept).
    const inRedis = redis ? await redis.client.zcard(`${prefix}budget:o`) : undefined;
    if (inRedis !== undefined && inRedis !== listedIds.length) {
      problems.push(`Redis holds ${inRedis} orders, the mock lists ${listedIds.length}`);
    }

    // Counter 2: 50 concurrent evaluates, one idempotency key → one order.
    const sameBody = evaluateBody();
    const same = await Promise.all(
      Array.from({ length: 50 }, () =>
        call(origin, 'POST', '/v1/evaluate', sameBody).catch((e: Error) => ({ status: 0, body: e.message })),
      ),
    );
    const sameKeyStatuses: Record<string, number> = {};
    for (const reply of same) count(sameKeyStatuses, reply.status);
    const sameKeys = new Set(
      same.filter((r) => r.status === 200).map((r) => String(json(r).orderSessionKey)),
    );
    const sameKeyDistinct = sameKeys.size;
    const [sameKey] = [...sameKeys];
    const sameFound = sameKey ? (await call(origin, 'GET', `/v1/orders/${sameKey}`)).status === 200 : false;
    // At the budget, the new order makes the account's oldest go: with one session the count stays, with several
    // the oldest may live in another session.
    const sameKeyNewOrders = (await ordersListed(origin)) - defaultListed;
    const expectedNew = evicted === 0 ? [1] : sessions.length === 1 ? [0] : [0, 1];
    if (sameKeyDistinct !== 1 || !sameFound || !expectedNew.includes(sameKeyNewOrders)) {
      problems.push(
        `one key × 50: ${sameKeyDistinct} orderSessionKeys (found: ${sameFound}), ${sameKeyNewOrders} more orders listed (${JSON.stringify(sameKeyStatuses)})`,
      );
    }

    // Counter 3: 40 parallel refunds of 1.00 on a 15.00 APPROVED order → exactly 15 succeed.
    const orderBody = JSON.parse(evaluateBody()) as Record<string, unknown>;
    orderBody.paymentMethod = { cardNumber: TEST_CARDS.approved, token: false };
    const made = await call(origin, 'POST', '/v1/evaluate', orderBody);
    const order = json(made);
    if (made.status !== 200 || order.status !== 'APPROVED' || typeof order.orderId !== 'string') {
      throw new Error(`the 15.00 order was not made: ${made.status} ${made.body.slice(0, 300)}`);
    }
    const refunds = await Promise.all(
      Array.from({ length: 40 }, () =>
        call(origin, 'POST', `/v1/orders/${order.orderId}/refund`, { amountToRefund: 1.0 }).catch(
          (e: Error) => ({ status: 0, body: e.message }),
        ),
      ),
    );
    const refundStatuses: Record<string, number> = {};
    for (const reply of refunds) count(refundStatuses, reply.status);
    // A refund answers HTTP 200 either way: status SUCCESS, or FAILED with responseCode 2001 (more than is left).
    const refundSuccesses = refunds.filter((r) => r.status === 200 && json(r).status === 'SUCCESS').length;
    const refundRefused = refunds.filter(
      (r) => r.status === 200 && json(r).status === 'FAILED' && json(r).responseCode === '2001',
    ).length;
    const view = json(await call(origin, 'GET', `/v1/orders/${order.orderId}`));
    const refundedOnOrder = refundedAmount(view);
    if (refundSuccesses !== 15 || refundRefused !== 25 || refundedOnOrder !== 1500) {
      problems.push(
        `40 × 1.00 refunds of 15.00: ${refundSuccesses} SUCCESS, ${refundRefused} FAILED 2001, order says ${refundedOnOrder ?? '?'} cents refunded (HTTP ${JSON.stringify(refundStatuses)})`,
      );
    }
    if (load.non2xx > 0 || load.errors > 0) {
      problems.push(
        `load: ${load.non2xx} non-2xx, ${load.errors} connection errors (${JSON.stringify(load.statuses)})`,
      );
    }

    const perReq = (ms: number) => (ms * 1000) / Math.max(1, requests);
    return {
      round,
      ...(config.redis ? { prefix } : {}),
      load,
      counters: {
        answered: answers.size,
        distinctAnswered,
        replayed: unanswered.length,
        keysUsed: bodies.size,
        distinctKeys,
        ordersListed: listed,
        evicted,
        ...(inRedis !== undefined ? { inRedis } : {}),
        sameKeyStatuses,
        sameKeyDistinct,
        sameKeyNewOrders,
        refundStatuses,
        refundSuccesses,
        refundRefused,
        ...(refundedOnOrder !== undefined ? { refundedOnOrder } : {}),
      },
      ok: problems.length === 0,
      problems,
      rssMb,
      mockCpuUsPerReq: perReq(mockCpuMs),
      ...(redis
        ? {
            redisCpuUsPerReq: perReq(redisCpuMs),
            redisCommandsPerReq:
              [...commands.values()].reduce((sum, n) => sum + n, 0) / Math.max(1, requests),
            redisCallsPerReq: Object.fromEntries(
              [...commands].map(([name, calls]) => [name, calls / Math.max(1, requests)]),
            ),
            ...(redisUsedMb !== undefined ? { redisUsedMb } : {}),
          }
        : {}),
    };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${server.output().slice(-1500)}`);
  } finally {
    await stopServer(server);
    if (config.redis && redis) await redis.client.flushall().catch(() => undefined);
  }
}

/** The order view's refundedAmount (in cents, unlike amountToRefund), if it has one. */
function refundedAmount(view: Record<string, unknown>): number | undefined {
  return typeof view.refundedAmount === 'number' ? view.refundedAmount : undefined;
}

// ---- the report ---------------------------------------------------------------------------------------------------

const fmt = (value: number | undefined, digits = 0) =>
  value === undefined || Number.isNaN(value) ? '—' : value.toFixed(digits);
const ratio = (a?: number, b?: number) => (a !== undefined && b ? `${(a / b).toFixed(2)}×` : '—');

interface Row {
  config: Config;
  rps?: number;
  p99?: number;
  non2xx: number;
  errors: number;
  rssMb?: number;
  mockCpu?: number;
  redisCpu?: number;
  commands?: number;
  scripts?: number;
  redisUsedMb?: number;
  ok: number;
  runs: number;
}

function summarize(outcome: Outcome): Row {
  const s = outcome.samples;
  const m = (pick: (x: Sample) => number | undefined) =>
    median(s.flatMap((x) => (pick(x) === undefined ? [] : [pick(x) as number])));
  return {
    config: outcome.config,
    rps: m((x) => x.load.rps),
    p99: m((x) => x.load.p99),
    non2xx: s.reduce((sum, x) => sum + x.load.non2xx, 0),
    errors: s.reduce((sum, x) => sum + x.load.errors, 0),
    rssMb: m((x) => x.rssMb),
    mockCpu: m((x) => x.mockCpuUsPerReq),
    redisCpu: m((x) => x.redisCpuUsPerReq),
    commands: m((x) => x.redisCommandsPerReq),
    scripts: m((x) => (x.redisCallsPerReq ? (x.redisCallsPerReq.evalsha ?? 0) : undefined)),
    redisUsedMb: m((x) => x.redisUsedMb),
    ok: s.filter((x) => x.ok).length,
    runs: s.length,
  };
}

function buildReport(outcomes: Outcome[], rounds: number, seconds: number, sessions: number): string {
  const rows = outcomes.map(summarize);
  const [a, b, c] = rows;
  const lines = [
    `# bench:redis — ${new Date().toISOString()}`,
    '',
    `Node ${process.version}, ${availableParallelism()} cores; ${CONNECTIONS} connections, POST /v1/evaluate with a ` +
      `fresh idempotency key per request, ${sessions === 1 ? 'one session' : `round robin over ${sessions} sessions`}; ${rounds} interleaved rounds of 1 s warm-up + ${seconds} s; ` +
      `one redis-server for the run; --max-orders ${MAX_ORDERS}. Medians over the rounds; non-2xx and connection ` +
      'errors are summed; "counters" = runs whose three correctness checks all held.',
    '',
    '| configuration | req/s | p99 ms | non-2xx | conn. errors | counters | mock RSS MB | mock CPU µs/req | redis CPU µs/req | scripts/req | Redis cmds/req | Redis used_memory MB |',
    '| --- | ---: | ---: | ---: | ---: | :---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) =>
      r.runs === 0
        ? `| (${r.config.key}) ${r.config.name} | could not run | | | | | | | | | | |`
        : `| (${r.config.key}) ${r.config.name} | ${fmt(r.rps)} | ${fmt(r.p99, 1)} | ${r.non2xx} | ${r.errors} | ` +
          `${r.ok}/${r.runs} | ${fmt(r.rssMb, 1)} | ${fmt(r.mockCpu)} | ${fmt(r.redisCpu)} | ${fmt(r.scripts, 2)} | ${fmt(r.commands, 2)} | ` +
          `${fmt(r.redisUsedMb, 1)} |`,
    ),
    '',
    '| ratio | req/s | p99 |',
    '| --- | ---: | ---: |',
    `| (b)/(a) | ${ratio(b?.rps, a?.rps)} | ${ratio(b?.p99, a?.p99)} |`,
    `| (c)/(a) | ${ratio(c?.rps, a?.rps)} | ${ratio(c?.p99, a?.p99)} |`,
    `| (c)/(b) | ${ratio(c?.rps, b?.rps)} | ${ratio(c?.p99, b?.p99)} |`,
    '',
    '## Each run',
    '',
    '| configuration | round | req/s | p99 ms | 2xx answers (distinct keys) | cut off, replayed | orders listed | one key × 50 | 40 refunds | RSS MB | redis MB |',
    '| --- | ---: | ---: | ---: | --- | ---: | ---: | --- | --- | ---: | ---: |',
    ...outcomes.flatMap((o) =>
      o.samples.map((s) => {
        const k = s.counters;
        return (
          `| (${o.config.key}) | ${s.round + 1} | ${fmt(s.load.rps)} | ${fmt(s.load.p99, 1)} | ${k.answered} (${k.distinctAnswered}) | ` +
          `${k.replayed} | ${k.ordersListed} of ${k.keysUsed}${k.evicted > 0 ? ` (${k.evicted} oldest forgotten)` : ''}` +
          `${k.inRedis !== undefined ? `; Redis holds ${k.inRedis - 1}` : ''} | ` +
          `${k.sameKeyDistinct} key, +${k.sameKeyNewOrders} listed ` +
          `${JSON.stringify(k.sameKeyStatuses)} | ${k.refundSuccesses} SUCCESS, ${k.refundRefused} FAILED 2001, ` +
          `${fmt(k.refundedOnOrder)} ¢ refunded | ${fmt(s.rssMb, 1)} | ${fmt(s.redisUsedMb, 1)} |`
        );
      }),
    ),
  ];
  const perCommand = outcomes.flatMap((o) => {
    const names = new Set(o.samples.flatMap((x) => Object.keys(x.redisCallsPerReq ?? {})));
    if (names.size === 0) return [];
    const medians = [...names]
      .map((name) => [name, median(o.samples.map((x) => x.redisCallsPerReq?.[name] ?? 0)) ?? 0] as const)
      .filter(([, n]) => n >= 0.01)
      .sort((x, y) => y[1] - x[1]);
    return [`- (${o.config.key}) ${medians.map(([name, n]) => `${name} ${n.toFixed(2)}`).join(', ')}`];
  });
  if (perCommand.length > 0) {
    lines.push(
      '',
      '## Redis calls per answered request (medians; commands inside the scripts are counted too)',
      '',
      ...perCommand,
    );
  }
  const problems = outcomes.flatMap((o) => [
    ...o.failures.map((f) => `- (${o.config.key}) could not run: ${f.split('\n').slice(0, 6).join(' / ')}`),
    ...o.samples.flatMap((s) => s.problems.map((p) => `- (${o.config.key}) round ${s.round + 1}: ${p}`)),
  ]);
  if (problems.length > 0) lines.push('', '## Problems', '', ...problems);
  return `${lines.join('\n')}\n`;
}

// ---- main ---------------------------------------------------------------------------------------------------------

function parseOptions(): { rounds: number; seconds: number; sessions: number } {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { rounds: { type: 'string' }, duration: { type: 'string' }, sessions: { type: 'string' } },
  });
  const whole = (name: string, value: string | undefined, fallback: number, min: number, max: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new Error(`${name} must be a whole number from ${min} to ${max}`);
    return n;
  };
  return {
    rounds: whole('rounds', values.rounds ?? positionals[0], 3, 1, 10),
    seconds: whole('seconds', values.duration ?? positionals[1], 10, 1, 60),
    sessions: whole('--sessions', values.sessions, 1, 1, 100),
  };
}

async function main(): Promise<void> {
  installCleanup();
  const { rounds, seconds, sessions } = parseOptions();
  const outcomes: Outcome[] = CONFIGS.map((config) => ({ config, samples: [], failures: [] }));
  let redis: RedisHandle | undefined;
  try {
    redis = await startRedis();
  } catch (error) {
    const message = `redis-server did not start: ${(error as Error).message}`;
    for (const o of outcomes) if (o.config.redis) o.failures.push(message);
  }
  try {
    for (let round = 0; round < rounds; round++) {
      const order = outcomes.map((_, i) => outcomes[(i + round) % outcomes.length] as Outcome);
      for (const outcome of order) {
        if (outcome.config.redis && !redis) continue;
        process.stderr.write(
          `[redis] round ${round + 1}/${rounds}: (${outcome.config.key}) ${outcome.config.name}\n`,
        );
        try {
          const sample = await runOnce(
            outcome.config,
            round,
            seconds,
            sessions,
            outcome.config.redis ? redis : undefined,
          );
          outcome.samples.push(sample);
          process.stderr.write(
            `[redis]   ${fmt(sample.load.rps)} req/s, p99 ${fmt(sample.load.p99, 1)} ms, counters ${sample.ok ? 'ok' : sample.problems.join('; ')}\n`,
          );
        } catch (error) {
          outcome.failures.push((error as Error).message);
          process.stderr.write(`[redis]   failed: ${(error as Error).message}\n`);
        }
      }
    }
  } finally {
    redis?.client.disconnect();
  }
  const report = buildReport(outcomes, rounds, seconds, sessions);
  process.stdout.write(`\n${report}`);
  mkdirSync(new URL('./out/', import.meta.url), { recursive: true });
  const outFile = sessions === 1 ? OUT_FILE : OUT_FILE.replace(/\.md$/, `-${sessions}-sessions.md`);
  writeFileSync(outFile, report);
  process.stderr.write(`[redis] report written to ${outFile.slice(ROOT.length)}\n`);
  if (outcomes.some((o) => o.failures.length > 0 || o.samples.some((s) => !s.ok))) process.exitCode = 1;
}

await runBench('redis', main);
