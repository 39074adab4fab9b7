// Matching: a scenario's `match` block compiled once, at load, into the set of operations it can apply to (the
// index) and a predicate over the request's path, headers, query and JSON body (checked only for those operations).

import { compilePattern, type SafePattern } from './limits.js';
import type { MatchSpec, PredicateObject, PredicateSpec } from './types.js';

/** An operation of the contract, as the matcher needs it. */
export interface OperationRef {
  id: string;
  /** Lower- or upper-case HTTP method. */
  method: string;
  /** Path template, e.g. /v1/orders/{id}. */
  path: string;
}

/** What a predicate is checked against: the request as the client sent it (body parsed, not yet validated). */
export interface MatchInput {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, unknown>;
  body: unknown;
}

export interface CompiledMatch {
  /** operationIds the scenario can apply to; null = every operation. */
  operations: ReadonlySet<string> | null;
  /** The remaining conditions (concrete path, headers, query, body); null when there are none. */
  test: ((input: MatchInput) => boolean) | null;
}

/** A problem in a match block: where (path inside the file) and what. */
export interface SpecError {
  at: (string | number)[];
  message: string;
}

type Test = (input: MatchInput) => boolean;

export function compileMatch(
  spec: MatchSpec | undefined,
  operations: readonly OperationRef[],
  errors: SpecError[],
): CompiledMatch {
  if (!spec) return { operations: null, test: null };
  let candidates: OperationRef[] | null = null;
  const narrow = (keep: (op: OperationRef) => boolean) => {
    candidates = (candidates ?? [...operations]).filter(keep);
  };

  if (spec.operation !== undefined) {
    const ids = new Set(Array.isArray(spec.operation) ? spec.operation : [spec.operation]);
    for (const id of ids) {
      if (!operations.some((op) => op.id === id)) {
        errors.push({
          at: ['match', 'operation'],
          message: `no operation "${id}" in contracts/openapi.yaml`,
        });
      }
    }
    narrow((op) => ids.has(op.id));
  }
  if (spec.method !== undefined) {
    const method = spec.method.toUpperCase();
    narrow((op) => op.method.toUpperCase() === method);
  }
  const tests: Test[] = [];
  if (spec.path !== undefined) {
    const path = spec.path.replace(/\/+$/, '');
    if (path.includes('{')) {
      if (!operations.some((op) => op.path === path)) {
        errors.push({
          at: ['match', 'path'],
          message: `no path template "${path}" in contracts/openapi.yaml`,
        });
      }
      narrow((op) => op.path === path);
    } else {
      narrow((op) => templateRegex(op.path).test(path));
      tests.push((input) => input.path.replace(/\/+$/, '') === path);
    }
  }
  if (candidates !== null && (candidates as OperationRef[]).length === 0 && errors.length === 0) {
    errors.push({ at: ['match'], message: 'no operation satisfies operation, method and path together' });
  }

  for (const [name, predicate] of Object.entries(spec.headers ?? {})) {
    const test = compilePredicate(predicate, ['match', 'headers', name], errors, true);
    const key = name.toLowerCase();
    tests.push((input) => test(headerValue(input.headers[key])));
  }
  for (const [name, predicate] of Object.entries(spec.query ?? {})) {
    const test = compilePredicate(predicate, ['match', 'query', name], errors, true);
    tests.push((input) => test(input.query[name]));
  }
  for (const [path, predicate] of Object.entries(spec.body ?? {})) {
    const test = compilePredicate(predicate, ['match', 'body', path], errors, false);
    const segments = path.split('.');
    tests.push((input) => test(readPath(input.body, segments)));
  }

  const ops = candidates === null ? null : new Set((candidates as OperationRef[]).map((op) => op.id));
  return {
    operations: ops,
    test: tests.length === 0 ? null : (input) => tests.every((t) => t(input)),
  };
}

function templateRegex(template: string): RegExp {
  const source = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^/]+');
  return new RegExp(`^${source}$`);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

/** Read a dotted path from a JSON value; keys compare case-insensitively, as the real API binds them. */
export function readPath(value: unknown, segments: readonly string[]): unknown {
  let current = value;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    if (Array.isArray(current)) {
      const index = Number(segment);
      current = Number.isInteger(index) ? current[index] : undefined;
      continue;
    }
    const record = current as Record<string, unknown>;
    if (Object.hasOwn(record, segment)) {
      current = record[segment];
      continue;
    }
    const lower = segment.toLowerCase();
    const key = Object.keys(record).find((k) => k.toLowerCase() === lower);
    current = key === undefined ? undefined : record[key];
  }
  return current;
}

function compilePredicate(
  spec: PredicateSpec,
  at: (string | number)[],
  errors: SpecError[],
  asText: boolean,
): (value: unknown) => boolean {
  const same = (a: unknown, b: unknown) =>
    asText ? a !== undefined && String(a) === String(b) : deepEqual(a, b);
  if (spec === null || typeof spec !== 'object') return (value) => same(value, spec);
  const conditions: ((value: unknown) => boolean)[] = [];
  const p = spec as PredicateObject;
  if (p.present !== undefined) conditions.push((value) => (value !== undefined) === p.present);
  if (Object.hasOwn(p, 'equals')) conditions.push((value) => same(value, p.equals));
  if (p.oneOf !== undefined) {
    const options = p.oneOf;
    conditions.push((value) => options.some((option) => same(value, option)));
  }
  if (p.matches !== undefined) {
    let regex: SafePattern | null = null;
    try {
      regex = compilePattern(p.matches);
    } catch (error) {
      errors.push({ at: [...at, 'matches'], message: (error as Error).message });
    }
    const pattern = regex;
    if (pattern) {
      conditions.push(
        (value) =>
          value !== undefined && value !== null && typeof value !== 'object' && pattern.test(String(value)),
      );
    }
  }
  return (value) => conditions.every((c) => c(value));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
