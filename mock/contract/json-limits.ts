// Limits of the real API's JSON reader that JSON.parse does not apply: nesting depth, numbers beyond a double, and
// (invented) the number of values in one body.

import { type FieldErrors, fieldName, lastName, MAX_FIELD_ERRORS } from './field-messages.js';

/** System.Text.Json's default MaxDepth, which the real API's JSON reader enforces. */
export const JSON_MAX_DEPTH = 64;

/**
 * Limits of the real API's JSON reader that JSON.parse does not apply, checked right after parsing and before anything
 * walks the body recursively (key binding, idempotency fingerprints, the journal): nesting deeper than JSON_MAX_DEPTH
 * (a deep enough array would overflow the stack of any recursive walk) and numbers too large for a double,
 * which JSON.parse turns into ±Infinity (`1e400`; System.Text.Json rejects them). Iterative on purpose. Returns the
 * field errors (ModelState shape), or null when the body is within the limits.
 */
export function jsonLimitErrors(body: unknown): FieldErrors | null {
  // Nearly every body is within the limits: prove that with an allocation-free walk (its recursion stops at the depth
  // limit, so it cannot overflow) and build field names only when something is wrong.
  valuesLeft = JSON_MAX_VALUES;
  if (withinJsonLimits(body, 0)) return null;
  if (valuesLeft < 0) {
    return {
      $: [
        `The body has more than ${JSON_MAX_VALUES} values (fields, items, objects and arrays together); FlexFactor requests have a few dozen.`,
      ],
    };
  }
  return jsonLimitReport(body);
}

/**
 * Values a body may hold. Every later stage (schema validation, redaction for the journal, idempotency fingerprints)
 * walks the whole body, so a 1 MiB body of tens of thousands of keys would hold the event loop for a long time; real
 * requests have a few dozen values. An invented limit.
 */
export const JSON_MAX_VALUES = 10_000;
let valuesLeft = 0;

function withinJsonLimits(value: unknown, depth: number): boolean {
  if (--valuesLeft < 0) return false;
  if (typeof value === 'number') return Number.isFinite(value);
  if (value === null || typeof value !== 'object') return true;
  if (depth >= JSON_MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!withinJsonLimits(value[i], depth + 1)) return false;
    return true;
  }
  for (const key in value) {
    if (Object.hasOwn(value, key) && !withinJsonLimits((value as Record<string, unknown>)[key], depth + 1))
      return false;
  }
  return true;
}

function jsonLimitReport(body: unknown): FieldErrors | null {
  interface Node {
    value: unknown;
    key: string;
    parent: Node | null;
    depth: number;
  }
  const pathOf = (node: Node): string[] => {
    const path: string[] = [];
    for (let n: Node | null = node; n?.parent; n = n.parent) path.unshift(n.key);
    return path;
  };
  const out: FieldErrors = {};
  let count = 0;
  const stack: Node[] = [{ value: body, key: '', parent: null, depth: 0 }];
  while (stack.length > 0 && count < MAX_FIELD_ERRORS) {
    const node = stack.pop() as Node;
    const { value } = node;
    if (typeof value === 'number' && !Number.isFinite(value)) {
      const field = fieldName(pathOf(node), true) || '$';
      out[field] = [`The ${lastName(field)} field is out of range: send a finite number.`];
      count += 1;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (node.depth >= JSON_MAX_DEPTH) {
      const field = fieldName(pathOf(node).slice(0, 3), true) || '$';
      out[field] = [`The JSON is nested deeper than ${JSON_MAX_DEPTH} levels (the real API's reader limit).`];
      count += 1;
      continue;
    }
    for (const [key, child] of Object.entries(value)) {
      stack.push({ value: child, key, parent: node, depth: node.depth + 1 });
    }
  }
  return count === 0 ? null : out;
}
