// The two body readers agree: plain UTF-8 JSON with a declared length takes the direct reader (mock/http/json-body.ts),
// everything else express.json(); the same JSON text must give the same answer either way, and the same errors.

import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { createApp } from '../mock/http/app.js';
import { listen, type RunningServer } from '../mock/http/server.js';
import { rawRequest } from './bad-input-cases.js';

let server: RunningServer;
const app = createApp({ logger: { info() {}, warn() {}, error() {} }, validateResponses: true });

before(async () => {
  server = await listen(app, { port: 0 });
});
after(() => server.close());

interface Answer {
  status: number;
  body: { code?: string; detail?: string; accessToken?: string };
  /** The x-mock-error-code header: the code of every error, whatever the body's shape. */
  code: string | null;
}

/** Send raw bytes and read the answer until the server closes (the request says Connection: close). */
function exchange(bytes: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0),
        body: JSON.parse(text.slice(split + 4)),
        code: /\r\nx-mock-error-code: (\d{6})\r\n/i.exec(text.slice(0, split + 2))?.[1] ?? null,
      });
    });
    // Not end(): a client that half-closes makes Node drop its in-flight requests (http.Server allowHalfOpen).
    socket.write(bytes);
  });
}

const CREDENTIALS = JSON.stringify({
  AppKey: DEFAULT_MERCHANT.appKey,
  AppSecret: DEFAULT_MERCHANT.appSecret,
});

function token(
  body: Buffer | string,
  headers: [string, string][],
  contentLength?: number | null,
): Promise<Answer> {
  return exchange(rawRequest('POST', '/v1/oauth2/token', headers, body, { contentLength }));
}

/** Chunked transfer coding of one body (no Content-Length: the direct reader leaves it to express.json()). */
function chunked(text: string): Buffer {
  const half = Math.floor(text.length / 2);
  const parts = [text.slice(0, half), text.slice(half)].map(
    (part) => `${Buffer.byteLength(part).toString(16)}\r\n${part}\r\n`,
  );
  return Buffer.from(`${parts.join('')}0\r\n\r\n`);
}

test('the same credentials are accepted however the body arrives', async () => {
  const json: [string, string] = ['Content-Type', 'application/json'];
  const variants: [string, Promise<Answer>][] = [
    ['plain', token(CREDENTIALS, [json])],
    ['charset=utf-8', token(CREDENTIALS, [['Content-Type', 'application/json; charset=UTF-8']])],
    ['leading whitespace', token(`\r\n\t ${CREDENTIALS}`, [json])],
    [
      'byte order mark',
      token(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(CREDENTIALS)]), [json]),
    ],
    ['chunked (express.json)', token(chunked(CREDENTIALS), [json, ['Transfer-Encoding', 'chunked']], null)],
    ['gzip (express.json)', token(gzipSync(CREDENTIALS), [json, ['Content-Encoding', 'gzip']])],
    [
      'UTF-16LE declared (express.json)',
      token(Buffer.from(CREDENTIALS, 'utf16le'), [['Content-Type', 'application/json; charset=utf-16le']]),
    ],
  ];
  for (const [name, pending] of variants) {
    const answer = await pending;
    assert.equal(answer.status, 200, `${name}: ${JSON.stringify(answer.body)}`);
    assert.match(String(answer.body.accessToken), /^eyJ/, name);
  }
});

test('both readers refuse the same way: not JSON, not an object, not UTF-8, cut short, too large', async () => {
  const json: [string, string] = ['Content-Type', 'application/json'];
  const cases: [string, Promise<Answer>, number, string, RegExp?][] = [
    ['syntax error', token('{"AppKey": ', [json]), 400, '400002'],
    [
      'syntax error, chunked',
      token(chunked('{"AppKey": '), [json, ['Transfer-Encoding', 'chunked']], null),
      400,
      '400002',
    ],
    ['a string at the top', token('"text"', [json]), 400, '400002', /a string rather than an object/],
    ['null at the top', token('null', [json]), 400, '400002', /null rather than an object/],
    ['a number at the top', token(' 42 ', [json]), 400, '400002', /a number rather than an object/],
    [
      'null at the top, chunked',
      token(chunked('null'), [json, ['Transfer-Encoding', 'chunked']], null),
      400,
      '400002',
      /null rather than an object/,
    ],
    ['whitespace only', token('   ', [json]), 400, '400002'],
    [
      'invalid UTF-8',
      token(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), [json]),
      400,
      '400002',
      /UTF-8/,
    ],
    [
      'invalid UTF-8, chunked',
      token(
        Buffer.concat([
          Buffer.from('5\r\n'),
          Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]),
          Buffer.from('\r\n0\r\n\r\n'),
        ]),
        [json, ['Transfer-Encoding', 'chunked']],
        null,
      ),
      400,
      '400002',
      /UTF-8/,
    ],
    ['over the limit', token(`{"a":"${'x'.repeat(1024 * 1024)}"}`, [json]), 413, '413001'],
    ['deeper than 64 levels', token(`${'['.repeat(70)}${']'.repeat(70)}`, [json]), 400, '400001'],
  ];
  for (const [name, pending, status, code, detail] of cases) {
    const answer = await pending;
    assert.equal(answer.status, status, `${name}: ${JSON.stringify(answer.body)}`);
    // A 400 with field errors (too deep) is the flat ModelState: the code is in the header on every error.
    assert.equal(answer.code, code, name);
    if (detail) assert.match(String(answer.body.detail), detail, name);
    // Malformed text gets the catalog's own words, not the scalar explanation.
    if (name.startsWith('syntax error')) assert.doesNotMatch(String(answer.body.detail), /rather than/, name);
  }
});

test('a client that hangs up before sending its whole body leaves the server answering the next one', async () => {
  const socket = connect(server.port, '127.0.0.1');
  socket.write(
    rawRequest('POST', '/v1/oauth2/token', [['Content-Type', 'application/json']], '{"AppKey"', {
      contentLength: 500,
    }),
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  socket.destroy();
  const answer = await token(CREDENTIALS, [['Content-Type', 'application/json']]);
  assert.equal(answer.status, 200);
  assert.deepEqual(app.mock.violations, []);
});
