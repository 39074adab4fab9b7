// Pact files against contracts/openapi.yaml, before any provider sees them: a pact that asks for a path, a field
// value or a status the contract does not allow is reported here. The comparison is @pactflow/openapi-pact-comparator's
// (the maintained successor of swagger-mock-validator); it is a development dependency, loaded only when needed.

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { defaultSpecPath } from '../../mock/contract.js';

export const COMPARATOR_PACKAGE = '@pactflow/openapi-pact-comparator';
/** The newest version that runs on Node 20 (2.x declares Node >= 22). */
export const COMPARATOR_VERSION = '1.7.0';

export interface SpecFinding {
  pact: string;
  interaction: string;
  type: 'error' | 'warning';
  /** The comparator's code, e.g. `response.body.incompatible`. */
  code: string;
  message: string;
  /** Where in the pact, e.g. `[root].interactions[3].response.body.status`. */
  location: string;
}

interface ComparatorResult {
  code: string;
  message: string;
  type: 'error' | 'warning';
  mockDetails?: { interactionDescription?: string | null; location: string };
}

type ComparatorClass = new (oas: unknown) => { compare(pact: unknown): AsyncIterable<ComparatorResult> };

/** The comparator, or null when the package is not installed. */
export async function loadComparator(): Promise<ComparatorClass | null> {
  try {
    // A variable specifier: the package is optional, so the type checker must not require it.
    const specifier: string = COMPARATOR_PACKAGE;
    const module = (await import(specifier)) as { Comparator: ComparatorClass };
    return module.Comparator;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return null;
    throw error;
  }
}

/**
 * Compare pact files with the OpenAPI contract. Throws when the comparator is not installed (the message says how
 * to install it).
 */
export async function checkPactsAgainstSpec(
  pactFiles: string[],
  specPath: string = defaultSpecPath(),
): Promise<SpecFinding[]> {
  const Comparator = await loadComparator();
  if (!Comparator) {
    throw new Error(
      `${COMPARATOR_PACKAGE} is not installed: npm install --save-dev ${COMPARATOR_PACKAGE}@${COMPARATOR_VERSION}`,
    );
  }
  const comparator = new Comparator(parseYaml(readFileSync(specPath, 'utf8')));
  const findings: SpecFinding[] = [];
  for (const file of pactFiles) {
    const pact = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    for await (const result of comparator.compare(pact)) {
      findings.push({
        pact: file,
        interaction: result.mockDetails?.interactionDescription ?? '(the pact file)',
        type: result.type,
        code: result.code,
        message: result.message,
        location: result.mockDetails?.location ?? '',
      });
    }
  }
  return findings;
}
