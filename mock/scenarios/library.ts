// The loaded scenario files: the folders in order (built-in first), loaded lazily or at start, reloaded on change
// (unchanged files reused), with the problems of the files that were skipped, and name lookups that answer 400011
// with close matches.

import { basename, dirname, extname } from 'node:path';
import type { CompiledOperation } from '../contract/contract.js';
import { apiError } from '../errors/catalog.js';
import type { Logger } from '../support/logger.js';
import { scenarioFileLabel } from './file-label.js';
import {
  type BuiltInSharing,
  builtInScenarioDir,
  type CompiledScenario,
  closeMatches,
  type LoadCache,
  loadScenarioFolders,
  type ResponseContract,
  type ShadowedScenario,
  scenarioInfo,
} from './loader.js';
import type { ScenarioInfo, ScenarioProblem } from './types.js';
import { type FolderWatcher, watchFolders } from './watcher.js';

/** At most this many scenarios per request or session (invented bound). */
export const MAX_SELECTED = 20;

/**
 * Problems printed per bad file at start and on reload. Every bad file is named, whatever the rate limit; a file with
 * more problems gets one line counting the rest, so a flood of problems cannot flood the log.
 */
export const PROBLEMS_SHOWN_PER_FILE = 3;

/** Where every problem is listed, for the lines that count the ones not printed. */
const ALL_PROBLEMS = 'GET /__admin/scenarios lists them all';

interface Library {
  scenarios: Map<string, CompiledScenario>;
  problems: ScenarioProblem[];
  warnings: ScenarioProblem[];
  cache: LoadCache;
  shadowed: ShadowedScenario[];
  /** The folders, to name a file in an HTTP answer without its absolute path. */
  dirs: readonly string[];
}

export class ScenarioLibrary {
  readonly #dirs: string[];
  readonly #operations: ReadonlyMap<string, CompiledOperation>;
  readonly #log: Logger;
  readonly #contract: ResponseContract | undefined;
  readonly #sharing: BuiltInSharing | undefined;
  #library: Library | null = null;
  #watcher: FolderWatcher | null = null;
  readonly #watch: boolean;
  readonly #maxFileBytes: number | undefined;
  #closed = false;

  constructor(
    deps: {
      dirs: string[];
      operations: ReadonlyMap<string, CompiledOperation>;
      /** Where the start and reload reports go: not rate-limited, as the report bounds itself per file. */
      log: Logger;
      /** The contract's responses, to check literal bodies against (unchecked without it). */
      contract?: ResponseContract;
      /** Compile the built-in folder's files once per process (without it, this library compiles its own). */
      sharing?: BuiltInSharing;
    },
    options: { watch?: boolean; maxFileBytes?: number },
  ) {
    this.#dirs = deps.dirs;
    this.#operations = deps.operations;
    this.#log = deps.log;
    this.#contract = deps.contract;
    this.#sharing = deps.sharing;
    // Loading is lazy (an app that never uses a scenario never reads a file) unless
    // strict mode or a default needs it at start. Watching begins with the first load: before it, there is nothing
    // to refresh, and the first load reads the files as they are then.
    this.#watch = options.watch ?? false;
    this.#maxFileBytes = options.maxFileBytes;
  }

  /** Load now: throws for any problem when strict, and for a default that is not a loaded scenario. */
  loadAtStart(strict: boolean, defaults: readonly string[]): void {
    const library = this.#load();
    if (strict && library.problems.length > 0) {
      throw new Error(
        `invalid scenario files (--strict-scenarios):\n${library.problems.map(formatProblem).join('\n')}`,
      );
    }
    this.#report(library);
    const unknown = defaults.filter((name) => !library.scenarios.has(name));
    if (unknown.length > 0) throw new Error(unknownMessage(unknown, library));
  }

  list(): ScenarioInfo[] {
    return [...this.#lib().scenarios.values()].map(scenarioInfo).sort((a, b) => a.name.localeCompare(b.name));
  }

  get(name: string): ScenarioInfo | undefined {
    const s = this.#lib().scenarios.get(name);
    return s ? scenarioInfo(s) : undefined;
  }

  problems(): ScenarioProblem[] {
    return [...this.#lib().problems];
  }

  folders(): string[] {
    return [...this.#dirs];
  }

  /** Re-read the folders now (unchanged files are reused); returns the current problems. The watcher calls this. */
  reload(): ScenarioProblem[] {
    if (this.#closed) return [];
    const before = new Set((this.#library?.problems ?? []).map(formatProblem));
    const warnedBefore = new Set((this.#library?.warnings ?? []).map(formatProblem));
    const shadowedBefore = new Set((this.#library?.shadowed ?? []).map(shadowKey));
    const library = this.#load();
    // A file with any new problem is reported again in full (bounded), so the console says what is wrong with it now.
    const changed = new Set(library.problems.filter((p) => !before.has(formatProblem(p))).map((p) => p.file));
    const warned = new Set(
      library.warnings.filter((w) => !warnedBefore.has(formatProblem(w))).map((w) => w.file),
    );
    const lines = [
      ...problemReport(library.problems.filter((p) => changed.has(p.file))),
      ...warningReport(library.warnings.filter((w) => warned.has(w.file))),
      ...shadowReport(
        library.shadowed.filter((s) => changed.has(s.file) || !shadowedBefore.has(shadowKey(s))),
      ),
    ];
    for (const line of lines) this.#log.warn(line);
    return [...library.problems];
  }

  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = null;
  }

  #lib(): Library {
    return this.#library ?? this.#report(this.#load());
  }

  /** A bad file never takes the server down: it is reported (here) and skipped. */
  #report(library: Library): Library {
    for (const line of [
      ...problemReport(library.problems),
      ...warningReport(library.warnings),
      ...shadowReport(library.shadowed),
    ])
      this.#log.warn(line);
    return library;
  }

  /** Load (or reload) every folder and swap the whole set in one assignment: requests in flight keep theirs. */
  #load(): Library {
    const operations = [...this.#operations.values()].map((op) => ({
      id: op.id,
      method: op.method,
      path: op.path,
    }));
    const result = loadScenarioFolders(
      this.#dirs,
      operations,
      this.#library?.cache,
      this.#maxFileBytes === undefined ? {} : { maxFileBytes: this.#maxFileBytes },
      this.#contract,
      this.#sharing,
    );
    const library: Library = {
      scenarios: result.scenarios,
      problems: result.problems,
      warnings: result.warnings,
      cache: result.cache,
      shadowed: result.shadowed,
      dirs: this.#dirs,
    };
    this.#library = library;
    if (this.#watch && !this.#watcher && !this.#closed)
      this.#watcher = watchFolders(this.#dirs, () => this.reload());
    return library;
  }

  /** Names → loaded scenarios, or a 400011 listing the close matches of every unknown name. */
  resolve(names: readonly string[], field: string): CompiledScenario[] {
    if (names.length > MAX_SELECTED) {
      throw apiError('400011', {
        detail: `At most ${MAX_SELECTED} scenarios at once; got ${names.length}.`,
        errors: { [field]: [`Name at most ${MAX_SELECTED} scenarios.`] },
      });
    }
    const library = this.#lib();
    const found: CompiledScenario[] = [];
    const unknown: string[] = [];
    for (const name of names) {
      const s = library.scenarios.get(name);
      if (s) found.push(s);
      else unknown.push(name);
    }
    if (unknown.length > 0) {
      throw apiError('400011', {
        detail: unknownMessage(unknown, library),
        errors: {
          [field]: unknown.map((name) => {
            const failed = failedFile(name, library);
            if (failed) return `"${name}" did not load: ${failedText(name, failed, library)}.`;
            const close = closeMatches(name, [...library.scenarios.keys()]);
            return close.length > 0
              ? `"${name}" is not a loaded scenario; close matches: ${close.join(', ')}.`
              : `"${name}" is not a loaded scenario.`;
          }),
        },
      });
    }
    return found;
  }
}

function unknownMessage(unknown: readonly string[], library: Library): string {
  const names = [...library.scenarios.keys()];
  const parts = unknown.map((name) => {
    const failed = failedFile(name, library);
    if (failed) return `Scenario "${name}" did not load: ${failedText(name, failed, library)}.`;
    const close = closeMatches(name, names);
    return close.length > 0
      ? `Unknown scenario "${name}"; did you mean ${close.map((c) => `"${c}"`).join(' or ')}?`
      : `Unknown scenario "${name}".`;
  });
  return parts.join(' ');
}

export function formatProblem(p: ScenarioProblem): string {
  return `${p.file}:${p.line}: ${p.message}`;
}

/** The log lines for these problems: each file's first few, then a line counting the rest of that file's. */
export function problemReport(problems: readonly ScenarioProblem[]): string[] {
  return boundedReport(problems, 'scenario file skipped', 'problem(s)', ALL_PROBLEMS);
}

/** The log lines for warnings of files that loaded (a recorded body's contract differences), bounded the same way. */
export function warningReport(warnings: readonly ScenarioProblem[]): string[] {
  return boundedReport(
    warnings,
    'scenario file loaded',
    'warning(s)',
    'scenarios:check <folder> lists them all',
  );
}

function boundedReport(
  problems: readonly ScenarioProblem[],
  lead: string,
  kind: string,
  where: string,
): string[] {
  const byFile = new Map<string, ScenarioProblem[]>();
  for (const p of problems) {
    const list = byFile.get(p.file) ?? [];
    list.push(p);
    byFile.set(p.file, list);
  }
  const lines: string[] = [];
  for (const [file, list] of byFile) {
    for (const p of list.slice(0, PROBLEMS_SHOWN_PER_FILE)) lines.push(`${lead}: ${formatProblem(p)}`);
    const more = list.length - PROBLEMS_SHOWN_PER_FILE;
    if (more > 0) lines.push(`${lead}: … and ${more} more ${kind} in ${file}; ${where}`);
  }
  return lines;
}

/** The problems of the scenario file a name belongs to, when that file exists but failed to load. */
function failedFile(name: string, library: Library): ScenarioProblem[] | null {
  const problems = library.problems.filter(
    (p) => /\.ya?ml$/i.test(p.file) && basename(p.file, extname(p.file)) === name,
  );
  return problems.length > 0 ? problems : null;
}

/** Why a name did not load: its file's first problem, the file named without its absolute path (this is an answer). */
function failedText(name: string, problems: readonly ScenarioProblem[], library: Library): string {
  const first = problems[0] as ScenarioProblem;
  const rest = problems.length - 1;
  const more = rest > 0 ? ` (and ${rest} more problem(s); ${ALL_PROBLEMS})` : '';
  const shadowed = library.shadowed.find((s) => s.name === name);
  const notUsed = shadowed
    ? `; ${describeReplaced(shadowed, (file) => scenarioFileLabel(file, library.dirs))} is not used in its place while it is broken`
    : '';
  const shown = formatProblem({ ...first, file: scenarioFileLabel(first.file, library.dirs) });
  return `its file has problems, so it was skipped: ${shown}${more}${notUsed}. Fix the file; flexfactor-mock scenarios:check checks it`;
}

function shadowKey(s: ShadowedScenario): string {
  return `${s.name}\0${s.file}\0${s.replaced}`;
}

/** "the built-in scenario "x"", or the scenario and the file of an earlier folder. */
function describeReplaced(s: ShadowedScenario, name: (file: string) => string): string {
  return dirname(s.replaced) === builtInScenarioDir()
    ? `the built-in scenario "${s.name}"`
    : `the scenario "${s.name}" of ${name(s.replaced)}`;
}

/** The log lines saying which earlier scenario a broken file keeps out of use, and what naming it answers. */
function shadowReport(shadowed: readonly ShadowedScenario[]): string[] {
  return shadowed.map(
    (s) =>
      `scenario not used: ${describeReplaced(s, (file) => file)} is not used while ${s.file} (which replaces it) is broken: naming "${s.name}" answers 400011 until the file is fixed`,
  );
}

/** The order a request is about: path id, body orderId / orderSessionKey, merchant orderId, or the one just created. */
