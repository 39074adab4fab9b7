// The journal's large answers (JSON, HAR, order timelines, the inspector's backlog) are written in slices with
// backpressure: a client that does not read holds one slice unsent, not megabytes; a few exports run at once and one
// per connection (503103 beyond); and what is written is byte for byte the answer built whole.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Response } from 'express';
import { MAX_EXPORTS, writeSlices } from '../mock/admin/export.js';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { redactStringsJson } from '../mock/support/redact.js';
import { evaluateBody } from './helpers.js';
import { type Live, startLive } from './hostile-helpers.js';

const SESSION = 'big';
/** Failing token requests with a 7 KB junk field: about 8 KB of HAR each, some 9 MB in all. */
const FILL = 1_100;
const JUNK = 'x'.repeat(7 * 1024);
/** Far below the export (9 MB) and above what a slice and the socket's buffer hold. */
const HELD_LIMIT = 1024 * 1024;

describe('large admin exports are written in slices, with backpressure', { timeout: 120_000 }, () => {
  let live: Live;
  const sockets = new Set<Socket>();
  /** Bytes the server's sockets hold unsent. */
  const held = () => [...sockets].reduce((sum, s) => sum + (s.destroyed ? 0 : s.writableLength), 0);
  const opened: Socket[] = [];

  /** A connection that sends `text` and reads nothing back until told. */
  const silent = (text: string) =>
    new Promise<Socket>((resolve) => {
      const socket = connect(live.server.port, '127.0.0.1', () => {
        socket.pause();
        socket.write(text);
        resolve(socket);
      });
      socket.on('error', () => {});
      opened.push(socket);
    });
  const ask = (path: string) =>
    `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nx-mock-session: ${SESSION}\r\n\r\n`;
  const closeAll = async () => {
    for (const socket of opened.splice(0)) socket.destroy();
    // The server sees the closes on its next turns.
    for (let i = 0; i < 50 && held() > 0; i++) await sleep(20);
  };
  /** Wait until the server has written something to every one of its sockets that asked (or 3 s). */
  const settle = async (count: number) => {
    for (let i = 0; i < 150; i++) {
      if ([...sockets].filter((s) => !s.destroyed && s.bytesWritten > 0).length >= count) break;
      await sleep(20);
    }
    await sleep(300);
  };

  before(async () => {
    live = await startLive();
    live.server.server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    const body = { AppKey: 'nobody', AppSecret: 'nothing', junk: JUNK };
    for (let i = 0; i < FILL; i += 50) {
      await Promise.all(
        Array.from({ length: 50 }, () =>
          live.call('POST', '/v1/oauth2/token', { headers: { 'x-mock-session': SESSION }, body }),
        ),
      );
    }
  });
  after(async () => {
    await closeAll();
    await live.close();
  });

  test('the journal, its HAR log and a timeline are the answers built whole', async () => {
    const s = 'exact';
    const token = await live.token(DEFAULT_MERCHANT, s);
    const headers = { authorization: `Bearer ${token}`, 'x-mock-session': s };
    const evaluated = await live.call('POST', '/v1/evaluate', { headers, body: evaluateBody() });
    assert.equal(evaluated.status, 200, evaluated.text);
    const id = (evaluated.body as { orderSessionKey: string }).orderSessionKey;
    await live.call('GET', `/v1/orders/${id}`, { headers });
    const journal = live.app.mock.journal;
    const session = { 'x-mock-session': s };

    const all = await live.call('GET', '/__admin/journal', { headers: session });
    assert.equal(all.status, 200);
    assert.match(all.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(all.text, redactStringsJson({ entries: journal.entries({ session: s }) }));
    const some = await live.call('GET', '/__admin/journal?kind=request&limit=2', { headers: session });
    assert.equal(
      some.text,
      redactStringsJson({ entries: journal.entries({ session: s, kind: 'request', limit: 2 }) }),
    );
    const har = await live.call('GET', '/__admin/journal/har', { headers: session });
    assert.equal(har.text, redactStringsJson(journal.toHar(s)));
    const timeline = await live.call('GET', `/__admin/orders/${id}/timeline`, { headers: session });
    assert.equal(timeline.text, redactStringsJson({ orderId: id, entries: journal.timeline(s, id) }));
    assert.ok(journal.timeline(s, id).length >= 2);
    const none = await live.call('GET', '/__admin/journal', { headers: { 'x-mock-session': 'nobody-here' } });
    assert.equal(none.text, '{"entries":[]}');

    const big = await live.call('GET', '/__admin/journal/har', { headers: { 'x-mock-session': SESSION } });
    assert.equal(big.status, 200);
    assert.ok(big.text.length > 8_000_000, `${big.text.length}`);
    assert.equal(big.text, redactStringsJson(journal.toHar(SESSION)));
  });

  test('a client that never reads its HAR export holds a slice unsent, not the export; others are answered', async () => {
    await silent(ask('/__admin/journal/har'));
    await settle(1);
    assert.ok(held() < HELD_LIMIT, `the server holds ${held()} unsent bytes`);
    const health = await live.call('GET', '/__admin/health');
    assert.equal(health.status, 200);
    const journal = await live.call('GET', '/__admin/journal?limit=1', {
      headers: { 'x-mock-session': SESSION },
    });
    assert.equal(journal.status, 200);
    await closeAll();
  });

  test(`${MAX_EXPORTS} exports at once: one more is refused 503103 with Retry-After, and served once they go`, async () => {
    for (let i = 0; i < MAX_EXPORTS; i++) await silent(ask('/__admin/journal'));
    await settle(MAX_EXPORTS);
    assert.ok(held() < MAX_EXPORTS * HELD_LIMIT, `the server holds ${held()} unsent bytes`);
    const refused = await live.call('GET', '/__admin/journal/har', {
      headers: { 'x-mock-session': SESSION },
    });
    assert.equal(refused.status, 503, refused.text);
    assert.equal((refused.body as { code: string }).code, '503103');
    assert.equal(refused.headers.get('retry-after'), '1');
    // HEAD makes no export, so it needs no slot.
    const head = await fetch(`${live.server.url}/__admin/journal/har`, {
      method: 'HEAD',
      headers: { 'x-mock-session': SESSION },
    });
    assert.equal(head.status, 200);
    assert.match(head.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(await head.text(), '');
    await closeAll();
    let served = 0;
    for (let i = 0; i < 50 && served !== 200; i++) {
      served = (
        await live.call('GET', '/__admin/journal?limit=3', { headers: { 'x-mock-session': SESSION } })
      ).status;
      if (served !== 200) await sleep(20);
    }
    assert.equal(served, 200);
  });

  test('exports pipelined on one connection: the first is written, the others refused at once', async () => {
    const socket = await silent(ask('/__admin/journal/har').repeat(5));
    await settle(1);
    assert.ok(held() < HELD_LIMIT, `the server holds ${held()} unsent bytes`);
    socket.setEncoding('latin1');
    let codes = 0;
    const counted = new Promise<void>((resolve) => {
      socket.on('data', (chunk: string) => {
        codes += chunk.split('"code":"503103"').length - 1;
        if (codes >= 4) resolve();
      });
    });
    socket.resume();
    await Promise.race([counted, sleep(20_000)]);
    assert.equal(codes, 4, 'four pipelined exports refused 503103');
    await closeAll();
  });

  test("the inspector's backlog to a stream that never reads stays within the stream's unsent limit", async () => {
    await silent(ask('/__admin/ui/events?backlog=5000'));
    await settle(1);
    assert.ok(held() < HELD_LIMIT, `the server holds ${held()} unsent bytes`);
    await closeAll();
  });

  test("the inspector's backlog is the newest entries, as one event", async () => {
    const controller = new AbortController();
    const res = await fetch(`${live.server.url}/__admin/ui/events?backlog=3`, {
      headers: { 'x-mock-session': SESSION },
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!text.includes('\n\n')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    controller.abort();
    const expected = JSON.stringify({
      entries: live.app.mock.journal.entries({ session: SESSION, limit: 3 }),
    });
    assert.equal(text.slice(0, text.indexOf('\n\n') + 2), `event: backlog\ndata: ${expected}\n\n`);
  });
});

describe('an export its client stops reading', { timeout: 60_000 }, () => {
  // The admin routes pass 30 s; the mechanism is the same at any length, so the test waits a fraction of a second.
  const STALL = 300;
  // 20 MB: more than a loopback socket's buffers hold at both ends.
  const ITEMS = 20_000;

  const serveSlices = async () => {
    const results: Promise<boolean>[] = [];
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      results.push(
        writeSlices(res as unknown as Response, {
          head: '[',
          tail: ']',
          items: Array.from({ length: ITEMS }, (_, i) => `${i}:${'x'.repeat(1_000)}`),
          text: (value) => JSON.stringify(value),
          stallMs: STALL,
        }).then((done) => {
          if (done) res.end();
          return done;
        }),
      );
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return { server, port: (server.address() as AddressInfo).port, results };
  };

  test('is ended after the stall time, and the writer stops', async (t) => {
    const { server, port, results } = await serveSlices();
    t.after(() => {
      server.closeAllConnections();
      server.close();
    });
    const socket = connect(port, '127.0.0.1', () => {
      socket.pause();
      socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    });
    socket.on('error', () => {});
    for (let i = 0; i < 200 && results.length === 0; i++) await sleep(10);
    const outcome = await Promise.race([results[0], sleep(20_000, 'still writing')]);
    assert.equal(outcome, false, 'the writer gave up');
    // A paused socket does not see its peer go; once it reads, it finds the answer cut short.
    const closed = once(socket, 'close');
    socket.resume();
    await closed;
    assert.ok(
      socket.bytesRead < ITEMS * 1_000,
      `the client got ${socket.bytesRead} bytes: not the whole export`,
    );
  });

  test('a client that reads slowly but steadily gets all of it', async (t) => {
    const { server, port, results } = await serveSlices();
    t.after(() => {
      server.closeAllConnections();
      server.close();
    });
    const res = await fetch(`http://127.0.0.1:${port}/`);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (let reads = 0; ; reads++) {
      const { value, done } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      // Slower than the server writes, never as long as the stall time between reads.
      if (reads % 8 === 0) await sleep(STALL / 10);
    }
    assert.equal(await results[0], true);
    const items = JSON.parse(text) as string[];
    assert.equal(items.length, ITEMS);
    assert.equal(items.at(-1)?.startsWith(`${ITEMS - 1}:`), true);
  });
});
