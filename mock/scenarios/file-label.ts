// How a scenario file is named to people: relative to the working directory when it is inside it (as
// `scenarios:check` prints it), else as its folder's name and the path inside that folder. An HTTP answer may travel
// beyond this machine (a shared mock, a CI log), so it never carries an absolute path of it.

import { basename, isAbsolute, relative, resolve, sep } from 'node:path';

/** The path relative to the working directory, or null when the file is not inside it. */
export function fromWorkingDirectory(file: string): string | null {
  const shown = relative(process.cwd(), file);
  return shown === '' || shown.startsWith('..') || isAbsolute(shown) ? null : slashes(shown);
}

/** The scenario file as an HTTP answer names it: never absolute. `folders` are the folders scenarios load from. */
export function scenarioFileLabel(file: string, folders: readonly string[]): string {
  const inCwd = fromWorkingDirectory(file);
  if (inCwd !== null) return inCwd;
  // The innermost folder holding the file: nested folders are both listed when a user passes both.
  const folder = folders
    .map((dir) => resolve(dir))
    .filter((dir) => file.startsWith(dir + sep))
    .sort((a, b) => b.length - a.length)[0];
  return folder === undefined ? basename(file) : slashes(`${basename(folder)}/${relative(folder, file)}`);
}

function slashes(path: string): string {
  return path.split(sep).join('/');
}
