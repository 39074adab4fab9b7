// A receiver URL's line: one delivery at a time, in the order they were put in line, and a delivery taken out (dropped
// from the kept list) leaves at once and is never run.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UrlLines } from '../mock/webhooks/lines.js';
import type { WebhookDelivery } from '../mock/webhooks/types.js';

function delivery(id: string, url: string): WebhookDelivery {
  return { id, url } as WebhookDelivery;
}

describe('webhook URL lines', { timeout: 30_000 }, () => {
  test('one at a time per URL, in order; a removed delivery settles at once and never runs', async () => {
    const ran: string[] = [];
    const release: (() => void)[] = [];
    const lines = new UrlLines(
      (d) =>
        new Promise<void>((resolve) => {
          ran.push(d.id);
          release.push(resolve);
        }),
    );
    const [a1, a2, a3, b1] = [
      delivery('a1', 'http://127.0.0.1:9/a'),
      delivery('a2', 'http://127.0.0.1:9/a'),
      delivery('a3', 'http://127.0.0.1:9/a'),
      delivery('b1', 'http://127.0.0.1:9/b'),
    ];
    const done = [a1, a2, a3, b1].map((d) => lines.push(d));
    await new Promise((r) => setImmediate(r));
    // Each URL runs its first; the others wait.
    assert.deepEqual(ran, ['a1', 'b1']);
    assert.equal(lines.waiting, 2);
    assert.equal(lines.remove(a2), true);
    assert.equal(lines.waiting, 1);
    await done[1];
    assert.equal(lines.remove(a1), false, 'a running delivery is not waiting');
    for (const go of release.splice(0)) go();
    await done[0];
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(ran, ['a1', 'b1', 'a3']);
    for (const go of release.splice(0)) go();
    await Promise.all(done);
    assert.equal(lines.waiting, 0);
  });
});
