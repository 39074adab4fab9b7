// Redaction: the one function that removes card data, secrets and tokens from anything the mock keeps or prints
// (the journal, HAR exports, log lines). redact() deep-copies, redactJson() writes the same copy straight as JSON
// text (one walk, two sinks: they cannot disagree); the input is never modified. Nothing here throws.
//
// Rules (keys are compared case-insensitively, ignoring `-` and `_`):
// - card-number keys (cardNumber, pan, and `number` inside a card/payment-method object): a digit string becomes
//   BIN6 + asterisks + last4; a GUID-shaped vault token is kept (tokens are not card data); anything else is replaced;
// - CVV keys (cvv, cvc, verification_value, …), secret keys (AppSecret, password, secret, accessToken,
//   refreshToken, authorization, subscriberKey, x-fc-signature, api keys…) and the `value` of an API-key object:
//   replaced by `[redacted]` (null and '' are kept, so "nothing was sent" stays visible);
// - any other string: Luhn-valid 12–19 digit runs (spaces/dashes allowed) are masked to BIN6 + last4, JWTs become
//   `[redacted-token]`, `Bearer <x>` becomes `Bearer [redacted]`, sk_/pk_/tk_ API-key values become `[redacted-key]`;
// - numbers that look like a PAN (12–19 digits, first digit 2–6, Luhn-valid) become the masked string (the first-digit
//   rule keeps millisecond timestamps intact);
// - headers (redactHeaders): Authorization (and x-fc-authorization) keeps its scheme (`Bearer [redacted]`), cookies
//   are dropped.

export const REDACTED = '[redacted]';
export const REDACTED_TOKEN = '[redacted-token]';
export const REDACTED_KEY = '[redacted-key]';

export interface RedactOptions {
  /** Extra keys whose values are always replaced (case-insensitive), e.g. `environment` for query strings. */
  keys?: Iterable<string>;
  /** Nesting depth beyond which values become `[depth-limit]` (default 32). */
  maxDepth?: number;
  /** Values visited before the rest becomes `[truncated]` (default 20,000): bounds the work on huge bodies. */
  maxNodes?: number;
}

/** Normal form of a key: lower case without `-` and `_` (so `verification_value`, `verificationValue` match). */
function norm(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

const CARD_NUMBER_KEYS = new Set(['cardnumber', 'pan', 'primaryaccountnumber', 'accountnumber', 'ccnumber']);
const CVV_KEYS = new Set([
  'cvv',
  'cvv2',
  'cvc',
  'cvc2',
  'cid',
  'verificationvalue',
  'securitycode',
  'cardsecuritycode',
  'cardcode',
  'cardverificationvalue',
]);
const SECRET_KEYS = new Set([
  'appsecret',
  'clientsecret',
  'secret',
  'password',
  'passwd',
  'passphrase',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'authorization',
  'proxyauthorization',
  'subscriberkey',
  'xfcsignature',
  'xfcauthorization',
  'signature',
  'apikey',
  'xapikey',
  'secretkey',
  'privatekey',
  'tokenizationkey',
]);
/** Parent keys under which `number` is a card number. */
const CARD_PARENT = /card|payment/i;
const API_KEY_TYPES = new Set(['secret', 'public', 'tokenization']);
const DROPPED_HEADERS = new Set(['cookie', 'set-cookie']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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

// A run of 12–19 digits with at most one space or dash between digits, not glued to more digits on either side
// (so the all-digit GUIDs some clients use are left alone).
const PAN_RUN = /(?<!\d[ -]?)\d(?:[ -]?\d){11,18}(?![ -]?\d)/g;
const JWT = /\beyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g;
const JWT_WHOLE = /^[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}$/;
const BEARER = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const API_KEY_VALUE = /\b(?:sk|pk|tk|rk)_(?:test|live)_[A-Za-z0-9]{8,}/g;
const HAS_DIGITS = /\d{4}/;

// Bits of textRisk(): which rules of redactText could match a string, and whether JSON text must escape it.
const RISK_PAN = 1;
const RISK_JWT_WHOLE = 2;
const RISK_JWT = 4;
const RISK_AUTH = 8;
const RISK_KEY = 16;
const TEXT_RULES = RISK_PAN | RISK_JWT_WHOLE | RISK_JWT | RISK_AUTH | RISK_KEY;
/** A character JSON.stringify escapes (`"`, `\`, controls) or a surrogate: quote with JSON.stringify. */
const NEEDS_ESCAPE = 32;

/** RISK_PAN for a finished digit chain that PAN_RUN masks: 12–19 digits, Luhn-valid (`even`/`odd`: the digit sums
 * with the digits at even/odd positions from the left doubled; which one is Luhn's depends on the length). */
function panChain(length: number, even: number, odd: number): number {
  return length >= 12 && length <= 19 && (length & 1 ? odd : even) % 10 === 0 ? RISK_PAN : 0;
}

/**
 * One cheap pass over the characters telling which rules of redactText could apply (none: the text is kept as is,
 * no regex runs). Conservative: a bit may be set for text the rule then leaves alone, never the reverse.
 * - PAN: PAN_RUN matches exactly the maximal chains of 12–19 digits with at most one space or dash between two
 *   digits (its look-arounds reject a match inside a longer chain) and masks those that pass Luhn: the bit is set
 *   for such a chain, so the regex runs only when there is a card number to mask;
 * - whole JWT: two dots, ≥ 32 characters, nothing outside [A-Za-z0-9_.-]; embedded JWT: `eyJ`;
 * - credentials: `b`/`B` followed by `e`/`a` (bearer, basic); API keys: `_t`/`_l` (`_test_`, `_live_`).
 * Masking a PAN only removes matches of the later rules and adds no character to escape, so the bits stay valid
 * for the masked text.
 */
function textRisk(text: string): number {
  const n = text.length;
  let risk = 0;
  /** The current digit chain: its length and its two Luhn sums (see panChain). */
  let run = 0;
  let even = 0;
  let odd = 0;
  /** 2: the last character was a digit; 1: a separator right after a digit; 0: no chain under way. */
  let link = 0;
  let dots = 0;
  let jwtChars = n >= 32;
  for (let i = 0; i < n; i += 1) {
    const c = text.charCodeAt(i);
    if (c >= 97 && c <= 122) {
      // a–z, the most common case.
      if (run !== 0) {
        risk |= panChain(run, even, odd);
        run = even = odd = link = 0;
      }
      if (c === 98) {
        const next = text.charCodeAt(i + 1) | 32;
        if (next === 101 || next === 97) risk |= RISK_AUTH;
      }
      continue;
    }
    if (c >= 48 && c <= 57) {
      const d = c - 48;
      const doubled = d > 4 ? d * 2 - 9 : d * 2;
      if (run & 1) {
        even += d;
        odd += doubled;
      } else {
        even += doubled;
        odd += d;
      }
      run += 1;
      link = 2;
      continue;
    }
    if (c === 45 || c === 32) {
      if (link === 2) link = 1;
      else if (run !== 0) {
        risk |= panChain(run, even, odd);
        run = even = odd = link = 0;
      }
      if (c === 32) jwtChars = false;
      continue;
    }
    if (run !== 0) {
      risk |= panChain(run, even, odd);
      run = even = odd = link = 0;
    }
    if (c >= 65 && c <= 90) {
      if (c === 74) {
        if (i >= 2 && text.charCodeAt(i - 1) === 121 && text.charCodeAt(i - 2) === 101) risk |= RISK_JWT;
      } else if (c === 66) {
        const next = text.charCodeAt(i + 1) | 32;
        if (next === 101 || next === 97) risk |= RISK_AUTH;
      }
    } else if (c === 46) dots += 1;
    else if (c === 95) {
      const next = text.charCodeAt(i + 1);
      if (next === 116 || next === 108) risk |= RISK_KEY;
    } else {
      jwtChars = false;
      if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) risk |= NEEDS_ESCAPE;
    }
  }
  if (run !== 0) risk |= panChain(run, even, odd);
  if (jwtChars && dots === 2) risk |= RISK_JWT_WHOLE;
  return risk;
}

/** The rules of redactText, each run only when its textRisk bit is set (-1: all). */
function redactRisky(text: string, risk: number): string {
  try {
    let out = text;
    if (risk & RISK_PAN && HAS_DIGITS.test(out)) {
      out = out.replace(PAN_RUN, (run) => {
        const digits = run.replace(/[ -]/g, '');
        return luhnValid(digits) ? maskPan(digits) : run;
      });
    }
    if (risk & RISK_JWT_WHOLE && JWT_WHOLE.test(out)) return REDACTED_TOKEN;
    if (risk & RISK_JWT && out.includes('eyJ')) out = out.replace(JWT, REDACTED_TOKEN);
    if (risk & RISK_AUTH && /bearer|basic/i.test(out))
      out = out.replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`);
    if (risk & RISK_KEY && (out.includes('_test_') || out.includes('_live_')))
      out = out.replace(API_KEY_VALUE, REDACTED_KEY);
    return out;
  } catch {
    return REDACTED;
  }
}

/** Redact free text (a log line, a URL, one string value): PANs, JWTs, bearer credentials, API-key values. */
export function redactText(text: string): string {
  // Most strings (names, GUIDs, dates, codes) cannot match any rule: one scan, no regex.
  if (typeof text !== 'string') return redactRisky(text, -1);
  const risk = textRisk(text);
  return risk & TEXT_RULES ? redactRisky(text, risk) : text;
}

function redactNumber(value: number): number | string {
  if (!Number.isInteger(value) || value < 1e11) return value;
  const digits = String(value);
  if (digits.length < 12 || digits.length > 19 || !/^[2-6]/.test(digits)) return value;
  return luhnValid(digits) ? maskPan(digits) : value;
}

/** A card-number field: mask digits, keep a GUID-shaped vault token, replace anything else. */
function redactCardNumber(value: unknown): unknown {
  if (value === null || value === undefined || value === '') return value;
  if (typeof value === 'string' && UUID.test(value.trim())) return value;
  const text = String(value);
  if (/^[\d\s-]+$/.test(text)) return maskPan(text.replace(/\D/g, ''));
  return REDACTED;
}

function replaced(value: unknown): unknown {
  return value === null || value === undefined || value === '' ? value : REDACTED;
}

function isApiKeyObject(obj: Record<string, unknown>, parentKey: string | null): boolean {
  if (parentKey !== null && /api.?keys?$/i.test(parentKey)) return true;
  if ('scopes' in obj) return true;
  return typeof obj.type === 'string' && API_KEY_TYPES.has(obj.type.toLowerCase());
}

// ---------------------------------------------------------------------------------------------------------------
// Keys: the rule a key triggers, computed once per distinct key (cached) instead of once per value.
// ---------------------------------------------------------------------------------------------------------------

const RULE_NONE = 0;
const RULE_CARD = 1;
const RULE_REPLACE = 2;
/** `number`: a card number inside a card/payment container, an ordinary key elsewhere. */
const RULE_NUMBER = 3;

interface KeyInfo {
  /** Normal form (see norm()), for the caller's extra keys. */
  norm: string;
  rule: number;
  /** The key as written to the copy (card numbers etc. inside a key redacted). */
  safe: string;
  /** `safe` differs from the key. */
  renamed: boolean;
  /** `"safe":` and `,"safe":`, filled by the JSON writer. */
  json?: string;
  nextJson?: string;
}

/**
 * The rule of each distinct key. Only keys kept verbatim in any output are cached (never one that needed redaction),
 * so the cache holds nothing the journal does not; bounded by clearing it when full.
 */
const KEY_CACHE = new Map<string, KeyInfo>();
const KEY_CACHE_SIZE = 4096;
const KEY_CACHE_LENGTH = 64;

function keyInfo(key: string): KeyInfo {
  const cached = KEY_CACHE.get(key);
  if (cached !== undefined) return cached;
  const k = norm(key);
  const rule = CARD_NUMBER_KEYS.has(k)
    ? RULE_CARD
    : k === 'number'
      ? RULE_NUMBER
      : CVV_KEYS.has(k) || SECRET_KEYS.has(k)
        ? RULE_REPLACE
        : RULE_NONE;
  const safe = HAS_DIGITS.test(key) ? redactText(key) : key;
  const info: KeyInfo = { norm: k, rule, safe, renamed: safe !== key };
  if (!info.renamed && key.length <= KEY_CACHE_LENGTH) {
    if (KEY_CACHE.size >= KEY_CACHE_SIZE) KEY_CACHE.clear();
    KEY_CACHE.set(key, info);
  }
  return info;
}

// ---------------------------------------------------------------------------------------------------------------
// The walk: one traversal (rules, budget, depth, cycles, exotic values) feeding a sink that either builds the
// redacted copy (redact) or writes it as JSON text (redactJson), so the two outputs cannot drift apart.
// ---------------------------------------------------------------------------------------------------------------

const OBJECT = 0;
const ARRAY = 1;
/** An object built from a Map (its keys are in Map order, not object order). */
const MAP_OBJECT = 2;

interface Sink {
  /** A final (already redacted) primitive other than a string: number, boolean, null or undefined. */
  leaf(value: unknown): void;
  /** A redacted string; `plain`: it has no character JSON text escapes. */
  string(value: string, plain: boolean): void;
  open(kind: number, size: number): void;
  /** The next property's key (objects only; array items have none). */
  key(info: KeyInfo): void;
  /** A missing array item (a sparse array). */
  hole(): void;
  close(): void;
}

const NO_KEYS: ReadonlySet<string> = new Set();
const NO_OPTIONS: RedactOptions = Object.freeze({});

/** One traversal with its budget; reusable (see redactJson) once a walk has ended. */
class Walker {
  #sink: Sink;
  #extra: ReadonlySet<string> = NO_KEYS;
  #maxDepth = 32;
  #budget = 20_000;
  /** The objects being walked, outermost first (a stack: depth is at most maxDepth). */
  readonly #ancestors: object[] = [];
  busy = false;

  constructor(sink: Sink) {
    this.#sink = sink;
  }

  reset(options: RedactOptions): this {
    this.#extra = options.keys === undefined ? NO_KEYS : new Set([...options.keys].map(norm));
    this.#maxDepth = options.maxDepth ?? 32;
    this.#budget = options.maxNodes ?? 20_000;
    this.#ancestors.length = 0;
    return this;
  }

  value(
    value: unknown,
    key: string | null,
    info: KeyInfo | null,
    parentKey: string | null,
    depth: number,
  ): void {
    const sink = this.#sink;
    this.#budget -= 1;
    if (this.#budget < 0) {
      sink.string('[truncated]', true);
      return;
    }
    if (info !== null) {
      const rule = info.rule;
      if (rule === RULE_CARD || (rule === RULE_NUMBER && parentKey !== null && CARD_PARENT.test(parentKey))) {
        this.#primitive(redactCardNumber(value));
        return;
      }
      if (rule === RULE_REPLACE || (this.#extra.size > 0 && this.#extra.has(info.norm))) {
        this.#primitive(replaced(value));
        return;
      }
    }
    switch (typeof value) {
      case 'string': {
        const risk = textRisk(value);
        sink.string(risk & TEXT_RULES ? redactRisky(value, risk) : value, (risk & NEEDS_ESCAPE) === 0);
        return;
      }
      case 'number':
        this.#primitive(redactNumber(value));
        return;
      case 'bigint':
        this.#primitive(redactText(value.toString()));
        return;
      case 'boolean':
      case 'undefined':
        sink.leaf(value);
        return;
      case 'function':
      case 'symbol':
        sink.leaf(undefined);
        return;
    }
    if (value === null) {
      sink.leaf(null);
      return;
    }
    // Items of an array take the array's key as their container name (so `cards: [{ number }]` is a card).
    this.#object(value as object, key ?? parentKey, depth);
  }

  /** A value some rule produced (a primitive; strings may hold anything, so they are escaped). */
  #primitive(value: unknown): void {
    if (typeof value === 'string') this.#sink.string(value, false);
    else this.#sink.leaf(value);
  }

  #object(value: object, key: string | null, depth: number): void {
    const sink = this.#sink;
    const ancestors = this.#ancestors;
    if (depth >= this.#maxDepth) {
      sink.string('[depth-limit]', true);
      return;
    }
    if (ancestors.includes(value)) {
      sink.string('[circular]', true);
      return;
    }
    // Parsed JSON is plain objects and arrays: skip the checks for exotic values (none can have these prototypes).
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype && !ArrayBuffer.isView(value) && !Array.isArray(value)) {
      this.#entries(value as Record<string, unknown>, key, depth);
      return;
    }
    if (value instanceof Date) {
      this.#primitive(Number.isNaN(value.getTime()) ? null : value.toISOString());
      return;
    }
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) {
      sink.string(`[binary ${value.byteLength} bytes]`, true);
      return;
    }
    if (value instanceof Error) {
      this.#primitive(redactText(`${value.name}: ${value.message}`));
      return;
    }
    const array = Array.isArray(value);
    if (!array && !(value instanceof Map) && !(value instanceof Set)) {
      this.#entries(value as Record<string, unknown>, key, depth);
      return;
    }
    ancestors.push(value);
    try {
      const next = depth + 1;
      if (array) {
        const items = value as unknown[];
        const length = items.length;
        sink.open(ARRAY, length);
        for (let i = 0; i < length; i += 1) {
          if (i in items) this.value(items[i], null, null, key, next);
          else sink.hole();
        }
      } else if (value instanceof Map) {
        sink.open(MAP_OBJECT, value.size);
        for (const [k, v] of value) {
          const name = String(k);
          const safe = redactText(name);
          sink.key({ norm: '', rule: RULE_NONE, safe, renamed: safe !== name });
          this.value(v, name, keyInfo(name), key, next);
        }
      } else {
        const set = value as Set<unknown>;
        sink.open(ARRAY, set.size);
        for (const item of set) this.value(item, null, null, key, next);
      }
      sink.close();
    } finally {
      ancestors.pop();
    }
  }

  /** An object's own enumerable properties (for any object that is not one of the types above). */
  #entries(obj: Record<string, unknown>, key: string | null, depth: number): void {
    const sink = this.#sink;
    this.#ancestors.push(obj);
    try {
      const next = depth + 1;
      const apiKey = 'value' in obj && isApiKeyObject(obj, key);
      const keys = Object.keys(obj);
      sink.open(OBJECT, keys.length);
      for (let i = 0; i < keys.length; i += 1) {
        const k = keys[i] as string;
        let v: unknown;
        try {
          v = obj[k];
        } catch {
          v = '[unreadable]';
        }
        const info = keyInfo(k);
        sink.key(info);
        if (apiKey && k === 'value') this.#primitive(replaced(v));
        else this.value(v, k, info, key, next);
      }
      sink.close();
    } finally {
      this.#ancestors.pop();
    }
  }
}

interface CopyFrame {
  target: Record<string, unknown> | unknown[];
  array: boolean;
  index: number;
  key: string;
}

/** Builds the redacted deep copy. */
class CopySink implements Sink {
  result: unknown = undefined;
  readonly #frames: CopyFrame[] = [];

  leaf(value: unknown): void {
    const frame = this.#frames[this.#frames.length - 1];
    if (frame === undefined) this.result = value;
    else if (frame.array) {
      (frame.target as unknown[])[frame.index] = value;
      frame.index += 1;
    } else (frame.target as Record<string, unknown>)[frame.key] = value;
  }

  string(value: string): void {
    this.leaf(value);
  }

  open(kind: number, size: number): void {
    const array = kind === ARRAY;
    const target = array ? new Array<unknown>(size) : {};
    this.leaf(target);
    this.#frames.push({ target, array, index: 0, key: '' });
  }

  key(info: KeyInfo): void {
    (this.#frames[this.#frames.length - 1] as CopyFrame).key = info.safe;
  }

  hole(): void {
    (this.#frames[this.#frames.length - 1] as CopyFrame).index += 1;
  }

  close(): void {
    this.#frames.pop();
  }
}

/** Thrown by JsonSink for what JSON text cannot mirror cheaply; redactJson then serialises the copy instead. */
const FALLBACK = new Error('redactJson: fall back to the copy');

/**
 * Writes the text JSON.stringify would make of the copy. Leaves that JSON omits (undefined) are skipped in objects
 * and written as null in arrays. Where the copy's own key order or assignment rules would matter (keys renamed by
 * redaction, which may collide; `__proto__`; objects built from a Map), it throws FALLBACK.
 */
class JsonSink implements Sink {
  #out = '';
  /** False: the whole value is one that JSON omits (JSON.stringify gives undefined). */
  #any = false;
  #depth = 0;
  /** Per open container: is it an array, and how many items were written (reused between walks). */
  readonly #arrays: boolean[] = [];
  readonly #counts: number[] = [];
  #key: KeyInfo | null = null;

  reset(): this {
    this.#out = '';
    this.#any = false;
    this.#depth = 0;
    this.#key = null;
    return this;
  }

  /** The separator and key before the next item of the current container. */
  #prefix(): string {
    const d = this.#depth - 1;
    const count = this.#counts[d] as number;
    this.#counts[d] = count + 1;
    if (this.#arrays[d]) return count === 0 ? '' : ',';
    const info = this.#key as KeyInfo;
    if (info.json === undefined) {
      info.json = `${JSON.stringify(info.safe)}:`;
      info.nextJson = `,${info.json}`;
    }
    return count === 0 ? info.json : (info.nextJson as string);
  }

  #write(json: string): void {
    if (this.#depth === 0) {
      this.#out = json;
      this.#any = true;
    } else this.#out += this.#prefix() + json;
  }

  leaf(value: unknown): void {
    if (value === undefined) {
      if (this.#depth > 0 && this.#arrays[this.#depth - 1]) this.#write('null');
      return;
    }
    // Numbers, booleans and null: what JSON.stringify writes for them (non-finite numbers become null).
    this.#write(
      typeof value === 'number' ? (Number.isFinite(value) ? String(value) : 'null') : String(value),
    );
  }

  string(value: string, plain: boolean): void {
    this.#write(plain ? `"${value}"` : JSON.stringify(value));
  }

  open(kind: number): void {
    if (kind === MAP_OBJECT) throw FALLBACK;
    const array = kind === ARRAY;
    const bracket = array ? '[' : '{';
    if (this.#depth > 0) this.#out += this.#prefix() + bracket;
    else {
      this.#out = bracket;
      this.#any = true;
    }
    this.#arrays[this.#depth] = array;
    this.#counts[this.#depth] = 0;
    this.#depth += 1;
  }

  key(info: KeyInfo): void {
    if (info.renamed || info.safe === '__proto__') throw FALLBACK;
    this.#key = info;
  }

  hole(): void {
    this.#out += `${this.#prefix()}null`;
  }

  close(): void {
    this.#depth -= 1;
    this.#out += this.#arrays[this.#depth] ? ']' : '}';
  }

  text(): string | undefined {
    if (!this.#any) return undefined;
    const out = this.#out;
    // `+=` builds a rope of every piece; reading a character flattens it into one string, so what the caller keeps
    // (the journal holds thousands of bodies) is that string, not hundreds of small pieces (3× the memory, and GC).
    out.charCodeAt(0);
    return out;
  }
}

/** A walker writing JSON, reused by successive redactJson calls (a fresh one when a walk is under way). */
let jsonWalker: { walker: Walker; sink: JsonSink } | null = null;

/**
 * A redacted deep copy of `value` (JSON-like: Maps become objects, Sets arrays, Dates ISO strings, binary data a
 * size marker, functions dropped). Never throws: anything it cannot read becomes a placeholder.
 */
export function redact<T = unknown>(value: T, options: RedactOptions = NO_OPTIONS): unknown {
  try {
    const sink = new CopySink();
    new Walker(sink).reset(options).value(value, null, null, null, 0);
    return sink.result;
  } catch {
    return REDACTED;
  }
}

/**
 * `JSON.stringify(redact(value, options))` in one pass, without building the copy: the same walk and rules, the
 * same text. Rare shapes (keys that themselves needed redaction, `__proto__` keys, Maps, anything that throws) take
 * the copy path.
 */
export function redactJson(value: unknown, options: RedactOptions = NO_OPTIONS): string | undefined {
  // A getter may call redactJson again mid-walk: the shared walker is then busy and that call gets its own.
  let pair = jsonWalker;
  if (pair === null || pair.walker.busy) {
    const sink = new JsonSink();
    pair = { walker: new Walker(sink), sink };
    if (jsonWalker === null) jsonWalker = pair;
  }
  const { walker, sink } = pair;
  walker.busy = true;
  try {
    walker.reset(options).value(value, null, null, null, 0);
    return sink.text();
  } catch {
    return JSON.stringify(redact(value, options));
  } finally {
    sink.reset();
    walker.busy = false;
  }
}

const HEADER_DROP = 0;
const HEADER_AUTH = 1;
const HEADER_SECRET = 2;
const HEADER_TEXT = 3;

interface HeaderInfo {
  name: string;
  action: number;
}

/** Header name → what to do with its value, computed once per distinct name (names are kept verbatim anyway). */
const HEADER_CACHE = new Map<string, HeaderInfo>();
const HEADER_CACHE_SIZE = 512;

function headerInfo(rawName: string): HeaderInfo {
  const cached = HEADER_CACHE.get(rawName);
  if (cached !== undefined) return cached;
  const name = rawName.toLowerCase();
  let action = HEADER_TEXT;
  if (DROPPED_HEADERS.has(name)) action = HEADER_DROP;
  else if (name.endsWith('authorization')) action = HEADER_AUTH;
  else {
    const k = norm(name);
    if (SECRET_KEYS.has(k) || CVV_KEYS.has(k) || CARD_NUMBER_KEYS.has(k)) action = HEADER_SECRET;
  }
  const info: HeaderInfo = { name, action };
  if (rawName.length <= KEY_CACHE_LENGTH) {
    if (HEADER_CACHE.size >= HEADER_CACHE_SIZE) HEADER_CACHE.clear();
    HEADER_CACHE.set(rawName, info);
  }
  return info;
}

const AUTH_SCHEME = /^\s*([A-Za-z][\w-]*)\s+\S/;

/**
 * Redacted headers as a flat `name → value` map (names lower-cased): Authorization keeps only its scheme
 * (`Bearer [redacted]`), cookies are dropped, other secret headers replaced, the rest passed through redactText.
 */
export function redactHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === null || typeof headers !== 'object') return out;
  try {
    // Each value read by its own name (no Object.entries pair arrays): a name can never get another's value.
    const record = headers as Record<string, unknown>;
    const names = Object.keys(record);
    for (let i = 0; i < names.length; i += 1) {
      const rawName = names[i] as string;
      const rawValue = record[rawName];
      if (rawValue === undefined || rawValue === null) continue;
      const { name, action } = headerInfo(rawName);
      if (action === HEADER_DROP) continue;
      const value =
        typeof rawValue === 'string'
          ? rawValue
          : Array.isArray(rawValue)
            ? rawValue.map(String).join(', ')
            : String(rawValue);
      if (action === HEADER_AUTH) {
        const scheme = AUTH_SCHEME.exec(value)?.[1];
        out[name] = scheme ? `${scheme} ${REDACTED}` : REDACTED;
      } else out[name] = action === HEADER_SECRET ? REDACTED : redactText(value);
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
      if (SECRET_KEYS.has(k) || CVV_KEYS.has(k) || CARD_NUMBER_KEYS.has(k) || extra.has(k) || k === 'token')
        parsed.searchParams.set(name, REDACTED);
    }
    return redactText(parsed.toString());
  } catch {
    return redactText(String(url));
  }
}

/** A logger wrapper that passes every line through redactText (card numbers, JWTs, bearer credentials). */
export function redactingLogger<
  L extends { info(m: string): void; warn(m: string): void; error(m: string): void },
>(logger: L): L {
  return {
    ...logger,
    info: (m: string) => logger.info(redactText(String(m))),
    warn: (m: string) => logger.warn(redactText(String(m))),
    error: (m: string) => logger.error(redactText(String(m))),
  };
}
