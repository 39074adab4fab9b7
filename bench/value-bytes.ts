// valueBytes() (mock/support/bounded.ts) against the heap V8 really uses, run by hand: for each shape, thousands of
// records parsed from JSON text (as a request body is), the heapUsed growth after a full collection per record, and
// the estimate. The estimate must be at or above the real cost for every shape a client could choose. Never part of
// the tests (the figures depend on the V8 version and heap layout).
//   node --expose-gc --import tsx bench/value-bytes.ts [--records 10000]

import { parseArgs } from 'node:util';
import { valueBytes } from '../mock/support/bounded.js';

const { values } = parseArgs({ options: { records: { type: 'string', default: '10000' } } });
const records = Number(values.records);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || !(records > 0))
  throw new Error('usage: node --expose-gc --import tsx bench/value-bytes.ts [--records n]');

const range = (n: number) => Array.from({ length: n }, (_, k) => k);
const fields = (n: number, name: (k: number) => string, value: (k: number) => unknown) =>
  Object.fromEntries(range(n).map((k) => [name(k), value(k)]));

/** Shapes by name: record i as JSON text, and how many records to build (the big ones fewer). */
const SHAPES: Record<string, [(i: number) => unknown, number?]> = {
  'application (a fixture)': [
    (i) => ({
      LegalEntityName: `Acme Incorporated ${i}`,
      Dba: `Acme ${i}`,
      PrimaryContact: { FirstName: `Alice${i}`, LastName: 'B', Email: `a${i}@example.com`, Phone: '123' },
      Address: { Line1: `${i} Main Street`, City: 'SF', State: 'CA', Zip: '94111', Country: 'US' },
      Description: `shop number ${i}`,
    }),
  ],
  '50 small fields, shared keys': [
    () =>
      fields(
        50,
        (k) => `f${k}`,
        (k) => (k % 2 ? 1 : 'a'),
      ),
  ],
  '50 fields, unique keys': [
    (i) =>
      fields(
        50,
        (k) => `k${i}_${k}`,
        () => 1,
      ),
  ],
  '1,400 fields, shared keys, null': [
    () =>
      fields(
        1400,
        (k) => `f${k}`,
        () => null,
      ),
    1000,
  ],
  '1,400 fields, unique keys, null': [
    (i) =>
      fields(
        1400,
        (k) => `u${i}x${k}`,
        () => null,
      ),
    1000,
  ],
  'one long string': [(i) => ({ Description: `${i}`.padEnd(2000, 'x') })],
  'one two-byte string': [(i) => ({ Description: `${i}`.padEnd(1000, 'é€') })],
  '1,000 small integers': [() => ({ a: range(1000) })],
  '1,000 doubles and strings': [() => ({ a: range(1000).map((k) => (k % 2 ? k + 0.5 : 'x')) })],
  '1,000 unique short strings': [(i) => ({ a: range(1000).map((k) => `${i}_${k}`) })],
  '1,000 nulls': [() => ({ a: range(1000).map(() => null) })],
  '1,000 empty objects': [() => ({ a: range(1000).map(() => ({})) })],
  '1,000 empty arrays': [() => ({ a: range(1000).map(() => []) })],
  '200 pairs of numbers': [() => ({ a: range(200).map((k) => [k, k + 1]) })],
  '1,000 objects of one unique key': [(i) => ({ a: range(1000).map((k) => ({ [`k${i}_${k}`]: null })) })],
  '500 objects of two unique keys': [
    (i) => ({ a: range(500).map((k) => ({ [`a${i}_${k}`]: null, [`b${i}_${k}`]: null })) }),
  ],
  'objects nested 60 deep': [() => range(60).reduce((inner: unknown) => ({ n: inner }), 1)],
  'arrays nested 60 deep': [() => range(60).reduce((inner: unknown) => [inner], 1)],
};

const rows: Record<string, { real: number; estimate: number; ratio: number }> = {};
for (const [name, [make, count = records]] of Object.entries(SHAPES)) {
  const texts = range(count).map((i) => JSON.stringify(make(i)));
  const kept: unknown[] = new Array(count).fill(null);
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) kept[i] = JSON.parse(texts[i] as string);
  gc();
  gc();
  const real = (process.memoryUsage().heapUsed - before) / count;
  let estimate = 0;
  for (const value of kept) estimate += valueBytes(value);
  estimate /= count;
  rows[name] = {
    real: Math.round(real),
    estimate: Math.round(estimate),
    ratio: +(estimate / real).toFixed(2),
  };
}
console.table(rows);
const under = Object.entries(rows).filter(([, row]) => row.ratio < 1);
if (under.length > 0) {
  console.error(`estimated below the real cost: ${under.map(([name]) => name).join(', ')}`);
  process.exitCode = 1;
}
