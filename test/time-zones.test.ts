// Zone-less date-times are UTC whatever the host's time zone (the real API's servers read them so): run the probe in
// child processes under zones west and east of UTC and compare what the mock stored with the UTC reading.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, test } from 'node:test';

function probe(tz: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'test/tz-probe.ts'],
      { env: { ...process.env, TZ: tz }, timeout: 50_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${tz}: ${error.message}\n${stderr}`));
        else resolve(JSON.parse(stdout) as Record<string, unknown>);
      },
    );
  });
}

describe('zone-less date-times under non-UTC host zones', { timeout: 60_000 }, () => {
  for (const [tz, offset] of [
    ['America/New_York', 300],
    ['Asia/Kolkata', -330],
  ] as const) {
    test(`${tz}: expiryDateUtc, GET /v1/orders from and the clock start are read as UTC`, async () => {
      const seen = await probe(tz);
      // The child really ran in that zone, or the test proves nothing.
      assert.equal(seen.offsetMinutes, offset);
      assert.equal(seen.clock, '2026-06-01T12:00:00.000Z');
      assert.equal(seen.status, 'SUBMITTED');
      assert.equal(seen.expiryDate, '2027-01-20T00:00:00.000Z');
      assert.equal(seen.fromJustBefore, 1);
      assert.equal(seen.fromJustAfter, 0);
    });
  }
});
