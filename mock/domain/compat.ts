// Compatibility profiles: which generation of the real API's request rules the mock applies.
//
// `docs` (default) follows the current public docs. `sandbox-2024` adds what the sandbox enforced when
// ActiveMerchant's remote suite ran against it (2024-04 → 2024-08, observed in its recorded 400): the five
// `transaction.*Code` fields of /v1/evaluate are required, and an empty string counts as missing. Chosen per server
// (`compat` option, `--compat`) and per request (the x-mock-compat header), so one test can check either.

import type { FieldErrors } from '../contract/contract.js';
import { apiError } from '../errors/catalog.js';

export const COMPAT_PROFILES = ['docs', 'sandbox-2024'] as const;
export type Compat = (typeof COMPAT_PROFILES)[number];
export const COMPAT_HEADER = 'x-mock-compat';

/** The transaction fields the 2024 sandbox required, in the casing of its ModelState keys. */
const SANDBOX_2024_TRANSACTION = [
  'ResponseCode',
  'ResponseCodeSource',
  'AvsResultCode',
  'CvvResultCode',
  'CavvResultCode',
];

/** The request's profile: the header when sent (400012 when unknown), else the server's. */
export function compatOf(header: string | undefined, serverDefault: Compat): Compat {
  if (header === undefined || header === '') return serverDefault;
  const wanted = header.trim().toLowerCase();
  const found = COMPAT_PROFILES.find((p) => p === wanted);
  if (!found) {
    throw apiError('400012', {
      errors: { [COMPAT_HEADER]: [`Use one of: ${COMPAT_PROFILES.join(', ')}.`] },
    });
  }
  return found;
}

/** Field errors the profile adds to the schema's, for an operation's bound body (null when none). */
export function compatErrors(compat: Compat, operationId: string, body: unknown): FieldErrors | null {
  if (compat !== 'sandbox-2024' || operationId !== 'evaluate') return null;
  const transaction = (body as { transaction?: unknown } | null)?.transaction;
  // ASP.NET validates a nested object's members only when the object itself was bound.
  if (!transaction || typeof transaction !== 'object' || Array.isArray(transaction)) return null;
  const out: FieldErrors = {};
  for (const name of SANDBOX_2024_TRANSACTION) {
    const value = (transaction as Record<string, unknown>)[name.charAt(0).toLowerCase() + name.slice(1)];
    if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
      out[`Transaction.${name}`] = [`The ${name} field is required.`];
    }
  }
  return Object.keys(out).length > 0 ? out : null;
}
