// The recording proxy between a client and a target it does not control: a request it cannot forward is answered
// as the client's own fault (never blamed on the target), and a target's answer too large to hold is refused with the
// catalog's gateway error instead of being buffered without end.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type Recorder, startRecorder } from '../mock/cli/record.js';

const scratch = mkdtempSync(join(tmpdir(), 'ff-record-hostile-'));

async function target(handle: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handle);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1` };
}

describe('record against what it cannot forward or hold', { timeout: 60_000 }, () => {
  const closers: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const close of closers.reverse()) await close();
    rmSync(scratch, { recursive: true, force: true });
  });

  async function recorder(url: string, out: string, lines: string[]): Promise<Recorder> {
    const r = await startRecorder({
      target: url,
      out: join(scratch, out),
      port: 0,
      log: (l) => lines.push(l),
    });
    closers.push(() => r.close());
    return r;
  }

  test('a request body over 1 MiB is answered 413001, not forwarded, and not blamed on the target', async () => {
    let calls = 0;
    const t = await target((_req, res) => {
      calls += 1;
      res.end('{}');
    });
    closers.push(() => new Promise((done) => t.server.close(done)));
    const lines: string[] = [];
    const r = await recorder(t.url, 'big-request', lines);
    const res = await fetch(`${r.url}/v1/evaluate?note=4111111111111111`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ note: 'x'.repeat(1024 * 1024 + 10) }),
    });
    assert.equal(res.status, 413);
    const problem = (await res.json()) as { code: string; detail: string };
    assert.equal(problem.code, '413001');
    assert.match(problem.detail, /forwards bodies up to 1 MiB/);
    assert.equal(calls, 0);
    assert.ok(
      lines.some((l) =>
        /POST \/v1\/evaluate\?note=411111\*{6}1111: not forwarded: the request body is \d+ bytes/.test(l),
      ),
      lines.join('\n'),
    );
    assert.ok(!lines.some((l) => /cannot reach/.test(l)), lines.join('\n'));
    assert.ok(!lines.some((l) => l.includes('4111111111111111')), 'the logged URL is redacted');
    assert.deepEqual(readdirSync(join(scratch, 'big-request')), []);
  });

  test('an answer over the 1 MiB a scenario file holds is forwarded whole but not recorded, and says so', async () => {
    const big = JSON.stringify({
      items: Array.from({ length: 30_000 }, (_, i) => ({ id: `order-${i}`, amount: i })),
    });
    assert.ok(big.length > 1024 * 1024);
    const t = await target((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(big);
    });
    closers.push(() => new Promise((done) => t.server.close(done)));
    const lines: string[] = [];
    const r = await recorder(t.url, 'big-list', lines);
    const res = await fetch(`${r.url}/v1/orders`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), big);
    assert.deepEqual(readdirSync(join(scratch, 'big-list')), []);
    assert.ok(
      lines.some((l) =>
        /GET \/v1\/orders → 200: answered, but not recorded: the scenario would be \d+ bytes, over the 1 MiB/.test(
          l,
        ),
      ),
      lines.join('\n'),
    );
  });

  test('the target is asked for plain answers; an encoded one is forwarded but neither recorded nor kept as text', async () => {
    const order = { orderSessionKey: 'k1', status: 'APPROVED', note: '4111111111111111' };
    const asked: string[] = [];
    const t = await target((req, res) => {
      asked.push(String(req.headers['accept-encoding']));
      const plain = JSON.stringify(order);
      // Like a CDN: gzip whenever the client accepts it, and always for the `stubborn` path.
      if (/gzip/.test(String(req.headers['accept-encoding'])) || req.url?.includes('stubborn')) {
        res
          .writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
          .end(gzipSync(plain));
      } else res.writeHead(200, { 'content-type': 'application/json' }).end(plain);
    });
    closers.push(() => new Promise((done) => t.server.close(done)));
    const lines: string[] = [];
    const out = join(scratch, 'encoded');
    const r = await startRecorder({
      target: t.url,
      out,
      port: 0,
      har: join(out, 'x.har'),
      log: (l) => lines.push(l),
    });
    // fetch asks for gzip by default.
    const plain = await fetch(`${r.url}/v1/orders/k1`);
    assert.equal(plain.status, 200);
    assert.equal(((await plain.json()) as { status: string }).status, 'APPROVED');
    assert.deepEqual(asked, ['identity']);
    const stubborn = await fetch(`${r.url}/v1/orders/stubborn`);
    assert.equal(stubborn.status, 200);
    assert.equal(
      ((await stubborn.json()) as { status: string }).status,
      'APPROVED',
      'the client still gets it',
    );
    await r.close();
    const files = readdirSync(out).filter((f) => f.endsWith('.yaml'));
    assert.equal(files.length, 1, files.join());
    const recorded = readFileSync(join(out, files[0] as string), 'utf8');
    assert.match(recorded, /status: APPROVED/);
    assert.doesNotMatch(recorded, /4111111111111111/);
    assert.ok(
      lines.some((l) =>
        /GET \/v1\/orders\/stubborn → 200: answered, but not recorded: the target sent it gzip-encoded/.test(
          l,
        ),
      ),
      lines.join('\n'),
    );
    const har = JSON.parse(readFileSync(join(out, 'x.har'), 'utf8')) as {
      log: { entries: { response: { content: { text?: string; size: number } } }[] };
    };
    const [first, second] = har.log.entries;
    assert.match(first?.response.content.text ?? '', /APPROVED/);
    assert.equal(second?.response.content.text, undefined, 'encoded bytes are not kept as text');
    assert.ok((second?.response.content.size ?? 0) > 0);
  });

  test('an answer over 16 MiB is refused with 502001 naming the size, and nothing is recorded', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    const t = await target((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // An answer without end: 64 MiB unless the recorder stops reading.
      let sent = 0;
      const more = () => {
        while (sent < 64 && res.write(chunk)) sent += 1;
        if (sent < 64) res.once('drain', more);
        else res.end();
      };
      res.on('error', () => {});
      more();
    });
    closers.push(
      () =>
        new Promise((done) => {
          t.server.closeAllConnections();
          t.server.close(done);
        }),
    );
    const lines: string[] = [];
    const r = await recorder(t.url, 'big-answer', lines);
    const res = await fetch(`${r.url}/v1/orders`);
    assert.equal(res.status, 502);
    const problem = (await res.json()) as { code: string; detail: string };
    assert.equal(problem.code, '502001');
    assert.match(problem.detail, /the answer is over 16 MiB/);
    assert.deepEqual(readdirSync(join(scratch, 'big-answer')), []);
  });

  test('the HAR keeps the newest exchanges within 32 MiB, written once the recorder closes', async () => {
    const mib = `{"filler":"${'x'.repeat(1024 * 1024)}"}`;
    const t = await target((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(mib);
    });
    closers.push(() => new Promise((done) => t.server.close(done)));
    const lines: string[] = [];
    const har = join(scratch, 'long.har');
    const r = await startRecorder({
      target: t.url,
      out: join(scratch, 'long'),
      har,
      port: 0,
      log: (l) => lines.push(l),
    });
    for (let i = 0; i < 40; i += 1) {
      const res = await fetch(`${r.url}/v1/orders?page=${i}`);
      assert.equal(res.status, 200);
      await res.arrayBuffer();
    }
    await r.close();
    const entries = (
      JSON.parse(readFileSync(har, 'utf8')) as { log: { entries: { request: { url: string } }[] } }
    ).log.entries;
    assert.ok(entries.length > 0 && entries.length < 40, `${entries.length} entries kept`);
    // The newest ones: the last request is the last entry.
    assert.match(entries.at(-1)?.request.url ?? '', /page=39$/);
    assert.equal(
      lines.filter((l) => /the HAR keeps the newest 5000 entries within 32 MiB/.test(l)).length,
      1,
    );
  });
});
