// The admin API under /__admin (contracts/admin.yaml): health, reset, clock, scenarios, journal, webhooks.
// Per-session calls use the x-mock-session header, like the FlexFactor endpoints, so a worker only touches its own
// session. Requests are validated against contracts/admin.yaml; errors go through the one catalog.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { dirname, join } from 'node:path';
import express, { type Request, type RequestHandler, type Response, Router } from 'express';
import { type CompiledOperation, Contract, checkRequest, defaultSpecPath } from '../contract/contract.js';
import { apiError } from '../errors/catalog.js';
import { bodyTooLarge, goAhead } from '../http/go-ahead.js';
import type { MockParts as Engine } from '../http/mock-parts.js';
import { SESSION_TOKEN_HEADER } from '../http/session-access.js';
import { redactStringsJson, registerSecret } from '../support/redact.js';
import { ADMIN_ROUTES, type AdminHandler } from './admin-routes.js';
import { ExportGate, JsonExport, sendJsonExport } from './export.js';
import { INSPECTOR_PATH, inspectorFiles, journalStream, securityHeaders } from './inspector/index.js';
import { ADMIN_PREFIX, ADMIN_TOKEN_HEADER } from './mount.js';

export { resetSession } from './admin-routes.js';
export { ADMIN_PREFIX, ADMIN_TOKEN_HEADER } from './mount.js';

const CREATED: ReadonlySet<string> = new Set(['adminAddWebhookReceiver']);

/** Calls whose answer is a credential the mock issues (never input echoed back): not redacted. */
const ISSUES_CREDENTIALS: ReadonlySet<string> = new Set([
  'adminSessionToken',
  'adminProviderState',
  'adminCredentials',
]);

/** With isolated sessions: calls anyone may make (nothing of a session in them). */
const OPEN_CALLS: ReadonlySet<string> = new Set(['adminHealth', 'adminClock']);
/** The inspector's page and files: public even with a token (a browser cannot add a header to a navigation). */
const PUBLIC_FILES: ReadonlySet<string> = new Set([
  'adminInspector',
  'adminInspectorFile',
  'adminInspectorViewFile',
]);
/** With isolated sessions: calls about the x-mock-session's own session, allowed with that session's token. */
const SESSION_CALLS: ReadonlySet<string> = new Set([
  'adminReset',
  'adminSessionScenarios',
  'adminUseScenarios',
  'adminClearScenarios',
  'adminJournal',
  'adminJournalHar',
  'adminJournalStream',
  'adminPrerequisites',
  'adminOrderTimeline',
  'adminAddWebhookReceiver',
  // With a session token these see and remove only the receivers of the caller's own session.
  'adminWebhookReceivers',
  'adminRemoveWebhookReceiver',
  'adminWebhookDeliveries',
  'adminSetWebhookFaults',
  'adminClearWebhookFaults',
]);

let adminContract: Contract | undefined;

/** The admin contract, parsed once per process (by the first admin request). */
export function loadAdminContract(): Contract {
  adminContract ??= new Contract({ specPath: join(dirname(defaultSpecPath()), 'admin.yaml') });
  return adminContract;
}

/** A fresh random admin token (for non-loopback binds). */
export function generateAdminToken(): string {
  return randomBytes(24).toString('base64url');
}

/** Whether an address is loopback (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  // An IPv4 loopback address may be written mapped into IPv6 (::ffff:127.0.0.1): still this machine only.
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^(?:::ffff:)?127\.\d+\.\d+\.\d+$/.test(bare);
}

/** Whether a Host header (with or without its port) names this machine: loopback addresses and *.localhost. */
function isLoopbackName(host: string): boolean {
  const name = host.replace(/:\d*$/, '').toLowerCase();
  return isLoopback(name) || name.endsWith('.localhost');
}

/**
 * The admin API; when `token` is set, every call must carry it. Its router (the admin contract, its validators, some
 * forty routes) is built by the first admin request: a start has nothing of it to do before its first answer. The
 * token is a secret for redaction from the start.
 */
export function adminRouter(engine: Engine, options: { token?: string } = {}): RequestHandler {
  if (options.token) registerSecret(options.token, { pinned: true });
  let router: Router | undefined;
  return (req, res, next) => {
    router ??= buildAdminRouter(engine, options);
    router(req, res, next);
  };
}

/** The most an admin call's JSON body may hold (decoded). */
const ADMIN_BODY_LIMIT = 64 * 1024;

function buildAdminRouter(engine: Engine, options: { token?: string }): Router {
  const contract = loadAdminContract();
  const router = Router();
  const parseJson = express.json({ limit: ADMIN_BODY_LIMIT });
  // body-parser's typed errors (too large, not JSON…) are mapped by the app's error handler; an untyped 4xx is a body
  // that could not be decoded (gzip or br bytes that do not inflate), and must answer 400, not 500.
  // A body declared over the limit is refused before a byte is read (and before a client on Expect is told to send it).
  const json: RequestHandler = (req, res, next) => {
    if (!goAhead(req, ADMIN_BODY_LIMIT, 'decoded')) return next(bodyTooLarge(ADMIN_BODY_LIMIT));
    parseJson(req, res, (error?: unknown) => next(error === undefined ? undefined : adminBodyError(error)));
  };
  const isAdmin = (req: Request): boolean => {
    if (!options.token) return true;
    const given =
      req.get(ADMIN_TOKEN_HEADER) ?? /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1] ?? '';
    const a = Buffer.from(given);
    const b = Buffer.from(options.token);
    return a.length === b.length && timingSafeEqual(a, b);
  };
  // Records on res.locals whether the caller is admin; without isolation only the admin token counts.
  const guard =
    (op: CompiledOperation): RequestHandler =>
    (req, res, next) => {
      const admin = isAdmin(req);
      (res.locals as { admin?: boolean }).admin = admin;
      if (admin) return next();
      const access = engine.sessionAccess;
      if (access && OPEN_CALLS.has(op.id)) return next();
      if (access && SESSION_CALLS.has(op.id)) {
        const session = (res.locals as { session: { name: string } }).session.name;
        if (access.allows(session, req.get(SESSION_TOKEN_HEADER))) return next();
        throw apiError('401040', { detail: `No valid token for session "${session}".` });
      }
      throw apiError('401005');
    };
  // A web page that rebinds its own host name to 127.0.0.1 reaches this port with that name in Host. On a loopback
  // connection only loopback names are admin callers, so a page the developer visits cannot read the journal.
  router.use((req, _res, next) => {
    const local = req.socket.localAddress ?? '';
    const onLoopback = local === '::1' || /^(::ffff:)?127\./.test(local);
    // HTTP/1.0 may omit Host; a browser never does.
    const host = req.headers.host;
    next(onLoopback && host !== undefined && !isLoopbackName(host) ? apiError('403100') : undefined);
  });
  // A page on another origin cannot read an admin answer (no CORS headers), but a bodyless POST needs no preflight:
  // `fetch(…/__admin/reset, { method: 'POST', mode: 'no-cors' })` from any site the developer visits would wipe a
  // session or freeze the clock. Browsers say where a request comes from (Origin, Sec-Fetch-Site); a call that changes
  // something is refused when they name another origin. Tests, curl and the inspector itself send neither, or their
  // own origin; GET and HEAD change nothing and stay open, so a link to the inspector still opens it.
  router.use((req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    next(fromAnotherOrigin(req) ? apiError('403101') : undefined);
  });
  // The inspector's security headers on every answer under its path, its errors included.
  router.use(INSPECTOR_PATH, (_req, res, next) => {
    securityHeaders(res);
    next();
  });
  // Operations that answer with something other than JSON: the inspector's page, files and journal stream.
  const files = inspectorFiles();
  // The journal, its HAR log and timelines: a few written at once by this server (export.ts).
  const exports = new ExportGate();
  const raw: Record<string, RequestHandler> = {
    adminInspector: files,
    adminInspectorFile: files,
    adminInspectorViewFile: inspectorFiles('views/'),
    adminJournalStream: journalStream(engine.journal),
  };
  const byPath = new Map<string, CompiledOperation[]>();
  for (const op of contract.operations.values()) {
    byPath.set(op.expressPath, [...(byPath.get(op.expressPath) ?? []), op]);
  }
  // Mounted at ADMIN_PREFIX (FlexFactor requests never walk these routes), so paths are relative to it.
  for (const [fullPath, ops] of byPath) {
    const path = fullPath.slice(ADMIN_PREFIX.length);
    for (const op of ops) {
      const handler = ADMIN_ROUTES[op.id];
      const other = raw[op.id];
      if (other) router[op.method](path, ...(PUBLIC_FILES.has(op.id) ? [] : [guard(op)]), other);
      else if (!handler) throw new Error(`no admin handler for ${op.id}`);
      else router[op.method](path, guard(op), json, run(engine, op, handler, exports));
    }
    const allow = ops.map((op) => op.method.toUpperCase()).join(', ');
    router.all(path, (_req, _res, next) => next(apiError('405001', { headers: { Allow: allow } })));
  }
  // An unknown admin path lists the real ones: a typo under /__admin is the likely mistake, not a missing /v1/.
  const known = [...contract.operations.values()]
    .map((op) => `${op.method.toUpperCase()} ${op.path}`)
    .join(', ');
  router.use((_req, _res, next) => next(apiError('404100', { detail: `Admin paths: ${known}.` })));
  return router;
}

function adminBodyError(error: unknown): unknown {
  const { status, type } = (error ?? {}) as { status?: unknown; type?: unknown };
  if (type !== undefined || typeof status !== 'number' || status < 400 || status > 499) return error;
  const message = String((error as Error).message ?? 'unreadable').replace(/[\r\n]/g, ' ');
  return apiError('400002', {
    detail: `The body could not be read (${message}); send it uncompressed or correctly encoded.`,
  });
}

function ownOrigin(req: Request): string {
  let address = req.socket.localAddress ?? '127.0.0.1';
  if (address.startsWith('::ffff:')) address = address.slice(7);
  return `http://${address.includes(':') ? `[${address}]` : address}:${req.socket.localPort}`;
}

/** Admin calls that change a session's shared state, and calls that read it. */
const SHARED_CHANGES = new Set(['adminUseScenarios', 'adminClearScenarios']);
const SHARED_READS = new Set(['adminSessionScenarios']);

function run(
  engine: Engine,
  op: CompiledOperation,
  handler: AdminHandler,
  exports: ExportGate,
): RequestHandler {
  return async (req: Request, res: Response, next) => {
    try {
      const { query, body } = checkRequest(op, req.query as Record<string, unknown>, req.body, {
        numericStrings: false,
      });
      const session = (res.locals as { session: { name: string } }).session.name;
      const call = () =>
        handler({
          engine,
          session,
          body,
          query,
          params: req.params as Record<string, string>,
          admin: (res.locals as { admin?: boolean }).admin === true,
          origin: ownOrigin(req),
        });
      // Shared through Redis: read the clock other processes may have moved, bring a session's choice up to date,
      // change it as a transaction, and answer only once a clock change made here is in Redis.
      const shared = engine.shared?.store;
      if (shared) {
        await shared.refreshClock();
        if (SHARED_READS.has(op.id)) await shared.refresh(session);
      }
      const result =
        shared && SHARED_CHANGES.has(op.id) ? await shared.transact(session, call) : await call();
      if (shared) await shared.clockShared();
      if (result instanceof JsonExport) return await sendJsonExport(req, res, result, exports);
      // Everything an admin answer shows passed redaction when it was stored; this pass covers what was not stored
      // (receiver URLs, session names) with the same rules. Credentials the mock itself issues to the caller (a
      // session token, a provider state's bearer token) are the values meant to be shown.
      res
        .status(CREATED.has(op.id) ? 201 : 200)
        .type('application/json; charset=utf-8')
        .send(ISSUES_CREDENTIALS.has(op.id) ? JSON.stringify(result) : redactStringsJson(result));
    } catch (error) {
      next(error);
    }
  };
}

/** Whether a browser says this request comes from a page of another origin than the server's own. */
function fromAnotherOrigin(req: Request): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  // The browser's own word that the page is this origin: trusted before Origin is compared with Host, which a proxy
  // in front of the mock (a dev server's `changeOrigin`, a bare `proxy_pass`) may have rewritten.
  if (site === 'same-origin' || site === 'none') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  // `null` is a sandboxed frame, a file:// page or a redirect chain: never the inspector.
  if (origin === 'null') return true;
  try {
    return new URL(origin).host !== (req.headers.host ?? '').toLowerCase();
  } catch {
    return true;
  }
}
