// The last stage: every error becomes a catalog problem (JSON or problem+json, as the client accepts), with its code
// header and a seeded trace id; anything unexpected is logged by message only and answered 500001, never a stack.

import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { ADMIN_PREFIX } from '../admin/admin-api.js';
import { DataSource } from '../domain/fake-data.js';
import { ApiError, apiError } from '../errors/catalog.js';
import { ERROR_CODE_HEADER, errorResponse } from '../errors/shape.js';
import type { Logger } from '../support/logger.js';
import { redactPath, redactStringsJson } from '../support/redact.js';
import { fromParserError, type ResponseCheck, writeJson } from './pipeline.js';
import { type Locals, locals } from './session-stage.js';

export interface ErrorHandlerDeps {
  /** Seeds the trace ids of requests that belong to no session. */
  seed: number;
  log: Logger;
  responses: ResponseCheck;
  /** The store is shared with other processes (same seed): trace ids are then random (see DataSource). */
  shared?: boolean;
}

/**
 * The 404 for a path no route serves. The official sample client joins a base URL ending in `/` with `/outcome` and
 * `/orders/{id}/refund`, sending `/v1//outcome`; what the real API answers is unknown, the mock's 404 (invented, like
 * ASP.NET routing, which does not merge empty segments) names the double slash so the bug is found at once.
 */
export function notFound(path: string): ApiError {
  if (!path.includes('//')) return apiError('404001');
  return apiError('404001', {
    detail:
      'The path contains a double slash (//): remove one. A base URL ending in / joined with a path starting with / does this (e.g. …/v1//outcome).',
  });
}

export function errorHandler(deps: ErrorHandlerDeps): ErrorRequestHandler {
  // Trace ids for requests that belong to no session (an invalid x-mock-session): a stream of their own, so answering
  // them neither creates the default session nor moves its seeded ids.
  const sessionless = new DataSource(deps.seed, '\u0000sessionless', { randomTraces: deps.shared === true });
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    let apiErr: ApiError;
    if (error instanceof ApiError) apiErr = error;
    else {
      const mapped = fromParserError(error as { type?: string });
      if (mapped) apiErr = mapped;
      else {
        // Never a stack trace in the response; the log gets the message only.
        deps.log.error(
          `unexpected ${(error as Error)?.name ?? 'error'} on ${req.method} ${redactPath(req.path)}: ${(error as Error)?.message ?? String(error)}`,
        );
        apiErr = apiError('500001');
      }
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    const traceId = ((locals(res) as Partial<Locals>).session?.data ?? sessionless).traceId();
    // The admin API is the mock's own, not FlexFactor traffic: its errors are always problem bodies.
    const accept = req.path.startsWith(ADMIN_PREFIX) ? 'application/problem+json' : req.headers.accept;
    const { body, contentType } = errorResponse(apiErr, traceId, req.path, accept);
    const operationId = locals(res).operationId;
    if (deps.responses.enabled && operationId) deps.responses.check(operationId, apiErr.status, body);
    for (const [name, value] of Object.entries(apiErr.headers ?? {})) res.setHeader(name, value);
    res.setHeader(ERROR_CODE_HEADER, apiErr.code);
    locals(res).responseBody = body;
    // Details may quote the request (a content type, a field): the same rules as every other sink.
    writeJson(res, apiErr.status, contentType, redactStringsJson(body));
  };
}
