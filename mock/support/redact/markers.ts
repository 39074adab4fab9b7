// The markers redaction leaves in place of what it removed, and the normal form of a key name.

export const REDACTED = '[redacted]';
export const REDACTED_TOKEN = '[redacted-token]';
export const REDACTED_KEY = '[redacted-key]';
export const REDACTED_TRACK = '[redacted-track]';

/**
 * Any character but printable ASCII and the tab: text without one (nearly all) skips the Unicode-aware work. Control
 * characters count, since they show nothing either (NUL, DEL, ESC, line breaks).
 */
export const UNUSUAL = /[^\t\x20-\x7e]/;
/**
 * Characters that show nothing (or nothing of their own) yet split a pattern or a name: format characters (Cf:
 * U+200B, U+00AD, U+FEFF, bidi marks…), combining marks (Mn, Me), control characters (Cc, line breaks included),
 * line and paragraph separators, lone surrogate halves, the blank letters (Hangul fillers, the Braille blank) and the
 * replacement characters. A global pattern: reset lastIndex, or replace.
 */
export const INVISIBLE =
  /[\p{Cf}\p{Mn}\p{Me}\p{Cc}\p{Cs}\p{Zl}\p{Zp}\u115f\u1160\u3164\uffa0\u2800\ufffc\ufffd]/gu;

/**
 * Normal form of a key: lower case without `-`, `_`, spaces and dots (`verification_value` = `verificationValue`). A
 * key with a non-ASCII character is NFKC-normalised first (full-width `ｃｖｖ` is `cvv`), its invisible characters
 * dropped; ASCII keys skip that.
 */
export function norm(key: string): string {
  const plain = UNUSUAL.test(key) ? key.normalize('NFKC').replace(INVISIBLE, '') : key;
  return plain.toLowerCase().replace(/[-_ .]/g, '');
}
