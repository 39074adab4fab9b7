// The markers redaction leaves in place of what it removed, and the normal form of a key name.

export const REDACTED = '[redacted]';
export const REDACTED_TOKEN = '[redacted-token]';
export const REDACTED_KEY = '[redacted-key]';
export const REDACTED_TRACK = '[redacted-track]';

/** Any character outside ASCII: text without one (nearly all) skips the Unicode-aware work. */
export const NON_ASCII = /[\u0080-\uffff]/;
/**
 * Characters that show nothing (or nothing of their own) yet split a pattern or a name: format characters (Cf:
 * U+200B, U+00AD, U+FEFF, bidi marks…) and combining marks (Mn, Me). A global pattern: reset lastIndex, or replace.
 */
export const INVISIBLE = /[\p{Cf}\p{Mn}\p{Me}]/gu;

/**
 * Normal form of a key: lower case without `-`, `_`, spaces and dots (`verification_value` = `verificationValue`). A
 * key with a non-ASCII character is NFKC-normalised first (full-width `ｃｖｖ` is `cvv`), its invisible characters
 * dropped; ASCII keys skip that.
 */
export function norm(key: string): string {
  const plain = NON_ASCII.test(key) ? key.normalize('NFKC').replace(INVISIBLE, '') : key;
  return plain.toLowerCase().replace(/[-_ .]/g, '');
}
