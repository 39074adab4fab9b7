// Strict-profile warnings carry field names from the request: whatever those names hold (emoji, control characters,
// thousands of them), the answer is the order with a header every HTTP client reads, and the log and the memory kept
// for "log each warning once" stay bounded.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEFAULT_MERCHANT } from '../mock/domain/accounts.js';
import { MAX_WARNING_HEADER_BYTES, warnOnce } from '../mock/http/pipeline.js';
import type { Ctx } from '../mock/http/types.js';
import { encodedHeaderText } from '../mock/support/header-value.js';
import { MAX_LOG_LINE_CHARS } from '../mock/support/log-limit.js';
import { redactingLogger } from '../mock/support/redact.js';
import { answerText, cardNumbersIn, evaluateBody } from './helpers.js';
import { type Live, startLive } from './hostile-helpers.js';

/** What HTTP lets a header value hold: tab and printable ASCII (no obs-text, which clients decode differently). */
const PRINTABLE_ASCII = /^[\t\x20-\x7e]*$/;

describe('strict-profile warnings from hostile field names', { timeout: 120_000 }, () => {
  let live: Live;
  let token: string;
  before(async () => {
    // Every warning line of the suite is read: none may be rate-limited away.
    live = await startLive({ logLimit: { perKind: 100 } });
    token = await live.token();
  });
  after(() => live.close());

  const evaluate = (body: unknown) =>
    live.call('POST', '/v1/evaluate', { headers: { authorization: `Bearer ${token}` }, body });

  for (const [label, field, encoded] of [
    ['an emoji', 'nick\u{1F600}', 'payer.nick%F0%9F%98%80'],
    ['an accented letter', 'pr\u00e9nom', 'payer.pr%C3%A9nom'],
    ['a NUL', 'a\u0000b', 'payer.a%00b'],
    ['a bell, CR and LF', 'x\u0007\r\nSet-Cookie: y=1', 'payer.x%07%0D%0ASet-Cookie: y=1'],
    ['a percent sign', '100%', 'payer.100%25'],
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

  test('the header decodes back exactly: decodeURIComponent gives the text with the field names as sent', async () => {
    const field = 'a%41b\u0007\u00e9\u{1F600}+\t';
    const res = await evaluate(evaluateBody({ payer: { email: 'a@b.c', [field]: 'v' } }));
    assert.equal(res.status, 200, res.text);
    const warning = res.headers.get('x-mock-warning') ?? '';
    assert.match(warning, PRINTABLE_ASCII);
    assert.ok(warning.includes('payer.a%2541b%07%C3%A9%F0%9F%98%80+%09'), warning);
    assert.ok(decodeURIComponent(warning).includes(`were sent and ignored: payer.${field}.`), warning);
  });

  test('a control character between digit groups is card data: strict refuses the field name, masked', async () => {
    // Control characters show nothing, so `4111\u00011111…` reads as one card number: it is refused like one, and
    // neither the answer nor a header carries its digits.
    const field = '4111\u00011111\u00011111\u00011111';
    const res = await evaluate(evaluateBody({ payer: { email: 'a@b.c', [field]: 'v' } }));
    assert.equal(res.status, 400, res.text);
    assert.equal(JSON.parse(res.text).code, '400041');
    assert.ok(res.text.includes('payer.411111******1111'), res.text);
    const headers = [...res.headers.values()].join('\n');
    assert.deepEqual(cardNumbersIn(answerText(res, res.text)), []);
    assert.deepEqual(cardNumbersIn(decodeURIComponent(headers).replace(/\p{Cc}/gu, '')), []);
  });

  test('field names are redacted in the header: secrets, and a secret the 64-character cut would split', async () => {
    const key = 'sk_test_4eC39HqLyjWDarjtT1zdp7dc';
    // 6 + 44 + 1 + 8 characters: the cut at 64 leaves five characters of the key, which no rule recognizes.
    const long = `${'n'.repeat(44)}-sk_test_Q1w2E3r4T5y6U7i8O9p0`;
    const fields = {
      email: 'a@b.c',
      [key]: 'v',
      [`x-${DEFAULT_MERCHANT.appSecret}`]: 'v',
      'Bearer abcdefghijklmnop': 'v',
      [long]: 'v',
    };
    const res = await evaluate(evaluateBody({ payer: fields }));
    assert.equal(res.status, 200, res.text);
    const warning = decodeURIComponent(res.headers.get('x-mock-warning') ?? '');
    assert.match(
      warning,
      /ignored: payer\.\[redacted-key\], payer\.x-\[redacted\], payer\.Bearer \[redacted\]/,
    );
    assert.match(warning, /payer\.n{44}-\[redacted-k/);
    for (const secret of [key, DEFAULT_MERCHANT.appSecret, 'abcdefghijklmnop', 'Q1w2E'])
      assert.ok(!warning.includes(secret), `${secret} in ${warning}`);
    // The log line of the warning is redacted as well.
    assert.ok(!live.logs.join('\n').includes('Q1w2E'));
  });

  test('9,000 unknown fields: fetch reads the answer, the header and the log line are bounded', async () => {
    const fields: Record<string, string> = { email: 'a@b.c' };
    for (let i = 0; i < 9_000; i += 1) fields[`f${i}_${'x'.repeat(90)}`] = 'v';
    const before = live.logs.length;
    const res = await evaluate(evaluateBody({ payer: fields }));
    assert.equal(res.status, 200, res.text.slice(0, 300));
    const warning = res.headers.get('x-mock-warning') ?? '';
    assert.ok(warning.length <= MAX_WARNING_HEADER_BYTES, `${warning.length} bytes`);
    assert.match(warning, /payer\.f0_x{20}/);
    assert.match(warning, /payer\.f9_x{55}\.\.\. and 8,990 more\./);
    const lines = live.logs.slice(before);
    assert.ok(lines.some((l) => l.includes('Cardholder fields beyond')));
    for (const line of lines) assert.ok(line.length <= MAX_LOG_LINE_CHARS + 100, `${line.length} characters`);
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

describe('bounded warning memory and log lines', () => {
  test('warnOnce remembers a bounded number of fixed-size keys, whatever the size of the warnings', () => {
    const remembered = new Map<string, true>();
    const lines: string[] = [];
    const warn = warnOnce({ info() {}, warn: (m) => lines.push(m), error() {} }, remembered);
    const huge = 'y'.repeat(20_000);
    for (let i = 0; i < 2_500; i += 1) {
      const ctx = {
        session: { name: `s${i % 7}` },
        op: { id: 'evaluate' },
        warnings: [`${i} ${huge}`],
      } as unknown as Ctx;
      warn(ctx);
      warn(ctx); // once per session, operation and warning
    }
    assert.equal(lines.length, 2_500);
    assert.equal(remembered.size, 1_000);
    let chars = 0;
    for (const key of remembered.keys()) chars += key.length;
    assert.ok(chars <= 1_000 * 64, `${chars} characters of keys`);
  });

  test('every log line is cut to a bounded length, after redaction, with a note of what was left out', () => {
    const lines: string[] = [];
    const log = redactingLogger({ info() {}, warn: (m: string) => lines.push(m), error() {} });
    log.warn(`start ${'z'.repeat(2_000_000)}`);
    const line = lines[0] ?? '';
    assert.ok(line.length <= MAX_LOG_LINE_CHARS, `${line.length} characters`);
    assert.match(line, /^start z+/);
    assert.match(line, /more characters/);

    // A card number where the cut falls is redacted first: no run of its digits survives the cut.
    for (let shift = 0; shift < 20; shift += 1) {
      lines.length = 0;
      log.warn(`${'w'.repeat(MAX_LOG_LINE_CHARS - 60 + shift)} 4111111111111111 ${'w'.repeat(200)}`);
      assert.doesNotMatch(lines[0] ?? '', /\d{7}/);
    }
  });
});

describe('encodedHeaderText', () => {
  test('any text comes back exactly from decodeURIComponent, as printable ASCII', () => {
    for (const text of [
      'plain text, no change',
      '100% of a%20b and %E4',
      'tab\there, CR\r LF\n NUL\u0000 DEL\u007f',
      'pr\u00e9nom \u4e2d\u6587 \u{1F600} \u00ff\u0080',
      '',
    ]) {
      const encoded = encodedHeaderText(text);
      assert.match(encoded, PRINTABLE_ASCII);
      assert.ok(!encoded.includes('\t'), encoded);
      assert.equal(decodeURIComponent(encoded), text);
    }
    assert.equal(encodedHeaderText('plain, no change'), 'plain, no change');
    // A lone surrogate has no UTF-8 form: it comes back as U+FFFD.
    assert.equal(decodeURIComponent(encodedHeaderText('half\ud83d')), 'half\ufffd');
  });
});
