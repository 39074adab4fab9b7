// Loading scenario files: read each YAML file of a folder, validate it against scenarios/scenario.schema.json (ajv,
// compiled once per process) and against the contract, and compile it. Every problem names the file, the line and
// what is wrong; a bad file is reported and skipped. Unchanged files are reused from the previous load (hot reload).

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Document, LineCounter } from 'yaml';
import { parseDuration } from '../domain/clock.js';
import { ERROR_CATALOG } from '../errors/catalog.js';
import {
  confinedPath,
  DEFAULT_SCENARIO_MAX_BYTES,
  headerProblem,
  MAX_SCENARIO_FILES,
  MAX_YAML_ALIASES,
  readCapped,
} from './limits.js';
import { type CompiledMatch, compileMatch, type OperationRef, type SpecError } from './matcher.js';
import { hasTemplates, readsOrder } from './responder.js';
import type { ExampleRequest, FaultObject, ScenarioFile, ScenarioInfo, ScenarioProblem } from './types.js';

/** A scenario ready to run. */
export interface CompiledScenario {
  name: string;
  file: string;
  definition: ScenarioFile;
  match: CompiledMatch;
  fault: FaultObject | null;
  /** The literal body (parsed JSON or text from `body`/`bodyFile`), when respond has a status. */
  literalBody: unknown;
  /** Whether literalBody has {{…}} templates, and whether they read the order. */
  templated: boolean;
  readsOrder: boolean;
  /** state.fate.after in ms. */
  fateAfterMs: number | null;
}

export interface LoadResult {
  scenarios: Map<string, CompiledScenario>;
  problems: ScenarioProblem[];
  /** Scenario files read (valid or not). */
  files: number;
  cache: LoadCache;
}

interface CacheEntry {
  stamp: string;
  /** Side files read for this scenario, with their stamps. */
  deps: { path: string; stamp: string }[];
  scenario: CompiledScenario | null;
  problems: ScenarioProblem[];
}

/** Files already compiled, keyed by absolute path; an entry is reused while the file and its side files are unchanged. */
export type LoadCache = Map<string, CacheEntry>;

export const SCENARIO_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const SCENARIO_FILE = /\.ya?ml$/i;
/** The reserved header value that turns every scenario off for one request. */
export const NO_SCENARIO = 'none';

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
function schemaValidator(): ValidateFunction {
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

/** yaml is required lazily: an app that never uses a scenario never pays for it. */
let yamlModule: typeof import('yaml') | null = null;
function yaml(): typeof import('yaml') {
  yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml');
  return yamlModule;
}

function stampOf(path: string): string | null {
  try {
    const s = statSync(path);
    return `${s.mtimeMs}:${s.size}`;
  } catch {
    return null;
  }
}

/**
 * Load every scenario file of the folders, in order: a scenario in a later folder replaces a same-named one of an
 * earlier folder. Pass the previous result's cache to reuse unchanged files.
 */
export function loadScenarioFolders(
  dirs: readonly string[],
  operations: readonly OperationRef[],
  previous: LoadCache = new Map(),
  limits: LoadLimits = {},
): LoadResult {
  const maxBytes = limits.maxFileBytes ?? DEFAULT_SCENARIO_MAX_BYTES;
  const scenarios = new Map<string, CompiledScenario>();
  const problems: ScenarioProblem[] = [];
  const cache: LoadCache = new Map();
  let files = 0;
  for (const dir of dirs) {
    const folder = resolve(dir);
    let names: string[];
    try {
      names = readdirSync(folder, { withFileTypes: true })
        .filter((e) => e.isFile() && SCENARIO_FILE.test(e.name))
        .map((e) => e.name)
        .sort();
    } catch {
      problems.push({ file: folder, line: 0, column: 0, message: 'no such folder' });
      continue;
    }
    for (const name of names) {
      if (files >= MAX_SCENARIO_FILES) {
        problems.push({
          file: folder,
          line: 0,
          column: 0,
          message: `more than ${MAX_SCENARIO_FILES} scenario files in all folders: ${name} and the files after it are skipped`,
        });
        break;
      }
      files += 1;
      const file = join(folder, name);
      const stamp = stampOf(file);
      if (stamp === null) continue; // deleted while we listed it
      const old = previous.get(file);
      const entry =
        old && old.stamp === stamp && old.deps.every((d) => stampOf(d.path) === d.stamp)
          ? old
          : compileFile(file, stamp, operations, maxBytes);
      cache.set(file, entry);
      problems.push(...entry.problems);
      if (entry.scenario) scenarios.set(entry.scenario.name, entry.scenario);
    }
  }
  return { scenarios, problems, files, cache };
}

/** Bounds on what loading may read. */
export interface LoadLimits {
  /** Largest scenario file, and largest side file, in bytes (default 1 MiB). */
  maxFileBytes?: number;
}

export function scenarioInfo(s: CompiledScenario): ScenarioInfo {
  return {
    name: s.name,
    description: s.definition.description,
    source: s.definition.source,
    file: s.file,
    operations: s.match.operations === null ? null : [...s.match.operations],
    definition: s.definition,
  };
}

/** Where a problem is: a path inside the document, resolved to a line and column. */
class Locator {
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

function compileFile(
  file: string,
  stamp: string,
  operations: readonly OperationRef[],
  maxBytes: number,
): CacheEntry {
  const entry: CacheEntry = { stamp, deps: [], scenario: null, problems: [] };
  const name = basename(file, extname(file));
  const fail = (line: number, column: number, message: string) => {
    entry.problems.push({ file, line, column, message });
    return entry;
  };
  if (!SCENARIO_NAME.test(name) || name === NO_SCENARIO) {
    return fail(
      1,
      1,
      `the scenario's name is its file name ("${name}"): use 1–100 letters, digits, dots, underscores or dashes (and not "${NO_SCENARIO}")`,
    );
  }
  let text: string;
  try {
    text = readCapped(file, maxBytes);
  } catch (error) {
    return fail(1, 1, `cannot read the file: ${(error as Error).message}`);
  }
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const pos = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
      entry.problems.push({ file, line: pos.line, column: pos.col, message: firstLine(error.message) });
    }
    return entry;
  }
  const locate = new Locator(file, doc, lines);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    return fail(1, 1, (error as Error).message);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail(1, 1, 'a scenario file is a YAML mapping (description, source, match, respond, …)');
  }
  const validate = schemaValidator();
  if (!validate(value)) {
    entry.problems.push(...schemaProblems(validate.errors ?? [], locate));
    return entry;
  }
  const definition = value as ScenarioFile;
  const specErrors: SpecError[] = [];
  const match = compileMatch(definition.match, operations, specErrors);
  const scenario: CompiledScenario = {
    name,
    file,
    definition,
    match,
    fault: definition.fault
      ? typeof definition.fault === 'string'
        ? { type: definition.fault }
        : definition.fault
      : null,
    literalBody: undefined,
    templated: false,
    readsOrder: false,
    fateAfterMs: null,
  };
  checkSemantics(scenario, specErrors, (path) => {
    // Recorded before the checks, so fixing a missing side file triggers a reload.
    const named = resolve(dirname(file), path);
    entry.deps.push({ path: named, stamp: stampOf(named) ?? 'missing' });
    const full = confinedPath(file, path);
    return { path: full, read: () => readCapped(full, maxBytes) };
  });
  if (specErrors.length > 0) {
    entry.problems.push(...specErrors.map((e) => locate.problem(e.at, e.message)));
    return entry;
  }
  entry.scenario = scenario;
  return entry;
}

/** Rules the schema cannot say (or cannot say clearly): combinations, side files, durations, the contract. */
/** A side file named in a scenario, confined to the scenario's folder (throws when it is not). */
type SideFile = (path: string) => { path: string; read(): string };

function checkSemantics(s: CompiledScenario, errors: SpecError[], sideFile: SideFile): void {
  const d = s.definition;
  const respond = d.respond;
  const fault = s.fault;
  if (respond) {
    if (respond.error !== undefined) {
      if (!(respond.error in ERROR_CATALOG)) {
        errors.push({ at: ['respond', 'error'], message: `${respond.error} is not in the error catalog` });
      }
      for (const key of ['body', 'bodyFile'] as const) {
        if (respond[key] !== undefined) {
          errors.push({
            at: ['respond', key],
            message: `${key} goes with status, not with error (the catalog builds the body)`,
          });
        }
      }
    } else {
      for (const key of ['detail', 'errors'] as const) {
        if (respond[key] !== undefined) {
          errors.push({
            at: ['respond', key],
            message: `${key} goes with error (a catalog code), not with status`,
          });
        }
      }
      if (respond.body !== undefined && respond.bodyFile !== undefined) {
        errors.push({ at: ['respond', 'bodyFile'], message: 'give body or bodyFile, not both' });
      }
      if (respond.bodyFile !== undefined) {
        try {
          const side = sideFile(respond.bodyFile);
          const text = side.read();
          s.literalBody = /\.json$/i.test(side.path) ? JSON.parse(text) : text;
        } catch (error) {
          errors.push({
            at: ['respond', 'bodyFile'],
            message: `cannot use ${respond.bodyFile}: ${(error as Error).message}`,
          });
        }
      } else {
        s.literalBody = respond.body;
      }
      s.templated = hasTemplates(s.literalBody) || hasTemplates(respond.headers ?? {});
      s.readsOrder = readsOrder(s.literalBody) || readsOrder(respond.headers ?? {});
    }
    // Static values are checked here; templated ones are made safe when rendered (safeHeaderValue).
    for (const [name, value] of Object.entries(respond.headers ?? {})) {
      const problem = headerProblem(name, String(value));
      if (problem) errors.push({ at: ['respond', 'headers', name], message: problem });
    }
  }
  if (fault && (fault.type === 'reset' || fault.type === 'hang') && respond) {
    errors.push({ at: ['respond'], message: `a ${fault.type} fault sends no response: remove respond` });
  }
  if (fault && !['reset', 'hang'].includes(fault.type) && !respond && !d.applied) {
    errors.push({
      at: ['fault'],
      message: `${fault.type} needs a body: add respond, or applied: true to fault the real response`,
    });
  }
  if (d.applied && !respond && !fault) {
    errors.push({
      at: ['applied'],
      message: 'applied needs respond or fault: what does the client get instead?',
    });
  }
  if (d.delay !== undefined && typeof d.delay === 'object') {
    const delay = d.delay;
    const need: Record<string, string[]> = {
      fixed: ['ms'],
      uniform: ['min', 'max'],
      normal: ['mean', 'stddev'],
      lognormal: ['median', 'p99'],
    };
    for (const key of need[delay.distribution] ?? []) {
      if ((delay as Record<string, unknown>)[key] === undefined) {
        errors.push({ at: ['delay'], message: `a ${delay.distribution} delay needs ${key}` });
      }
    }
    if (delay.distribution === 'uniform' && (delay.min ?? 0) > (delay.max ?? 0)) {
      errors.push({ at: ['delay', 'min'], message: 'min is larger than max' });
    }
    if (delay.distribution === 'lognormal' && (delay.p99 ?? 0) < (delay.median ?? 0)) {
      errors.push({ at: ['delay', 'p99'], message: 'p99 is smaller than the median' });
    }
  }
  const state = d.state;
  const evaluates = s.match.operations === null || s.match.operations.has('evaluate');
  for (const key of ['evaluateAs', 'fate'] as const) {
    if (state?.[key] !== undefined && !evaluates) {
      errors.push({
        at: ['state', key],
        message: `${key} acts on /v1/evaluate, which this scenario never matches`,
      });
    }
  }
  if (state?.fate) {
    try {
      s.fateAfterMs = parseDuration(state.fate.after);
    } catch (error) {
      errors.push({ at: ['state', 'fate', 'after'], message: (error as Error).message });
    }
  }
  if (state?.nextToken && !(state.nextToken.error in ERROR_CATALOG)) {
    errors.push({
      at: ['state', 'nextToken', 'error'],
      message: `${state.nextToken.error} is not in the error catalog`,
    });
  }
  const example = d.example;
  if (example) {
    const requests: [(string | number)[], ExampleRequest | undefined][] = [
      [['example', 'request'], example.request],
      ...(example.before ?? []).map((t, i): [(string | number)[], ExampleRequest | undefined] => [
        ['example', 'before', i, 'request'],
        t.request,
      ]),
      ...(example.then ?? []).map((t, i): [(string | number)[], ExampleRequest | undefined] => [
        ['example', 'then', i, 'request'],
        t.request,
      ]),
    ];
    for (const [at, request] of requests) {
      if (request?.bodyFile === undefined) continue;
      try {
        sideFile(request.bodyFile);
      } catch (error) {
        errors.push({
          at: [...at, 'bodyFile'],
          message: `cannot use ${request.bodyFile}: ${(error as Error).message}`,
        });
      }
    }
    for (const [i, step] of [...(example.before ?? []), ...(example.then ?? [])].entries()) {
      if (!step.request && !step.repeat) {
        errors.push({
          at: ['example'],
          message: `step ${i + 1} of before/then needs request or repeat: true`,
        });
      }
    }
  }
}

/** ajv errors as problems a person can act on: one per mistake, at the line of the offending key or value. */
function schemaProblems(errors: ErrorObject[], locate: Locator): ScenarioProblem[] {
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

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
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
