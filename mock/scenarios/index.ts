// Scenario files and fault injection: the public surface (the engine createApp() builds, and the folder check the
// CLI's `scenarios:check` runs).

import { Contract } from '../contract/contract.js';
import { responseContract } from './body-check.js';
import { builtInScenarioDir, loadScenarioFolders } from './loader.js';
import type { ScenarioProblem } from './types.js';

export { SCENARIO_HEADER, ScenarioEngine, type ScenarioOptions } from './engine.js';
export { builtInScenarioDir } from './loader.js';
export type { ScenarioFile, ScenarioInfo, ScenarioProblem } from './types.js';

/**
 * Validate scenario folders without starting a server: the schema, the contract's operations, side files. `warnings`
 * are about files that load: a recorded body's differences from the contract.
 *
 * @example
 * const { problems } = checkScenarioFolders(['test/scenarios']);
 * for (const p of problems) console.error(`${p.file}:${p.line}: ${p.message}`);
 */
export function checkScenarioFolders(
  dirs: readonly string[] = [builtInScenarioDir()],
  options: { specPath?: string; maxFileBytes?: number } = {},
): { files: number; valid: number; problems: ScenarioProblem[]; warnings: ScenarioProblem[] } {
  const contract = new Contract(options.specPath ? { specPath: options.specPath } : {});
  const operations = [...contract.operations.values()].map((op) => ({
    id: op.id,
    method: op.method,
    path: op.path,
  }));
  const result = loadScenarioFolders(
    dirs,
    operations,
    new Map(),
    options.maxFileBytes === undefined ? {} : { maxFileBytes: options.maxFileBytes },
    responseContract(contract),
  );
  const valid = [...result.cache.values()].filter((entry) => entry.scenario !== null).length;
  return { files: result.files, valid, problems: result.problems, warnings: result.warnings };
}
