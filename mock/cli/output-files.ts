// Files the harness commands write: verify's and drift's reports at the end of a run, record's recordings while it
// runs. A path that cannot be written is found before anything runs, with one line naming it (exit 2, "could not
// run"): found at the end, it cost a whole run, and an uncaught write error read as a broken contract (exit 1).
// Missing folders are created, with their parents.

import { accessSync, constants, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** An output path given on the command line that cannot be written: a usage error, one line. */
export class OutputPathError extends Error {}

/** Node's error code as the reason a person can act on. */
export function describeFsError(error: unknown): string {
  const { code } = error as NodeJS.ErrnoException;
  if (code === 'EEXIST' || code === 'ENOTDIR') return 'a file is in the way';
  if (code === 'EISDIR') return 'it is a folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOENT') return 'no such folder';
  return code ?? (error as Error).message;
}

/** Create a folder (and its parents) or say, as a usage error, why it cannot be one. */
export function makeFolder(path: string, what: string, fix: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    throw new OutputPathError(
      `${what}: cannot create the folder ${path} (${describeFsError(error)}); ${fix}`,
    );
  }
  // mkdir with recursive succeeds silently only for folders; the check keeps the message plain either way.
  if (!statSync(path).isDirectory()) throw new OutputPathError(`${what}: ${path} is not a folder; ${fix}`);
}

/**
 * Make sure `path` can be written at the end of the run, without writing it now (a run that cannot start leaves a
 * previous report alone): its folder exists, it is not a folder, and it or its folder is writable. `option` is the
 * option that named it (`--json`).
 */
export function prepareOutputFile(option: string, path: string): void {
  const what = `${option} ${path}`;
  const fix = 'give a file path for the report';
  const folder = dirname(resolve(path));
  makeFolder(folder, what, fix);
  const stat = statSync(path, { throwIfNoEntry: false });
  if (stat?.isDirectory()) throw new OutputPathError(`${what}: it is a folder; ${fix}`);
  try {
    accessSync(stat ? path : folder, constants.W_OK);
  } catch (error) {
    throw new OutputPathError(`${what}: cannot write it (${describeFsError(error)}); ${fix}`);
  }
}

/** Write a report prepared by prepareOutputFile; a failure (the disk full, the folder removed) is one line. */
export function writeOutputFile(option: string, path: string, text: string): void {
  try {
    writeFileSync(path, text);
  } catch (error) {
    throw new OutputPathError(`${option} ${path}: cannot write it (${describeFsError(error)})`);
  }
}

/**
 * Check the report paths a command was given (option → path) before it runs; on the first that cannot be written,
 * print its line as `flexfactor-mock <command>: …` and answer false (the command exits 2).
 */
export function reportPathsUsable(command: string, reports: Record<string, string | undefined>): boolean {
  try {
    for (const [option, path] of Object.entries(reports)) if (path) prepareOutputFile(option, path);
    return true;
  } catch (error) {
    if (!(error instanceof OutputPathError)) throw error;
    process.stderr.write(`flexfactor-mock ${command}: ${error.message}\n`);
    return false;
  }
}
