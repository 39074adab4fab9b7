// What a scenario file may cost: its size, the side files it reads (inside its own folder, regular files, capped)
// and the regular expressions it runs on requests (a linear-time engine); the header values it sends follow the
// rule of mock/support/header-value.ts. Scenario files are data a user drops in a folder, sometimes copied from
// elsewhere: none of them may stall or take down the server.

import { realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

// Scenario files and side files are read with the shared non-blocking, capped reader.
export { describeBytes, readCapped } from '../support/capped-file.js';

/** Default cap on a scenario file and on each side file it reads. */
export const DEFAULT_SCENARIO_MAX_BYTES = 1024 * 1024;
/** At most this many scenario files are read per load (all folders together); the rest are reported and skipped. */
export const MAX_SCENARIO_FILES = 1_000;
/** YAML aliases a scenario file may expand (a billion-laughs file expands a few aliases into millions of nodes). */
export const MAX_YAML_ALIASES = 100;

/**
 * The real path of a side file named in a scenario, which must lie inside the scenario file's own folder (or below
 * it) once symbolic links are resolved. Throws an Error that says why not.
 */
export function confinedPath(scenarioFile: string, name: string): string {
  if (isAbsolute(name)) throw new Error('give a path relative to the scenario file, not an absolute one');
  const folder = realpathSync(dirname(scenarioFile));
  let real: string;
  try {
    real = realpathSync(resolve(dirname(scenarioFile), name));
  } catch {
    throw new Error('no such file');
  }
  const rel = relative(folder, real);
  if (rel === '' || rel.startsWith(`..${sep}`) || rel === '..' || isAbsolute(rel)) {
    throw new Error(
      "it is outside the scenario file's folder (after resolving links); keep side files next to it",
    );
  }
  return real;
}

/** A compiled user pattern: `test` runs in time linear in the input, whatever the pattern. */
export interface SafePattern {
  test(text: string): boolean;
}

interface Re2Module {
  RE2JS: { compile(source: string): { matcher(input: string): { find(): boolean } } };
}
let re2: Re2Module | null = null;

const UNSUPPORTED: [RegExp, string][] = [
  [/\\[1-9]|\\k</, 'backreferences (\\1, \\k<name>) are not supported'],
  [/\(\?<?[=!]/, 'lookahead and lookbehind ((?=…), (?!…), (?<=…), (?<!…)) are not supported'],
];

/**
 * Compile a pattern from a scenario file with RE2 semantics (re2js: pure JavaScript, no native build). Patterns run
 * on request data, so a backtracking engine would let one request stall the server for minutes with a pattern like
 * `^(a+)+$`; RE2 matches in linear time and refuses the constructs that need backtracking. Throws an Error that
 * explains what to change.
 */
export function compilePattern(source: string): SafePattern {
  for (const [construct, message] of UNSUPPORTED) {
    if (construct.test(source)) {
      throw new Error(`${message}: patterns run on a linear-time engine (RE2 syntax); rewrite without them`);
    }
  }
  re2 ??= createRequire(import.meta.url)('re2js') as Re2Module;
  let compiled: ReturnType<Re2Module['RE2JS']['compile']>;
  try {
    compiled = re2.RE2JS.compile(source);
  } catch (error) {
    throw new Error(`not a regular expression RE2 accepts: ${(error as Error).message}`);
  }
  return { test: (text) => compiled.matcher(text).find() };
}
/**
 * The most `:`, `,` and `- ` marks (an upper bound on a file's keys and items) a scenario file may have. The yaml
 * package's parse is linear but not quick (about 12 µs a key), so a 1 MiB file of one flow map with 90,000 keys held
 * the event loop for seconds on a hot reload; 20,000 marks parse in about a quarter of a second. A real scenario has
 * tens; a large body belongs in a JSON `bodyFile`, which JSON.parse reads at once.
 */
export const MAX_YAML_MARKS = 20_000;
