// `wait` polls with Node's own HTTP client, not fetch: fetch refuses the ports on the WHATWG "bad ports" list
// (6000, 5060, 10080, …) before any connection, so a mock served on one of them was never seen as up.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import { waitForUrl } from '../mock/commands/wait.js';

describe('waitForUrl', { timeout: 60_000 }, () => {
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/v1' ? 200 : 503;
    res.end('{}');
  });
  after(() => server.close());

  test('a URL on a port fetch refuses is still tried: the reason is the socket error, not "fetch failed"', async () => {
    // Port 1 is on fetch's bad-port list; nothing listens on it on loopback, so a real attempt is refused.
    const result = await waitForUrl({ url: 'http://127.0.0.1:1/v1', timeoutMs: 300, intervalMs: 50 });
    assert.deepEqual(result, { ok: false, reason: 'ECONNREFUSED' });
  });

  test('a 2xx is up; any other status is the reason', async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const up = await waitForUrl({ url: `http://127.0.0.1:${port}/v1`, timeoutMs: 10_000 });
    assert.equal(up.ok, true);
    const down = await waitForUrl({ url: `http://127.0.0.1:${port}/`, timeoutMs: 300, intervalMs: 50 });
    assert.deepEqual(down, { ok: false, reason: 'answered 503' });
  });

  test('a server that accepts and never answers: "no answer" once the timeout has passed', async (t) => {
    const silent = createServer(() => {});
    t.after(() => {
      silent.closeAllConnections();
      silent.close();
    });
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as AddressInfo;
    const result = await waitForUrl({ url: `http://127.0.0.1:${port}/v1`, timeoutMs: 300, intervalMs: 50 });
    assert.deepEqual(result, { ok: false, reason: 'no answer' });
  });
});
