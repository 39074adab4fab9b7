// Strict-profile warnings carry field names from the request: whatever those names hold (emoji, control characters,
// thousands of them), the answer is the order with a header every HTTP client reads, and the log and the memory kept
// for "log each warning once" stay bounded.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MAX_WARNING_HEADER_BYTES } from '../mock/http/pipeline.js';
import { evaluateBody } from './helpers.js';
import { type Live, startLive } from './hostile-helpers.js';

/** What HTTP lets a header value hold: tab and printable ASCII (no obs-text, which clients decode differently). */
const PRINTABLE_ASCII = /^[\t\x20-\x7e]*$/;

describe('strict-profile warnings from hostile field names', { timeout: 120_000 }, () => {
  let live: Live;
  let token: string;
  before(async () => {
    live = await startLive();
    token = await live.token();
  });
  after(() => live.close());

  const evaluate = (body: unknown) =>
    live.call('POST', '/v1/evaluate', { headers: { authorization: `Bearer ${token}` }, body });

  for (const [label, field, encoded] of [
    ['an emoji', 'nick\u{1F600}', 'payer.nick%F0%9F%98%80'],
    ['an accented letter', 'pr\u00e9nom', 'payer.pr%C3%A9nom'],
    ['a NUL', 'a\u0000b', 'payer.a b'],
    ['a bell, CR and LF', 'x\u0007\r\nSet-Cookie: y=1', 'payer.x   Set-Cookie: y=1'],
    ['a lone surrogate', 'half\ud83d', 'payer.half%EF%BF%BD'],
  ] as const) {
    test(`a payer field named with ${label} answers 200 with a printable header, and so does its replay`, async () => {
      const body = evaluateBody({ payer: { email: 'a@b.c', [field]: 'v' } });
      const first = await evaluate(body);
      assert.equal(first.status, 200, first.text);
      assert.equal(first.body.status, 'APPROVED');
      const warning = first.headers.get('x-mock-warning') ?? '';
      assert.match(warning, PRINTABLE_ASCII);
      assert.ok(warning.includes(encoded), warning);
      assert.equal(first.headers.get('set-cookie'), null);

      const replay = await evaluate(body);
      assert.equal(replay.status, 200, replay.text);
      assert.equal(replay.headers.get('x-mock-idempotent-replay'), 'true');
      assert.equal(replay.body.orderSessionKey, first.body.orderSessionKey);
      assert.equal(replay.headers.get('x-mock-warning'), warning);
    });
  }

  test('9,000 unknown fields: fetch reads the answer, and the header is bounded', async () => {
    const fields: Record<string, string> = { email: 'a@b.c' };
    for (let i = 0; i < 9_000; i += 1) fields[`f${i}_${'x'.repeat(90)}`] = 'v';
    const res = await evaluate(evaluateBody({ payer: fields }));
    assert.equal(res.status, 200, res.text.slice(0, 300));
    const warning = res.headers.get('x-mock-warning') ?? '';
    assert.ok(warning.length <= MAX_WARNING_HEADER_BYTES, `${warning.length} bytes`);
    assert.match(warning, /payer\.f0_x{20}/);
    assert.match(warning, /payer\.f9_x{55}\.\.\. and 8,990 more\./);
  });

  test('long CJK field names: the encoded header is cut under its limit and says what it left out', async () => {
    // Each character is 9 bytes once percent-encoded: ten listed names of 64 characters are over the limit.
    const fields: Record<string, string> = { email: 'a@b.c' };
    for (let i = 0; i < 2_000; i += 1)
      fields[`${String.fromCodePoint(0x4e00 + i)}${'\u4e2d'.repeat(80)}`] = 'v';
    const res = await evaluate(evaluateBody({ payer: fields }));
    assert.equal(res.status, 200, res.text.slice(0, 300));
    const warning = res.headers.get('x-mock-warning') ?? '';
    assert.match(warning, PRINTABLE_ASCII);
    assert.ok(warning.length <= MAX_WARNING_HEADER_BYTES, `${warning.length} bytes`);
    assert.match(warning, /tokenize/);
    assert.match(warning, /%E4%B8%AD/);
    assert.match(warning, /1 warning\(s\) not shown in full/);
    // Cut at a whole character: what is kept still decodes.
    decodeURIComponent(warning.replace(/ \.\.\. \(1 warning.*$/, ''));
  });
});
