// One route's pipeline: the named stages run in order in one function (not five Express middlewares: fewer router
// hops on every request), and any of them may throw a catalog error:
//   authenticate → content type → parse body → hooks before → validate (schema, then profile) → handler → hooks
//   after → (check response) → write.

import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { type CompiledOperation, checkRequest, jsonLimitErrors } from '../contract/contract.js';
import type { AccountBook, MerchantAccount } from '../domain/accounts.js';
import { COMPAT_HEADER, compatErrors, compatOf } from '../domain/compat.js';
import { profileChecks } from '../domain/strict-profile.js';
import type { TokenClaims, TokenService } from '../domain/tokens.js';
import { type ApiError, apiError } from '../errors/catalog.js';
import { ERROR_CODE_HEADER } from '../errors/shape.js';
import type { SharedStore } from '../redis/shared-store.js';
import { evictOldest } from '../support/bounded.js';
import { encodedHeaderText, safeHeaderValue } from '../support/header-value.js';
import type { Logger } from '../support/logger.js';
import { redactText } from '../support/redact.js';
import type { Settings } from '../support/settings.js';
import { bodyTooLarge, goAhead } from './go-ahead.js';
import { type BodyError, bodyError, declaresUtf8, readJsonBody, scalarJson } from './json-body.js';
import { PARTNER_OPERATIONS } from './routes.js';
import { locals } from './session-stage.js';
import type { Ctx, HandlerServices, Reply, RequestHooks } from './types.js';

export const WARNING_HEADER = 'x-mock-warning';
/** The most the warning header holds (printable ASCII, so characters are bytes). */
export const MAX_WARNING_HEADER_BYTES = 4096;
const JSON_TYPE = /^(application\/(?:[\w.*+-]+\+)?json|text\/json)\s*(;|$)/i;

/** Responses checked against the contract (when validateResponses is on); a failed check is recorded by check(). */
export interface ResponseCheck {
  enabled: boolean;
  /** The problems of this response (none: it conforms). */
  check(operationId: string, status: number, body: unknown): string[];
}

/** What every route's pipeline works with, built once by createApp(). */
export interface PipelineDeps {
  settings: Readonly<Settings>;
  accounts: AccountBook;
  tokens: TokenService;
  hooks: readonly RequestHooks[];
  /** What handlers get as ctx.services. */
  services: HandlerServices;
  responses: ResponseCheck;
  /** Logs a request's strict-profile warnings (once each, see warnOnce). */
  warnOnce: (ctx: Ctx) => void;
  /** A store shared through Redis: the stages that read or change the session run as one transaction. */
  shared?: Pick<SharedStore, 'transact'>;
}

/** One route: the named stages run in order; any of them may throw a catalog error. */
export function pipeline(
  deps: PipelineDeps,
  op: CompiledOperation,
  handler: (ctx: Ctx) => Reply | Promise<Reply>,
): RequestHandler {
  const { settings, accounts, tokens, hooks } = deps;
  const jsonParser = express.json({
    limit: settings.bodyLimit,
    type: (req) => JSON_TYPE.test(String(req.headers['content-type'] ?? '')),
    // JSON is UTF-8 (RFC 8259) and the real API's reader refuses other bytes; body-parser would decode them to U+FFFD
    // and accept the body. Declared UTF-16/32 charsets are left to body-parser.
    verify: (req, _res, buf) => {
      if (declaresUtf8(req.headers['content-type']) && !isUtf8(buf)) {
        throw bodyError('encoding.invalid', 'The body is not valid UTF-8.');
      }
    },
  });
  // The body stage: express.json, then the reader limits JSON.parse lacks (depth 64, finite numbers), checked before
  // anything walks the body recursively. A deep body overflowed the stack (500) and an undecodable Content-Encoding
  // body (zlib error) was a 500 before. A rejected body is dropped so no later stage sees it.
  const checkLimits = (req: Request): void => {
    if (req.body === undefined) return;
    const errors = jsonLimitErrors(req.body);
    if (errors) {
      req.body = undefined;
      throw apiError('400001', { errors });
    }
  };
  const parseBody = (req: Request, res: Response): Promise<void> => {
    // Refused on its declared length before a byte is read (and before a client on Expect is told to send it).
    if (!goAhead(req, settings.bodyLimit, 'decoded')) return Promise.reject(bodyTooLarge(settings.bodyLimit));
    const reading = readJsonBody(req, settings.bodyLimit);
    if (reading) {
      return reading.then(
        (body) => {
          req.body = body;
          checkLimits(req);
        },
        (error: BodyError) => {
          throw fromParserError(error);
        },
      );
    }
    return new Promise((resolve, reject) => {
      jsonParser(req, res, (error?: unknown) => {
        if (error) return reject(fromParserError(error as { type?: string }) ?? unreadableBody(error));
        try {
          checkLimits(req);
          resolve();
        } catch (limitError) {
          reject(limitError);
        }
      });
    });
  };
  const partnerOnly = PARTNER_OPERATIONS.has(op.id);

  const admit = (claims: TokenClaims, res: Response): void => {
    const account = accounts.byMid(claims['custom:mid']);
    if (!account)
      throw apiError('401003', { detail: 'The token belongs to a merchant this server does not know.' });
    if (partnerOnly && !accounts.isPartner(account)) throw apiError('403002');
    (res.locals as { account?: MerchantAccount }).account = account;
  };
  // Synchronous for a token seen before (the usual case); a promise only while a new token's signature is checked.
  const authenticate = (req: Request, res: Response): void | Promise<void> => {
    if (op.security === 'bearer-or-tokenization' && req.headers.authorization === undefined) return;
    if (op.security !== 'bearer' && op.security !== 'bearer-or-tokenization') return;
    const checked = tokens.authenticate(req.get('authorization'));
    if (checked instanceof Promise) return checked.then((claims) => admit(claims, res));
    admit(checked, res);
  };

  const checkContentType = (req: Request): void => {
    if (op.bodyType !== 'json' || !hasBody(req)) return;
    if (!JSON_TYPE.test(String(req.headers['content-type'] ?? ''))) {
      throw apiError('415001', { detail: `Got content type "${req.headers['content-type'] ?? '(none)'}".` });
    }
  };

  // The handler and the hooks after it: what reads and changes the session (one transaction when shared).
  const handle = async (ctx: Ctx, res: Response): Promise<Reply | 'handled'> => {
    let reply = await handler(ctx);
    for (const hook of hooks) {
      if (!hook.afterHandler) continue;
      const pending = hook.afterHandler(ctx, reply, res);
      const after = pending instanceof Promise ? await pending : pending;
      if (after === 'handled') return after;
      reply = after;
    }
    return reply;
  };

  // The stages run in one function (not five Express middlewares): fewer router hops on every request.
  return async (req, res, next) => {
    locals(res).operationId = op.id;
    try {
      const authenticating = authenticate(req, res);
      if (authenticating) await authenticating;
      checkContentType(req);
      if (op.bodyType === 'json') await parseBody(req, res);
      const ctx: Ctx = {
        services: deps.services,
        req,
        op,
        session: locals(res).session,
        body: req.body,
        query: req.query as Record<string, unknown>,
        params: req.params as Record<string, string>,
        account: (res.locals as { account?: MerchantAccount }).account ?? null,
        warnings: [],
        locals: res.locals,
      };
      for (const hook of hooks) {
        const pending = hook.beforeHandler?.(ctx, res);
        const early = pending instanceof Promise ? await pending : pending;
        if (early === 'handled') return;
        if (early) return send(deps, res, op.id, early);
      }
      const compat = compatOf(req.get(COMPAT_HEADER), settings.compat);
      const checked = checkRequest(op, ctx.query, ctx.body, {
        extraErrors: (body) => compatErrors(compat, op.id, body),
      });
      ({ query: ctx.query, body: ctx.body } = checked);
      ctx.locals.coerced = checked.coerced;
      authorizeMerchant(ctx, accounts);
      profileChecks(ctx);
      const reply = deps.shared
        ? await deps.shared.transact(ctx.session.name, () => handle(ctx, res))
        : await handle(ctx, res);
      if (reply === 'handled') return;
      deps.warnOnce(ctx);
      send(deps, res, op.id, reply, ctx.warnings);
    } catch (error) {
      next(error);
    }
  };
}

/** Warnings remembered as logged (each by a 43-character digest, so the set stays under 100 KB). */
const WARNINGS_REMEMBERED = 1_000;

/**
 * Strict-profile warnings go out in a header on every response and to the log once per session, operation and
 * warning. `remembered` holds a digest of each logged one, never its text (tests pass their own Map to look inside).
 */
export function warnOnce(log: Logger, remembered = new Map<string, true>()): (ctx: Ctx) => void {
  return (ctx) => {
    if (ctx.warnings.length === 0) return;
    for (const warning of ctx.warnings) {
      const key = createHash('sha256')
        .update(`${ctx.session.name}\u0000${ctx.op.id}\u0000${warning}`)
        .digest('base64url');
      if (remembered.has(key)) continue;
      evictOldest(remembered, WARNINGS_REMEMBERED);
      remembered.set(key, true);
      log.warn(
        `${ctx.op.id}: ${warning} (logged once per session; every response carries ${WARNING_HEADER})`,
      );
    }
  };
}

/** A `mid` in the body or query must be the caller's own, or one its partner account acts for. */
function authorizeMerchant(ctx: Ctx, accounts: AccountBook): void {
  if (!ctx.account) return;
  const mid = ctx.body?.mid ?? ctx.query.mid;
  if (typeof mid === 'string' && mid !== '' && !accounts.mayActFor(ctx.account, mid)) {
    throw apiError('403001');
  }
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

function send(
  deps: Pick<PipelineDeps, 'responses'>,
  res: Response,
  operationId: string,
  reply: Reply,
  warnings: string[] = [],
): void {
  const status = reply.status ?? 200;
  let body = reply.body;
  if (deps.responses.enabled) {
    const problems = deps.responses.check(operationId, status, body ?? null);
    if (problems.length > 0) {
      const error = apiError('500002', { errors: { response: problems } });
      res.status(500).type('application/problem+json');
      res.setHeader(ERROR_CODE_HEADER, error.code);
      res.send(JSON.stringify(error.toBody(locals(res).session.data.traceId(), res.req.path)));
      return;
    }
  }
  if (warnings.length > 0) res.setHeader(WARNING_HEADER, warningHeader(warnings));
  // A stored reply's headers come back on every replay: made safe here, one value can never fail a write.
  const headers = reply.headers;
  if (headers !== undefined)
    for (const name of Object.keys(headers)) res.setHeader(name, safeHeaderValue(String(headers[name])));
  if (body === undefined) body = {};
  locals(res).responseBody = body;
  writeJson(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

/**
 * The warnings as one header value: redacted (they quote field names from the request), then encoded reversibly
 * (encodedHeaderText: decodeURIComponent gives the redacted text back) and at most MAX_WARNING_HEADER_BYTES, since
 * clients refuse a response whose headers are too large (undici at 16 KiB in all), after the request was applied.
 * What does not fit is cut at a whole character, with a note of how many warnings were not shown whole. Redaction
 * comes before the cut: a cut card number is no longer recognized as one.
 */
function warningHeader(warnings: readonly string[]): string {
  const redacted = warnings.map(redactText);
  const text = redacted.join(' | ');
  const value = encodedHeaderText(text);
  if (value.length <= MAX_WARNING_HEADER_BYTES) return value;
  const note = (left: number) =>
    ` ... (${left} warning(s) not shown in full: ${WARNING_HEADER} is cut at ${MAX_WARNING_HEADER_BYTES} bytes)`;
  const room = MAX_WARNING_HEADER_BYTES - note(warnings.length).length;
  let cut = '';
  let used = 0;
  for (const char of text) {
    const safe = encodedHeaderText(char);
    if (cut.length + safe.length > room) break;
    cut += safe;
    used += char.length;
  }
  let whole = 0;
  for (let end = 0; whole < redacted.length; whole += 1) {
    end += (redacted[whole] as string).length;
    if (end > used) break;
    end += ' | '.length;
  }
  return `${cut}${note(warnings.length - whole)}`;
}

/**
 * Write a JSON body straight to the socket. Express's res.send() would also compute ETags and freshness, which this
 * API never uses (ETags are disabled); skipping it is measurably cheaper on every response.
 */
export function writeJson(res: Response, status: number, contentType: string, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** Body-parser failures mapped onto the catalog. */
export function fromParserError(error: {
  type?: string;
  status?: number;
  limit?: number;
  body?: unknown;
}): ApiError | null {
  // The router's path-parameter decoding (`/v1/orders/%E0%A4%A`) throws a URIError with status 400: a 500 before.
  if (error instanceof URIError && error.status === 400) {
    return apiError('400012', { errors: { path: ['A path parameter is not valid percent-encoded UTF-8.'] } });
  }
  switch (error.type) {
    case 'entity.parse.failed': {
      const scalar = scalarJson(error.body);
      return scalar === undefined
        ? apiError('400002')
        : apiError('400002', {
            detail: `The body is JSON, but ${scalar} rather than an object: send the request's fields in a JSON object ({…}).`,
          });
    }
    case 'entity.too.large':
      return bodyTooLarge(error.limit);
    case 'request.size.invalid':
    case 'request.aborted':
      return apiError('400002', { detail: 'The body ended before its declared Content-Length.' });
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return apiError('415001', {
        detail:
          'Send UTF-8, uncompressed or with Content-Encoding gzip, deflate or br (what body-parser inflates).',
      });
    case 'encoding.invalid':
      return apiError('400002', { detail: 'The body is not valid UTF-8.' });
    default:
      return null;
  }
}

/** Any other client-side failure to read the body (body-parser marks them 4xx), e.g. gzip bytes that do not inflate. */
function unreadableBody(error: unknown): unknown {
  const status = (error as { status?: unknown })?.status;
  if (typeof status !== 'number' || status < 400 || status > 499) return error;
  const message = String((error as Error)?.message ?? 'unreadable').replace(/[\r\n]/g, ' ');
  return apiError('400002', {
    detail: `The body could not be read (${message}); send it uncompressed or correctly encoded.`,
  });
}
