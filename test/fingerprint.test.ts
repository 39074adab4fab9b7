// The idempotency fingerprint: equal for the same JSON value whatever its key order, different for different values.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fingerprint } from '../mock/support/fingerprint.js';

/** A copy of a JSON value with every object's keys in reverse order. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.keys(value)
      .reverse()
      .map((key) => [key, reversedKeys((value as Record<string, unknown>)[key])]),
  );
}

test('key order does not change the fingerprint, at any depth', () => {
  fc.assert(
    fc.property(fc.jsonValue(), (value) => {
      assert.equal(fingerprint(reversedKeys(value)), fingerprint(value));
    }),
    { seed: 20261125, numRuns: 2_000 },
  );
  assert.equal(
    fingerprint({ a: 1, b: { c: [1, 2], d: 'x' } }),
    fingerprint({ b: { d: 'x', c: [1, 2] }, a: 1 }),
  );
});

test('values that differ get different fingerprints', () => {
  const distinct: unknown[] = [
    {},
    [],
    null,
    0,
    '0',
    '',
    false,
    true,
    'true',
    [1, 2],
    [2, 1],
    [[1], 2],
    [1, [2]],
    { a: 1 },
    { a: '1' },
    { b: 1 },
    { a: 1, b: 2 },
    { a: 2, b: 1 },
    { a: { b: 1 } },
    { b: { a: 1 } },
    { a: [] },
    { a: {} },
    { a: null },
    { ab: 'c' },
    { a: 'bc' },
    { amount: 1500 },
    { amount: 1500.5 },
    { amount: 15000 },
    // Numbers solved for to meet 1500's print when a number's two halves were mixed directly.
    { amount: 1.4617972058011835e292 },
    { amount: -2.8090058583562229e-93 },
    1500,
    1.4617972058011835e292,
  ];
  const prints = distinct.map(fingerprint);
  assert.equal(new Set(prints).size, distinct.length, 'two different values met');
  for (const print of prints) assert.match(print, /^[0-9a-f]{16}$/);
});

test('no collisions among 20,000 random JSON values', () => {
  const values = fc.sample(fc.jsonValue({ maxDepth: 3 }), { seed: 7, numRuns: 20_000 });
  const byPrint = new Map<string, string>();
  for (const value of values) {
    const text = JSON.stringify(value);
    const print = fingerprint(value);
    const seen = byPrint.get(print);
    if (seen !== undefined) {
      // The same print is fine only for the same value (fc.sample repeats small values).
      assert.equal(fingerprint(JSON.parse(seen)), fingerprint(JSON.parse(text)));
      assert.deepEqual(JSON.parse(seen), JSON.parse(text));
    }
    byPrint.set(print, text);
  }
});
