// Idempotency records read back from a shared store (decodeIdempotencyRecord) and kept in memory
// (completeIdempotencyKey): what a replay sends again must be a well-formed answer whoever wrote the record.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JSON_MAX_DEPTH, JSON_MAX_VALUES } from '../mock/contract/json-limits.js';
import { Store } from '../mock/domain/store.js';
import {
  decodeIdempotencyRecord,
  MAX_KEPT_BODY_BYTES,
  MAX_KEPT_HEADER_BYTES,
  MAX_KEPT_HEADERS,
} from '../mock/domain/stored-decoding.js';

/** A record as a mock writes it to the shared store, with `changes` on top. */
function stored(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    scope: 'evaluate',
    key: 'key-1',
    fingerprint: 'print',
    at: 1_700_000_000_000,
    status: 200,
    body: { orderId: 'o-1', success: true, errors: [], customProperties: {} },
    headers: { 'x-mock-kept': 'yes' },
    ...changes,
  };
}

/** `levels` arrays, each holding the next. */
function nested(levels: number): unknown {
  let value: unknown = [];
  for (let i = 1; i < levels; i++) value = [value];
  return value;
}

describe('idempotency records', { timeout: 60_000 }, () => {
  test('a record as the mock writes it decodes whole', () => {
    const record = decodeIdempotencyRecord(stored());
    assert.notEqual(typeof record, 'string', String(record));
    if (typeof record === 'string') return;
    assert.deepEqual(record.body, stored().body);
    assert.deepEqual(record.headers, { 'x-mock-kept': 'yes' });
    assert.equal(record.status, 200);
    const claimed = decodeIdempotencyRecord(stored({ status: 0, body: undefined, headers: undefined }));
    assert.notEqual(typeof claimed, 'string', String(claimed));
  });

  test('a kept body beyond the JSON limits of a request is refused, however deep JSON.parse read it', () => {
    // A kept body is a JSON object: the arrays are nested one level below it.
    const deep = JSON.parse(`{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    for (const body of [deep, { x: nested(JSON_MAX_DEPTH) }]) {
      const refused = decodeIdempotencyRecord(stored({ body }));
      assert.equal(typeof refused, 'string');
      assert.match(refused as string, /^body .*nested deeper than 64/);
    }
    const wide = decodeIdempotencyRecord(
      stored({ body: { x: Array.from({ length: JSON_MAX_VALUES - 1 }, () => 1) } }),
    );
    assert.match(String(wide), /^body .*more than 10000 values/);
    assert.equal(
      typeof decodeIdempotencyRecord(stored({ body: { x: nested(JSON_MAX_DEPTH - 1) } })),
      'object',
    );
  });

  test('framing and connection headers, bad names and values that are not printable ASCII are dropped', () => {
    const record = decodeIdempotencyRecord(
      stored({
        headers: {
          'Content-Length': '1',
          'transfer-encoding': 'chunked',
          TE: 'trailers',
          trailer: 'x-after',
          connection: 'close',
          'keep-alive': 'timeout=1',
          'proxy-connection': 'keep-alive',
          upgrade: 'h2c',
          host: 'elsewhere.example',
          'content-encoding': 'gzip',
          'bad name': 'x',
          'x-split': 'a\r\nx-injected: 1',
          'x-nul': 'a\u0000b',
          'x-latin': 'caf\u00e9',
          'x-number': 7,
          'x-null': null,
          'x-mock-split': 'a\r\nx-injected: 1',
          'x-mock-nul': 'a\u0000b',
          'x-mock-latin': 'caf\u00e9',
          'x-mock-number': 7,
          'x-mock-kept': 'yes',
          'X-Mock-Tab': 'a\tb',
        },
      }),
    );
    assert.notEqual(typeof record, 'string', String(record));
    assert.deepEqual((record as { headers: unknown }).headers, {
      'x-mock-kept': 'yes',
      'X-Mock-Tab': 'a\tb',
    });
    assert.equal(decodeIdempotencyRecord(stored({ headers: ['x'] })), 'headers is not an object');
  });

  test('only the statuses the mock keeps are accepted: 0 without a body, 200 with a JSON object', () => {
    for (const status of [100, 101, 199, 201, 204, 304, 400, 409, 500, 503, 600, 200.5, '200', null])
      assert.match(String(decodeIdempotencyRecord(stored({ status }))), /^status /, String(status));
    for (const body of [null, [], 'text', 7, undefined])
      assert.equal(decodeIdempotencyRecord(stored({ body })), 'body is not a JSON object', String(body));
    assert.equal(decodeIdempotencyRecord(stored({ status: 0 })), 'a key still in flight keeps a body');
    assert.equal(typeof decodeIdempotencyRecord(stored({ body: {} })), 'object');
  });

  test('a kept body of more than 1 MiB of JSON is refused, one of 1 MiB is kept', () => {
    // `{"x":""}` is 8 bytes; each é is two bytes of UTF-8.
    const room = MAX_KEPT_BODY_BYTES - 8;
    assert.equal(typeof decodeIdempotencyRecord(stored({ body: { x: 'A'.repeat(room) } })), 'object');
    for (const x of ['A'.repeat(room + 1), '\u00e9'.repeat(room / 2 + 1), 'A'.repeat(40 * 1024 * 1024)])
      assert.equal(
        decodeIdempotencyRecord(stored({ body: { x } })),
        `body is more than ${MAX_KEPT_BODY_BYTES} bytes of JSON`,
      );
  });

  test('kept headers: only x-mock-* names, at most 32 of at most 8 KiB together', () => {
    const record = decodeIdempotencyRecord(
      stored({
        headers: {
          'Set-Cookie': 'session=planted',
          Location: 'https://elsewhere.example/',
          'WWW-Authenticate': 'Basic realm="x"',
          'Cache-Control': 'max-age=31536000',
          'content-type': 'text/html',
          'x-kept': 'yes',
          'x-mock-kept': 'yes',
        },
      }),
    );
    assert.deepEqual((record as { headers: unknown }).headers, { 'x-mock-kept': 'yes' });

    const many = (count: number) =>
      Object.fromEntries(Array.from({ length: count }, (_, i) => [`x-mock-${i}`, 'v']));
    assert.equal(typeof decodeIdempotencyRecord(stored({ headers: many(MAX_KEPT_HEADERS) })), 'object');
    assert.equal(
      decodeIdempotencyRecord(stored({ headers: many(MAX_KEPT_HEADERS + 1) })),
      `headers has more than ${MAX_KEPT_HEADERS} names`,
    );
    // Counted as sent: name, ": ", value and CRLF; a header dropped for its name still counts.
    const fits = { 'x-mock-big': 'v'.repeat(MAX_KEPT_HEADER_BYTES - 'x-mock-big'.length - 4) };
    assert.equal(typeof decodeIdempotencyRecord(stored({ headers: fits })), 'object');
    const tooBig = `headers are more than ${MAX_KEPT_HEADER_BYTES} bytes`;
    assert.equal(decodeIdempotencyRecord(stored({ headers: { ...fits, 'x-mock-a': '' } })), tooBig);
    assert.equal(decodeIdempotencyRecord(stored({ headers: { 'set-cookie': 'c'.repeat(60_000) } })), tooBig);
  });

  test('the mock keeps no framing header for a replay, and keeps the rest as it sent them', () => {
    const partition = new Store(1).session('s').partition('m');
    assert.equal(partition.claimIdempotencyKey('evaluate', 'k', { a: 1 }, 0).kind, 'new');
    partition.completeIdempotencyKey('evaluate', 'k', {
      status: 200,
      body: { ok: true },
      headers: {
        'content-length': '1',
        'Transfer-Encoding': 'chunked',
        connection: 'close',
        'x-split': 'a\r\nb',
        'x-kept': 'yes',
      },
    });
    const replay = partition.claimIdempotencyKey('evaluate', 'k', { a: 1 }, 1);
    assert.equal(replay.kind, 'replay');
    assert.deepEqual(replay.kind === 'replay' && replay.response.headers, {
      'x-split': 'a  b',
      'x-kept': 'yes',
    });
  });
});
