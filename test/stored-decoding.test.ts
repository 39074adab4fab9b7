// Idempotency records read back from a shared store (decodeIdempotencyRecord) and kept in memory
// (completeIdempotencyKey): what a replay sends again must be a well-formed answer whoever wrote the record.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { JSON_MAX_DEPTH, JSON_MAX_VALUES } from '../mock/contract/json-limits.js';
import { Store } from '../mock/domain/store.js';
import { decodeIdempotencyRecord } from '../mock/domain/stored-decoding.js';

/** A record as a mock writes it to the shared store, with `changes` on top. */
function stored(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    scope: 'evaluate',
    key: 'key-1',
    fingerprint: 'print',
    at: 1_700_000_000_000,
    status: 200,
    body: { orderId: 'o-1', success: true, errors: [], customProperties: {} },
    headers: { 'x-kept': 'yes' },
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
    assert.deepEqual(record.headers, { 'x-kept': 'yes' });
    assert.equal(record.status, 200);
    const claimed = decodeIdempotencyRecord(stored({ status: 0, body: undefined, headers: undefined }));
    assert.notEqual(typeof claimed, 'string', String(claimed));
  });

  test('a kept body beyond the JSON limits of a request is refused, however deep JSON.parse read it', () => {
    const deep = JSON.parse(`{"body":${'['.repeat(100_000)}${']'.repeat(100_000)}}`).body;
    for (const body of [deep, nested(JSON_MAX_DEPTH + 1)]) {
      const refused = decodeIdempotencyRecord(stored({ body }));
      assert.equal(typeof refused, 'string');
      assert.match(refused as string, /^body .*nested deeper than 64/);
    }
    const wide = decodeIdempotencyRecord(stored({ body: Array.from({ length: JSON_MAX_VALUES }, () => 1) }));
    assert.match(String(wide), /^body .*more than 10000 values/);
    assert.equal(typeof decodeIdempotencyRecord(stored({ body: nested(JSON_MAX_DEPTH) })), 'object');
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
          'x-kept': 'yes',
          'x-tab': 'a\tb',
        },
      }),
    );
    assert.notEqual(typeof record, 'string', String(record));
    assert.deepEqual((record as { headers: unknown }).headers, { 'x-kept': 'yes', 'x-tab': 'a\tb' });
    assert.equal(decodeIdempotencyRecord(stored({ headers: ['x'] })), 'headers is not an object');
  });

  test('a status no replay can answer with a body is refused', () => {
    for (const status of [100, 101, 103, 199, 204, 205, 304, 600, 200.5, '200'])
      assert.match(String(decodeIdempotencyRecord(stored({ status }))), /^status /, String(status));
    for (const status of [200, 201, 400, 409, 503])
      assert.equal(typeof decodeIdempotencyRecord(stored({ status })), 'object', String(status));
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
