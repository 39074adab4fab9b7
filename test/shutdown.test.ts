// Graceful shutdown: the compiled CLI (dist/mock/cli.js, built by `npm run build`; `npm test` builds
// first), a request held open mid-body, a webhook delivery hanging on a receiver that never answers, then SIGTERM.
// The in-flight request completes, new connections are refused, and the process exits 0 within 5 s. What the
// dispatcher records for a delivery cut by shutdown is checked in-process (closeMock), where the record can be read.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { TEST_CARDS } from '../mock/domain/outcomes.js';
import { closeMock, createApp } from '../mock/http/app.js';
import { listen } from '../mock/http/server.js';
import { evaluateBody, T0 } from './helpers.js';

const CLI = 'dist/mock/cli.js';
const EXIT_BUDGET_MS = 5_000;

interface Cli {
  child: ChildProcess;
  port: number;
  stderr: () => string;
}

function startCli(args: string[]): Promise<Cli> {
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build (npm test does)`);
  const child = spawn(process.execPath, [CLI, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no start-up line within 120 s: ${out} ${err}`));
    }, 120_000);
    child.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)\/v1/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]), stderr: () => err });
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before listening: ${out} ${err}`)));
  });
}

async function json(port: number, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      connection: 'close',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function tokenOf(port: number): Promise<string> {
  const res = await json(port, 'POST', '/v1/oauth2/token', {
    AppKey: DEFAULT_MERCHANT.appKey,
    AppSecret: DEFAULT_MERCHANT.appSecret,
  });
  assert.equal(res.status, 200);
  return String(res.body.accessToken);
}

/** Start a POST whose headers and first half of the body are sent; `finish()` sends the rest and reads the answer. */
async function holdOpen(port: number, path: string, token: string, body: string) {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const closed = once(socket, 'close');
  socket.on('error', () => {});
  const half = Math.floor(body.length / 2);
  // Expect: 100-continue makes the server say when it has parsed the head: then the request is in flight for sure
  // (a fixed sleep is outlasted on a busy machine, and an unparsed request is only an idle socket to close).
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nExpect: 100-continue\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
  );
  while (!Buffer.concat(chunks).toString('latin1').includes('\r\n\r\n')) await once(socket, 'data');
  const interim = Buffer.concat(chunks).toString('latin1');
  assert.match(interim, /^HTTP\/1\.1 100 Continue\r\n\r\n$/, interim.slice(0, 200));
  chunks.length = 0;
  socket.write(body.slice(0, half));
  return {
    socket,
    async finish(): Promise<string> {
      socket.write(body.slice(half));
      await closed;
      return Buffer.concat(chunks).toString('utf8');
    },
    async answer(): Promise<string> {
      await closed;
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket: Socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

/** A webhook receiver that takes requests and never answers; `received` resolves on the first one. */
async function silentReceiver(): Promise<{
  server: Server;
  url: string;
  received: Promise<IncomingMessage>;
  held: ServerResponse[];
}> {
  const held: ServerResponse[] = [];
  let onFirst: (req: IncomingMessage) => void = () => {};
  const received = new Promise<IncomingMessage>((resolve) => {
    onFirst = resolve;
  });
  const server = createServer((req, res) => {
    held.push(res);
    req.resume();
    onFirst(req);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received, held };
}

test('SIGTERM: the in-flight request completes, new connections are refused, exit 0 within 5 s', async () => {
  const receiver = await silentReceiver();
  const cli = await startCli(['--webhook-url', receiver.url]);
  try {
    const token = await tokenOf(cli.port);
    // A webhook delivery in flight on a receiver that never answers.
    const approved = await json(cli.port, 'POST', '/v1/evaluate', evaluateBody(), token);
    assert.equal(approved.body.status, 'APPROVED');
    const hook = await receiver.received;
    const hookClosed = once(hook.socket, 'close');
    // A request in flight: headers and half of its body sent.
    const held = await holdOpen(cli.port, '/v1/evaluate', token, JSON.stringify(evaluateBody()));

    const signalled = performance.now();
    const exited = once(cli.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    cli.child.kill('SIGTERM');
    // New connections are refused once the listener is closed (well before the in-flight request ends).
    let isRefused = false;
    for (let i = 0; i < 500 && !isRefused; i++) {
      isRefused = await refused(cli.port);
      if (!isRefused) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(isRefused, 'new connections are refused after SIGTERM');
    assert.equal(cli.child.exitCode, null, 'still running while a request is in flight');

    const answer = await held.finish();
    assert.match(answer, /^HTTP\/1\.1 200 OK\r\n/, answer.slice(0, 200));
    assert.match(answer, /\r\nconnection: close\r\n/i, 'the answer closes the connection');
    assert.equal(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).status, 'APPROVED');

    const [code, signal] = await exited;
    const took = performance.now() - signalled;
    assert.equal(signal, null);
    assert.equal(code, 0, `exit code (stderr: ${cli.stderr()})`);
    assert.ok(took < EXIT_BUDGET_MS, `exited ${Math.round(took)} ms after SIGTERM`);
    // Soon after the last answer, not when the 4 s grace timer cuts a kept-alive socket.
    assert.ok(
      took < 2_000,
      `exited ${Math.round(took)} ms after SIGTERM: the answered socket was kept alive`,
    );
    // The hanging webhook delivery did not hold the process: its connection was dropped.
    await hookClosed;
    assert.match(cli.stderr(), /SIGTERM: finishing in-flight requests/);
  } finally {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    for (const res of receiver.held) res.destroy();
    receiver.server.close();
  }
});

test('SIGTERM: a request that never completes is cut at the grace period; still exit 0 within 5 s', async () => {
  const cli = await startCli([]);
  try {
    const token = await tokenOf(cli.port);
    const held = await holdOpen(
      cli.port,
      '/v1/outcome',
      token,
      JSON.stringify({ orderSessionKey: 'x'.repeat(64) }),
    );
    const signalled = performance.now();
    const exited = once(cli.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    cli.child.kill('SIGTERM');
    const [code] = await exited;
    const took = performance.now() - signalled;
    assert.equal(code, 0, cli.stderr());
    assert.ok(took < EXIT_BUDGET_MS, `exited ${Math.round(took)} ms after SIGTERM`);
    // Nothing was written for the half-sent request: the connection was closed, not answered with garbage.
    const answer = await held.answer();
    assert.ok(answer === '' || /^HTTP\/1\.1 [45]\d\d /.test(answer), answer.slice(0, 200));
  } finally {
    if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
  }
});

test('closing the mock records a webhook delivery cut mid-attempt (still pending, the attempt failed)', async () => {
  const receiver = await silentReceiver();
  const app = createApp({
    clock: { start: T0, frozen: true },
    logger: { info() {}, warn() {}, error() {} },
    webhooks: { receivers: [{ mid: DEFAULT_MERCHANT.mid, url: receiver.url }] },
  });
  const running = await listen(app, { port: 0 });
  try {
    const token = await tokenOf(running.port);
    const order = await json(
      running.port,
      'POST',
      '/v1/evaluate',
      evaluateBody({ paymentMethod: { cardNumber: TEST_CARDS.approved } }),
      token,
    );
    assert.equal(order.status, 200);
    await receiver.received;
    const started = performance.now();
    await Promise.all([running.close(4_000), closeMock(app.mock)]);
    assert.ok(performance.now() - started < EXIT_BUDGET_MS, 'closing does not wait for the receiver');
    const deliveries = app.mock.webhooks?.deliveries({ orderId: String(order.body.orderSessionKey) }) ?? [];
    assert.ok(deliveries.length > 0, 'the delivery is still on record');
    for (const d of deliveries) {
      assert.ok(['pending', 'failed'].includes(d.status), `${d.id} is ${d.status}`);
    }
    const attempted = deliveries.filter((d) => d.attempts.length > 0);
    assert.ok(attempted.length > 0, 'the cut attempt is recorded');
    for (const d of attempted) {
      const last = d.attempts[d.attempts.length - 1];
      assert.equal(last?.statusCode, null);
      assert.ok(last?.error, 'the cut attempt carries an error');
    }
  } finally {
    for (const res of receiver.held) res.destroy();
    receiver.server.close();
  }
});
