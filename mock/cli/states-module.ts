// Loading a user's provider-states module (`serve --states`, `verify --states`): its default export (or its
// `states` export) is a table of state sentence → set-up function (or { setup, teardown }).

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { StateTable } from '../admin/provider-states.js';

export async function loadStatesModule(path: string): Promise<StateTable> {
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
