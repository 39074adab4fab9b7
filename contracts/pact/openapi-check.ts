// Pact files against contracts/openapi.yaml, before any provider sees them: a pact that asks for a path, a field
// value or a status the contract does not allow is reported here. The comparison is @pactflow/openapi-pact-comparator's
// (the maintained successor of swagger-mock-validator); it is a development dependency, loaded only when needed.

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { defaultSpecPath } from '../../mock/contract/contract.js';
import { readPactText } from './pact-files.js';

export const COMPARATOR_PACKAGE = '@pactflow/openapi-pact-comparator';
/** The newest version that runs on Node 20 (2.x declares Node >= 22). */
export const COMPARATOR_VERSION = '1.7.0';
/** The command that installs it. */
export const COMPARATOR_INSTALL = `npm install --save-dev ${COMPARATOR_PACKAGE}@${COMPARATOR_VERSION}`;

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
    throw new Error(`${COMPARATOR_PACKAGE} is not installed: ${COMPARATOR_INSTALL}`);
  }
  const comparator = new Comparator(parseYaml(readFileSync(specPath, 'utf8')));
  const findings: SpecFinding[] = [];
  for (const file of pactFiles) {
    const pact = JSON.parse(readPactText(file)) as unknown;
    for await (const result of comparator.compare(pact)) {
      const caseOnly = differsOnlyInCase(pact, result);
      findings.push({
        ...(caseOnly
          ? {
              type: 'warning' as const,
              message: `${result.message} — sent as "${caseOnly}": the API binds body keys case-insensitively (x-flexfactor-case-insensitive-keys), so this is accepted`,
            }
          : { type: result.type, message: result.message }),
        pact: file,
        interaction: result.mockDetails?.interactionDescription ?? '(the pact file)',
        code: result.code,
        location: result.mockDetails?.location ?? '',
      });
    }
  }
  return findings;
}

/**
 * The key a "required property" finding misses, when the pact's request body has it in another casing (the real API,
 * like ASP.NET, binds JSON keys case-insensitively; the schema names one casing). Null otherwise.
 */
function differsOnlyInCase(pact: unknown, result: ComparatorResult): string | null {
  if (result.code !== 'request.body.incompatible') return null;
  const missing = /must have required property '([^']+)'/.exec(result.message)?.[1];
  const index = /interactions\[(\d+)\]/.exec(result.mockDetails?.location ?? '')?.[1];
  if (!missing || index === undefined) return null;
  const interaction = (pact as { interactions?: { request?: { body?: unknown } }[] }).interactions?.[
    Number(index)
  ];
  let body = interaction?.request?.body;
  if (body && typeof body === 'object' && 'content' in body) body = (body as { content: unknown }).content;
  const found = keysOf(body).find((k) => k !== missing && k.toLowerCase() === missing.toLowerCase());
  return found ?? null;
}

function keysOf(value: unknown, depth = 0): string[] {
  if (!value || typeof value !== 'object' || depth > 8) return [];
  const entries = Array.isArray(value) ? value.map((v) => ['', v] as const) : Object.entries(value);
  return entries.flatMap(([k, v]) => [...(k ? [k] : []), ...keysOf(v, depth + 1)]);
}
