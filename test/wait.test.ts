// `wait` polls with Node's own HTTP client, not fetch: fetch refuses the ports on the WHATWG "bad ports" list
// (6000, 5060, 10080, …) before any connection, so a mock served on one of them was never seen as up.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, type TestContext, test } from 'node:test';
import { probeStatus, waitForUrl } from '../mock/cli/wait.js';

/** A server that accepts connections and never answers; closed after the test. Returns its port. */
async function silentServer(t: TestContext): Promise<number> {
  const silent = createServer(() => {});
  t.after(() => {
    silent.closeAllConnections();
    silent.close();
  });
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  return (silent.address() as AddressInfo).port;
}

describe('wait', { timeout: 60_000 }, () => {
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/v1' ? 200 : 503;
    res.end('{}');
  });
  after(() => server.close());
  const origin = async () => {
    if (!server.listening) {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
    }
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  test('a port fetch refuses is really tried: the attempt fails with the socket error, not "fetch failed"', async () => {
    // Port 1 is on fetch's bad-port list; nothing listens on it on loopback, so a real attempt is refused.
    await assert.rejects(probeStatus('http://127.0.0.1:1/v1', 30_000), { code: 'ECONNREFUSED' });
  });

  test('an attempt reports the status the server answered', async () => {
    assert.equal(await probeStatus(`${await origin()}/v1`, 30_000), 200);
    assert.equal(await probeStatus(`${await origin()}/`, 30_000), 503);
  });

  test('a ready file that holds no URL fails at once, saying so', async () => {
    const started = Date.now();
    const result = await waitForUrl({ url: () => 'not a url at all', timeoutMs: 30_000 });
    assert.deepEqual(result, {
      ok: false,
      reason: 'the ready file holds no http URL ("not a url at all")',
      final: true,
    });
    assert.ok(Date.now() - started < 20_000, 'without waiting for the timeout');
  });

  test('a ready file saying the server failed to start ends the wait at once with its reason', async () => {
    const started = Date.now();
    const result = await waitForUrl({ url: () => 'failed to start: port 1 is in use', timeoutMs: 30_000 });
    assert.deepEqual(result, { ok: false, reason: 'failed to start: port 1 is in use', final: true });
    const hostile = await waitForUrl({ url: () => 'failed to start: \u001b[2Jgone', timeoutMs: 30_000 });
    assert.deepEqual(hostile, { ok: false, reason: 'failed to start:  [2Jgone', final: true });
    assert.ok(Date.now() - started < 20_000, 'without waiting for the timeout');
  });

  test('a 2xx is up', async () => {
    const up = await waitForUrl({ url: `${await origin()}/v1`, timeoutMs: 30_000 });
    assert.equal(up.ok, true);
  });

  test('a server that accepts and never answers: "no answer" once the timeout has passed', async (t) => {
    const port = await silentServer(t);
    const result = await waitForUrl({ url: `http://127.0.0.1:${port}/v1`, timeoutMs: 300, intervalMs: 50 });
    assert.deepEqual(result, { ok: false, reason: 'no answer' });
  });
  test('an attempt the deadline cuts short does not hide the earlier finished reason', async (t) => {
    // On a busy machine the last attempt may not even connect before the deadline: "no answer" would then blame a
    // server that in fact refused every connection.
    const port = await silentServer(t);
    const targets = ['http://127.0.0.1:1/v1'];
    let calls = 0;
    const result = await waitForUrl({
      url: () => targets[calls++] ?? `http://127.0.0.1:${port}/v1`,
      timeoutMs: 1_500,
      intervalMs: 10,
    });
    assert.deepEqual(result, { ok: false, reason: 'ECONNREFUSED' });
    assert.ok(calls >= 2, 'the silent server was tried after the refusal');
  });
});
