// Request fingerprints for idempotency: two bodies get the same fingerprint when they are the same JSON value, whatever
// the order of their object keys. It answers one question (is a request that reuses an idempotency key the same
// request?), so the body is written as JSON with every object's keys sorted and hashed; a hand-written order-free
// hash was measured several times cheaper per body but no faster end to end (bench/RESULTS.md).

import { createHash } from 'node:crypto';

/** JSON text with object keys sorted at every depth; undefined is written as null, numbers as String() writes them. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${Array.from(value, (item) => canonical(item)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const members = Object.keys(object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(object[key])}`);
    return `{${members.join(',')}}`;
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // Not a JSON value (a body parsed from JSON has none): tagged so it never meets the string of the same text.
  return `~${JSON.stringify(String(value))}`;
}

/** 16 hex digits; equal for equal JSON values (object key order aside), different otherwise but for a 2⁻⁶⁴ chance. */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex').slice(0, 16);
}
