// Card numbers: Luhn-valid 13–19 digit windows inside any chain of digits (one separator allowed between two: a space,
// a tab, a no-break or thin space, a dash or an underscore — what people and word processors put between a card's
// groups; in text that is not plain printable ASCII, the Unicode spaces, dashes, connectors and dot-like marks too).
// Invisible characters (format and control characters, combining marks, blank letters) are dropped before the rules
// run again: see text.ts.

import { REDACTED } from './markers.js';

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

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const DIGIT_CHAIN = /\d(?:[ \t\u00a0\u2007\u2009\u202f_-]?\d){12,}/g;
export const HAS_CHAIN = /\d(?:[ \t\u00a0\u2007\u2009\u202f_-]?\d){12}/;
/**
 * DIGIT_CHAIN for text that is not pure ASCII: one tab, space separator (Zs: U+3000, U+2002…), dash (Pd: U+2013,
 * U+2010…), connector (Pc: `_`, U+FF3F…) or dot-like mark people and keyboards put between groups (the minus sign,
 * middle dots, the Arabic tatweel, the half-width voiced mark) between two digits. A superset of DIGIT_CHAIN's
 * separators, so in such text this rule finds every chain.
 */
export const UNICODE_DIGIT_CHAIN =
  /\d(?:[\t\p{Zs}\p{Pd}\p{Pc}\u2212\u00b7\u2027\u2219\u30fb\uff65\u0640\uff9e]?\d){12,}/gu;
export const HAS_UNICODE_CHAIN =
  /\d(?:[\t\p{Zs}\p{Pd}\p{Pc}\u2212\u00b7\u2027\u2219\u30fb\uff65\u0640\uff9e]?\d){12}/u;
/** Anything but an ASCII digit: what a chain's separators are. */
const NOT_DIGIT = /\D/g;
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
 * A run that starts with 1 and is not 15 digits long is not itself a card number: the only card numbers starting with
 * 1 are UATP's, of 15 digits; every other network starts with 2 to 6 (13-digit numbers are Visa's old ones, with a
 * 4). So a millisecond timestamp (13 digits, starting with 1 until the year 2286) is never masked or refused whatever
 * its Luhn sum. A longer run still has its windows checked: `1` + a card number is a card number.
 */
function isNoIssuerRun(digits: string): boolean {
  return digits.charCodeAt(0) === 49 && digits.length !== 15;
}

/**
 * Mask every card number in a chain of digits: the whole chain when it is one (13–19 digits, Luhn-valid, not a run
 * no issuer's numbers look like: isNoIssuerRun), else any Luhn-valid 13–19 digit window that starts like a card (2–6:
 * Mastercard 2-series to Discover), leftmost first. Prefix sums make each window's Luhn sum O(1), so a megabyte of
 * digits stays linear.
 */
export function maskChain(chain: string, offset: number, text: string): string {
  if (insideId(text, offset, offset + chain.length)) return chain;
  const digits = chain.replace(NOT_DIGIT, '');
  const n = digits.length;
  // A whole chain may start with any digit; one that touches a mask is the rest of a chain already handled.
  const touchesMask = text.charAt(offset - 1) === '*' || text.charAt(offset + chain.length) === '*';
  if (n <= 19 && !touchesMask && !isNoIssuerRun(digits) && luhnValid(digits)) return maskPan(digits);
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
    const code = c.charCodeAt(0);
    if (code < 48 || code > 57) out += c;
    else out += hidden[d++] === 1 ? '*' : c;
  }
  return out;
}
