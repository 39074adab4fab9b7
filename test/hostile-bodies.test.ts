// Unfinished request bodies, over real sockets: together they may hold no more than the server's body budget (a
// request that cannot fit is answered 503102 at once, before its body is read), what is charged is the bytes that
// arrived (declaring a length takes nothing), the budget comes back when they end, and a body trickled slower than
// the request timeout is cut off with 408001.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_MERCHANT, DEFAULT_PARTNER, type MerchantAccount } from '../mock/domain/accounts.js';
import { createApp } from '../mock/http/app.js';
import { type ListenOptions, listen, type RunningServer } from '../mock/http/server.js';

const MiB = 1024 * 1024;

/**
 * A token request declaring `length` bytes of body (written as `declared`, e.g. with leading zeros) and sending
 * `sent` of them (default: all but the last ten): left open.
 */
async function unfinished(
  port: number,
  length: number,
  sent = length - 10,
  declared = String(length),
): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => {});
  socket.write(
    `POST /v1/oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`,
  );
  if (sent > 0) socket.write(Buffer.alloc(sent, 0x20));
  return socket;
}

/** Everything the server writes on `socket` until it closes it (or `ms` pass). */
async function answerOn(socket: Socket, ms: number): Promise<string> {
  let text = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    text += chunk;
  });
  await Promise.race([once(socket, 'close'), new Promise((done) => setTimeout(done, ms))]);
  return text;
}

async function tokenStatus(url: string): Promise<number> {
  const res = await fetch(`${url}/v1/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ AppKey: DEFAULT_MERCHANT.appKey, AppSecret: DEFAULT_MERCHANT.appSecret }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** A quiet mock listening on a free port for the enclosing suite, with these listen() options. */
function serverFor(options: Omit<ListenOptions, 'port'>): { get(): RunningServer } {
  let server: RunningServer | undefined;
  before(async () => {
    server = await listen(createApp({ logger: { info() {}, warn() {}, error() {} } }), {
      port: 0,
      ...options,
    });
  });
  after(() => server?.close(100));
  return {
    get() {
      if (!server) throw new Error('the server is not listening yet');
      return server;
    },
  };
}

describe('hostile bodies: a compressed body is charged what decoding it may hold', {
  timeout: 60_000,
}, () => {
  // 40 MiB: two brotli bodies (16 MiB window + the 1 MiB decoded body each) fit, a third does not; gzip's is small.
  const server = serverFor({ bodyBudgetBytes: 40 * MiB });
  /** A request with this Content-Encoding that sends 5 of its 10 declared bytes and waits. */
  const compressed = async (encoding: string) => {
    const socket = connect(server.get().port, '127.0.0.1');
    await once(socket, 'connect');
    socket.on('error', () => {});
    socket.write(
      `POST /v1/oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Encoding: ${encoding}\r\nContent-Length: 10\r\n\r\n12345`,
    );
    return socket;
  };

  test('a few tiny brotli bodies fill the budget: the next is refused 503102; gzip ones still fit', async () => {
    // An 828-byte brotli body decodes to gigabytes: counted by its wire bytes, 600 of them took the server to 3 GB.
    const held = [await compressed('br'), await compressed('br')];
    try {
      await new Promise((done) => setTimeout(done, 200));
      const third = await compressed('br');
      held.push(third);
      const answer = await answerOn(third, 5_000);
      assert.match(answer, /^HTTP\/1\.1 503 /);
      assert.match(answer, /"code":"503102"/);
      const zipped = await compressed('gzip');
      held.push(zipped);
      assert.equal(await answerOn(zipped, 300), '', 'a gzip body is admitted: nothing answered yet');
    } finally {
      for (const socket of held) socket.destroy();
    }
    // Their share comes back once their answers are gone.
    await new Promise((done) => setTimeout(done, 200));
    const again = [await compressed('br'), await compressed('br')];
    try {
      assert.deepEqual(
        await Promise.all(again.map((socket) => answerOn(socket, 300))),
        ['', ''],
        'both admitted again',
      );
    } finally {
      for (const socket of again) socket.destroy();
    }
  });
});

describe('hostile bodies: unfinished bodies stay within the body budget', { timeout: 60_000 }, () => {
  const server = serverFor({ bodyBudgetBytes: 4 * MiB });

  test('four stalled 1 MiB bodies fill a 4 MiB budget: the fifth is refused 503102 unread, small requests pass', async () => {
    const stalled = await Promise.all([1, 2, 3, 4].map(() => unfinished(server.get().port, MiB - 64)));
    try {
      // Let the server see them all.
      await new Promise((done) => setTimeout(done, 200));
      const fifth = await unfinished(server.get().port, MiB - 64);
      const answer = await answerOn(fifth, 5_000);
      assert.match(answer, /^HTTP\/1\.1 503 /);
      assert.match(answer, /\r\nretry-after: 1\r\n/i);
      assert.match(answer, /\r\nconnection: close\r\n/i);
      assert.match(answer, /"code":"503102"/);
      fifth.destroy();
      // A small body still fits, and the server is not otherwise harmed.
      assert.equal(await tokenStatus(server.get().url), 200);
    } finally {
      for (const socket of stalled) socket.destroy();
    }
    // The stalled bodies' share comes back once their connections are gone.
    await new Promise((done) => setTimeout(done, 200));
    const again = await Promise.all([1, 2, 3, 4].map(() => unfinished(server.get().port, MiB - 64)));
    try {
      const answers = await Promise.all(again.map((socket) => answerOn(socket, 300)));
      assert.deepEqual(answers, ['', '', '', ''], 'all four admitted: nothing answered yet');
    } finally {
      for (const socket of again) socket.destroy();
    }
  });
});

describe('hostile bodies: what is charged is what arrived', { timeout: 60_000 }, () => {
  const server = serverFor({ bodyBudgetBytes: 4 * MiB });

  test('sockets that only declare large bodies, sending none, do not lock out a small request', async () => {
    const declaring = await Promise.all(
      Array.from({ length: 16 }, () => unfinished(server.get().port, MiB, 0)),
    );
    try {
      await new Promise((done) => setTimeout(done, 200));
      assert.equal(await tokenStatus(server.get().url), 200);
    } finally {
      for (const socket of declaring) socket.destroy();
    }
  });

  test('Expect: 100-continue is refused before the upload when the body cannot fit, and told to go on when it can', async () => {
    const holding = await Promise.all([1, 2, 3, 4].map(() => unfinished(server.get().port, MiB - 64)));
    const ask = async () => {
      const socket = connect(server.get().port, '127.0.0.1');
      await once(socket, 'connect');
      socket.on('error', () => {});
      socket.write(
        `POST /v1/oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${MiB - 64}\r\nExpect: 100-continue\r\n\r\n`,
      );
      const [first] = (await once(socket, 'data')) as [Buffer];
      socket.destroy();
      return first.toString('latin1');
    };
    try {
      await new Promise((done) => setTimeout(done, 200));
      const full = await ask();
      assert.match(full, /^HTTP\/1\.1 503 /, 'no "100 Continue" first');
      assert.match(full, /"code":"503102"/);
    } finally {
      for (const socket of holding) socket.destroy();
    }
    await new Promise((done) => setTimeout(done, 200));
    assert.match(await ask(), /^HTTP\/1\.1 100 Continue\r\n/);
  });

  test('a Content-Length written with leading zeros is charged like any other', async () => {
    const padded = await Promise.all(
      [1, 2, 3, 4].map(() => unfinished(server.get().port, MiB - 64, MiB - 74, `000000000000${MiB - 64}`)),
    );
    try {
      await new Promise((done) => setTimeout(done, 200));
      const fifth = await unfinished(server.get().port, MiB - 64);
      assert.match(await answerOn(fifth, 5_000), /"code":"503102"/);
      fifth.destroy();
    } finally {
      for (const socket of padded) socket.destroy();
    }
  });
});

/** The token of `account` on the server at `url`. */
async function tokenOf(url: string, account: MerchantAccount): Promise<string> {
  const res = await fetch(`${url}/v1/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ AppKey: account.appKey, AppSecret: account.appSecret }),
  });
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** Send a request head with `Expect: 100-continue` and no body; what the server writes until it closes (or 5 s). */
async function expecting(port: number, head: string): Promise<{ socket: Socket; first: string }> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => {});
  socket.write(`${head}Host: 127.0.0.1\r\nExpect: 100-continue\r\n\r\n`);
  const [first] = (await once(socket, 'data')) as [Buffer];
  return { socket, first: first.toString('latin1') };
}

describe("hostile bodies: Expect: 100-continue and the route's own body limit", { timeout: 60_000 }, () => {
  const server = serverFor({});

  /** Asks with a declared length over the route's limit: refused 413001 at once, unread, and the connection ends. */
  async function refusedUnread(head: string, limit: RegExp): Promise<void> {
    const { socket, first } = await expecting(server.get().port, head);
    const rest = await answerOn(socket, 5_000);
    socket.destroy();
    const answer = first + rest;
    assert.match(answer, /^HTTP\/1\.1 413 /, 'no "100 Continue" first');
    assert.match(answer, /"code":"413001"/);
    assert.match(answer, limit);
    assert.match(answer, /\r\nConnection: close\r\n/i);
    assert.equal(socket.bytesWritten < 1_024, true, 'no body was sent');
  }

  test('an admin call declaring more than 64 KiB is refused 413001 before the go-ahead', async () => {
    await refusedUnread(
      'PUT /__admin/session/scenarios HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n',
      /The limit is 65536 bytes/,
    );
  });

  test('an evaluate declaring more than the 1 MiB body limit is refused 413001 before the go-ahead', async () => {
    const token = await tokenOf(server.get().url, DEFAULT_MERCHANT);
    await refusedUnread(
      `POST /v1/evaluate HTTP/1.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${MiB + 1}\r\n`,
      new RegExp(`The limit is ${MiB} bytes`),
    );
  });

  test('a document upload declaring more than the upload limit is refused 413001 before the go-ahead', async () => {
    const token = await tokenOf(server.get().url, DEFAULT_PARTNER);
    const created = await fetch(`${server.get().url}/v1/onboarding/application`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ LegalEntityName: 'Big Upload LLC', Dba: 'Big Upload' }),
    });
    const { id } = (await created.json()) as { id: string };
    await refusedUnread(
      `POST /v1/onboarding/application/${id}/documents HTTP/1.1\r\nAuthorization: Bearer ${token}\r\n` +
        `Content-Type: multipart/form-data; boundary=x\r\nContent-Length: ${20 * MiB}\r\n`,
      /The limit for documents is 10 MB/,
    );
  });

  test('an admin call within its limit is told to go on, and answered', async () => {
    const body = JSON.stringify({ names: [] });
    const { socket, first } = await expecting(
      server.get().port,
      `PUT /__admin/session/scenarios HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n`,
    );
    assert.match(first, /^HTTP\/1\.1 100 Continue\r\n/);
    socket.write(body);
    const answer = first + (await answerOn(socket, 5_000));
    socket.destroy();
    assert.match(answer, /\r\n\r\nHTTP\/1\.1 200 /);
  });

  test('a chunked body (no declared length) is told to go on as before', async () => {
    const { socket, first } = await expecting(
      server.get().port,
      'POST /v1/oauth2/token HTTP/1.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n',
    );
    socket.destroy();
    assert.match(first, /^HTTP\/1\.1 100 Continue\r\n/);
  });
});

describe('hostile bodies: a body trickled past the request timeout is cut off', { timeout: 60_000 }, () => {
  const server = serverFor({ requestTimeoutMs: 1_000 });

  test('one byte at a time, never the end: 408001 within a few seconds, and the server goes on', async () => {
    const socket = connect(server.get().port, '127.0.0.1');
    await once(socket, 'connect');
    socket.on('error', () => {});
    socket.write(
      'POST /v1/oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{',
    );
    const drip = setInterval(() => socket.write(' '), 200);
    const started = Date.now();
    try {
      const answer = await answerOn(socket, 10_000);
      assert.match(answer, /^HTTP\/1\.1 408 /);
      assert.match(answer, /"code":"408001"/);
      assert.ok(Date.now() - started < 9_000, 'cut off well before the test gives up');
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
    assert.equal(await tokenStatus(server.get().url), 200);
  });
});
