// Redaction: the one function that removes card data, secrets and tokens from anything the mock keeps or prints
// (the journal, HAR exports, log lines). It deep-copies; the input is never modified. It never throws.
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

/** Redact free text (a log line, a URL, one string value): PANs, JWTs, bearer credentials, API-key values. */
export function redactText(text: string): string {
  try {
    let out = text;
    if (HAS_DIGITS.test(out)) {
      out = out.replace(PAN_RUN, (run) => {
        const digits = run.replace(/[ -]/g, '');
        return luhnValid(digits) ? maskPan(digits) : run;
      });
    }
    if (JWT_WHOLE.test(out)) return REDACTED_TOKEN;
    if (out.includes('eyJ')) out = out.replace(JWT, REDACTED_TOKEN);
    if (/bearer|basic/i.test(out)) out = out.replace(BEARER, (_m, scheme: string) => `${scheme} ${REDACTED}`);
    if (out.includes('_test_') || out.includes('_live_')) out = out.replace(API_KEY_VALUE, REDACTED_KEY);
    return out;
  } catch {
    return REDACTED;
  }
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

class Walker {
  readonly #extra: Set<string>;
  readonly #maxDepth: number;
  #budget: number;
  readonly #ancestors = new Set<object>();

  constructor(options: RedactOptions) {
    this.#extra = new Set([...(options.keys ?? [])].map(norm));
    this.#maxDepth = options.maxDepth ?? 32;
    this.#budget = options.maxNodes ?? 20_000;
  }

  value(value: unknown, key: string | null, parentKey: string | null, depth: number): unknown {
    this.#budget -= 1;
    if (this.#budget < 0) return '[truncated]';
    if (key !== null) {
      const k = norm(key);
      if (CARD_NUMBER_KEYS.has(k) || (k === 'number' && parentKey !== null && CARD_PARENT.test(parentKey)))
        return redactCardNumber(value);
      if (CVV_KEYS.has(k) || SECRET_KEYS.has(k) || this.#extra.has(k)) return replaced(value);
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
    return this.object(value as object, key ?? parentKey, depth);
  }

  object(value: object, key: string | null, depth: number): unknown {
    if (depth >= this.#maxDepth) return '[depth-limit]';
    if (this.#ancestors.has(value)) return '[circular]';
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer)
      return `[binary ${value.byteLength} bytes]`;
    if (value instanceof Error) return redactText(`${value.name}: ${value.message}`);
    this.#ancestors.add(value);
    try {
      if (Array.isArray(value)) return value.map((item) => this.value(item, null, key, depth + 1));
      if (value instanceof Map) {
        const out: Record<string, unknown> = {};
        for (const [k, v] of value) out[redactText(String(k))] = this.value(v, String(k), key, depth + 1);
        return out;
      }
      if (value instanceof Set) return [...value].map((item) => this.value(item, null, key, depth + 1));
      const obj = value as Record<string, unknown>;
      const apiKey = 'value' in obj && isApiKeyObject(obj, key);
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(obj)) {
        let v: unknown;
        try {
          v = obj[k];
        } catch {
          v = '[unreadable]';
        }
        const safeKey = HAS_DIGITS.test(k) ? redactText(k) : k;
        out[safeKey] = apiKey && k === 'value' ? replaced(v) : this.value(v, k, key, depth + 1);
      }
      return out;
    } finally {
      this.#ancestors.delete(value);
    }
  }
}

/**
 * A redacted deep copy of `value` (JSON-like: Maps become objects, Sets arrays, Dates ISO strings, binary data a
 * size marker, functions dropped). Never throws: anything it cannot read becomes a placeholder.
 */
export function redact<T = unknown>(value: T, options: RedactOptions = {}): unknown {
  try {
    return new Walker(options).value(value, null, null, 0);
  } catch {
    return REDACTED;
  }
}

/**
 * Redacted headers as a flat `name → value` map (names lower-cased): Authorization keeps only its scheme
 * (`Bearer [redacted]`), cookies are dropped, other secret headers replaced, the rest passed through redactText.
 */
export function redactHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === null || typeof headers !== 'object') return out;
  try {
    for (const [rawName, rawValue] of Object.entries(headers as Record<string, unknown>)) {
      if (rawValue === undefined || rawValue === null) continue;
      const name = rawName.toLowerCase();
      if (DROPPED_HEADERS.has(name)) continue;
      const value = Array.isArray(rawValue) ? rawValue.map(String).join(', ') : String(rawValue);
      if (name.endsWith('authorization')) {
        const scheme = /^\s*([A-Za-z][\w-]*)\s+\S/.exec(value)?.[1];
        out[name] = scheme ? `${scheme} ${REDACTED}` : REDACTED;
        continue;
      }
      const k = norm(name);
      if (SECRET_KEYS.has(k) || CVV_KEYS.has(k) || CARD_NUMBER_KEYS.has(k)) {
        out[name] = REDACTED;
        continue;
      }
      out[name] = redactText(value);
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
