// Start-up checks and signals of `flexfactor-mock serve` that a CI job relies on: a missing --scenarios folder is an
// error before anything listens, and --ready-file tells a waiting script the base URL without parsing output.

import { renameSync, statSync, writeFileSync } from 'node:fs';

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

/** Written whole or not at all (rename is atomic), so a reader polling for the file never sees half a URL. */
export function writeReadyFile(path: string, baseUrl: string): void {
  const partial = `${path}.${process.pid}.tmp`;
  writeFileSync(partial, `${baseUrl}\n`);
  renameSync(partial, path);
}
