// Known secret values (account secrets, session and admin tokens, issued tokens) are replaced wherever they stand
// inside a word, in any letter case, and pinned ones in their base64 forms too; a rolling hash finds them in one pass
// over each word, so these pin what it must still find and what it must leave alone.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { REDACTED, redactHeaders, redactJson, redactText, registerSecret } from '../mock/support/redact.js';

/** Letters and digits only: a joiner at a secret's edge would make it a part of the words around it. */
const word = (length: number) =>
  randomBytes(length).toString('base64url').replace(/[-_]/g, 'x').slice(0, length);

test('a registered secret is replaced as a word of its own, wherever it stands in the text', () => {
  const secret = word(29);
  registerSecret(secret);
  for (const text of [
    secret,
    `${secret}=`,
    `key ${secret} used`,
    `"${secret}"`,
    `a=${secret}&b=1`,
    `(${secret})`,
    `${secret}.${secret}`,
  ]) {
    const out = redactText(text);
    assert.ok(!out.includes(secret), `${text} → ${out}`);
    assert.ok(out.includes(REDACTED), `${text} → ${out}`);
  }
});

test('a secret glued to other letters, or in another letter case, is found; other words are left alone', () => {
  const secret = word(31);
  registerSecret(secret);
  // A letter glued in front (`zAQAAAAE…`) or behind, or the secret upper- or lower-cased, still gives it away.
  assert.equal(redactText(`x${secret}`), `x${REDACTED}`);
  assert.equal(redactText(`${secret}9`), `${REDACTED}9`);
  assert.equal(redactText(secret.toUpperCase()), REDACTED);
  assert.equal(redactText(`see ${secret.toLowerCase()}!`), `see ${REDACTED}!`);
  // A word of a length no secret has, and one of the same length that is not a secret.
  const other = word(33);
  assert.equal(redactText(`see ${other} here`), `see ${other} here`);
  const sameLength = word(31);
  assert.equal(redactText(`see ${sameLength} here`), `see ${sameLength} here`);
});

test('secrets of many lengths are all found, and the oldest transient ones are forgotten without losing the rest', () => {
  const secrets = Array.from({ length: 40 }, (_, i) => word(12 + i));
  for (const secret of secrets) registerSecret(secret, { pinned: true });
  for (const secret of secrets) assert.equal(redactText(`[${secret}]`), `[${REDACTED}]`);

  // Transient secrets are bounded (1,000): after 1,100 the first ones are forgotten, the newest still found, and
  // pinned ones of the same lengths are unaffected by the forgetting.
  const transient = Array.from({ length: 1_100 }, () => word(12 + (secrets.length % 7)));
  for (const secret of transient) registerSecret(secret);
  assert.equal(redactText(`[${transient[0]}]`), `[${transient[0]}]`);
  assert.equal(redactText(`[${transient.at(-1)}]`), `[${REDACTED}]`);
  for (const secret of secrets) assert.equal(redactText(`[${secret}]`), `[${REDACTED}]`);
});

test('a secret inside a longer word is found where the word has a joiner around it: paths, prefixes, suffixes', () => {
  const secret = `${word(14)}-${word(14)}`;
  registerSecret(secret, { pinned: true });
  for (const text of [
    `/v1/orders/${secret}`,
    `prefix/${secret}`,
    `${secret}-suffix`,
    `a+${secret}+b`,
    `x_${secret}_y`,
    `GET /v1/orders/${secret}?x=1`,
  ]) {
    const out = redactText(text);
    assert.ok(!out.includes(secret), `${text} → ${out}`);
    assert.ok(out.includes(REDACTED), `${text} → ${out}`);
  }
  // Joined to letters or digits it is found all the same.
  assert.equal(redactText(`ab${secret}`), `ab${REDACTED}`);
  assert.equal(redactText(`${secret}9`), `${REDACTED}9`);
});

test('a pinned secret is found base64-encoded, alone or inside a longer encoded text, and cut by invisible characters', () => {
  const secret = `AQAAAAE${word(40)}`;
  registerSecret(secret, { pinned: true });
  for (const prefix of ['', 'u', 'us', 'user:']) {
    for (const encoding of ['base64', 'base64url'] as const) {
      const encoded = Buffer.from(`${prefix}${secret}`).toString(encoding);
      const out = redactText(`auth ${encoded} end`);
      assert.ok(out.includes(REDACTED), `${prefix} ${encoding}: ${out}`);
      // Nothing that decodes back to most of the secret is left.
      assert.ok(!Buffer.from(out, 'base64').toString('latin1').includes(secret.slice(8, 30)), out);
    }
  }
  for (const invisible of ['\u200b', '\u00ad', '\ufeff', '\u200e', '\u2060']) {
    const cut = `${secret.slice(0, 10)}${invisible}${secret.slice(10)}`;
    const out = redactText(`token ${cut}`);
    assert.ok(!out.includes(secret.slice(10)), out);
    assert.ok(out.includes(REDACTED), out);
  }
});

test('caches that remembered text as clean forget it when that text becomes a secret', () => {
  const secret = `K${word(25)}`;
  // Seen first while it was nothing: as a key, as an Authorization scheme, as a value.
  assert.equal(
    redactJson({ [secret]: 1, note: `see ${secret}` }),
    JSON.stringify({ [secret]: 1, note: `see ${secret}` }),
  );
  assert.equal(redactHeaders({ authorization: `${secret} abc` }).authorization, `${secret} ${REDACTED}`);
  registerSecret(secret);
  const json = redactJson({ [secret]: 1, note: `see ${secret}` }) ?? '';
  assert.ok(!json.includes(secret), json);
  const header = redactHeaders({ authorization: `${secret} abc` }).authorization ?? '';
  assert.ok(!header.includes(secret), header);
});

test('a long word is looked at in one pass: a secret at its end is found, quickly', () => {
  const secret = `J${word(29)}`;
  registerSecret(secret, { pinned: true });
  // A hundred thousand places a secret could start: one rolling hash over them, not a lookup each.
  const long = `${'a-'.repeat(50_000)}${secret}`;
  const started = process.hrtime.bigint();
  assert.equal(redactText(`x ${long} y`), `x ${'a-'.repeat(50_000)}${REDACTED} y`);
  assert.ok(process.hrtime.bigint() - started < 500_000_000n, 'a 100 KB word took over half a second');
  // A few joiners: looked at part by part, and only the secret goes.
  assert.equal(redactText(`id-1/${secret}/tail`), `id-1/${REDACTED}/tail`);
});
