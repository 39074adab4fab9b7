// How an error is written: the body shape a client gets for a catalog error, chosen per request.
//
// The real sandbox answers a model-binding failure with a flat ASP.NET ModelState dictionary (observed in the
// ActiveMerchant transcript): `{"TraceId":["00-…-01"],"OrderId":["Merchant's orderId is required"],…}`. ActiveMerchant
// builds its error message from exactly that: every key but `TraceId` (and its own `access_token`/`token_expires`),
// serialised back to JSON. Any key the mock added to that body (a `code`, a `title`) would end up inside that message,
// so the six-digit code travels in a header instead, on every error, whatever the body shape. A client that asks for
// problem details (`Accept: application/problem+json`) gets the documented RFC 7807 body with the code inside.

import type { ApiError } from './catalog.js';

/** The six-digit catalog code of every error response (invented header name; the body may not carry it). */
export const ERROR_CODE_HEADER = 'x-mock-error-code';

export interface ErrorResponse {
  contentType: string;
  body: Record<string, unknown>;
}

/**
 * The errors ASP.NET's model binding itself would produce (schema validation, unreadable JSON, bad query or path
 * values): these take the sandbox's flat shape. The mock's own rules (the strict profile, the invented sandbox
 * checks) keep the problem body, whose `detail` explains them (a strict error must say the real API would accept).
 */
const MODEL_BINDING_CODES: ReadonlySet<string> = new Set(['400001', '400002', '400012']);

/** Whether the request asked for RFC 7807 bodies by naming `application/problem+json` in Accept. */
export function wantsProblem(accept: string | undefined): boolean {
  return accept !== undefined && /application\/problem\+json/i.test(accept);
}

/**
 * The body of an error response. A model-binding error carrying field errors is the flat ModelState dictionary,
 * `TraceId` first, unless the client asked for problem details; everything else is a Problem.
 */
export function errorResponse(
  error: ApiError,
  traceId: string,
  instance: string | undefined,
  accept: string | undefined,
): ErrorResponse {
  const fields = error.errors !== undefined && Object.keys(error.errors).length > 0;
  if (fields && MODEL_BINDING_CODES.has(error.code) && !wantsProblem(accept)) {
    return { contentType: 'application/json; charset=utf-8', body: modelState(traceId, error.errors) };
  }
  return {
    contentType: 'application/problem+json; charset=utf-8',
    body: error.toBody(traceId, instance) as unknown as Record<string, unknown>,
  };
}

/** `{"TraceId": [traceId], "<Field>": ["message"], …}`: the sandbox's flat validation body. */
export function modelState(traceId: string, errors: Record<string, string[]>): Record<string, unknown> {
  const body: Record<string, unknown> = { TraceId: [traceId] };
  for (const [field, messages] of Object.entries(errors)) {
    // A field literally named TraceId must not replace the trace id ActiveMerchant skips.
    if (field !== 'TraceId') body[field] = messages;
  }
  return body;
}

/** The six-digit code of an error body of either shape, or of its header: for readers (the journal, tests). */
export function errorCodeOf(body: unknown, headers: Record<string, unknown> = {}): string | null {
  const header = headers[ERROR_CODE_HEADER];
  if (typeof header === 'string') return header;
  const code = (body as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}
