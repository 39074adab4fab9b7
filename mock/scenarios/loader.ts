// Loading scenario files: read each YAML file of a folder, validate it against scenarios/scenario.schema.json
// (schema.ts) and the checks the schema cannot say (semantics.ts), and compile it. Every problem names the file, the
// line and what is wrong; a bad file is reported and skipped. Unchanged files are reused from the previous load (hot
// reload).

import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { evictOldest } from '../support/bounded.js';
import { asRecorded, literalBodyProblems, type ResponseContract } from './body-check.js';
import { faultObject } from './faults.js';
import {
  confinedPath,
  DEFAULT_SCENARIO_MAX_BYTES,
  MAX_SCENARIO_FILES,
  MAX_YAML_ALIASES,
  MAX_YAML_MARKS,
  readCapped,
} from './limits.js';
import { type CompiledMatch, compileMatch, type OperationRef, type SpecError } from './matcher.js';
import { builtInScenarioDir, Locator, schemaProblems, schemaValidator } from './schema.js';
import { checkSemantics, type Derived } from './semantics.js';
import type { FaultObject, ScenarioFile, ScenarioInfo, ScenarioProblem } from './types.js';

export type { ResponseContract } from './body-check.js';
export { builtInScenarioDir, closeMatches } from './schema.js';

/** A scenario ready to run. */
export interface CompiledScenario extends Derived {
  name: string;
  file: string;
  definition: ScenarioFile;
  match: CompiledMatch;
  fault: FaultObject | null;
  /**
   * A recording as made (see asRecorded) whose body differs from the contract: sent as recorded, past the contract
   * check, since the difference is the sandbox's and was reported as a warning when the file loaded.
   */
  sendAsRecorded: boolean;
}

export interface LoadResult {
  scenarios: Map<string, CompiledScenario>;
  problems: ScenarioProblem[];
  /** Files that loaded but say something worth reading: a recorded body's differences from the contract. */
  warnings: ScenarioProblem[];
  /** Scenario files read (valid or not). */
  files: number;
  cache: LoadCache;
  /** Scenarios of an earlier folder (a built-in, say) not used because a later folder's file of that name failed. */
  shadowed: ShadowedScenario[];
}

/** A scenario left out because the file meant to replace it failed to load: its name answers 400011, not the old one. */
export interface ShadowedScenario {
  name: string;
  /** The file that failed (absolute). */
  file: string;
  /** The file of the scenario not used (absolute). */
  replaced: string;
}

interface CacheEntry {
  stamp: string;
  /** Side files read for this scenario, with their stamps. */
  deps: { path: string; stamp: string }[];
  scenario: CompiledScenario | null;
  problems: ScenarioProblem[];
  warnings: ScenarioProblem[];
}

/** Files already compiled, keyed by absolute path; an entry is reused while the file and its side files are unchanged. */
export type LoadCache = Map<string, CacheEntry>;

/**
 * How the built-in folder's files are compiled, for sharing them between the mocks of a process: the folder ships with
 * the package, so every mock would otherwise parse and compile the same files again (~100–400 ms, blocking).
 */
export interface BuiltInSharing {
  /** What compiling depends on besides the file and the size bound: the contract (its document's fingerprint). */
  contractKey: string;
  /**
   * Leave out the literal-body check for built-in files: true only for the package's own contract, which the test
   * suite checks every built-in body against (`scenarios:check` still checks them).
   */
  trustBodies: boolean;
}

/**
 * Built-in files compiled in this process, per way of compiling them. Entries are frozen and hold only what the files
 * say, so no mock can change what another sees; each is still reused only while its file is unchanged.
 */
const builtInCaches = new Map<string, LoadCache>();
/** Ways of compiling kept (contracts × size bounds): a process rarely has more than one. */
const MAX_BUILT_IN_CACHES = 4;

function builtInCache(sharing: BuiltInSharing, maxBytes: number): LoadCache {
  const key = `${sharing.contractKey}\0${maxBytes}\0${sharing.trustBodies}`;
  let cache = builtInCaches.get(key);
  if (!cache) {
    evictOldest(builtInCaches, MAX_BUILT_IN_CACHES);
    cache = new Map();
    builtInCaches.set(key, cache);
  }
  return cache;
}

/** Freeze a compiled entry and the plain data in it (a match's operation Set and test function are left as built). */
function freezeEntry(entry: CacheEntry): CacheEntry {
  for (const p of [...entry.problems, ...entry.warnings]) Object.freeze(p);
  for (const d of entry.deps) Object.freeze(d);
  Object.freeze(entry.problems);
  Object.freeze(entry.warnings);
  Object.freeze(entry.deps);
  const s = entry.scenario;
  if (s) {
    deepFreeze(s.definition);
    deepFreeze(s.literalBody);
    deepFreeze(s.fault);
    Object.freeze(s.match);
    Object.freeze(s);
  }
  return Object.freeze(entry);
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const v of Object.values(value)) deepFreeze(v);
}

export const SCENARIO_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const SCENARIO_FILE = /\.ya?ml$/i;
/** The reserved header value that turns every scenario off for one request. */
export const NO_SCENARIO = 'none';

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
 * earlier folder. Pass the previous result's cache to reuse unchanged files, and the contract's responses to check
 * literal bodies against them. With `sharing`, the built-in folder's files are compiled once per process (see
 * BuiltInSharing).
 */
export function loadScenarioFolders(
  dirs: readonly string[],
  operations: readonly OperationRef[],
  previous: LoadCache = new Map(),
  limits: LoadLimits = {},
  contract?: ResponseContract,
  sharing?: BuiltInSharing,
): LoadResult {
  const maxBytes = limits.maxFileBytes ?? DEFAULT_SCENARIO_MAX_BYTES;
  const scenarios = new Map<string, CompiledScenario>();
  const problems: ScenarioProblem[] = [];
  const warnings: ScenarioProblem[] = [];
  const cache: LoadCache = new Map();
  const shadowed: ShadowedScenario[] = [];
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
    const shared =
      sharing && folder === resolve(builtInScenarioDir()) ? builtInCache(sharing, maxBytes) : null;
    // A file gone from the folder is dropped from the shared cache too, so it cannot grow past the folder.
    if (shared) for (const file of shared.keys()) if (!names.includes(basename(file))) shared.delete(file);
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
      const fresh = (e: CacheEntry | undefined) =>
        e !== undefined && e.stamp === stamp && e.deps.every((d) => stampOf(d.path) === d.stamp);
      const old = [previous.get(file), shared?.get(file)].find(fresh);
      let entry: CacheEntry;
      if (old) entry = old;
      else if (shared) {
        const checkBodies = sharing?.trustBodies ? undefined : contract;
        entry = freezeEntry(compileFile(file, stamp, operations, maxBytes, checkBodies, builtInKnownFiles()));
        shared.set(file, entry);
      } else entry = compileFile(file, stamp, operations, maxBytes, contract);
      cache.set(file, entry);
      problems.push(...entry.problems);
      if (entry.scenario) {
        warnings.push(...entry.warnings);
        scenarios.set(entry.scenario.name, entry.scenario);
        continue;
      }
      // A later folder's file replaces the earlier scenario of its name: when it fails, answering with the earlier one
      // would silently run what the user meant to replace, so the name is left to answer "did not load".
      const earlier = scenarios.get(basename(file, extname(file)));
      if (earlier && dirname(earlier.file) !== folder) {
        scenarios.delete(earlier.name);
        shadowed.push({ name: earlier.name, file, replaced: earlier.file });
      }
    }
  }
  // A still later folder's good file of that name is used: nothing of it is shadowed then.
  // A file replaced by a later folder's file of its name is not used: its warnings are not worth reading.
  const used = new Set([...scenarios.values()].map((s) => s.file));
  return {
    scenarios,
    problems,
    warnings: warnings.filter((w) => used.has(w.file)),
    files,
    cache,
    shadowed: shadowed.filter((s) => !scenarios.has(s.name)),
  };
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
    // A copy: a built-in's definition is shared by every mock of the process (and frozen).
    definition: structuredClone(s.definition),
  };
}

function compileFile(
  file: string,
  stamp: string,
  operations: readonly OperationRef[],
  maxBytes: number,
  contract: ResponseContract | undefined,
  known: KnownFiles | null = null,
): CacheEntry {
  const entry: CacheEntry = { stamp, deps: [], scenario: null, problems: [], warnings: [] };
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
  const marks = yamlMarks(text);
  if (marks > MAX_YAML_MARKS) {
    return fail(
      1,
      1,
      `the file has ${marks} keys and items (counted as ':', ',', and '-' or '?' before white space); the limit is ${MAX_YAML_MARKS}: put a large body in a JSON bodyFile`,
    );
  }
  // A built-in file the build already parsed and validated, byte for byte: its definition, without the YAML parser
  // and the schema validator (most of the first load's time).
  const checked = known?.get(textHash(text));
  let locate: Locator | null = null;
  let definition: ScenarioFile;
  if (checked !== undefined) definition = structuredClone(checked);
  else {
    const parsed = parseScenario(file, text, entry.problems);
    if (!parsed) return entry;
    ({ definition, locate } = parsed);
  }
  const specErrors: SpecError[] = [];
  const match = compileMatch(definition.match, operations, specErrors);
  const fault = definition.fault ? faultObject(definition.fault) : null;
  const derived = checkSemantics(definition, fault, match.operations, specErrors, (path) => {
    // Recorded before the checks, so fixing a missing side file triggers a reload.
    const named = resolve(dirname(file), path);
    entry.deps.push({ path: named, stamp: stampOf(named) ?? 'missing' });
    const full = confinedPath(file, path);
    return { path: full, read: () => readCapped(full, maxBytes) };
  });
  // A recording as made replays the sandbox's answer even where it breaks the contract: the differences are warnings.
  // Once its status or body is edited, it is checked like any hand-written file.
  const recorded = asRecorded(definition);
  const differences: SpecError[] = [];
  if (contract && specErrors.length === 0)
    literalBodyProblems(definition, derived.literalBody, match.operations, contract, differences);
  if (!recorded) specErrors.push(...differences);
  if (!recorded && differences.length > 0 && definition.observed !== undefined) {
    const edited = definition.observed.sha256 !== undefined;
    specErrors.push({
      at: edited ? ['observed', 'sha256'] : ['observed'],
      message: edited
        ? 'respond is no longer the answer this file recorded (observed.sha256 does not match), so its body is checked like any hand-written one: fix the fields below, or record again'
        : 'observed has no sha256, so its body is checked like any hand-written one (only a file flexfactor-mock record wrote replays a body the contract does not allow): fix the fields below, or record again',
    });
  }
  if (specErrors.length > 0 || (recorded && differences.length > 0)) {
    // Lines are only known from the parsed document: parse the file after all, to say where.
    if (!locate) return compileFile(file, stamp, operations, maxBytes, contract);
  }
  if (recorded && differences.length > 0) {
    const found = differences.map((e) => {
      const p = (locate as Locator).problem(e.at, e.message);
      // The fix the message suggests is for a hand-written body; a recording is the sandbox's answer.
      const what = p.message.replace(
        /; fix the body, or answer a status the contract does not declare\)$/,
        ')',
      );
      return { ...p, message: `recorded body differs from the contract: ${what}` };
    });
    entry.warnings.push(...found.sort((a, b) => a.line - b.line || a.column - b.column));
  }
  if (specErrors.length > 0) {
    // In file order, as schema problems are: the first lines printed are the first to fix.
    const found = specErrors.map((e) => (locate as Locator).problem(e.at, e.message));
    entry.problems.push(...found.sort((a, b) => a.line - b.line || a.column - b.column));
    return entry;
  }
  entry.scenario = {
    name,
    file,
    definition,
    match,
    fault,
    ...derived,
    sendAsRecorded: recorded && differences.length > 0,
  };
  return entry;
}

/** A scenario file's text parsed and checked against the JSON Schema, or null with its problems added to `problems`. */
function parseScenario(
  file: string,
  text: string,
  problems: ScenarioProblem[],
): { definition: ScenarioFile; locate: Locator } | null {
  const fail = (line: number, column: number, message: string) => {
    problems.push({ file, line, column, message });
    return null;
  };
  const { LineCounter, parseDocument } = yaml();
  const lines = new LineCounter();
  // The package's own duplicate-key check compares every key with every other (a 40,000-key map took 8 s);
  // duplicateKeys() below does the same check with a Set.
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  if (doc.errors.length === 0) {
    const before = problems.length;
    for (const duplicate of duplicateKeys(doc)) {
      const pos = lines.linePos(duplicate.offset);
      problems.push({
        file,
        line: pos.line,
        column: pos.col,
        message: `Map keys must be unique ("${duplicate.key}")`,
      });
    }
    if (problems.length > before) return null;
  }
  if (doc.errors.length > 0) {
    for (const error of doc.errors) {
      const pos = error.linePos?.[0] ?? lines.linePos(error.pos[0]);
      problems.push({ file, line: pos.line, column: pos.col, message: firstLine(error.message) });
    }
    return null;
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
    problems.push(...schemaProblems(validate.errors ?? [], locate));
    return null;
  }
  return { definition: value as ScenarioFile, locate };
}

/** Built-in definitions the build parsed and validated, by the SHA-256 of the file's text. */
type KnownFiles = ReadonlyMap<string, ScenarioFile>;

function textHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Where the build leaves its copy of the built-in definitions (none when the package was not built). */
function knownFilesPath(): string {
  return join(dirname(builtInScenarioDir()), 'dist', 'mock', 'scenarios', 'built-in.json');
}

function schemaHash(): string {
  return textHash(readFileSync(join(builtInScenarioDir(), 'scenario.schema.json'), 'utf8'));
}

let knownFiles: KnownFiles | null | undefined;

/** The build's copy, read once per process; used only while it was made with this very schema. */
function builtInKnownFiles(): KnownFiles | null {
  if (knownFiles !== undefined) return knownFiles;
  knownFiles = null;
  try {
    const copy = JSON.parse(readFileSync(knownFilesPath(), 'utf8')) as {
      schema?: string;
      files?: Record<string, ScenarioFile>;
    };
    if (copy.schema === schemaHash() && copy.files) knownFiles = new Map(Object.entries(copy.files));
  } catch {
    // No build (or a damaged copy): the files are parsed, as any folder's are.
  }
  return knownFiles;
}

/**
 * Write the build's copy of the built-in definitions (run by `npm run build`): each file that parses and fits the
 * schema, keyed by its text's SHA-256, with the schema's. Only files whose definition JSON keeps exactly are kept.
 */
export function writeBuiltInDefinitions(): string {
  const dir = builtInScenarioDir();
  const files: Record<string, ScenarioFile> = {};
  for (const name of readdirSync(dir).filter((n) => SCENARIO_FILE.test(n))) {
    const text = readFileSync(join(dir, name), 'utf8');
    const parsed = parseScenario(join(dir, name), text, []);
    if (parsed && isDeepStrictEqual(JSON.parse(JSON.stringify(parsed.definition)), parsed.definition))
      files[textHash(text)] = parsed.definition;
  }
  const out = knownFilesPath();
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ schema: schemaHash(), files }));
  return out;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** An upper bound on a YAML text's keys and items, counted without parsing it. */
function yamlMarks(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    // ':' and ',' — and '-' or '?' followed by any white space or the end (a block sequence item, an explicit key).
    if (c === 0x3a || c === 0x2c) count += 1;
    else if (c === 0x2d || c === 0x3f) {
      const next = text.charCodeAt(i + 1);
      if (next === 0x20 || next === 0x09 || next === 0x0a || next === 0x0d || Number.isNaN(next)) count += 1;
    }
  }
  return count;
}

/** Keys repeated within one mapping, with where the repeat stands (in one pass over each mapping). */
function duplicateKeys(doc: import('yaml').Document): { key: string; offset: number }[] {
  const { isMap, isScalar, visit } = yaml();
  const found: { key: string; offset: number }[] = [];
  visit(doc, {
    Map(_key, map) {
      if (!isMap(map)) return;
      const seen = new Set<string>();
      for (const pair of map.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        if (seen.has(key)) {
          const range = (pair.key as { range?: [number, number, number] } | null)?.range;
          found.push({ key, offset: range?.[0] ?? 0 });
        } else seen.add(key);
      }
    },
  });
  return found;
}
