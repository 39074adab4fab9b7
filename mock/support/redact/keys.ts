// Key rules: what a field or header name says about its value. A new sensitive field name is one row of KEY_RULES.

import { luhnValid, maskPan, UUID } from './cards.js';
import { norm, REDACTED } from './markers.js';
import { onSecretRegistered, redactText } from './text.js';

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
export function redactCardNumber(value: unknown): unknown {
  if (value === null || value === undefined || value === '') return value;
  if (typeof value === 'string' && UUID.test(value.trim())) return value;
  const text = String(value);
  if (/^[\d\s-]+$/.test(text)) return maskPan(text.replace(/\D/g, ''));
  return REDACTED;
}

/** null, '' and booleans stay visible (so "nothing was sent" and flags can still be read). */
export function replaced(value: unknown): unknown {
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
      'sessiontoken',
      'authtoken',
      'bearertoken',
      'csrftoken',
      'xsrftoken',
    ],
    contains: ['secret', 'password', 'passwd', 'apikey'],
    replace: replaced,
  },
  {
    name: 'token',
    card: false,
    keys: ['token'],
    replace: redactToken,
  },
];

/**
 * A field called just `token`: FlexFactor's `paymentMethod.token` flag (a boolean) and a vault token (a GUID) stay
 * readable, as a card-number field's vault token does; any other value may be a bearer or session token.
 */
export function redactToken(value: unknown): unknown {
  if (typeof value === 'string' && UUID.test(value.trim())) return value;
  return replaced(value);
}

/** Parent keys under which `number` is a card number. */
export const CARD_PARENT = /card|payment/i;
const API_KEY_TYPES = new Set(['secret', 'public', 'tokenization']);

export function isApiKeyObject(obj: Record<string, unknown>, parentKey: string | null): boolean {
  if (parentKey !== null && /api.?keys?$/i.test(parentKey)) return true;
  if ('scopes' in obj) return true;
  return typeof obj.type === 'string' && API_KEY_TYPES.has(obj.type.toLowerCase());
}

export interface KeyInfo {
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
// A key cached as kept verbatim may be a secret registered since.
onSecretRegistered(() => KEY_CACHE.clear());

export function ruleFor(k: string): KeyRule | null {
  // `x-cvv`, `x-api-key`: custom headers keep their meaning without the x- prefix.
  const bare = k.startsWith('x') ? k.slice(1) : k;
  for (const rule of KEY_RULES) {
    if (rule.keys.includes(k) || rule.keys.includes(bare)) return rule;
    if (rule.contains?.some((part) => k.includes(part))) return rule;
  }
  return null;
}

/** The rule of each distinct key, cached (only keys kept verbatim are cached, so the cache holds no card data). */
export function keyInfo(key: string): KeyInfo {
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

/**
 * A card-like number → masked string. What is checked is the integer part of the absolute value, so a card number
 * written as a JSON float (`4111111111111111.5`), a negative one or in exponent form is found like an integer. Up to
 * 2^53 (every 13–16 digit number that starts like a card) that integer holds the number's digits exactly: it is a
 * card number when it has 13–19 digits, starts with 2–6 (so millisecond timestamps stay) and is Luhn-valid. A 17–19
 * digit number above 2^53 has lost its last digits to JSON.parse, so its Luhn sum says nothing: one that starts with
 * 2–6 is masked whatever its sum (nanosecond timestamps and snowflake ids start with 1 and stay).
 */
export function redactNumber(value: number): number | string {
  const whole = Math.trunc(Math.abs(value));
  // Also false for NaN; Infinity and anything of 20 digits or more is no card number.
  if (!(whole >= 1e12 && whole < 1e19)) return value;
  const digits = String(whole);
  const first = digits.charCodeAt(0);
  if (first < 50 || first > 54) return value;
  return whole > Number.MAX_SAFE_INTEGER || luhnValid(digits) ? maskPan(digits) : value;
}
