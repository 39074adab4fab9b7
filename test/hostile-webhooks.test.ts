// Webhook network safety against a real socket server: where receivers may point, how many a session may add, how
// many attempts run at once, and that no admin or API answer waits for a receiver.

import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { type MockServer, startMock } from '../mock/http/start-mock.js';
import { ReceiverPolicy } from '../mock/webhooks/receiver-policy.js';
import { evaluateBody } from './helpers.js';

async function receiver(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<{
  server: Server;
  url: string;
}> {
  const server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
}

async function approve(mock: MockServer, token: string, session = 'default'): Promise<void> {
  const res = await fetch(`${mock.baseUrl}/evaluate`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'x-mock-session': session,
    },
    body: JSON.stringify(evaluateBody()),
  });
  assert.equal(res.status, 200, await res.text());
}

describe('webhook network safety', { timeout: 60_000 }, () => {
  const closers: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
  });

  test('receivers off loopback, on system ports, on the mock itself or with credentials are refused', async () => {
    const mock = await startMock();
    closers.push(() => mock.close());
    const add = (url: string, session = 'w1') =>
      fetch(`${mock.url}/__admin/webhooks/receivers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-mock-session': session },
        body: JSON.stringify({ url, sessionOnly: true }),
      });
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://10.0.0.1:8080/hook',
      'http://192.168.1.10:9000/hook',
      'http://[fd00::1]:9000/hook',
      'http://127.0.0.1:22/',
      `${mock.url}/__admin/reset`,
      `http://localhost:${mock.port}/v1/evaluate`,
      'http://user:secret@127.0.0.1:9999/hook',
      'http://localhost.example:9999/hook',
    ]) {
      const res = await add(url);
      const body = (await res.json()) as { code: string };
      assert.equal(res.status, 400, url);
      assert.equal(body.code, '400042', url);
      assert.ok(!JSON.stringify(body).includes('secret@'), 'credentials are not echoed');
    }
    assert.equal((await mock.webhooks.receivers()).length, 0);
    // Loopback on an ordinary port is fine.
    assert.equal((await add('http://127.0.0.1:9999/hook')).status, 201);
  });

  test('a session may register a bounded number of receivers', async () => {
    const mock = await startMock({ webhooks: { maxReceiversPerSession: 3 } });
    closers.push(() => mock.close());
    const statuses: number[] = [];
    const codes: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const res = await fetch(`${mock.url}/__admin/webhooks/receivers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-mock-session': 'greedy' },
        body: JSON.stringify({ url: `http://127.0.0.1:9999/hook/${i}`, sessionOnly: true }),
      });
      statuses.push(res.status);
      codes.push(((await res.json()) as { code?: string }).code ?? '');
    }
    assert.deepEqual(statuses, [201, 201, 201, 400, 400]);
    assert.equal(codes[3], '400043');
  });

  test('receivers for every session are capped server-wide, however many sessions add them', async () => {
    const mock = await startMock();
    closers.push(() => mock.close());
    const add = (session: string, path: string, sessionOnly: boolean) =>
      fetch(`${mock.url}/__admin/webhooks/receivers`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-mock-session': session },
        body: JSON.stringify({
          url: `http://127.0.0.1:9999/${path}`,
          ...(sessionOnly ? { sessionOnly } : {}),
        }),
      });
    // Ten sessions each within their own cap of 20: every event of every session would go to 200 receivers.
    const refused: { code: string; detail: string }[] = [];
    for (let s = 0; s < 10; s += 1) {
      for (let r = 0; r < 20; r += 1) {
        const res = await add(`s${s}`, `s${s}_r${r}`, false);
        if (res.status === 400) refused.push((await res.json()) as { code: string; detail: string });
        else assert.equal(res.status, 201, await res.text());
      }
    }
    const shared = mock.webhooks.receivers().filter((r) => r.session === null);
    assert.equal(shared.length, 20);
    assert.equal(refused.length, 180);
    assert.ok(refused.every((p) => p.code === '400043'));
    assert.match(refused[0]?.detail ?? '', /for every session \(at most 20\).*sessionOnly: true/);
    // A receiver for the session's own events is still accepted.
    assert.equal((await add('s9', 's9_own', true)).status, 201);
  });

  test('deliveries dropped to make room wait nowhere: what waits for a hanging receiver is bounded by what is kept', async () => {
    const held: ServerResponse[] = [];
    const hanging = await receiver((_req, res) => {
      held.push(res);
    });
    closers.push(() => closeServer(hanging.server));
    const mock = await startMock({
      clock: { frozen: true },
      webhooks: { timeoutMs: 20_000, maxConcurrent: 1, maxDeliveries: 10 },
    });
    closers.push(() => mock.close());
    mock.webhooks.addReceiver({ mid: mock.credentials.mid, url: `${hanging.url}/hook` });
    const token = await mock.token();
    // One URL, its first attempt held: every later delivery waits in that URL's line, and most are dropped.
    for (let i = 0; i < 40; i += 1) await approve(mock, token);
    while (held.length < 1) await new Promise((r) => setImmediate(r));
    const made = mock.webhooks.deliveries().at(-1)?.id ?? '';
    assert.ok(Number(made.slice(4)) >= 40, `${made}: every order made a delivery`);
    assert.equal(mock.webhooks.deliveries().length, 10);
    // The one held by the receiver is running, not waiting; the other kept ones wait, and nothing else does.
    assert.ok(mock.webhooks.waiting <= 10, `${mock.webhooks.waiting} waiting`);
    assert.ok(mock.webhooks.waiting >= 8, `${mock.webhooks.waiting} waiting`);
    for (const r of held) r.end('ok');
  });

  test('a receiver given before the mock listened is refused at delivery when it is the mock itself', async () => {
    const probe = await startMock();
    const port = probe.port;
    await probe.close();
    const mock = await startMock({
      port,
      clock: { frozen: true },
      webhooks: {
        receivers: [{ mid: probe.credentials.mid, url: `http://127.0.0.1:${port}/__admin/reset` }],
      },
    });
    closers.push(() => mock.close());
    await approve(mock, await mock.token());
    await mock.webhooks.flush();
    const [delivery] = mock.webhooks.deliveries();
    assert.ok(delivery, 'a delivery was made');
    assert.match(delivery.attempts[0]?.error ?? '', /refused: .*the mock itself/);
  });

  test('a name is checked on the address it resolves to', async () => {
    const policy = new ReceiverPolicy();
    const resolved = await new Promise<string>((resolve, reject) =>
      policy.lookup('localhost', {}, (error, address) => (error ? reject(error) : resolve(String(address)))),
    );
    assert.match(resolved, /^(127\.|::1$)/);
    assert.throws(() => policy.check(new URL('http://rebind.localhost.example:9999/')), /not a loopback/);
  });

  test('a hanging receiver never holds clock moves, and attempts in flight are bounded', async () => {
    let open = 0;
    let maxOpen = 0;
    const held: ServerResponse[] = [];
    const hanging = await receiver((_req, res) => {
      open += 1;
      maxOpen = Math.max(maxOpen, open);
      held.push(res);
      res.on('close', () => {
        open -= 1;
      });
    });
    closers.push(() => closeServer(hanging.server));
    const mock = await startMock({
      clock: { frozen: true },
      webhooks: { timeoutMs: 20_000, maxConcurrent: 3 },
    });
    closers.push(() => mock.close());
    for (let i = 0; i < 6; i += 1) {
      mock.webhooks.addReceiver({ mid: mock.credentials.mid, url: `${hanging.url}/hook/${i}` });
    }
    const token = await mock.token();
    for (let i = 0; i < 2; i += 1) await approve(mock, token);
    // Wait until the receiver holds as many requests as the mock may have in flight.
    while (open < 3) await new Promise((r) => setImmediate(r));
    const advance = await fetch(`${mock.url}/__admin/clock/advance`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ by: '1h' }),
    });
    assert.equal(advance.status, 200);
    assert.equal(held.length, 3, 'the clock answered while every attempt was still held by the receiver');
    const flush = await fetch(`${mock.url}/__admin/webhooks/flush?waitMs=50`, { method: 'POST' });
    assert.equal(((await flush.json()) as { idle: boolean }).idle, false);
    // Another test session has nothing in flight: its flush answers at once, whatever this one's receivers do.
    const started = Date.now();
    const other = await fetch(`${mock.url}/__admin/webhooks/flush?waitMs=20000`, {
      method: 'POST',
      headers: { 'x-mock-session': 'another-worker' },
    });
    assert.deepEqual(await other.json(), { pending: 0, idle: true });
    assert.ok(Date.now() - started < 10_000, 'answered without waiting for the held attempts');
    // Let them go one at a time: the next ones start, never more than three at once.
    while (held.length < 12) {
      const next = held.find((r) => !r.writableEnded);
      if (next) next.end('ok');
      await new Promise((r) => setImmediate(r));
      if (held.every((r) => r.writableEnded) && held.length < 12) await new Promise((r) => setTimeout(r, 5));
    }
    for (const r of held) if (!r.writableEnded) r.end('ok');
    await mock.webhooks.flush();
    assert.equal(maxOpen, 3);
    assert.equal(mock.webhooks.deliveries({ status: 'delivered' }).length, 12);
  });
});

describe('webhook attempt timing', { timeout: 60_000 }, () => {
  test('an attempt that waited for a concurrency slot is timed from the slot, as its timeout is', async () => {
    const DELAY = 400;
    const slow = await receiver((_req, res) => {
      setTimeout(() => res.end('ok'), DELAY);
    });
    const mock = await startMock({ clock: { frozen: true }, webhooks: { maxConcurrent: 1 } });
    try {
      // Two URLs, so the two deliveries are not ordered behind each other by URL, only by the single slot.
      for (const path of ['a', 'b']) {
        mock.webhooks.addReceiver({ mid: mock.credentials.mid, url: `${slow.url}/hook/${path}` });
      }
      const started = performance.now();
      await approve(mock, await mock.token());
      await mock.webhooks.flush();
      const total = performance.now() - started;
      const attempts = mock.webhooks.deliveries().flatMap((d) => d.attempts);
      assert.equal(attempts.length, 2);
      assert.ok(total >= 2 * DELAY, `one slot: the second waited for the first (${total} ms in all)`);
      for (const attempt of attempts) {
        assert.equal(attempt.statusCode, 200);
        assert.ok(attempt.durationMs >= DELAY - 5, `${attempt.durationMs} ms`);
        // Without the slot's wait: well under two receivers' worth.
        assert.ok(
          attempt.durationMs < 2 * DELAY - 50,
          `${attempt.durationMs} ms is the receiver's time only`,
        );
      }
    } finally {
      await mock.close();
      await new Promise((r) => slow.server.close(r));
    }
  });
});
