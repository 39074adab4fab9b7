// Start-up checks and signals of `flexfactor-mock serve` (and `record`) that a CI job relies on: a missing --scenarios
// folder is an error before anything listens, and --ready-file tells a waiting script the base URL without parsing
// output.

import { lstatSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { readCapped } from '../support/capped-file.js';
import { describeFsError } from './output-files.js';

/** Every --scenarios folder must exist: a typo would otherwise serve only the built-in library, silently. */
export function checkScenarioDirs(dirs: readonly string[]): void {
  for (const dir of dirs) {
    let isDir = false;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      throw new Error(`--scenarios ${dir}: no such folder (give a folder of scenario files)`);
    }
    if (!isDir) throw new Error(`--scenarios ${dir}: not a folder (give a folder of scenario files)`);
  }
}

/** What a ready file holds when `serve` could not start, before the reason; `wait` stops on it at once. */
export const READY_FILE_FAILED = 'failed to start: ';

/**
 * Only a regular file (or a symbolic link, which is replaced, not followed) may be replaced: a ready file is removed
 * and renamed over, and run as root that would turn /dev/null or a named pipe into a text file.
 */
function checkReplaceable(path: string): void {
  let kind: string | null = null;
  try {
    const stat = lstatSync(path);
    if (stat.isDirectory()) kind = 'a folder';
    else if (!stat.isFile() && !stat.isSymbolicLink()) kind = 'a device, pipe or socket';
  } catch {
    return; // Nothing there yet, or nothing we may look at: the write itself says what is wrong.
  }
  if (kind)
    throw new Error(`--ready-file ${path}: it is ${kind}, not a file; give the path of a regular file`);
}

/** Written whole or not at all (rename is atomic), so a reader polling for the file never sees half a URL. */
export function writeReadyFile(path: string, baseUrl: string): void {
  checkReplaceable(path);
  const partial = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(partial, `${baseUrl}\n`);
    renameSync(partial, path);
  } catch (error) {
    try {
      rmSync(partial, { force: true });
    } catch {
      // Not there: the write itself failed.
    }
    throw new Error(
      `--ready-file ${path}: cannot write it (${describeFsError(error)}); give the path of a file`,
    );
  }
  if (!baseUrl.startsWith(READY_FILE_FAILED)) removeAtExit(path, `${baseUrl}\n`);
}

/**
 * A server that stopped takes its URL away, so nothing reads a dead server's address from the file; a failure stays
 * (wait reads it). Only a file that still holds what this process wrote: another run may have replaced it since.
 */
function removeAtExit(path: string, written: string): void {
  process.once('exit', () => {
    try {
      if (readCapped(path, written.length + 1) === written) rmSync(path);
    } catch {
      // Gone, replaced by something that is not a regular file, or not ours to remove: leave it.
    }
  });
}

/**
 * A previous run's ready file goes before anything else: `wait` would take its URL, and another server may still
 * answer there.
 */
export function clearReadyFile(path: string): void {
  checkReplaceable(path);
  try {
    rmSync(path, { force: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new Error(`--ready-file ${path}: cannot replace it (${code}); give the path of a file`);
  }
}

/**
 * A start that failed says so in the ready file (one line, the reason printed on stderr), so `wait --ready-file`
 * stops at once instead of polling to its timeout. Best effort: the failure itself is what the user must see.
 */
export function writeReadyFailure(path: string, reason: string): void {
  try {
    writeReadyFile(path, `${READY_FILE_FAILED}${reason.replace(/\s+/g, ' ').slice(0, 500)}`);
  } catch {
    // The reason is on stderr already; an unwritable ready file was the user's to see at start.
  }
}
