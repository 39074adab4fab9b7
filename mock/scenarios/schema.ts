// The scenario files' JSON Schema (scenarios/scenario.schema.json): where it is, its validator (ajv, compiled once
// per process), and its errors turned into problems a person can act on — one per mistake, at the line of the
// offending key or value, with a "did you mean" when a name is close.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Document, LineCounter } from 'yaml';
import type { ScenarioProblem } from './types.js';

/** The package's own scenarios/ folder (found from this module: works from mock/ and from dist/mock/). */
export function builtInScenarioDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'scenarios', 'scenario.schema.json');
    if (existsSync(candidate)) return join(dir, 'scenarios');
    dir = resolve(dir, '..');
  }
  throw new Error('scenarios/scenario.schema.json not found next to the package');
}

let validator: ValidateFunction | null = null;

/** The schema validator, compiled once per process. */
export function schemaValidator(): ValidateFunction {
  if (!validator) {
    const schema = JSON.parse(readFileSync(join(builtInScenarioDir(), 'scenario.schema.json'), 'utf8'));
    delete schema.$schema;
    // Required here, not imported: an app that never loads a scenario file never pays for ajv's start-up.
    const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv');
    const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
    validator = ajv.compile(schema);
  }
  return validator;
}

/** Where a problem is: a path inside the document, resolved to a line and column. */
export class Locator {
  readonly #doc: Document;
  readonly #lines: LineCounter;
  readonly #file: string;

  constructor(file: string, doc: Document, lines: LineCounter) {
    this.#file = file;
    this.#doc = doc;
    this.#lines = lines;
  }

  problem(at: readonly (string | number)[], message: string, key?: string): ScenarioProblem {
    let offset = 0;
    // The deepest node that exists on the path (a missing property is reported at its parent).
    for (let depth = at.length; depth >= 0; depth--) {
      const node = depth === 0 ? this.#doc.contents : this.#doc.getIn(at.slice(0, depth), true);
      const range = (node as { range?: [number, number, number] } | undefined)?.range;
      if (!range) continue;
      offset = range[0];
      if (key !== undefined && depth === at.length) {
        const items = (node as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] })
          .items;
        const pair = items?.find((p) => p.key?.value === key);
        if (pair?.key?.range) offset = pair.key.range[0];
      }
      break;
    }
    const pos = this.#lines.linePos(offset);
    return { file: this.#file, line: pos.line, column: pos.col, message };
  }
}

/** ajv errors as problems a person can act on: one per mistake, at the line of the offending key or value. */
export function schemaProblems(errors: ErrorObject[], locate: Locator): ScenarioProblem[] {
  const isUnion = (e: ErrorObject) => e.keyword === 'anyOf' || e.keyword === 'oneOf';
  // A oneOf/anyOf with its own message (x-errorMessage) replaces the errors of its branches.
  const explained = errors.filter((e) => isUnion(e) && customMessage(e) !== undefined);
  const branchOf = (e: ErrorObject, parent: ErrorObject) =>
    e !== parent && e.schemaPath.startsWith(`${parent.schemaPath}/`);
  let kept = errors.filter((e) => !explained.some((x) => branchOf(e, x)));
  // A plain union (a value or a list of them): the informative error (an enum miss) is enough, drop the type
  // mismatches of the other branches and the union's own "must match a schema in anyOf".
  for (const union of kept.filter((e) => isUnion(e) && !explained.includes(e))) {
    const here = kept.filter((e) => e !== union && e.instancePath === union.instancePath);
    if (here.some((e) => e.keyword !== 'type' && !isUnion(e))) {
      kept = kept.filter((e) => e !== union && !(here.includes(e) && e.keyword === 'type'));
    }
  }
  kept = kept.filter((e) => e.keyword !== 'if');
  const seen = new Set<string>();
  const out: ScenarioProblem[] = [];
  for (const e of kept) {
    const at = e.instancePath
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
    const { message, key } = describe(e, at);
    const problem = locate.problem(at, message, key);
    const id = `${problem.line}:${problem.message}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(problem);
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}

function describe(e: ErrorObject, at: (string | number)[]): { message: string; key?: string } {
  const where = at.length > 0 ? `${at.join('.')}: ` : '';
  const parent = e.parentSchema as Record<string, unknown> | undefined;
  const custom = e.keyword === 'anyOf' || e.keyword === 'oneOf' ? customMessage(e) : undefined;
  if (custom !== undefined) return { message: `${where}${custom}` };
  switch (e.keyword) {
    case 'required':
      return {
        message: `${where}missing property "${(e.params as { missingProperty: string }).missingProperty}"`,
      };
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((parent?.properties as Record<string, unknown> | undefined) ?? {});
      const close = closeMatches(extra, known);
      const hint =
        close.length > 0 ? `; did you mean ${close.join(' or ')}?` : `; allowed: ${known.join(', ')}`;
      return { message: `${where}unknown property "${extra}"${hint}`, key: extra };
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const got = JSON.stringify(e.data);
      const close = closeMatches(String(e.data), allowed);
      if (allowed.length > 8) {
        const hint = close.length > 0 ? `; did you mean ${close.join(' or ')}?` : '';
        return { message: `${where}${got} is not allowed here${hint}` };
      }
      return { message: `${where}${got} is not one of ${allowed.join(', ')}` };
    }
    case 'type':
      return {
        message: `${where}must be ${String((e.params as { type: string | string[] }).type).replace(/,/g, ' or ')}`,
      };
    default:
      return { message: `${where}${e.message ?? e.keyword}` };
  }
}

function customMessage(e: ErrorObject): string | undefined {
  const message = (e.parentSchema as Record<string, unknown> | undefined)?.['x-errorMessage'];
  return typeof message === 'string' ? message : undefined;
}

/** Names close to `name` (edit distance, prefixes and substrings), best first: for "did you mean …" hints. */
export function closeMatches(name: string, candidates: readonly string[], limit = 3): string[] {
  const lower = name.toLowerCase();
  const scored: [string, number][] = [];
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    const distance = editDistance(lower, c);
    const threshold = Math.max(2, Math.floor(Math.max(lower.length, c.length) / 3));
    if (distance <= threshold) scored.push([candidate, distance]);
    else if (lower.length >= 3 && (c.includes(lower) || lower.includes(c)))
      scored.push([candidate, threshold + 1]);
  }
  return scored
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([candidate]) => candidate);
}

function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
