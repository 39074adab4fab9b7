// Journal memory benchmark: 200,000 mixed requests against an in-process mock on loopback, RSS before and after.
//   node --import tsx bench/journal.ts                 (RSS as it is)
//   node --expose-gc --import tsx bench/journal.ts     (also after a full GC at every checkpoint)
// Each cycle runs in one of SESSIONS test sessions: token → tokenize → evaluate (tokenized card) → GET order → list.
// Afterwards the journal and then the store are emptied, so the figures show which of the two holds the memory.
// A second part records 200,000 synthetic exchanges straight into a Journal, without HTTP or store.

import http from 'node:http';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import { createApp } from '../mock/http/app.js';
import { listen } from '../mock/http/server.js';
import type { Exchange } from '../mock/http/types.js';
import { Journal } from '../mock/journal/journal.js';

const TOTAL = Number(process.env.BENCH_REQUESTS ?? 200_000);
const WARMUP = 10_000;
const CONCURRENCY = 32;
const SESSIONS = 200;
const PER_CYCLE = 5;

const gc = (globalThis as { gc?: () => void }).gc;

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

interface Checkpoint {
  label: string;
  rss: number;
  heapUsed: number;
  rssAfterGc: number | null;
  heapAfterGc: number | null;
}

function checkpoint(label: string): Checkpoint {
  const raw = process.memoryUsage();
  let rssAfterGc: number | null = null;
  let heapAfterGc: number | null = null;
  if (gc) {
    gc();
    gc();
    const after = process.memoryUsage();
    rssAfterGc = after.rss;
    heapAfterGc = after.heapUsed;
  }
  return { label, rss: raw.rss, heapUsed: raw.heapUsed, rssAfterGc, heapAfterGc };
}

function printCheckpoints(rows: Checkpoint[]): void {
  const table = rows.map((r) => ({
    checkpoint: r.label,
    rss: mb(r.rss),
    heapUsed: mb(r.heapUsed),
    'rss after gc': r.rssAfterGc === null ? 'n/a (no --expose-gc)' : mb(r.rssAfterGc),
    'heap after gc': r.heapAfterGc === null ? 'n/a' : mb(r.heapAfterGc),
  }));
  console.table(table);
}

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function call(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          ...headers,
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = null;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            parsed = text;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

let counter = 0;
function uuid(): string {
  counter += 1;
  return `b0000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
}

const statuses: Record<string, number> = {};
function count(status: number): void {
  statuses[status] = (statuses[status] ?? 0) + 1;
}

/** One cycle of five requests in one session. */
async function cycle(port: number, n: number): Promise<void> {
  const session = { 'x-mock-session': `bench-${n % SESSIONS}` };
  const token = await call(port, 'POST', '/v1/oauth2/token', session, {
    AppKey: DEFAULT_MERCHANT.appKey,
    AppSecret: DEFAULT_MERCHANT.appSecret,
  });
  count(token.status);
  const auth = { ...session, authorization: `Bearer ${(token.body as { accessToken: string }).accessToken}` };
  const vaulted = await call(
    port,
    'POST',
    `/v1/tokenize?mid=${DEFAULT_MERCHANT.mid}&environment=${DEFAULT_MERCHANT.tokenizationKey}`,
    session,
    {
      payment_method: {
        credit_card: {
          first_name: 'Cure',
          last_name: 'Tester',
          number: TEST_CARDS.approved,
          verification_value: '999',
          month: '09',
          year: '2031',
        },
      },
    },
  );
  count(vaulted.status);
  const cardToken = (vaulted.body as { transaction: { payment_method: { token: string } } }).transaction
    .payment_method.token;
  const evaluated = await call(port, 'POST', '/v1/evaluate', auth, {
    isDeclined: true,
    isMIT: false,
    mid: DEFAULT_MERCHANT.mid,
    orderId: `BENCH-${uuid()}`,
    idempotencyKey: uuid(),
    transaction: { id: String(n), amount: 1500, currency: 'USD', timestampUtc: '2026-06-01T11:59:00Z' },
    payer: { email: 'bench@example.com' },
    billingInformation: {
      firstName: 'Bench',
      lastName: 'Mark',
      country: 'United States',
      countryCode: 'US',
      addressLine1: '1 Main St',
      city: 'Austin',
      state: 'TX',
      zipCode: '73301',
    },
    paymentMethod: { cardNumber: cardToken, token: true },
  });
  count(evaluated.status);
  const id = (evaluated.body as { orderSessionKey?: string }).orderSessionKey ?? 'missing';
  count((await call(port, 'GET', `/v1/orders/${id}`, auth)).status);
  count((await call(port, 'GET', '/v1/orders?pageSize=5', auth)).status);
}

async function drive(port: number, cycles: number, offset: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cycles) {
      const n = offset + next;
      next += 1;
      await cycle(port, n);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
}

async function overHttp(): Promise<void> {
  const app = createApp({ logger: { info() {}, warn() {}, error() {} } });
  const running = await listen(app, { port: 0 });
  const rows: Checkpoint[] = [];
  try {
    rows.push(checkpoint('started'));
    const warmupCycles = Math.ceil(WARMUP / PER_CYCLE);
    await drive(running.port, warmupCycles, 0);
    rows.push(checkpoint(`after ${warmupCycles * PER_CYCLE} requests (journal full)`));
    const cycles = Math.ceil(TOTAL / PER_CYCLE) - warmupCycles;
    const started = performance.now();
    await drive(running.port, cycles, warmupCycles);
    const seconds = (performance.now() - started) / 1000;
    const total = (warmupCycles + cycles) * PER_CYCLE;
    rows.push(checkpoint(`after ${total} requests`));
    const journal = app.mock.journal;
    const held = { size: journal.size, capacity: journal.capacity, recorded: journal.recorded };
    const orders = app.mock.store
      .sessionNames()
      .reduce(
        (sum, name) => sum + app.mock.store.session(name).partition(DEFAULT_MERCHANT.mid).orders.size,
        0,
      );
    journal.clear();
    rows.push(checkpoint('journal cleared'));
    app.mock.store.resetAll();
    rows.push(checkpoint('store reset'));

    console.log(
      `\n${total} requests over HTTP in ${seconds.toFixed(1)} s after warm-up ` +
        `(${Math.round((cycles * PER_CYCLE) / seconds)} req/s, concurrency ${CONCURRENCY}, ${SESSIONS} sessions)`,
    );
    console.log(`statuses: ${JSON.stringify(statuses)}`);
    console.log(
      `journal: ${held.size} entries held of ${held.recorded} recorded (capacity ${held.capacity}); ` +
        `store: ${orders} orders`,
    );
    printCheckpoints(rows);
  } finally {
    agent.destroy();
    await running.close(1_000);
  }
}

/** The journal alone: 200,000 synthetic exchanges with realistic bodies, no HTTP and no store. */
function journalOnly(): void {
  const journal = new Journal();
  const rows: Checkpoint[] = [checkpoint('empty journal')];
  const body = {
    isDeclined: true,
    orderId: 'ORDER-1',
    paymentMethod: { cardNumber: TEST_CARDS.visa, token: false },
    billingInformation: {
      firstName: 'John',
      lastName: 'Doe',
      addressLine1: '123 Main St.',
      city: 'San Francisco',
    },
    transaction: { id: '3478613', amount: 1500, currency: 'USD' },
  };
  const started = performance.now();
  for (let i = 0; i < TOTAL; i += 1) {
    const exchange: Exchange = {
      session: `s-${i % 500}`,
      method: 'POST',
      path: '/v1/evaluate',
      query: {},
      operationId: 'evaluate',
      at: Date.now(),
      durationMs: 1.23,
      status: 200,
      requestHeaders: {
        host: '127.0.0.1:4848',
        authorization: 'Bearer x.y.z',
        'content-type': 'application/json',
      },
      requestBody: { ...body, orderId: `ORDER-${i}` },
      responseHeaders: { 'content-type': 'application/json; charset=utf-8' },
      responseBody: {
        orderSessionKey: `order-${i}`,
        orderId: `order-${i}`,
        status: 'APPROVED',
        success: true,
      },
      scenarios: [],
    };
    journal.recordExchange(exchange);
    if (i === 9_999) rows.push(checkpoint('after 10,000 entries (ring full)'));
  }
  const seconds = (performance.now() - started) / 1000;
  rows.push(checkpoint(`after ${TOTAL} entries`));
  console.log(
    `\njournal alone: ${TOTAL} exchanges recorded in ${seconds.toFixed(1)} s ` +
      `(${Math.round(TOTAL / seconds)}/s), ${journal.size} held`,
  );
  printCheckpoints(rows);
}

console.log(`node ${process.version}, gc ${gc ? 'exposed' : 'not exposed'}`);
await overHttp();
journalOnly();
