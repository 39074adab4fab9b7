// Request fingerprints for idempotency: two bodies get the same fingerprint when they are the same JSON value, whatever
// the order of their object keys. It answers one question (is a request that reuses an idempotency key the same
// request?), so the body is written as JSON with every object's keys sorted and hashed; a hand-written order-free
// hash was measured several times cheaper per body but no faster end to end (bench/RESULTS.md).

import { hash } from 'node:crypto';

/** JSON text with object keys sorted at every depth; undefined is written as null, numbers as String() writes them. */
function canonical(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'object') {
    // Not a JSON value (a body parsed from JSON has none): tagged so it never meets the string of the same text.
    return `~${JSON.stringify(String(value))}`;
  }
  // One string grown in place (no array of member texts per object), and keys sorted only when they are not already:
  // this runs on every request that carries an idempotency key.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i += 1) out += (i === 0 ? '' : ',') + canonical(value[i]);
    return `${out}]`;
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  for (let i = 1; i < keys.length; i += 1) {
    if ((keys[i - 1] as string) > (keys[i] as string)) {
      keys.sort();
      break;
    }
  }
  let out = '{';
  for (let i = 0; i < keys.length; i += 1) {
    const key = keys[i] as string;
    out += `${i === 0 ? '' : ','}${JSON.stringify(key)}:${canonical(object[key])}`;
  }
  return `${out}}`;
}

/** 16 hex digits; equal for equal JSON values (object key order aside), different otherwise but for a 2⁻⁶⁴ chance. */
export function fingerprint(value: unknown): string {
  return hash('sha256', canonical(value), 'hex').slice(0, 16);
}
