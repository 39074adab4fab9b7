// Text rules: patterns found inside any string, in the order they run. A new secret pattern is one row of TEXT_RULES.

import { createHmac, randomBytes } from 'node:crypto';
import { ownCopy } from '../bounded.js';
import { DIGIT_CHAIN, HAS_CHAIN, HAS_UNICODE_CHAIN, maskChain, UNICODE_DIGIT_CHAIN, UUID } from './cards.js';
import { INVISIBLE, REDACTED, REDACTED_KEY, REDACTED_TOKEN, REDACTED_TRACK, UNUSUAL } from './markers.js';

/** A rule for free text. `pre` is a cheap test that is true whenever `pattern` could match (else it is skipped). */
export interface TextRule {
  name: string;
  /** Card data (PAN, track, CVV), as opposed to credentials: the strict profile refuses these outside card fields. */
  card: boolean;
  /** Must not allocate: it runs on every string the mock records or checks. */
  pre: (text: string) => boolean;
  /** A global regular expression. */
  pattern: RegExp;
  replace: string | ((match: string, ...rest: never[]) => string);
}

// Values the mock knows to be secrets (account secrets, webhook subscriber keys, the admin token, session tokens,
// issued tokens): replaced wherever they stand inside a word, in any letter case (`zAQAAAAE…`, an upper-cased copy),
// whatever a field or header is called. Pinned secrets are also known in their base64 forms (standard and URL-safe,
// at each of the three alignments a longer encoded text can give them). Found by a rolling hash of every window of
// KNOWN_MIN_LENGTH characters, looked up in a table of the secrets' first KNOWN_MIN_LENGTH characters: one pass over
// each word whatever the number of secrets, no allocation until a hash hits. Pinned values (accounts, the admin
// token) are bounded generously; session and issued tokens, made per request, are bounded tightly and the oldest are
// forgotten.
const PINNED = new Set<string>();
const TRANSIENT = new Set<string>();
const TRANSIENT_MAX = 1_000;
/** A process that builds many apps (one per test, each with its own admin token) must not grow without bound. */
const PINNED_MAX = 10_000;
/** Shorter values are not registered: too likely to occur in ordinary text. Also the rolling hash's window. */
const KNOWN_MIN_LENGTH = 12;
/** A word: what tokens, keys and base64 secrets are made of; `=` padding, quotes, spaces and `&` end it. */
const WORD = /[A-Za-z0-9_+/-]{12,}/g;
const WORD_ONLY = /^[A-Za-z0-9_+/-]+$/;
const HASH_BASE = 131;
/** HASH_BASE^(KNOWN_MIN_LENGTH - 1) in 32-bit arithmetic: the weight of the character leaving the window. */
let weight = 1;
for (let i = 1; i < KNOWN_MIN_LENGTH; i += 1) weight = Math.imul(weight, HASH_BASE);
const LEAVING_WEIGHT = weight;
/** Known secrets, lower-cased, by the hash of their first KNOWN_MIN_LENGTH characters; longest first. */
const BY_HEAD = new Map<number, string[]>();
/** How many secrets' head hashes fall in each of 65,536 buckets: most windows are rejected here, before the Map. */
const HEAD_BUCKETS = new Uint16Array(65_536);

/** ASCII letters folded to lower case, everything else as it is. */
function fold(code: number): number {
  return code >= 65 && code <= 90 ? code + 32 : code;
}

function headHash(text: string, from: number): number {
  let h = 0;
  for (let i = from; i < from + KNOWN_MIN_LENGTH; i += 1)
    h = (Math.imul(h, HASH_BASE) + fold(text.charCodeAt(i))) | 0;
  return h;
}

function addHead(word: string): void {
  const lower = word.toLowerCase();
  const h = headHash(lower, 0);
  const list = BY_HEAD.get(h) ?? [];
  if (list.includes(lower)) return;
  list.push(lower);
  list.sort((a, b) => b.length - a.length);
  BY_HEAD.set(h, list);
  HEAD_BUCKETS[h & 0xffff] = Math.min(0xffff, (HEAD_BUCKETS[h & 0xffff] as number) + 1);
}

function removeHead(word: string): void {
  const lower = word.toLowerCase();
  const h = headHash(lower, 0);
  const list = BY_HEAD.get(h);
  const at = list?.indexOf(lower) ?? -1;
  if (list === undefined || at < 0) return;
  list.splice(at, 1);
  if (list.length === 0) BY_HEAD.delete(h);
  HEAD_BUCKETS[h & 0xffff] = Math.max(0, (HEAD_BUCKETS[h & 0xffff] as number) - 1);
}

/** Caches elsewhere (key rules, credentials by scheme) that remember text as clean: emptied with this one's. */
const CLEAN_CACHES: (() => void)[] = [];

/** Have `clear` called whenever a new secret is registered (a cache of clean text may now hold one). */
export function onSecretRegistered(clear: () => void): void {
  CLEAN_CACHES.push(clear);
}

/**
 * The parts of `value`'s base64 encodings that stay the same wherever it stands in a longer encoded text: at each of
 * the three byte alignments, the characters whose six bits all come from `value` (standard and URL-safe alphabets).
 */
export function base64Forms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8');
  const forms: string[] = [];
  for (let shift = 0; shift < 3; shift += 1) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const first = Math.ceil((shift * 8) / 6);
    const end = Math.floor(((shift + bytes.length) * 8) / 6);
    const core = encoded.slice(first, end);
    forms.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...new Set(forms)].filter((form) => form.length >= KNOWN_MIN_LENGTH);
}

function addKnown(word: string, pinned: boolean): boolean {
  if (PINNED.has(word) || TRANSIENT.has(word)) return false;
  const [set, max] = pinned ? [PINNED, PINNED_MAX] : [TRANSIENT, TRANSIENT_MAX];
  if (set.size >= max) {
    const oldest = set.values().next().value as string;
    set.delete(oldest);
    removeHead(oldest);
  }
  set.add(word);
  addHead(word);
  return true;
}

/**
 * Redact `value` wherever it stands inside a word from now on (base64 padding aside), in any letter case. `pinned`
 * values are kept for the life of the process, up to a generous bound, and are also found base64-encoded; others are
 * bounded tightly. Values under 12 characters, or with characters a word cannot hold, are not registered.
 */
export function registerSecret(value: string, options: { pinned?: boolean } = {}): void {
  if (typeof value !== 'string') return;
  const word = value.replace(/=+$/, '');
  if (word.length < KNOWN_MIN_LENGTH || !WORD_ONLY.test(word)) return;
  const pinned = options.pinned === true;
  if (!addKnown(word, pinned)) return;
  if (pinned) for (const form of base64Forms(word)) addKnown(form, true);
  // Text cached as clean may now hold a secret.
  PLAIN.clear();
  for (const clear of CLEAN_CACHES) clear();
}

/** Whether `word` holds the lower-cased `secret` at `at`, in any letter case. */
function holdsAt(word: string, at: number, secret: string): boolean {
  if (at + secret.length > word.length) return false;
  for (let i = 0; i < secret.length; i += 1)
    if (fold(word.charCodeAt(at + i)) !== secret.charCodeAt(i)) return false;
  return true;
}

/** The word with every known secret in it replaced, leftmost and longest first. */
function knownWord(word: string): string {
  const n = word.length;
  if (n < KNOWN_MIN_LENGTH) return word;
  let out = '';
  let copied = 0;
  let h = headHash(word, 0);
  for (let start = 0; ; start += 1) {
    if (start >= copied && HEAD_BUCKETS[h & 0xffff] !== 0) {
      for (const secret of BY_HEAD.get(h) ?? []) {
        if (!holdsAt(word, start, secret)) continue;
        out += word.slice(copied, start) + REDACTED;
        copied = start + secret.length;
        break;
      }
    }
    const next = start + KNOWN_MIN_LENGTH;
    if (next >= n) break;
    // 32-bit polynomial arithmetic wraps exactly, so taking the leaving character out needs no modulo.
    const kept = (h - Math.imul(fold(word.charCodeAt(start)), LEAVING_WEIGHT)) | 0;
    h = (Math.imul(kept, HASH_BASE) + fold(word.charCodeAt(next))) | 0;
  }
  return copied === 0 ? word : out + word.slice(copied);
}

// Pre-checks in any letter case, tested without making a lower-case copy of every string (a measurable share of the
// journal's cost when every rule lower-cased first).
const CVV_WORDS = /cv|cid|csc|code|verif/i;
const SECRET_WORDS = /secret|pass|pwd|key|token/i;
const AUTH_WORDS = /bearer|basic/i;

export const TEXT_RULES: readonly TextRule[] = [
  {
    // Runs before the ASCII row, whose separators are a subset of this one's: in such text it finds every chain.
    name: 'card number with Unicode separators',
    card: true,
    pre: (t) => t.length >= 13 && UNUSUAL.test(t) && HAS_UNICODE_CHAIN.test(t),
    pattern: UNICODE_DIGIT_CHAIN,
    replace: maskChain as TextRule['replace'],
  },
  {
    name: 'card number',
    card: true,
    pre: (t) => t.length >= 13 && HAS_CHAIN.test(t),
    pattern: DIGIT_CHAIN,
    replace: maskChain as TextRule['replace'],
  },
  {
    // Track 1 after the PAN: ^NAME^YYMM + service code + discretionary data.
    name: 'track 1 data',
    card: true,
    pre: (t) => t.includes('^'),
    pattern: /\^[^^\r\n"]{0,40}\^\d{4,}[^\s"?\\]*\??/g,
    replace: `^${REDACTED_TRACK}`,
  },
  {
    // Track 2 after the (masked) PAN: =YYMM + service code + discretionary data.
    name: 'track 2 data',
    card: true,
    pre: (t) => t.includes('='),
    pattern: /(?<=[\d*]{12})=\d{7,}[^\s"?\\]*\??/g,
    replace: `=${REDACTED_TRACK}`,
  },
  {
    name: 'card verification value in text',
    card: true,
    pre: (t) => CVV_WORDS.test(t),
    pattern:
      /\b(cvv2?|cvc2?|cvn|cid|csc|security[ _-]?code|card[ _-]?code|verification[ _-]?(?:value|code))\b([^A-Za-z0-9]{0,6}(?:is[^A-Za-z0-9]{1,3})?)\d{3,4}\b/gi,
    replace: `$1$2${REDACTED}`,
  },
  {
    // A JWS (header.payload.signature), or its payload and signature alone: the header of a given issuer is a
    // constant anyone can put back. A JSON object's base64url starts `eyJ`; a signature is 20 characters or more.
    name: 'JWT',
    card: false,
    pre: (t) => t.includes('eyJ'),
    pattern:
      /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{20,}/g,
    replace: REDACTED_TOKEN,
  },
  {
    // Any other three-part token on its own (a JWT without the usual header): the whole value.
    name: 'bare token',
    card: false,
    pre: (t) => t.length >= 32 && t.indexOf('.') > 0,
    pattern: /^[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}$/g,
    replace: REDACTED_TOKEN,
  },
  {
    name: 'bearer or basic credentials',
    card: false,
    pre: (t) => AUTH_WORDS.test(t),
    pattern: /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
    replace: `$1 ${REDACTED}`,
  },
  {
    name: 'API key value',
    card: false,
    pre: (t) => t.includes('_test_') || t.includes('_live_'),
    pattern: /\b(?:sk|pk|tk|rk)_(?:test|live)_[A-Za-z0-9]{8,}/g,
    replace: REDACTED_KEY,
  },
  {
    // `AppSecret=…`, `"appSecret": "…"`, `x-api-key: …`, `password=…` written into free text.
    name: 'secret assignment',
    card: false,
    pre: (t) => SECRET_WORDS.test(t),
    pattern:
      /\b((?:app|client|api)?[-_]?secret|password|passwd|pwd|x-api-key|api[-_]?key|subscriber[-_]?key|access[-_]?token|refresh[-_]?token|x-mock-(?:admin|session)-token)(["']?\s*[:=]\s*["']?)(?![[{])[^\s"'&,;}\\]+/gi,
    replace: `$1$2${REDACTED}`,
  },
  {
    name: 'known secret value',
    card: false,
    pre: (text) => text.length >= KNOWN_MIN_LENGTH && PINNED.size + TRANSIENT.size > 0,
    pattern: WORD,
    replace: knownWord,
  },
];

const CARD_RULES = TEXT_RULES.filter((r) => r.card);

function applyRulesOnce(text: string, rules: readonly TextRule[]): string {
  let out = text;
  for (const rule of rules) {
    if (!rule.pre(out)) continue;
    rule.pattern.lastIndex = 0;
    out = out.replace(rule.pattern, rule.replace as (m: string) => string);
  }
  return out;
}

/**
 * The rules, then, for text with invisible characters in it (`4111\u200b1111…`, a token with a U+200B inside, `Bearer`
 * with a soft hyphen), the rules again on the text without them. When that second pass finds something, its result
 * is what is kept: the invisible characters are dropped from a text that had something to hide. Pure ASCII text
 * pays one scan for a non-ASCII character.
 */
function applyRules(text: string, rules: readonly TextRule[]): string {
  const out = applyRulesOnce(text, rules);
  if (!UNUSUAL.test(out)) return out;
  const visible = out.replace(INVISIBLE, '');
  if (visible === out) return out;
  const again = applyRulesOnce(visible, rules);
  return again === visible ? out : again;
}

/**
 * Strings that no rule changed ('USD', a first name, an address line, a timestamp…), so values a client repeats skip
 * the table. Strings up to 128 characters; one of 13 or more is kept as a copy of its own, because V8 may hold it as a
 * slice of a larger string (a whole request body) that the cache would then keep alive. Cleared when full and when a
 * new secret is registered.
 */
const PLAIN = new Map<string, string>();
const PLAIN_SIZE = 4096;
const PLAIN_MAX_LENGTH = 128;
const SLICE_MIN_LENGTH = 13;

function rememberPlain(text: string): void {
  if (text.length > PLAIN_MAX_LENGTH) return;
  if (PLAIN.size >= PLAIN_SIZE) PLAIN.clear();
  const kept = text.length < SLICE_MIN_LENGTH ? text : ownCopy(text);
  PLAIN.set(kept, kept);
}

/** Rounds of percent-decoding a path gets checked in: `%2534` is `%34` is `4`. */
export const DECODE_ROUNDS = 3;
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;
const ASCII_ESCAPE = /%([0-7][0-9A-Fa-f])/g;

/**
 * `text` with its percent-escapes decoded; never throws. A run of escapes that is not valid UTF-8 keeps its non-ASCII
 * bytes encoded and has its ASCII ones decoded (digits, spaces and dashes, what a card number is written with).
 */
export function percentDecoded(text: string): string {
  return text.replace(PERCENT_RUN, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run.replace(ASCII_ESCAPE, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
    }
  });
}

const ESCAPE = /%[0-9A-Fa-f]{2}/;

/**
 * Card data a client hid behind percent-escapes (`4111%201111%201111%201111`, or escapes of escapes): the first
 * decoded form (at most DECODE_ROUNDS rounds) a card rule changes, or null. Only text with an escape pays for it.
 */
function encodedCardForm(text: string): string | null {
  let decoded = text;
  for (let round = 0; round < DECODE_ROUNDS && ESCAPE.test(decoded); round += 1) {
    const next = percentDecoded(decoded);
    if (next === decoded) break;
    decoded = next;
    if (applyRules(decoded, CARD_RULES) !== decoded) return decoded;
  }
  return null;
}

/**
 * Redacted decoded text written with escapes again (encodeURI's: quotes, backslashes, `%`, controls and non-ASCII), so
 * the result can stand wherever the escaped text stood, inside JSON text or a header included. A lone surrogate, which
 * would make encodeURI throw, becomes U+FFFD.
 */
export function escapedAgain(text: string): string {
  return encodeURI(text.replace(/\p{Cs}/gu, '\uFFFD'));
}

/** A word with a percent-escape in it: what a client's percent-encoded value looks like inside longer text or JSON. */
const ESCAPED_WORD = /[^\s"'\\<>{}[\],;]*%[0-9A-Fa-f]{2}[^\s"'\\<>{}[\],;]*/g;

/**
 * Each escaped word whose decoded form holds card data, redacted decoded and escaped again; the rest of the text as
 * it was, so JSON text stays JSON and a log line keeps its shape.
 */
function redactEscapedCards(text: string): string {
  if (!text.includes('%') || !ESCAPE.test(text)) return text;
  ESCAPED_WORD.lastIndex = 0;
  return text.replace(ESCAPED_WORD, (word) => {
    const hidden = encodedCardForm(word);
    return hidden === null ? word : escapedAgain(applyRules(hidden, TEXT_RULES));
  });
}

/** Redact free text (a log line, a URL, one string value) with every TEXT_RULES row. */
export function redactText(text: string): string {
  try {
    if (typeof text !== 'string') return applyRules(String(text), TEXT_RULES);
    // The kept copy is returned: what the journal stores (header values, the host, the session name) is then one
    // string shared by every entry, not one per entry.
    const kept = text.length <= PLAIN_MAX_LENGTH ? PLAIN.get(text) : undefined;
    if (kept !== undefined) return kept;
    // A lone GUID (the commonest long value) can match no rule: hex has no rule's trigger, and ids are exempt.
    if (text.length === 36 && UUID.test(text)) return text;
    const out = applyRules(redactEscapedCards(text), TEXT_RULES);
    if (out === text) rememberPlain(text);
    return out;
  } catch {
    return REDACTED;
  }
}

/** Whether a text carries card data (a card number, track data or a CVV) that redaction would remove. */
export function hasCardData(text: string): boolean {
  // The fast paths of redactText: a string no rule changed before, a lone GUID.
  if ((text.length <= PLAIN_MAX_LENGTH && PLAIN.has(text)) || (text.length === 36 && UUID.test(text)))
    return false;
  try {
    if (applyRules(text, CARD_RULES) !== text) return true;
    return redactEscapedCards(text) !== text;
  } catch {
    return true;
  }
}

/**
 * An identifier the mock must keep and look up (a merchant's orderId, an idempotency key) that a lenient client may
 * have filled with a card number: kept redacted, with a keyed digest of the original so that two different numbers
 * stay two different ids. Text without card data is returned as it is.
 */
export function cardSafeId(text: string): string {
  if (!hasCardData(text)) return text;
  // Keyed with a secret of this process: a plain digest beside the masked number gives the number back (six hidden
  // digits are a million guesses, a fraction of a second). So the form holds across requests, not across processes.
  return `${redactText(text)}~${createHmac('sha256', CARD_SAFE_KEY).update(text).digest('hex').slice(0, 16)}`;
}

const CARD_SAFE_KEY = randomBytes(32);
