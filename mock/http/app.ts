// createApp(): the composition root. Builds the engine and an Express app whose every route comes from
// contracts/openapi.yaml, with one linear pipeline per request:
//   session → authenticate → parse body → validate (schema, then profile) → handler → (check response) → write.
// Nothing here listens on a port or reads argv/env: that is the CLI's job.

import { isUtf8 } from 'node:buffer';
import express, {
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import { ADMIN_PREFIX, adminRouter } from '../admin/admin-api.js';
import { registerProviderStates, type StateTable } from '../admin/provider-states.js';
import { type CompiledOperation, Contract, checkRequest, jsonLimitErrors } from '../contract/contract.js';
import { AccountBook, DEFAULT_ACCOUNTS, type MerchantAccount } from '../domain/accounts.js';
import { type ClockOptions, VirtualClock } from '../domain/clock.js';
import { COMPAT_HEADER, type Compat, compatErrors, compatOf } from '../domain/compat.js';
import { DataSource } from '../domain/fake-data.js';
import { DEFAULT_SESSION, type Session, Store } from '../domain/store.js';
import { profileChecks } from '../domain/strict-profile.js';
import { type TokenClaims, TokenService } from '../domain/tokens.js';
import type { Ctx, Engine, Exchange, Logger, Profile, Reply, RequestHooks } from '../engine.js';
import { ApiError, apiError } from '../errors/catalog.js';
import { ERROR_CODE_HEADER, errorResponse } from '../errors/shape.js';
import { Journal } from '../journal/journal.js';
import { ScenarioEngine } from '../scenarios/engine.js';
import { evictOldest } from '../support/bounded.js';
import { type LogLimitOptions, rateLimitedLogger } from '../support/log-limit.js';
import { hasCardData, redactingLogger, redactStringsJson } from '../support/redact.js';
import { WebhookDispatcher, type WebhookOptions } from '../webhooks/dispatcher.js';
import { offerFastLane } from './fast-lane.js';
import { type BodyError, bodyError, declaresUtf8, readJsonBody } from './json-body.js';
import { PARTNER_OPERATIONS, ROUTES } from './routes.js';
import { INDEX_PATHS, serviceIndex } from './service-index.js';
import { SessionAccess } from './session-access.js';

export interface MockOptions {
  /** `strict` (default) also enforces the integration prerequisites; `lenient` accepts what the real API accepts. */
  profile?: Profile;
  /** Seed for GUIDs and fake data (default 1). The same seed and requests give the same answers. */
  seed?: number;
  /**
   * Sign tokens with this secret (HS256, key = SHA-256 of it) instead of a random per-process key: tokens then
   * survive a restart and are the same on every run. Anyone who knows it can mint tokens: keep it private.
   */
  tokenKey?: string;
  /** Derive the token key from the seed, so tokens are byte-identical across runs (test use; forgeable). */
  reproducibleTokens?: boolean;
  /** A clock to share with the caller, or options for a new one (default: real time). */
  clock?: VirtualClock | ClockOptions;
  /** Accounts the mock accepts (default: the shipped sandbox merchant, a second merchant and a partner). */
  accounts?: readonly MerchantAccount[];
  /** Request body limit in bytes (default 1 MiB). */
  bodyLimit?: number;
  /** Capture window for CAPTUREREQUIRED orders in ms (default 24 h). */
  captureWindowMs?: number;
  /** Check every response against the contract; a mismatch becomes a 500002 error (default false). */
  validateResponses?: boolean;
  /** Where log lines go (default: stderr). Lines never contain card data, secrets or tokens. */
  logger?: Logger;
  /** Alternative OpenAPI document (default: the package's contracts/openapi.yaml). */
  specPath?: string;
  /** Extra pipeline extensions, run after the built-in ones. */
  hooks?: RequestHooks[];
  /** Scenario files: extra folders, a server-wide default, strict loading, hot reload (README "Scenarios"). */
  scenarios?: import('../scenarios/engine.js').ScenarioOptions;
  /** Journal capacity: the newest entries kept in the ring buffer (default 5,000). */
  journalSize?: number;
  /** Journal byte budget: the oldest entries are dropped to keep what it holds under this (default 32 MiB). */
  journalBytes?: number;
  /** Webhook receivers, content type, timeout and retry schedule (README "Webhooks"). */
  webhooks?: WebhookOptions;
  /** Serve the admin API under /__admin (default true). */
  admin?: boolean;
  /** Require this token on /__admin calls (the CLI sets one when binding a non-loopback address). */
  adminToken?: string;
  /** Keep at most this many orders, idempotency keys and vaulted cards across all sessions (default 20,000). */
  maxOrders?: number;
  /**
   * Isolate sessions on a shared server (needs `adminToken`): every /v1 and per-session admin call must carry its
   * session's token (x-mock-session-token) or the admin token; listing sessions needs the admin token
   * (docs/security.md, "Admin API access and session isolation").
   */
  isolateSessions?: boolean;
  /** Log rate limits (default: 5 lines of a kind and 50 in all per 10 s, then one "suppressed" line). */
  logLimit?: LogLimitOptions;
  /**
   * Request rules: `docs` (default) as the current docs; `sandbox-2024` as the sandbox enforced them in 2024 (the
   * five transaction result codes required). A request may choose with the x-mock-compat header.
   */
  compat?: Compat;
  /** More Pact provider states for POST /__admin/provider-states (sentence → set-up); built-ins stay. */
  stateHandlers?: StateTable;
}

export type MockApp = express.Express & { mock: Engine };

export const SESSION_HEADER = 'x-mock-session';
export const WARNING_HEADER = 'x-mock-warning';
const SESSION_PATTERN = /^[A-Za-z0-9._:-]{1,100}$/;
const JSON_TYPE = /^(application\/(?:[\w.*+-]+\+)?json|text\/json)\s*(;|$)/i;

export const STDERR_LOGGER: Logger = {
  info: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
  error: (m) => process.stderr.write(`error: ${m}\n`),
};

/**
 * Build the mock as an Express app, without listening.
 *
 * @example
 * import request from 'supertest';
 * import { createApp } from 'flexfactor-mock';
 * const app = createApp({ seed: 42, clock: { start: '2026-01-01T00:00:00Z', frozen: true } });
 * const res = await request(app).post('/v1/oauth2/token').send({ AppKey: '…', AppSecret: '…' });
 */
export function createApp(options: MockOptions = {}): MockApp {
  const seed = options.seed ?? 1;
  const clock = options.clock instanceof VirtualClock ? options.clock : new VirtualClock(options.clock);
  const engine: Engine = {
    settings: {
      profile: options.profile ?? 'strict',
      seed,
      bodyLimit: options.bodyLimit ?? 1024 * 1024,
      captureWindowMs: options.captureWindowMs ?? 24 * 60 * 60 * 1000,
      validateResponses: options.validateResponses ?? false,
      compat: options.compat ?? 'docs',
    },
    contract: new Contract(options.specPath ? { specPath: options.specPath } : {}),
    store: new Store(
      seed,
      options.maxOrders
        ? { orders: options.maxOrders, idempotencyKeys: options.maxOrders, cards: options.maxOrders }
        : {},
    ),
    tokens: new TokenService({
      seed,
      clock,
      ...(options.tokenKey !== undefined ? { key: options.tokenKey } : {}),
      reproducible: options.reproducibleTokens ?? false,
    }),
    accounts: new AccountBook(options.accounts ?? DEFAULT_ACCOUNTS),
    clock,
    log: options.logger ?? STDERR_LOGGER,
    violations: [],
    hooks: [],
    journal: new Journal({ capacity: options.journalSize, maxBytes: options.journalBytes, clock }),
  };
  // Built-in extensions, in pipeline order. Each registers its hooks on engine.hooks and its API on the engine.
  engine.scenarios = new ScenarioEngine(engine, options.scenarios); // x-mock-scenario, session and default choice
  engine.hooks.push(engine.scenarios.hooks);
  engine.journal.attach(engine); // records every exchange and every order transition
  engine.log = rateLimitedLogger(redactingLogger(engine.log), options.logLimit);
  engine.webhooks = new WebhookDispatcher(engine, options.webhooks);
  if (options.isolateSessions) {
    const access = new SessionAccess(options.adminToken ?? '');
    engine.sessionAccess = access;
    engine.sessionGuard = (req, name) => access.check(req, name);
  }
  engine.hooks.push(...(options.hooks ?? []));
  if (options.stateHandlers) registerProviderStates(engine, options.stateHandlers);

  const app = express() as MockApp;
  app.mock = engine;
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');
  const sessionStage = resolveSession(engine);
  const handleError = errorHandler(engine);
  app.use(sessionStage);
  if (options.admin !== false) {
    app.use(ADMIN_PREFIX, adminRouter(engine, options.adminToken ? { token: options.adminToken } : {}));
  }

  // Static paths before templated ones, so /application/list is not taken for /application/{id}.
  const byPath = new Map<string, CompiledOperation[]>();
  for (const op of engine.contract.operations.values()) {
    byPath.set(op.expressPath, [...(byPath.get(op.expressPath) ?? []), op]);
  }
  const paths = [...byPath.keys()].sort((a, b) => paramCount(a) - paramCount(b));
  // Paths without parameters (evaluate, capture, token…) also go in the fast lane's table (mock/http/fast-lane.ts,
  // used once listen() serves the app); the router below serves them in any case (HEAD, 405s, supertest).
  const exact = new Map<string, RequestHandler>();
  offerFastLane(app, { exact, before: sessionStage, fail: handleError });
  for (const path of paths) {
    const ops = byPath.get(path) ?? [];
    for (const op of ops) {
      const handler = ROUTES[op.id];
      if (!handler) throw new Error(`no handler for operation ${op.id} (mock/http/routes.ts)`);
      const handle = pipeline(engine, op, handler);
      app[op.method](path, handle);
      if (paramCount(path) === 0) exact.set(`${op.method.toUpperCase()} ${path}`, handle);
    }
    const allow = ops.map((op) => op.method.toUpperCase()).join(', ');
    app.all(path, (_req, _res, next) => next(apiError('405001', { headers: { Allow: allow } })));
  }
  app.get(INDEX_PATHS, serviceIndex(engine, { admin: options.admin !== false }));
  app.use((req, _res, next) => next(notFound(req.path)));
  app.use(handleError);
  return app;
}

/**
 * The 404 for a path no route serves. The official sample client joins a base URL ending in `/` with `/outcome` and
 * `/orders/{id}/refund`, sending `/v1//outcome`; what the real API answers is unknown, the mock's 404 (invented, like
 * ASP.NET routing, which does not merge empty segments) names the double slash so the bug is found at once.
 */
function notFound(path: string): ApiError {
  if (!path.includes('//')) return apiError('404001');
  return apiError('404001', {
    detail:
      'The path contains a double slash (//): remove one. A base URL ending in / joined with a path starting with / does this (e.g. …/v1//outcome).',
  });
}

/** Stop what the engine runs in the background: scenario file watchers and webhook timers. */
export async function closeMock(engine: Engine): Promise<void> {
  engine.scenarios?.close();
  await engine.webhooks?.close();
}

function paramCount(path: string): number {
  return (path.match(/:/g) ?? []).length;
}

interface Locals {
  session: Session;
  operationId?: string;
  /** The body as sent, for the journal. */
  responseBody?: unknown;
  /** Names of the scenarios that applied (set by the scenario hook). */
  scenarios?: string[];
}

function locals(res: Response): Locals {
  return res.locals as Locals;
}

function resolveSession(engine: Engine): RequestHandler {
  const date = httpDate(engine);
  return (req, res, next) => {
    // HTTP/1.1 requires Host (RFC 9112 §3.2); listen() turns off Node's own check so the answer is a catalog problem.
    if (req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
      next(apiError('400021'));
      return;
    }
    // The Date header follows the virtual clock, as tokens and webhooks do: one clock for everything a client sees.
    res.setHeader('Date', date());
    const name = req.get(SESSION_HEADER) ?? DEFAULT_SESSION;
    if (!SESSION_PATTERN.test(name)) {
      // No session: a request refused for its session name must not create (or evict) one.
      next(
        apiError('400012', {
          errors: {
            [SESSION_HEADER]: ['Use 1 to 100 letters, digits, dots, colons, underscores or dashes.'],
          },
        }),
      );
      return;
    }
    if (name !== DEFAULT_SESSION && hasCardData(name)) {
      // Session names are stored, listed and logged: one shaped like a card number would put it everywhere.
      next(apiError('400040'));
      return;
    }
    const isolation = engine.sessionGuard?.(req, name);
    if (isolation) return next(isolation);
    const session = engine.store.session(name);
    locals(res).session = session;
    watchExchange(engine, req, res, session);
    try {
      for (const hook of engine.hooks) hook.onRequest?.(req, res, session);
    } catch (error) {
      return next(error);
    }
    next();
  };
}

/** The virtual clock's time as an HTTP date, formatted once per virtual second. */
function httpDate(engine: Engine): () => string {
  let second = Number.NaN;
  let text = '';
  return () => {
    const now = Math.floor(engine.clock.now() / 1000);
    if (now !== second) {
      second = now;
      text = new Date(now * 1000).toUTCString();
    }
    return text;
  };
}

/** Tell the hooks about the finished exchange once the connection is done with it (answered or not). */
function watchExchange(engine: Engine, req: Request, res: Response, session: Session): void {
  // Admin calls drive the mock; they are not FlexFactor traffic, so they stay out of the journal.
  if (!engine.hooks.some((h) => h.onFinish) || req.path.startsWith('/__admin')) return;
  const at = engine.clock.now();
  const started = performance.now();
  res.once('close', () => {
    const exchange: Exchange = {
      session: session.name,
      method: req.method,
      path: req.path,
      query: req.query as Record<string, unknown>,
      operationId: locals(res).operationId ?? null,
      at,
      durationMs: Math.round((performance.now() - started) * 100) / 100,
      status: res.headersSent ? res.statusCode : null,
      requestHeaders: req.headers,
      requestBody: req.body,
      responseHeaders: res.getHeaders(),
      responseBody: locals(res).responseBody,
      scenarios: locals(res).scenarios ?? [],
    };
    for (const hook of engine.hooks) hook.onFinish?.(exchange);
  });
}

/** One route: the named stages run in order; any of them may throw a catalog error. */
function pipeline(
  engine: Engine,
  op: CompiledOperation,
  handler: (ctx: Ctx) => Reply | Promise<Reply>,
): RequestHandler {
  const jsonParser = express.json({
    limit: engine.settings.bodyLimit,
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
    const reading = readJsonBody(req, engine.settings.bodyLimit);
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
    const account = engine.accounts.byMid(claims['custom:mid']);
    if (!account)
      throw apiError('401003', { detail: 'The token belongs to a merchant this server does not know.' });
    if (partnerOnly && !engine.accounts.isPartner(account)) throw apiError('403002');
    (res.locals as { account?: MerchantAccount }).account = account;
  };
  // Synchronous for a token seen before (the usual case); a promise only while a new token's signature is checked.
  const authenticate = (req: Request, res: Response): void | Promise<void> => {
    if (op.security === 'bearer-or-tokenization' && req.headers.authorization === undefined) return;
    if (op.security !== 'bearer' && op.security !== 'bearer-or-tokenization') return;
    const checked = engine.tokens.authenticate(req.get('authorization'));
    if (checked instanceof Promise) return checked.then((claims) => admit(claims, res));
    admit(checked, res);
  };

  const checkContentType = (req: Request): void => {
    if (op.bodyType !== 'json' || !hasBody(req)) return;
    if (!JSON_TYPE.test(String(req.headers['content-type'] ?? ''))) {
      throw apiError('415001', { detail: `Got content type "${req.headers['content-type'] ?? '(none)'}".` });
    }
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
        engine,
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
      for (const hook of engine.hooks) {
        const pending = hook.beforeHandler?.(ctx, res);
        const early = pending instanceof Promise ? await pending : pending;
        if (early === 'handled') return;
        if (early) return send(engine, res, op.id, early);
      }
      const compat = compatOf(req.get(COMPAT_HEADER), engine.settings.compat);
      const checked = checkRequest(op, ctx.query, ctx.body, {
        extraErrors: (body) => compatErrors(compat, op.id, body),
      });
      ({ query: ctx.query, body: ctx.body } = checked);
      ctx.locals.coerced = checked.coerced;
      authorizeMerchant(ctx);
      profileChecks(ctx);
      let reply = await handler(ctx);
      for (const hook of engine.hooks) {
        if (!hook.afterHandler) continue;
        const pending = hook.afterHandler(ctx, reply, res);
        const after = pending instanceof Promise ? await pending : pending;
        if (after === 'handled') return;
        reply = after;
      }
      logWarnings(engine, ctx);
      send(engine, res, op.id, reply, ctx.warnings);
    } catch (error) {
      next(error);
    }
  };
}

/** Warnings already logged, per session: the header goes out on every response, the log line only once. */
const LOGGED_WARNINGS = new WeakMap<Engine, Map<string, true>>();

function logWarnings(engine: Engine, ctx: Ctx): void {
  if (ctx.warnings.length === 0) return;
  let logged = LOGGED_WARNINGS.get(engine);
  if (!logged) {
    logged = new Map();
    LOGGED_WARNINGS.set(engine, logged);
  }
  for (const warning of ctx.warnings) {
    const key = `${ctx.session.name}\u0000${ctx.op.id}\u0000${warning}`;
    if (logged.has(key)) continue;
    evictOldest(logged, 1_000);
    logged.set(key, true);
    engine.log.warn(
      `${ctx.op.id}: ${warning} (logged once per session; every response carries ${WARNING_HEADER})`,
    );
  }
}

/** A `mid` in the body or query must be the caller's own, or one its partner account acts for. */
function authorizeMerchant(ctx: Ctx): void {
  if (!ctx.account) return;
  const mid = ctx.body?.mid ?? ctx.query.mid;
  if (typeof mid === 'string' && mid !== '' && !ctx.engine.accounts.mayActFor(ctx.account, mid)) {
    throw apiError('403001');
  }
}

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

function send(
  engine: Engine,
  res: Response,
  operationId: string,
  reply: Reply,
  warnings: string[] = [],
): void {
  const status = reply.status ?? 200;
  let body = reply.body;
  if (engine.settings.validateResponses) {
    const problems = engine.contract.checkResponse(operationId, status, body ?? null);
    if (problems.length > 0) {
      engine.violations.push({ operationId, status, problems });
      const error = apiError('500002', { errors: { response: problems } });
      res.status(500).type('application/problem+json');
      res.setHeader(ERROR_CODE_HEADER, error.code);
      res.send(JSON.stringify(error.toBody(locals(res).session.data.traceId(), res.req.path)));
      return;
    }
  }
  if (warnings.length > 0)
    res.setHeader(WARNING_HEADER, warnings.map((w) => w.replace(/[\r\n]/g, ' ')).join(' | '));
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (body === undefined) body = {};
  locals(res).responseBody = body;
  writeJson(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

/**
 * Write a JSON body straight to the socket. Express's res.send() would also compute ETags and freshness, which this
 * API never uses (ETags are disabled); skipping it is measurably cheaper on every response.
 */
function writeJson(res: Response, status: number, contentType: string, text: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** Body-parser failures mapped onto the catalog. */
function fromParserError(error: { type?: string; status?: number; limit?: number }): ApiError | null {
  // The router's path-parameter decoding (`/v1/orders/%E0%A4%A`) throws a URIError with status 400: a 500 before.
  if (error instanceof URIError && error.status === 400) {
    return apiError('400012', { errors: { path: ['A path parameter is not valid percent-encoded UTF-8.'] } });
  }
  switch (error.type) {
    case 'entity.parse.failed':
      return apiError('400002');
    case 'entity.too.large':
      return apiError('413001', { detail: `The limit is ${error.limit ?? 'unknown'} bytes.` });
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

function errorHandler(engine: Engine): ErrorRequestHandler {
  // Trace ids for requests that belong to no session (an invalid x-mock-session): a stream of their own, so answering
  // them neither creates the default session nor moves its seeded ids.
  const sessionless = new DataSource(engine.settings.seed, '\u0000sessionless');
  return (error: unknown, req: Request, res: Response, _next: NextFunction) => {
    let apiErr: ApiError;
    if (error instanceof ApiError) apiErr = error;
    else {
      const mapped = fromParserError(error as { type?: string });
      if (mapped) apiErr = mapped;
      else {
        // Never a stack trace in the response; the log gets the message only.
        engine.log.error(
          `unexpected ${(error as Error)?.name ?? 'error'} on ${req.method} ${req.path}: ${(error as Error)?.message ?? String(error)}`,
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
    if (engine.settings.validateResponses && operationId) {
      const problems = engine.contract.checkResponse(operationId, apiErr.status, body);
      if (problems.length > 0) engine.violations.push({ operationId, status: apiErr.status, problems });
    }
    for (const [name, value] of Object.entries(apiErr.headers ?? {})) res.setHeader(name, value);
    res.setHeader(ERROR_CODE_HEADER, apiErr.code);
    locals(res).responseBody = body;
    // Details may quote the request (a content type, a field): the same rules as every other sink.
    writeJson(res, apiErr.status, contentType, redactStringsJson(body));
  };
}
