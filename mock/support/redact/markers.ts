// The markers redaction leaves in place of what it removed, and the normal form of a key name.

export const REDACTED = '[redacted]';
export const REDACTED_TOKEN = '[redacted-token]';
export const REDACTED_KEY = '[redacted-key]';
export const REDACTED_TRACK = '[redacted-track]';

/** Normal form of a key: lower case without `-`, `_`, spaces and dots (`verification_value` = `verificationValue`). */
export function norm(key: string): string {
  return key.toLowerCase().replace(/[-_ .]/g, '');
}
