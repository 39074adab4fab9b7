// GET /v1/orders builds a page from the first matches in sort order without sorting every match (leadingPositions()).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { leadingPositions } from '../mock/http/handlers/orders.js';

interface Row {
  key: number;
  id: string;
}

const byKeyThenId = (a: Row, b: Row) => a.key - b.key || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

test('leadingPositions() gives exactly the first items of a full sort, for any list and page end', () => {
  const rows = fc.uniqueArray(fc.record({ key: fc.integer({ min: 0, max: 20 }), id: fc.uuid() }), {
    selector: (row) => row.id,
    maxLength: 400,
  });
  fc.assert(
    fc.property(rows, fc.integer({ min: 0, max: 450 }), (list, count) => {
      const expected = [...list].sort(byKeyThenId).slice(0, count);
      const positions = leadingPositions(list.length, count, (i, j) =>
        byKeyThenId(list[i] as Row, list[j] as Row),
      );
      assert.deepEqual(
        positions.map((at) => list[at]),
        expected,
      );
    }),
    { seed: 424242, numRuns: 1_000 },
  );
});
