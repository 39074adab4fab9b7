// Text rules: patterns found inside any string, in the order they run. A new secret pattern is one row of TEXT_RULES.

import { createHmac, randomBytes } from 'node:crypto';
import { ownCopy } from '../bounded.js';
import { DIGIT_CHAIN, HAS_CHAIN, maskChain, UUID } from './cards.js';
import { REDACTED, REDACTED_KEY, REDACTED_TOKEN, REDACTED_TRACK } from './markers.js';

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

// Values the mock knows to be secrets (account secrets, webhook subscriber keys, the admin token, session tokens):
// replaced wherever they stand as a word of their own, or as a part of a longer word that starts and ends where the
// word has a `/`, `+`, `_` or `-` (a path like `/v1/orders/<secret>`, `prefix-<secret>`), whatever a field or header
// is called. Looked up by exact value in a Set, so the cost per string does not grow with the number of secrets (one
// regular expression with a thousand alternatives costs ~50 µs a string): only the parts whose length some secret
// has are looked up. Pinned values (accounts, the admin token) are bounded generously; session tokens, made per
// session name a client sends, are bounded tightly and the oldest are forgotten.
const PINNED = new Set<string>();
const TRANSIENT = new Set<string>();
const TRANSIENT_MAX = 1_000;
/** A process that builds many apps (one per test, each with its own admin token) must not grow without bound. */
const PINNED_MAX = 10_000;
/** Shorter values are not registered: too likely to occur in ordinary text. */
const KNOWN_MIN_LENGTH = 12;
/** A word: what tokens, keys and base64 secrets are made of; `=` padding, quotes, spaces and `&` end it. */
const WORD = /[A-Za-z0-9_+/-]{12,}/g;
const WORD_ONLY = /^[A-Za-z0-9_+/-]+$/;
/** How many known secrets have each length. */
const KNOWN_LENGTHS = new Map<number, number>();
/** KNOWN_LENGTHS' keys as an array, made again only after a change (null until then). */
let lengthList: number[] | null = null;

/** The distinct lengths of the known secrets. */
function knownLengthList(): number[] {
  lengthList ??= [...KNOWN_LENGTHS.keys()];
  return lengthList;
}

/** Caches elsewhere (key rules, credentials by scheme) that remember text as clean: emptied with this one's. */
const CLEAN_CACHES: (() => void)[] = [];

/** Have `clear` called whenever a new secret is registered (a cache of clean text may now hold one). */
export function onSecretRegistered(clear: () => void): void {
  CLEAN_CACHES.push(clear);
}

function countLength(word: string, by: number): void {
  lengthList = null;
  const count = (KNOWN_LENGTHS.get(word.length) ?? 0) + by;
  if (count > 0) KNOWN_LENGTHS.set(word.length, count);
  else KNOWN_LENGTHS.delete(word.length);
}

/**
 * Redact `value` wherever it stands as a word of its own from now on (base64 padding aside), or inside a longer word
 * between `/`, `+`, `_` or `-`. `pinned` values are kept for the life of the process, up to a generous bound; others
 * are bounded tightly. Values under 12 characters, or with characters a word cannot hold, are not registered.
 */
export function registerSecret(value: string, options: { pinned?: boolean } = {}): void {
  if (typeof value !== 'string') return;
  const word = value.replace(/=+$/, '');
  if (word.length < KNOWN_MIN_LENGTH || !WORD_ONLY.test(word)) return;
  if (PINNED.has(word) || TRANSIENT.has(word)) return;
  const [set, max] = options.pinned ? [PINNED, PINNED_MAX] : [TRANSIENT, TRANSIENT_MAX];
  if (set.size >= max) {
    const oldest = set.values().next().value as string;
    set.delete(oldest);
    countLength(oldest, -1);
  }
  set.add(word);
  countLength(word, 1);
  // Text cached as clean may now hold a secret.
  PLAIN.clear();
  for (const clear of CLEAN_CACHES) clear();
}

const isKnown = (text: string) => PINNED.has(text) || TRANSIENT.has(text);

/** `/`, `+`, `_` and `-`: where a secret may start or end inside a longer word. */
function isJoiner(code: number): boolean {
  return code === 47 || code === 43 || code === 95 || code === 45;
}

/** A part of `word` from `start` may begin a secret: the word's start, or beside a joiner. */
function canStart(word: string, start: number): boolean {
  return start === 0 || isJoiner(word.charCodeAt(start - 1)) || isJoiner(word.charCodeAt(start));
}

/** A part of `word` up to `end` may end a secret: the word's end, or beside a joiner. */
function canEnd(word: string, end: number): boolean {
  return end === word.length || isJoiner(word.charCodeAt(end)) || isJoiner(word.charCodeAt(end - 1));
}

/**
 * Lookups one word may take: a long word with joiners all through it (`a-a-a-…`, a megabyte of base64) would otherwise
 * cost a lookup per joiner and known length. Past the bound the whole word is replaced: safe, and bounded.
 */
const MAX_LOOKUPS_PER_WORD = 512;

/** The word with every known secret in it replaced: the whole word, or parts bounded as canStart/canEnd say. */
function knownWord(word: string): string {
  if (isKnown(word)) return REDACTED;
  const lengths = knownLengthList();
  let out = '';
  let copied = 0;
  let lookups = 0;
  for (let start = 0; start < word.length; start += 1) {
    if (start < copied || !canStart(word, start)) continue;
    for (const length of lengths) {
      const end = start + length;
      if (end > word.length || !canEnd(word, end)) continue;
      lookups += 1;
      if (lookups > MAX_LOOKUPS_PER_WORD) return REDACTED;
      if (!isKnown(word.slice(start, end))) continue;
      out += word.slice(copied, start) + REDACTED;
      copied = end;
      break;
    }
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
    name: 'JWT',
    card: false,
    pre: (t) => t.includes('eyJ'),
    pattern: /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g,
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

function applyRules(text: string, rules: readonly TextRule[]): string {
  let out = text;
  for (const rule of rules) {
    if (!rule.pre(out)) continue;
    rule.pattern.lastIndex = 0;
    out = out.replace(rule.pattern, rule.replace as (m: string) => string);
  }
  return out;
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
