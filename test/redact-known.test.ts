// Known secret values (account secrets, session and admin tokens) are replaced wherever they stand as a word of their
// own, and only there; the lookup skips words whose length no known secret has, so these pin what it must still find.

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
  // Joined to letters or digits it is part of another word, as before.
  assert.equal(redactText(`ab${secret}`), `ab${secret}`);
  assert.equal(redactText(`${secret}9`), `${secret}9`);
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

test('a word with joiners all through it is looked at a bounded number of times, then replaced whole', () => {
  const secret = `J${word(29)}`;
  registerSecret(secret, { pinned: true });
  // Tens of thousands of places a secret could start: past the bound the word is replaced, secret and all.
  const long = `${'a-'.repeat(50_000)}${secret}`;
  assert.equal(redactText(`x ${long} y`), `x ${REDACTED} y`);
  // A few joiners: looked at part by part, and only the secret goes.
  assert.equal(redactText(`id-1/${secret}/tail`), `id-1/${REDACTED}/tail`);
});
