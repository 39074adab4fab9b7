// The walk: a bounded deep copy of a parsed body with every key and text rule applied; redactJson serialises it.

import {
  CARD_PARENT,
  isApiKeyObject,
  type KeyInfo,
  keyInfo,
  redactCardNumber,
  redactNumber,
  replaced,
} from './keys.js';
import { norm, REDACTED } from './markers.js';
import { redactText } from './text.js';

export interface RedactOptions {
  /** Extra keys whose values are always replaced (case-insensitive), e.g. `environment` for query strings. */
  keys?: Iterable<string>;
  /** Nesting depth beyond which values become `[depth-limit]` (default 32). */
  maxDepth?: number;
  /** Values visited before the rest becomes `[truncated]` (default 20,000): bounds the work on huge bodies. */
  maxNodes?: number;
}

interface Walk {
  extra: ReadonlySet<string>;
  maxDepth: number;
  budget: number;
  ancestors: object[];
}

function walkValue(
  walk: Walk,
  value: unknown,
  info: KeyInfo | null,
  parentKey: string | null,
  depth: number,
): unknown {
  walk.budget -= 1;
  if (walk.budget < 0) return '[truncated]';
  if (info !== null) {
    if (info.rule !== null) return info.rule.replace(value);
    if (info.number && parentKey !== null && CARD_PARENT.test(parentKey)) return redactCardNumber(value);
    if (walk.extra.size > 0 && walk.extra.has(info.norm)) return replaced(value);
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
  return walkObject(walk, value as object, info === null ? parentKey : info.norm, depth);
}

function walkObject(walk: Walk, value: object, key: string | null, depth: number): unknown {
  if (depth >= walk.maxDepth) return '[depth-limit]';
  if (walk.ancestors.includes(value)) return '[circular]';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return `[binary ${value.byteLength} bytes]`;
  if (value instanceof Error) return redactText(`${value.name}: ${value.message}`);
  walk.ancestors.push(value);
  try {
    const next = depth + 1;
    if (Array.isArray(value)) {
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i += 1)
        if (i in value) out[i] = walkValue(walk, value[i], null, key, next);
      return out;
    }
    if (value instanceof Set) return [...value].map((item) => walkValue(walk, item, null, key, next));
    const out: Record<string, unknown> = {};
    if (value instanceof Map) {
      for (const [k, v] of value) {
        const info = keyInfo(String(k));
        out[info.safe] = walkValue(walk, v, info, key, next);
      }
      return out;
    }
    const obj = value as Record<string, unknown>;
    const apiKey = 'value' in obj && isApiKeyObject(obj, key);
    for (const k of Object.keys(obj)) {
      let v: unknown;
      try {
        v = obj[k];
      } catch {
        v = '[unreadable]';
      }
      const info = keyInfo(k);
      const copy = apiKey && k === 'value' ? replaced(v) : walkValue(walk, v, info, key, next);
      if (info.safe === '__proto__')
        Object.defineProperty(out, info.safe, {
          value: copy,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else out[info.safe] = copy;
    }
    return out;
  } finally {
    walk.ancestors.pop();
  }
}

const NO_KEYS: ReadonlySet<string> = new Set();

/**
 * A redacted deep copy of `value` (JSON-like: Maps become objects, Sets arrays, Dates ISO strings, binary data a
 * size marker, functions dropped). Never throws: anything it cannot read becomes a placeholder.
 */
export function redact<T = unknown>(value: T, options: RedactOptions = {}): unknown {
  try {
    const walk: Walk = {
      extra: options.keys === undefined ? NO_KEYS : new Set([...options.keys].map(norm)),
      maxDepth: options.maxDepth ?? 32,
      budget: options.maxNodes ?? 20_000,
      ancestors: [],
    };
    return walkValue(walk, value, null, null, 0);
  } catch {
    return REDACTED;
  }
}

/** `JSON.stringify(redact(value, options))`. */
export function redactJson(value: unknown, options: RedactOptions = {}): string | undefined {
  try {
    return JSON.stringify(redact(value, options));
  } catch {
    return JSON.stringify(REDACTED);
  }
}

/**
 * JSON text of an answer whose strings (not its numbers, not its keys) pass through the text rules: for answers built
 * from already redacted or generated data (admin answers, error bodies that may quote the request). Numbers stay
 * numbers (a millisecond timestamp can be Luhn-valid), and each string is redacted before it is escaped.
 */
export function redactStringsJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? redactText(v) : v));
}
