// Known secret values (account secrets, session and admin tokens) are replaced wherever they stand as a word of their
// own, and only there; the lookup skips words whose length no known secret has, so these pin what it must still find.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { REDACTED, redactText, registerSecret } from '../mock/support/redact.js';

const word = (length: number) => randomBytes(length).toString('base64url').slice(0, length);

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

test('a word that only contains a secret, or has another length, is left alone', () => {
  const secret = word(31);
  registerSecret(secret);
  // Inside a longer word it is not "a word of its own" (the rule's definition, unchanged by the length lookup).
  assert.equal(redactText(`x${secret}`), `x${secret}`);
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
