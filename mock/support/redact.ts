// Redaction: the one place that decides what of a request, a response, a webhook or a log line may be kept (the
// journal, HAR exports, webhook payloads and records, log lines, admin answers, error messages). Two small tables:
// KEY_RULES (a field or header whose name says what it holds) and TEXT_RULES (a pattern found inside any string).
// A new secret pattern is one row. redact() deep-copies, redactJson() serialises that copy; nothing here throws and
// the input is never modified.

export const REDACTED = '[redacted]';
export const REDACTED_TOKEN = '[redacted-token]';
export const REDACTED_KEY = '[redacted-key]';
export const REDACTED_TRACK = '[redacted-track]';

export interface RedactOptions {
  /** Extra keys whose values are always replaced (case-insensitive), e.g. `environment` for query strings. */
  keys?: Iterable<string>;
  /** Nesting depth beyond which values become `[depth-limit]` (default 32). */
  maxDepth?: number;
  /** Values visited before the rest becomes `[truncated]` (default 20,000): bounds the work on huge bodies. */
  maxNodes?: number;
}

/** A rule for free text. `pre` is a cheap test that is true whenever `pattern` could match (else it is skipped). */
export interface TextRule {
  name: string;
  /** Card data (PAN, track, CVV), as opposed to credentials: the strict profile refuses these outside card fields. */
  card: boolean;
  /** `lower` is `text` in lower case, made once for all rules. */
  pre: (text: string, lower: string) => boolean;
  /** A global regular expression. */
  pattern: RegExp;
  replace: string | ((match: string, ...rest: never[]) => string);
}

/** Normal form of a key: lower case without `-`, `_`, spaces and dots (`verification_value` = `verificationValue`). */
function norm(key: string): string {
  return key.toLowerCase().replace(/[-_ .]/g, '');
}

// ---------------------------------------------------------------------------------------------------------------
// Card numbers: Luhn-valid 13–19 digit windows inside any chain of digits (one space or dash allowed between two).
// ---------------------------------------------------------------------------------------------------------------

/** Luhn check of a digit string. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/** BIN6 + asterisks + last4 (`411111******1111`); short numbers are replaced entirely. */
export function maskPan(digits: string): string {
  if (digits.length < 12) return REDACTED;
  return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DIGIT_CHAIN = /\d(?:[ -]?\d){12,}/g;
const HAS_CHAIN = /\d(?:[ -]?\d){12}/;
/** GUIDs and W3C trace ids (`00-<32 hex>-<16 hex>-01`, the mock's traceId): ids, even when all digits. */
const UUID_IN =
  /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]\b/gi;
const HEX_OR_DASH = /[0-9A-Fa-f-]/;

/**
 * Ids are not card data: a chain inside a GUID (all-digit ones included) or inside a long hex id (trace ids, hashes)
 * is left alone. The price: a card number dressed up as a GUID is not found (docs/security.md says so).
 */
function insideId(text: string, start: number, end: number): boolean {
  let left = start;
  while (left > 0 && HEX_OR_DASH.test(text.charAt(left - 1))) left -= 1;
  let right = end;
  while (right < text.length && HEX_OR_DASH.test(text.charAt(right))) right += 1;
  if (right - left < 24) return false;
  const token = text.slice(left, right);
  for (const m of token.matchAll(UUID_IN)) {
    const from = left + (m.index ?? 0);
    if (from <= start && from + m[0].length >= end) return true;
  }
  // A dashed hex id (trace ids, hashes): every group the chain touches has hex letters, or is a short group at
  // either end (the `00` and `01` of a trace id). A card number in 4-4-4-4 groups next to hex is still found.
  const groups = token.split('-');
  let at = left;
  for (let g = 0; g < groups.length; g += 1) {
    const group = groups[g] as string;
    const from = at;
    at += group.length + 1;
    if (at <= start || from >= end) continue;
    const edge = g === 0 || g === groups.length - 1;
    if (!/[A-Fa-f]/.test(group) && !(edge && group.length <= 4)) return false;
  }
  return true;
}

/**
 * Mask every card number in a chain of digits: the whole chain when it is one (13–19 digits, Luhn-valid), else any
 * Luhn-valid 13–19 digit window that starts like a card (2–6: Mastercard 2-series to Discover), leftmost first.
 * Prefix sums make each window's Luhn sum O(1), so a megabyte of digits stays linear.
 */
function maskChain(chain: string, offset: number, text: string): string {
  if (insideId(text, offset, offset + chain.length)) return chain;
  const digits = chain.replace(/[ -]/g, '');
  const n = digits.length;
  // A whole chain may start with any digit; one that touches a mask is the rest of a chain already handled.
  const touchesMask = text.charAt(offset - 1) === '*' || text.charAt(offset + chain.length) === '*';
  if (n <= 19 && !touchesMask && luhnValid(digits)) return maskPan(digits);
  // even[i]/odd[i]: Luhn sums of digits[0, i) with the digits at even/odd positions doubled.
  const even = new Int32Array(n + 1);
  const odd = new Int32Array(n + 1);
  for (let i = 0; i < n; i += 1) {
    const d = digits.charCodeAt(i) - 48;
    const doubled = d > 4 ? d * 2 - 9 : d * 2;
    even[i + 1] = (even[i] as number) + (i % 2 === 0 ? doubled : d);
    odd[i + 1] = (odd[i] as number) + (i % 2 === 0 ? d : doubled);
  }
  // Every valid window hides its middle digits (all but its first six and last four); the union of those is masked
  // in place, separators kept. Checking every window (not only the leftmost) means no run of digits left visible
  // can itself be a card number.
  const hidden = new Uint8Array(n);
  let any = false;
  for (let s = 0; s + 13 <= n; s += 1) {
    const first = digits.charCodeAt(s);
    if (first < 50 || first > 54) continue;
    for (let len = 13; len <= 19 && s + len <= n; len += 1) {
      const e = s + len;
      // The last digit of the window is not doubled, so the doubled ones have the other parity.
      const sums = (e - 1) % 2 === 0 ? odd : even;
      if (((sums[e] as number) - (sums[s] as number)) % 10 !== 0) continue;
      hidden.fill(1, s + 6, e - 4);
      any = true;
    }
  }
  if (!any) return chain;
  let out = '';
  let d = 0;
  for (let i = 0; i < chain.length; i += 1) {
    const c = chain.charAt(i);
    if (c === ' ' || c === '-') out += c;
    else out += hidden[d++] === 1 ? '*' : c;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The text rules, in the order they run.
// ---------------------------------------------------------------------------------------------------------------

const CVV_WORDS = ['cv', 'cid', 'csc', 'code', 'verif'];
const SECRET_WORDS = ['secret', 'pass', 'pwd', 'key', 'token'];
const anyOf = (lower: string, words: readonly string[]) => words.some((w) => lower.includes(w));

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
    pre: (_t, lower) => anyOf(lower, CVV_WORDS),
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
    pre: (_t, lower) => lower.includes('bearer') || lower.includes('basic'),
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
    pre: (_t, lower) => anyOf(lower, SECRET_WORDS),
    pattern:
      /\b((?:app|client|api)?[-_]?secret|password|passwd|pwd|x-api-key|api[-_]?key|subscriber[-_]?key|access[-_]?token|refresh[-_]?token|x-mock-(?:admin|session)-token)(["']?\s*[:=]\s*["']?)(?![[{])[^\s"'&,;}\\]+/gi,
    replace: `$1$2${REDACTED}`,
  },
];

const CARD_RULES = TEXT_RULES.filter((r) => r.card);

function applyRules(text: string, rules: readonly TextRule[]): string {
  let out = text;
  let lower = text.toLowerCase();
  for (const rule of rules) {
    if (!rule.pre(out, lower)) continue;
    const before = out;
    rule.pattern.lastIndex = 0;
    out = out.replace(rule.pattern, rule.replace as (m: string) => string);
    if (out !== before) lower = out.toLowerCase();
  }
  return out;
}

/**
 * Short strings that no rule changed ('USD', 'APPROVED', a first name…), so repeated values skip the table. Only
 * strings under 13 characters: V8 never makes those slices of a larger string, so the cache keeps no request alive.
 */
const PLAIN_SHORT = new Set<string>();
const PLAIN_SHORT_SIZE = 4096;

/** Redact free text (a log line, a URL, one string value) with every TEXT_RULES row. */
export function redactText(text: string): string {
  try {
    if (typeof text !== 'string') return applyRules(String(text), TEXT_RULES);
    if (text.length < 13) {
      if (PLAIN_SHORT.has(text)) return text;
      const out = applyRules(text, TEXT_RULES);
      if (out === text) {
        if (PLAIN_SHORT.size >= PLAIN_SHORT_SIZE) PLAIN_SHORT.clear();
        PLAIN_SHORT.add(text);
      }
      return out;
    }
    // A lone GUID (the commonest long value) can match no rule: hex has no rule's trigger, and ids are exempt.
    if (text.length === 36 && UUID.test(text)) return text;
    return applyRules(text, TEXT_RULES);
  } catch {
    return REDACTED;
  }
}

/** Whether a text carries card data (a card number, track data or a CVV) that redaction would remove. */
export function hasCardData(text: string): boolean {
  // The fast paths of redactText: a short string no rule changed before, a lone GUID.
  if (text.length < 13 ? PLAIN_SHORT.has(text) : text.length === 36 && UUID.test(text)) return false;
  try {
    return applyRules(text, CARD_RULES) !== text;
  } catch {
    return true;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Key rules: what a field or header name says about its value.
// ---------------------------------------------------------------------------------------------------------------

interface KeyRule {
  name: string;
  card: boolean;
  /** Normalised names (see norm()). */
  keys: readonly string[];
  /** Normalised fragments: any key containing one matches. */
  contains?: readonly string[];
  replace: (value: unknown) => unknown;
}

/** A card-number field: mask digits, keep a GUID-shaped vault token, replace anything else. */
function redactCardNumber(value: unknown): unknown {
  if (value === null || value === undefined || value === '') return value;
  if (typeof value === 'string' && UUID.test(value.trim())) return value;
  const text = String(value);
  if (/^[\d\s-]+$/.test(text)) return maskPan(text.replace(/\D/g, ''));
  return REDACTED;
}

/** null, '' and booleans stay visible (so "nothing was sent" and flags can still be read). */
function replaced(value: unknown): unknown {
  return value === null || value === undefined || value === '' || typeof value === 'boolean'
    ? value
    : REDACTED;
}

export const KEY_RULES: readonly KeyRule[] = [
  {
    name: 'card number',
    card: true,
    keys: ['cardnumber', 'pan', 'primaryaccountnumber', 'accountnumber', 'ccnumber', 'creditcardnumber'],
    replace: redactCardNumber,
  },
  {
    name: 'card verification value',
    card: true,
    keys: [
      'cvv',
      'cvv2',
      'cvc',
      'cvc2',
      'cid',
      'csc',
      'cvn',
      'verificationvalue',
      'securitycode',
      'cardsecuritycode',
      'cardcode',
      'cardverificationvalue',
      'cardcvv',
      'cardcvc',
    ],
    replace: replaced,
  },
  {
    name: 'track data',
    card: true,
    keys: ['track1', 'track2', 'trackdata', 'magstripe', 'track1data', 'track2data'],
    replace: replaced,
  },
  {
    name: 'secret',
    card: false,
    keys: [
      'appsecret',
      'accesstoken',
      'refreshtoken',
      'idtoken',
      'authorization',
      'proxyauthorization',
      'subscriberkey',
      'fcsignature',
      'fcauthorization',
      'signature',
      'apikey',
      'privatekey',
      'tokenizationkey',
      'passphrase',
      'mocksessiontoken',
      'mockadmintoken',
    ],
    contains: ['secret', 'password', 'passwd', 'apikey'],
    replace: replaced,
  },
];

/** Parent keys under which `number` is a card number. */
const CARD_PARENT = /card|payment/i;
const API_KEY_TYPES = new Set(['secret', 'public', 'tokenization']);

function isApiKeyObject(obj: Record<string, unknown>, parentKey: string | null): boolean {
  if (parentKey !== null && /api.?keys?$/i.test(parentKey)) return true;
  if ('scopes' in obj) return true;
  return typeof obj.type === 'string' && API_KEY_TYPES.has(obj.type.toLowerCase());
}

interface KeyInfo {
  norm: string;
  rule: KeyRule | null;
  /** `number`: a card number inside a card/payment container, an ordinary key elsewhere. */
  number: boolean;
  /** The key as written to the copy (card numbers inside a key redacted). */
  safe: string;
}

const KEY_CACHE = new Map<string, KeyInfo>();
const KEY_CACHE_SIZE = 4096;
const KEY_CACHE_LENGTH = 64;

function ruleFor(k: string): KeyRule | null {
  // `x-cvv`, `x-api-key`: custom headers keep their meaning without the x- prefix.
  const bare = k.startsWith('x') ? k.slice(1) : k;
  for (const rule of KEY_RULES) {
    if (rule.keys.includes(k) || rule.keys.includes(bare)) return rule;
    if (rule.contains?.some((part) => k.includes(part))) return rule;
  }
  return null;
}

/** The rule of each distinct key, cached (only keys kept verbatim are cached, so the cache holds no card data). */
function keyInfo(key: string): KeyInfo {
  const cached = KEY_CACHE.get(key);
  if (cached !== undefined) return cached;
  const k = norm(key);
  const safe = redactText(key);
  const info: KeyInfo = { norm: k, rule: ruleFor(k), number: k === 'number', safe };
  if (safe === key && key.length <= KEY_CACHE_LENGTH) {
    if (KEY_CACHE.size >= KEY_CACHE_SIZE) KEY_CACHE.clear();
    KEY_CACHE.set(key, info);
  }
  return info;
}

/** A card-like number (13–19 digits, first digit 2–6 so millisecond timestamps stay, Luhn-valid) → masked string. */
function redactNumber(value: number): number | string {
  if (!Number.isInteger(value) || value < 1e12) return value;
  const digits = String(value);
  if (digits.length < 13 || digits.length > 19 || !/^[2-6]/.test(digits)) return value;
  return luhnValid(digits) ? maskPan(digits) : value;
}

// ---------------------------------------------------------------------------------------------------------------
// The walk.
// ---------------------------------------------------------------------------------------------------------------

interface Walk {
  extra: ReadonlySet<string>;
  maxDepth: number;
  budget: number;
  ancestors: object[];
}

function walkValue(
  walk: Walk,
  value: unknown,
  info: KeyInfo | null,
  parentKey: string | null,
  depth: number,
): unknown {
  walk.budget -= 1;
  if (walk.budget < 0) return '[truncated]';
  if (info !== null) {
    if (info.rule !== null) return info.rule.replace(value);
    if (info.number && parentKey !== null && CARD_PARENT.test(parentKey)) return redactCardNumber(value);
    if (walk.extra.size > 0 && walk.extra.has(info.norm)) return replaced(value);
  }
  switch (typeof value) {
    case 'string':
      return redactText(value);
    case 'number':
      return redactNumber(value);
    case 'bigint':
      return redactText(value.toString());
    case 'boolean':
    case 'undefined':
      return value;
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return null;
  // Items of an array take the array's key as their container name (so `cards: [{ number }]` is a card).
  return walkObject(walk, value as object, info === null ? parentKey : info.norm, depth);
}

function walkObject(walk: Walk, value: object, key: string | null, depth: number): unknown {
  if (depth >= walk.maxDepth) return '[depth-limit]';
  if (walk.ancestors.includes(value)) return '[circular]';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[binary ${value.byteLength} bytes]`;
  if (value instanceof Error) return redactText(`${value.name}: ${value.message}`);
  walk.ancestors.push(value);
  try {
    const next = depth + 1;
    if (Array.isArray(value)) {
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i += 1)
        if (i in value) out[i] = walkValue(walk, value[i], null, key, next);
      return out;
    }
    if (value instanceof Set) return [...value].map((item) => walkValue(walk, item, null, key, next));
    const out: Record<string, unknown> = {};
    if (value instanceof Map) {
      for (const [k, v] of value) {
        const info = keyInfo(String(k));
        out[info.safe] = walkValue(walk, v, info, key, next);
      }
      return out;
    }
    const obj = value as Record<string, unknown>;
    const apiKey = 'value' in obj && isApiKeyObject(obj, key);
    for (const k of Object.keys(obj)) {
      let v: unknown;
      try {
        v = obj[k];
      } catch {
        v = '[unreadable]';
      }
      const info = keyInfo(k);
      const copy = apiKey && k === 'value' ? replaced(v) : walkValue(walk, v, info, key, next);
      if (info.safe === '__proto__')
        Object.defineProperty(out, info.safe, {
          value: copy,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[info.safe] = copy;
    }
    return out;
  } finally {
    walk.ancestors.pop();
  }
}

const NO_KEYS: ReadonlySet<string> = new Set();

/**
 * A redacted deep copy of `value` (JSON-like: Maps become objects, Sets arrays, Dates ISO strings, binary data a
 * size marker, functions dropped). Never throws: anything it cannot read becomes a placeholder.
 */
export function redact<T = unknown>(value: T, options: RedactOptions = {}): unknown {
  try {
    const walk: Walk = {
      extra: options.keys === undefined ? NO_KEYS : new Set([...options.keys].map(norm)),
      maxDepth: options.maxDepth ?? 32,
      budget: options.maxNodes ?? 20_000,
      ancestors: [],
    };
    return walkValue(walk, value, null, null, 0);
  } catch {
    return REDACTED;
  }
}

/** `JSON.stringify(redact(value, options))`. */
export function redactJson(value: unknown, options: RedactOptions = {}): string | undefined {
  try {
    return JSON.stringify(redact(value, options));
  } catch {
    return JSON.stringify(REDACTED);
  }
}

/**
 * JSON text of an answer whose strings (not its numbers, not its keys) pass through the text rules: for answers built
 * from already redacted or generated data (admin answers, error bodies that may quote the request). Numbers stay
 * numbers (a millisecond timestamp can be Luhn-valid), and each string is redacted before it is escaped.
 */
export function redactStringsJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? redactText(v) : v));
}

// ---------------------------------------------------------------------------------------------------------------
// Headers, URLs, loggers.
// ---------------------------------------------------------------------------------------------------------------

const DROPPED_HEADERS = new Set(['cookie', 'set-cookie']);
const AUTH_SCHEME = /^\s*([A-Za-z][\w-]*)\s+\S/;

/**
 * Redacted headers as a flat `name → value` map (names lower-cased): Authorization keeps only its scheme
 * (`Bearer [redacted]`), cookies are dropped, headers named like a KEY_RULES row replaced, the rest redactText'ed.
 */
export function redactHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === null || typeof headers !== 'object') return out;
  try {
    const record = headers as Record<string, unknown>;
    for (const rawName of Object.keys(record)) {
      const rawValue = record[rawName];
      if (rawValue === undefined || rawValue === null) continue;
      const name = rawName.toLowerCase();
      if (DROPPED_HEADERS.has(name)) continue;
      const value = Array.isArray(rawValue) ? rawValue.map(String).join(', ') : String(rawValue);
      const info = keyInfo(name);
      const safeName = info.safe;
      if (name.endsWith('authorization')) {
        const scheme = AUTH_SCHEME.exec(value)?.[1];
        out[safeName] = scheme ? `${scheme} ${REDACTED}` : REDACTED;
        continue;
      }
      out[safeName] = info.rule !== null ? REDACTED : redactText(value);
    }
  } catch {
    // Whatever was copied so far is already redacted.
  }
  return out;
}

/**
 * A URL without credentials: user info and the values of secret-named query parameters are replaced, and the rest
 * goes through redactText. Not a URL → redactText of the string.
 */
export function redactUrl(url: string, keys: Iterable<string> = []): string {
  try {
    const parsed = new URL(url);
    if (parsed.username) parsed.username = 'redacted';
    if (parsed.password) parsed.password = 'redacted';
    const extra = new Set([...keys].map(norm));
    for (const name of [...parsed.searchParams.keys()]) {
      const k = norm(name);
      if (ruleFor(k) !== null || extra.has(k) || k === 'token') parsed.searchParams.set(name, REDACTED);
    }
    return redactText(parsed.toString());
  } catch {
    return redactText(String(url));
  }
}

/**
 * One log line: redacted, and with control characters escaped, so text from a request (a field name, a header) can
 * neither forge a line of its own with a newline nor rewrite the terminal.
 */
function logLine(message: unknown): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is escaped.
  return redactText(String(message)).replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A logger wrapper: every line redacted (redactText) and its control characters escaped. */
export function redactingLogger<
  L extends { info(m: string): void; warn(m: string): void; error(m: string): void },
>(logger: L): L {
  return {
    ...logger,
    info: (m: string) => logger.info(logLine(m)),
    warn: (m: string) => logger.warn(logLine(m)),
    error: (m: string) => logger.error(logLine(m)),
  };
}

/**
 * The first place in a parsed body where card data sits outside the fields allowed to carry it (a path like
 * `payer.phone`), or null. `allowed(path)` names the card fields of the operation. Used by the strict profile.
 */
/** Whether a field or header name says it holds card data (a card number, CVV or track data: `x-cvv`). */
export function isCardKey(name: string): boolean {
  return keyInfo(name).rule?.card === true;
}

export function cardDataPath(
  value: unknown,
  allowed: (path: string) => boolean,
  path = '',
  depth = 0,
): string | null {
  if (depth > 64) return null;
  if (typeof value === 'string') return hasCardData(value) && !allowed(path) ? path || '(body)' : null;
  if (typeof value === 'number')
    return redactNumber(value) !== value && !allowed(path) ? path || '(body)' : null;
  if (value === null || typeof value !== 'object') return null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const found = cardDataPath(value[i], allowed, path === '' ? String(i) : `${path}.${i}`, depth + 1);
      if (found !== null) return found;
    }
    return null;
  }
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    const at = path === '' ? k : `${path}.${k}`;
    const info = keyInfo(k);
    if (info.safe !== k && hasCardData(k)) return at;
    const v = obj[k];
    if (info.rule?.card && replaced(v) !== v && !allowed(at)) return at;
    const found = cardDataPath(v, allowed, at, depth + 1);
    if (found !== null) return found;
  }
  return null;
}
