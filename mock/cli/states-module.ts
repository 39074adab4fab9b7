// Loading a user's provider-states module (`serve --states`, `verify --states`): its default export (or its
// `states` export) is a table of state sentence → set-up function (or { setup, teardown }).

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StateTable } from '../admin/provider-states.js';
import { checkOptionFile } from '../support/capped-file.js';

/** A states module is a table of set-up functions; what it imports is not counted. */
export const MAX_STATES_MODULE_BYTES = 1024 * 1024;

/**
 * Refuse, in one line, a --states path that is no regular file or is over MAX_STATES_MODULE_BYTES: Node's module
 * loader would read a device until memory runs out and wait on a FIFO for ever.
 */
export function checkStatesFile(path: string): void {
  checkOptionFile('--states', path, MAX_STATES_MODULE_BYTES, 'a JavaScript module file (.js or .mjs)');
}

export async function loadStatesModule(path: string): Promise<StateTable> {
  checkStatesFile(path);
  let module: { default?: unknown; states?: unknown };
  try {
    module = (await import(pathToFileURL(resolve(path)).href)) as typeof module;
  } catch (error) {
    throw new Error(`--states ${path}: cannot load it (${(error as Error).message})`);
  }
  const table = module.states ?? module.default;
  const valid = (f: unknown) =>
    typeof f === 'function' ||
    (typeof f === 'object' && f !== null && Object.values(f).every((g) => typeof g === 'function'));
  if (!table || typeof table !== 'object' || !Object.values(table).every(valid)) {
    throw new Error(
      `--states ${path}: export a table of state sentence → set-up function, e.g. export default { 'an order exists': async (params, { client }) => ({ orderId }) }`,
    );
  }
  return table as StateTable;
}
