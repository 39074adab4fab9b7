// What keeps the admin API and the inspector to the people at this machine: a loopback connection under a foreign
// Host name (a DNS-rebinding page) is refused, the inspector's errors carry its security headers, and sessions
// cannot take the stream slots the admin needs.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { type MockServer, startMock } from '../mock/http/start-mock.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A GET with a Host header of our choosing (fetch does not let a caller set Host). */
function get(url: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const code = (answer: Answer) => (JSON.parse(answer.body) as { code?: string }).code;

describe('inspector guard', { timeout: 60_000 }, () => {
  let mock: MockServer;
  before(async () => {
    mock = await startMock();
  });
  after(async () => {
    await mock.close();
  });

  test('a loopback connection whose Host names another machine is refused with 403100', async () => {
    for (const path of ['/__admin/credentials', '/__admin/ui', '/__admin/ui/events?all=true&backlog=0']) {
      const foreign = await get(`${mock.url}${path}`, { host: 'attacker.example' });
      assert.equal(foreign.status, 403, path);
      assert.equal(code(foreign), '403100', path);
      const rebound = await get(`${mock.url}${path}`, { host: `attacker.example:${new URL(mock.url).port}` });
      assert.equal(code(rebound), '403100', path);
    }
    const port = new URL(mock.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `app.localhost:${port}`, `[::1]:${port}`]) {
      const own = await get(`${mock.url}/__admin/credentials`, { host });
      assert.equal(own.status, 200, host);
    }
    // The FlexFactor routes are not the admin's: a foreign Host there is the client's business.
    const api = await get(`${mock.url}/v1/orders`, { host: 'attacker.example' });
    assert.notEqual(code(api), '403100');
  });

  test('a call that changes something, sent by a page of another origin, is refused with 403101', async () => {
    const port = new URL(mock.url).port;
    const post = (path: string, headers: Record<string, string>) =>
      fetch(`${mock.url}${path}`, { method: 'POST', headers }).then(async (res) => ({
        status: res.status,
        code: ((await res.json()) as { code?: string }).code,
      }));
    const before = await (await fetch(`${mock.url}/__admin/clock`)).json();
    const browsers: Record<string, string>[] = [
      { origin: 'http://evil.example' },
      { origin: `http://localhost:${Number(port) + 1}` },
      { origin: 'null' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
    ];
    for (const headers of browsers) {
      for (const path of ['/__admin/clock/freeze', '/__admin/reset', '/__admin/webhooks/flush?waitMs=0']) {
        assert.deepEqual(
          await post(path, headers),
          { status: 403, code: '403101' },
          `${path} ${JSON.stringify(headers)}`,
        );
      }
    }
    // Nothing changed: the clock is as it was.
    assert.deepEqual(
      ((await (await fetch(`${mock.url}/__admin/clock`)).json()) as { frozen: boolean }).frozen,
      (before as { frozen: boolean }).frozen,
    );
    // The server's own page (the inspector), and callers that are not browsers, may.
    assert.equal(
      (
        await post('/__admin/webhooks/flush?waitMs=0', {
          origin: `http://127.0.0.1:${port}`,
          'sec-fetch-site': 'same-origin',
        })
      ).status,
      200,
    );
    assert.equal((await post('/__admin/webhooks/flush?waitMs=0', {})).status, 200);
    // Behind a proxy that rewrites Host (a dev server's changeOrigin), the browser's own same-origin word is trusted.
    assert.equal(
      (
        await post('/__admin/webhooks/flush?waitMs=0', {
          origin: 'http://localhost:5173',
          'sec-fetch-site': 'same-origin',
        })
      ).status,
      200,
    );
    // Reads stay open to a link: GET of the inspector's page with a cross-site fetch header.
    assert.equal((await get(`${mock.url}/__admin/ui`, { 'sec-fetch-site': 'cross-site' })).status, 200);
  });

  test("the inspector's errors carry its Content-Security-Policy and nosniff, with an admin code", async () => {
    const missing = await get(`${mock.url}/__admin/ui/nope.js`, {});
    assert.equal(missing.status, 404);
    assert.equal(code(missing), '404100');
    assert.match(String(missing.headers['content-security-policy']), /default-src 'self'/);
    assert.equal(missing.headers['x-content-type-options'], 'nosniff');
    const badBacklog = await get(`${mock.url}/__admin/ui/events?backlog=-1`, {});
    assert.equal(badBacklog.status, 400);
    assert.match(String(badBacklog.headers['content-security-policy']), /default-src 'self'/);
    // `all` is an enum: a value that is neither true nor false is refused, not read as false.
    const badAll = await get(`${mock.url}/__admin/ui/events?all=maybe&backlog=0`, {});
    assert.equal(badAll.status, 400);
    assert.equal(code(badAll), '400001');
  });
});

describe('stream slots with isolated sessions', { timeout: 60_000 }, () => {
  let mock: MockServer;
  before(async () => {
    mock = await startMock({ isolateSessions: true });
  });
  after(async () => {
    await mock.close();
  });

  test('sessions take at most 6 of the 8 streams; the admin still gets one', async () => {
    const aborts: AbortController[] = [];
    const open = (headers: Record<string, string>) => {
      const abort = new AbortController();
      aborts.push(abort);
      return fetch(`${mock.url}/__admin/ui/events?backlog=0`, { headers, signal: abort.signal });
    };
    try {
      const alice = { 'x-mock-session': 'alice', 'x-mock-session-token': mock.sessionToken('alice') };
      for (let i = 0; i < 6; i += 1) assert.equal((await open(alice)).status, 200);
      const seventh = await open(alice);
      assert.equal(seventh.status, 429);
      assert.equal(((await seventh.json()) as { code: string }).code, '429001');
      const admin = await open({ 'x-mock-admin-token': mock.adminToken as string });
      assert.equal(admin.status, 200, 'the admin is not locked out');
    } finally {
      for (const abort of aborts) abort.abort();
    }
  });
});

describe('secrets redacted by value, whatever the field is called', { timeout: 60_000 }, () => {
  let mock: MockServer;
  const mine = {
    ...DEFAULT_MERCHANT,
    companyName: 'Mine',
    mid: '11111111-2222-4333-8444-555555555555',
    appKey: 'my-app-key',
    appSecret: 'RealLookingSecretValue-9f8e7d6c5b4a',
    tokenizationKey: 'my-tokenization-key',
    subscriberKey: 'bXktc3Vic2NyaWJlci1rZXktdmFsdWU=',
  };
  before(async () => {
    mock = await startMock({ isolateSessions: true, accounts: [DEFAULT_MERCHANT, mine] });
  });
  after(async () => {
    await mock.close();
  });

  test('an account secret, the admin token and a session token under made-up names never reach the journal', async () => {
    const admin = mock.adminToken as string;
    const bob = mock.sessionToken('bob');
    const secrets = [mine.appSecret, mine.subscriberKey, DEFAULT_MERCHANT.appSecret, admin, bob];
    const session = { 'x-mock-session': 'alice', 'x-mock-session-token': mock.sessionToken('alice') };
    const sent = await fetch(`${mock.url}/v1/orders/x?k=${encodeURIComponent(mine.appSecret)}`, {
      headers: {
        ...session,
        'x-app': mine.appSecret,
        'x-other': `tok=${bob} adm=${admin}`,
        'x-note': `key ${mine.subscriberKey} and ${DEFAULT_MERCHANT.appSecret}`,
      },
    });
    assert.ok(
      sent.status >= 400,
      'the request itself is refused (no bearer token); it is journaled all the same',
    );
    const journal = await fetch(`${mock.url}/__admin/journal`, {
      headers: { 'x-mock-admin-token': admin, 'x-mock-session': 'alice' },
    });
    assert.equal(journal.status, 200);
    const text = await journal.text();
    assert.match(text, /x-app/, 'the exchange is in the journal');
    for (const secret of secrets)
      assert.ok(!text.includes(secret), `${secret.slice(0, 6)}… is not in the journal`);
    assert.match(text, /\[redacted\]/);
  });
});
