// The idle compaction of `serve`, in this process: a real heap with garbage in its old generation, a real server.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { type Compaction, compactWhenIdle } from '../mock/cli/idle-compaction.js';

const IDLE_MS = 200;

/** A server that answers every request with 204, and the reports of its idle compaction. */
async function serverWithCompaction(after: { growthBytes: number; requests: number }) {
  const server = createServer((_req, res) => res.writeHead(204).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const reports: Compaction[] = [];
  const stop = compactWhenIdle(server, IDLE_MS, (done) => reports.push(done), after);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    reports,
    hit: async () => assert.equal((await fetch(url)).status, 204),
    close: async () => {
      stop();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const idle = (spells: number) => new Promise((resolve) => setTimeout(resolve, IDLE_MS * spells));

describe('idle compaction', { timeout: 60_000 }, () => {
  test('after requests and an idle spell, a fragmented heap is compacted and its free pages given back', async () => {
    const s = await serverWithCompaction({ growthBytes: 0, requests: 1 });
    try {
      // 40 MB of small objects, aged into the old generation, two in three then dropped: free space between live
      // objects that only a compaction gives back.
      let kept: { text: string; pair: number[] }[] = [];
      for (let n = 0; n < 300_000; n++) kept.push({ text: `item-${n}-padding-text`, pair: [n, n + 1] });
      await idle(1);
      kept = kept.filter((_, n) => n % 3 === 0);
      await s.hit();
      await idle(3);
      assert.equal(s.reports.length, 1, 'one compaction');
      const [done] = s.reports as [Compaction];
      assert.ok(done.afterMb < done.beforeMb - 5, `committed heap ${done.beforeMb} -> ${done.afterMb} MB`);
      assert.ok(kept.length === 100_000);
    } finally {
      await s.close();
    }
  });

  test('no compaction without requests since the last one, nor below both thresholds', async () => {
    const quiet = await serverWithCompaction({ growthBytes: 0, requests: 1 });
    try {
      await idle(3);
      assert.equal(quiet.reports.length, 0, 'nothing served yet');
      await quiet.hit();
      await idle(3);
      assert.equal(quiet.reports.length, 1);
      await idle(3);
      assert.equal(quiet.reports.length, 1, 'idle without requests: nothing more');
    } finally {
      await quiet.close();
    }
    const high = await serverWithCompaction({ growthBytes: 1024 ** 3, requests: 5 });
    try {
      for (let n = 0; n < 3; n++) await high.hit();
      await idle(3);
      assert.equal(high.reports.length, 0, 'three requests and no growth: below both thresholds');
      for (let n = 0; n < 2; n++) await high.hit();
      await idle(3);
      assert.equal(high.reports.length, 1, 'the fifth request reaches the count');
    } finally {
      await high.close();
    }
  });
});
