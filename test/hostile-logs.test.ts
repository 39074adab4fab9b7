// Log volume does not grow with hostile input, and a bind beyond loopback says what it exposes.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { exposureWarning } from '../mock/http/exposure.js';
import { startMock } from '../mock/http/start-mock.js';
import { rateLimitedLogger } from '../mock/support/log-limit.js';
import { evaluateBody } from './helpers.js';

describe('log volume and exposure warning', { timeout: 60_000 }, () => {
  test('a flood of new sessions writes a bounded number of lines, then one summary', async () => {
    const lines: string[] = [];
    const logger = {
      info: (m: string) => lines.push(m),
      warn: (m: string) => lines.push(m),
      error: (m: string) => lines.push(m),
    };
    const mock = await startMock({ clock: { frozen: true }, logger, logLimit: { intervalMs: 600_000 } });
    try {
      for (let i = 0; i < 60; i += 1) {
        const session = `flood-${i}`;
        const token = await mock.token(undefined, session);
        // A raw test card number: a warning logged once per session (so once per request here).
        const res = await fetch(`${mock.baseUrl}/evaluate`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'x-mock-session': session,
          },
          body: JSON.stringify(evaluateBody()),
        });
        assert.equal(res.status, 200);
        await res.arrayBuffer();
      }
      const warnings = lines.filter((l) => l.includes('raw card number'));
      assert.ok(
        warnings.length >= 1 && warnings.length <= 5,
        `${warnings.length} warning lines for 60 sessions`,
      );
    } finally {
      await mock.close();
    }
  });

  test('suppressed lines are summed up in one line at the end of the interval', async () => {
    const lines: string[] = [];
    const log = rateLimitedLogger(
      { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) },
      { perKind: 2, intervalMs: 100, now: () => 0 },
    );
    for (let i = 0; i < 1_000; i += 1) log.warn(`webhooks: delivery ${i} dropped`);
    assert.equal(lines.length, 2);
    while (lines.length < 3) await new Promise((r) => setTimeout(r, 20));
    assert.match(lines[2] ?? '', /^suppressed 998 similar log line/);
  });

  test('binding beyond loopback warns about /v1 with the published credentials and names --merchants', () => {
    assert.equal(exposureWarning('127.0.0.1', 'http://127.0.0.1:4848', false), null);
    const warning = exposureWarning('0.0.0.0', 'http://0.0.0.0:4848', false) ?? '';
    assert.match(warning, /WARNING/);
    assert.match(warning, /\/v1 with the PUBLISHED default credentials/);
    assert.match(warning, /--merchants <file>/);
    assert.match(exposureWarning('::', 'http://[::]:4848', true) ?? '', /--merchants accounts are served/);
  });
});
