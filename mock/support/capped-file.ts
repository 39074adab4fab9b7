// Reading a file a user names (a scenario file and its side files, a merchants file, a states module, a pact file,
// a ready file) without letting the name stall or take down the process: /dev/zero would be read until memory runs
// out, a FIFO would block the open until some writer comes, and neither ever ends in an error message.

import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export function describeBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0
    ? `${bytes / (1024 * 1024)} MiB`
    : bytes % 1024 === 0
      ? `${bytes / 1024} KiB`
      : `${bytes} bytes`;
}

/**
 * Open `path` (following symbolic links) without blocking, and check on the open descriptor (no swap between check
 * and read) that it is a regular file of at most `maxBytes`. Throws an Error whose message says what is wrong.
 */
function openRegular(path: string, maxBytes: number): { fd: number; size: number } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error('not a regular file (devices, pipes and folders are refused)');
    if (stat.size > maxBytes) {
      throw new Error(`the file is ${stat.size} bytes; the limit is ${describeBytes(maxBytes)}`);
    }
    return { fd, size: stat.size };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * Read a regular file of at most `maxBytes`, without ever blocking; the read stops at the cap even if the file grows
 * meanwhile. Throws an Error whose message says what is wrong (a missing file keeps its ENOENT code).
 */
export function readCapped(path: string, maxBytes: number): string {
  const { fd, size } = openRegular(path, maxBytes);
  try {
    const buffer = Buffer.alloc(Math.min(size, maxBytes) + 1);
    let length = 0;
    while (length < buffer.length) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > maxBytes) throw new Error(`the file grew past the limit of ${describeBytes(maxBytes)}`);
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

/**
 * Check, without reading it, that `path` is a regular file of at most `maxBytes`: for a file another reader loads
 * (Node's module loader for a states module), which would block on a FIFO or read a device forever.
 */
export function checkRegularFile(path: string, maxBytes: number): void {
  closeSync(openRegular(path, maxBytes).fd);
}

/** Why a file could not be opened or read, in words (Node's own messages repeat the path and the system call). */
function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'not readable (permission denied)';
  if (code === 'ELOOP') return 'a loop of symbolic links';
  return (error as Error).message;
}

/**
 * What a command-line option names: a regular file of at most `maxBytes`. Throws an Error of one line naming the
 * option, the path, what is wrong and what to give instead (`give`, e.g. "a YAML or JSON file").
 */
function optionFile<T>(option: string, path: string, maxBytes: number, give: string, use: () => T): T {
  try {
    return use();
  } catch (error) {
    throw new Error(`${option} ${path}: ${reason(error)}; give ${give} (at most ${describeBytes(maxBytes)})`);
  }
}

/** readCapped for a file an option names, with the one-line refusal of optionFile. */
export function readOptionFile(option: string, path: string, maxBytes: number, give: string): string {
  return optionFile(option, path, maxBytes, give, () => readCapped(path, maxBytes));
}

/** checkRegularFile for a file an option names, with the one-line refusal of optionFile. */
export function checkOptionFile(option: string, path: string, maxBytes: number, give: string): void {
  optionFile(option, path, maxBytes, give, () => checkRegularFile(path, maxBytes));
}
