// The reference client's errors: one for an HTTP error answer (carrying the six-digit code), one for a request that
// got no answer (timeout or network failure). Business failures (DECLINED, FAILED) are not errors: they are HTTP 200
// answers and come back as results.

import type { Problem } from './types.gen.js';

const SIX_DIGITS = /^[1-5]\d{5}$/;

/** The API answered with a non-2xx status. */
export class FlexFactorError extends Error {
  override readonly name = 'FlexFactorError';
  /** The operation that failed, e.g. `evaluate`. */
  readonly operation: string;
  readonly status: number;
  /**
   * The six-digit error code (first three digits = the HTTP status), e.g. `400001`: from a problem body, or from the
   * mock's x-mock-error-code header when the body is a flat ModelState dictionary; null when neither carried one.
   */
  readonly code: string | null;
  readonly title: string | null;
  readonly detail: string | null;
  readonly traceId: string | null;
  /** Field errors, ModelState style: `{ "Transaction.Amount": ["…"] }` (empty when none). */
  readonly errors: Record<string, string[]>;
  /** The parsed body (a `Problem` from the mock; whatever the server sent otherwise), or the text when not JSON. */
  readonly body: unknown;
  /** How many attempts were made (retries and the single retry after a 401 included). */
  readonly attempts: number;

  constructor(
    operation: string,
    status: number,
    body: unknown,
    attempts: number,
    headerCode?: string | null,
  ) {
    const problem = (body && typeof body === 'object' ? body : {}) as Partial<Problem>;
    const given = typeof problem.code === 'string' ? problem.code : (headerCode ?? null);
    const code = given !== null && SIX_DIGITS.test(given) ? given : null;
    super(
      `${operation} failed: HTTP ${status}${code ? ` ${code}` : ''}${problem.title ? ` ${problem.title}` : ''}` +
        (problem.detail ? ` — ${problem.detail}` : ''),
    );
    this.operation = operation;
    this.status = status;
    this.code = code;
    this.title = typeof problem.title === 'string' ? problem.title : null;
    this.detail = typeof problem.detail === 'string' ? problem.detail : null;
    this.traceId = typeof problem.traceId === 'string' ? problem.traceId : flatTraceId(body);
    this.errors = fieldErrors(body);
    this.body = body;
    this.attempts = attempts;
  }
}

/** No answer: the attempt timed out or the connection failed (after any retries the call allows). */
export class FlexFactorTransportError extends Error {
  override readonly name = 'FlexFactorTransportError';
  readonly operation: string;
  readonly kind: 'timeout' | 'network';
  readonly attempts: number;

  constructor(operation: string, kind: 'timeout' | 'network', attempts: number, cause: unknown) {
    super(
      `${operation} failed: ${kind === 'timeout' ? 'no answer before the timeout' : 'the connection failed'}` +
        ` after ${attempts} attempt${attempts === 1 ? '' : 's'}` +
        (cause instanceof Error && kind === 'network' ? ` (${causeMessage(cause)})` : ''),
      { cause },
    );
    this.operation = operation;
    this.kind = kind;
    this.attempts = attempts;
  }
}

function causeMessage(error: Error): string {
  const inner = (error as { cause?: unknown }).cause;
  return inner instanceof Error ? inner.message : error.message;
}

/** The `TraceId` of a flat ModelState body (`{"TraceId": ["00-…-01"], …}`), or null. */
function flatTraceId(body: unknown): string | null {
  const value = (body as { TraceId?: unknown } | null)?.TraceId;
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : null;
}

/** `errors` of a problem body, or a flat ModelState dictionary (`{"OrderId": ["…"], "TraceId": ["…"]}`). */
function fieldErrors(body: unknown): Record<string, string[]> {
  if (!body || typeof body !== 'object') return {};
  const record = body as Record<string, unknown>;
  const source =
    record.errors && typeof record.errors === 'object' && !Array.isArray(record.errors)
      ? record.errors
      : record;
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(source as Record<string, unknown>)) {
    if (Array.isArray(value) && value.every((v) => typeof v === 'string') && key !== 'TraceId')
      out[key] = value;
  }
  return out;
}
