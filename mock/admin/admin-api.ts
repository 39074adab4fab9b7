// The admin API under /__admin (contracts/admin.yaml): health, reset, clock, scenarios, journal, webhooks.
// Per-session calls use the x-mock-session header, like the FlexFactor endpoints, so a worker only touches its own
// session. Requests are validated against contracts/admin.yaml; errors go through the one catalog.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { dirname, join } from 'node:path';
import express, { type Request, type RequestHandler, type Response, Router } from 'express';
import { type CompiledOperation, Contract, checkRequest, defaultSpecPath } from '../contract/contract.js';
import { ClockRangeError, MAX_CLOCK_SKEW_MS, parseDuration, toMs } from '../domain/clock.js';
import { apiError } from '../errors/catalog.js';
import type { MockParts as Engine } from '../http/mock-parts.js';
import { SESSION_TOKEN_HEADER } from '../http/session-access.js';
import { packageInfo } from '../support/package-info.js';
import { redactStringsJson, registerSecret } from '../support/redact.js';
import type { WebhookDispatcher } from '../webhooks/dispatcher.js';
import {
  credentialsView,
  INSPECTOR_PATH,
  inspectorFiles,
  journalStream,
  prerequisitesReport,
  securityHeaders,
} from './inspector/index.js';
import { ADMIN_PREFIX, ADMIN_TOKEN_HEADER } from './mount.js';
import { changeProviderState } from './provider-states.js';

export { ADMIN_PREFIX, ADMIN_TOKEN_HEADER } from './mount.js';

interface AdminCall {
  engine: Engine;
  session: string;
  // biome-ignore lint/suspicious/noExplicitAny: bodies are validated against contracts/admin.yaml first.
  body: any;
  query: Record<string, unknown>;
  params: Record<string, string>;
  /** The caller proved the admin token (or no token is configured): it may act on every session. */
  admin: boolean;
  /** This server's own origin, as the caller reached it over loopback (for set-ups that call the public API). */
  origin: string;
}

type AdminHandler = (call: AdminCall) => unknown | Promise<unknown>;

const started = Date.now();

function clockView(engine: Engine) {
  const now = engine.clock.now();
  return { now: new Date(now).toISOString(), nowMs: now, frozen: engine.clock.isFrozen() };
}

/** Run a clock change; an input outside the clock's range is the client's mistake (400020), not a server error. */
function moveClock(change: () => unknown): void {
  try {
    change();
  } catch (error) {
    if (error instanceof ClockRangeError) throw apiError('400020', { detail: error.message });
    throw error;
  }
}

/**
 * Settle due order fates before answering a clock change, through the scheduler (the one place fates settle); the
 * webhook deliveries they cause are started in the background (a hanging receiver must not hold the answer).
 * POST /__admin/webhooks/flush waits for them.
 */
async function settled(engine: Engine) {
  await engine.scheduler.tick();
  return clockView(engine);
}

function instant(value: unknown, field: string): number {
  try {
    return toMs(typeof value === 'number' ? value : String(value));
  } catch {
    throw apiError('400001', {
      errors: { [field]: ['Send an ISO 8601 instant, e.g. 2026-06-01T00:00:00Z.'] },
    });
  }
}

function scenariosOf(engine: Engine) {
  if (!engine.scenarios) throw apiError('404001', { detail: 'Scenarios are not enabled on this server.' });
  return engine.scenarios;
}

function webhooksOf(engine: Engine) {
  if (!engine.webhooks) throw apiError('404001', { detail: 'Webhooks are not enabled on this server.' });
  return engine.webhooks;
}

/**
 * Forget one session entirely: orders, cards, keys, journal entries, scenario choice, webhook faults. With a shared
 * store, in Redis too (every process drops what it cached with its next request); the promise says when.
 */
export function resetSession(engine: Engine, session: string): void | Promise<void> {
  const local = () => {
    engine.store.reset(session);
    engine.journal.clear(session);
    engine.scenarios?.clearSession(session);
    engine.webhooks?.clearFaults(session);
  };
  const shared = engine.shared;
  if (shared) {
    return shared.store.reset(session).then(() => {
      local();
      shared.journal.cleared(session);
    });
  }
  local();
}

/** operationId in contracts/admin.yaml → handler. */
const ADMIN_ROUTES: Record<string, AdminHandler> = {
  adminHealth: ({ engine }) => ({
    status: 'ok',
    version: packageInfo().version,
    profile: engine.settings.profile,
    seed: engine.settings.seed,
    now: new Date(engine.clock.now()).toISOString(),
    frozen: engine.clock.isFrozen(),
    sessions: engine.store.sessionNames().length,
    uptimeMs: Date.now() - started,
  }),
  adminSeed: ({ engine }) => ({ seed: engine.settings.seed }),
  adminReset: async ({ engine, session }) => {
    await resetSession(engine, session);
    return { session };
  },
  adminSessions: async ({ engine }) => ({
    sessions: engine.shared ? await engine.shared.store.sessionNames() : engine.store.sessionNames(),
  }),
  adminClock: ({ engine }) => clockView(engine),
  adminClockFreeze: ({ engine, body }) => {
    const at = body?.at === undefined ? undefined : instant(body.at, 'at');
    moveClock(() => engine.clock.freeze(at));
    return settled(engine);
  },
  adminClockUnfreeze: ({ engine }) => {
    engine.clock.unfreeze();
    return clockView(engine);
  },
  adminClockAdvance: async ({ engine, body }) => {
    let ms: number;
    try {
      ms = parseDuration(body.by);
    } catch (error) {
      throw apiError('400001', { errors: { by: [(error as Error).message] } });
    }
    const shared = engine.shared?.store;
    if (shared) {
      // Two processes advancing at once must both count: the step is applied in Redis, not as a new absolute time.
      if (
        !Number.isFinite(ms) ||
        ms < 0 ||
        ms > MAX_CLOCK_SKEW_MS ||
        engine.clock.now() + ms > Date.now() + MAX_CLOCK_SKEW_MS
      )
        throw apiError('400020', { detail: `Cannot advance by ${String(ms)} ms.` });
      await shared.advanceClock(ms);
    } else moveClock(() => engine.clock.advance(ms));
    return settled(engine);
  },
  adminClockSet: ({ engine, body }) => {
    const to = instant(body.to, 'to');
    if (to < engine.clock.now()) {
      throw apiError('400001', {
        errors: { to: ['The clock only moves forward: send an instant after now.'] },
      });
    }
    moveClock(() => engine.clock.set(to));
    return settled(engine);
  },
  adminScenarios: ({ engine }) => {
    const scenarios = scenariosOf(engine);
    return {
      scenarios: scenarios.list(),
      problems: scenarios.problems(),
      folders: scenarios.folders(),
    };
  },
  adminSessionScenarios: ({ engine, session }) => ({
    session,
    names: scenariosOf(engine).sessionScenarios(session),
  }),
  adminUseScenarios: ({ engine, session, body }) => {
    const scenarios = scenariosOf(engine);
    scenarios.useForSession(session, body.names as string[]);
    return { session, names: scenarios.sessionScenarios(session) };
  },
  adminClearScenarios: ({ engine, session }) => {
    const scenarios = scenariosOf(engine);
    scenarios.clearSession(session);
    return { session, names: scenarios.sessionScenarios(session) };
  },
  adminJournal: ({ engine, session, query }) => {
    const entries = engine.journal.entries({
      session,
      ...(typeof query.kind === 'string' ? { kind: query.kind as 'request' } : {}),
    });
    const limit = typeof query.limit === 'number' ? query.limit : entries.length;
    return { entries: entries.slice(Math.max(0, entries.length - limit)) };
  },
  adminJournalHar: ({ engine, session }) => engine.journal.toHar(session),
  adminPrerequisites: ({ engine, session }) =>
    prerequisitesReport(
      session,
      engine.settings.profile,
      engine.journal.entries({ session, kind: 'request' }),
    ),
  adminCredentials: ({ engine }) => credentialsView(engine.accounts.accounts),
  adminOrderTimeline: ({ engine, session, params }) => ({
    orderId: params.id,
    entries: engine.journal.timeline(session, params.id ?? ''),
  }),
  adminWebhookReceivers: ({ engine }) => ({ receivers: webhooksOf(engine).receivers() }),
  adminAddWebhookReceiver: async ({ engine, session, body, admin }) => {
    const mid = typeof body.mid === 'string' ? body.mid : (engine.accounts.accounts[0]?.mid ?? '');
    if (!admin && !body.sessionOnly) {
      throw apiError('401005', {
        detail:
          "A receiver for every session gets every session's events: send sessionOnly: true, or the admin token.",
      });
    }
    const input = { mid, url: body.url, ...(body.sessionOnly ? { session } : {}), owner: session };
    let receiver: ReturnType<WebhookDispatcher['addReceiver']>;
    try {
      // Shared: one id in every process, from what the receiver is, so removing it anywhere removes it everywhere.
      receiver = webhooksOf(engine).addReceiver(input, engine.shared ? sharedReceiverId(input) : undefined);
    } catch (error) {
      throw receiverError(error);
    }
    await engine.shared?.journal.receiverAdded(receiver);
    return receiver;
  },
  adminSessionToken: ({ engine, session }) => {
    if (!engine.sessionAccess) {
      throw apiError('404001', { detail: 'Sessions are not isolated on this server (--isolate-sessions).' });
    }
    return { session, token: engine.sessionAccess.tokenFor(session) };
  },
  adminRemoveWebhookReceiver: async ({ engine, params }) => {
    if (!webhooksOf(engine).removeReceiver(params.id ?? '')) {
      throw apiError('404001', { detail: `No webhook receiver ${params.id}.` });
    }
    await engine.shared?.journal.receiverRemoved(params.id ?? '');
    return { removed: params.id };
  },
  adminWebhookDeliveries: ({ engine, session, query }) => ({
    deliveries: webhooksOf(engine).deliveries({
      session,
      ...(typeof query.orderId === 'string' ? { orderId: query.orderId } : {}),
      ...(typeof query.status === 'string' ? { status: query.status as 'pending' } : {}),
    }),
  }),
  adminRedeliverWebhook: ({ engine, params }) => {
    const delivery = webhooksOf(engine).redeliver(params.id ?? '');
    if (!delivery) throw apiError('404001', { detail: `No webhook delivery ${params.id}.` });
    return delivery;
  },
  adminFlushWebhooks: async ({ engine, query }) => {
    const webhooks = webhooksOf(engine);
    const waitMs = typeof query.waitMs === 'number' ? query.waitMs : 30_000;
    const idle = await webhooks.idle(waitMs);
    return { pending: webhooks.deliveries({ status: 'pending' }).length, idle };
  },
  adminSetWebhookFaults: ({ engine, session, body }) => {
    webhooksOf(engine).setFaults(session, body);
    return webhooksOf(engine).faults(session);
  },
  adminProviderState: ({ engine, session, body, origin }) =>
    changeProviderState(engine, session, origin, body),
  adminClearWebhookFaults: ({ engine, session }) => {
    webhooksOf(engine).clearFaults(session);
    return webhooksOf(engine).faults(session);
  },
};

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
  'adminWebhookDeliveries',
  'adminSetWebhookFaults',
  'adminClearWebhookFaults',
]);

/** A receiver refused by the network policy or the caps → its own catalog code; anything else → 400001. */
function receiverError(error: unknown): unknown {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message;
  if (code === 'RECEIVER_REFUSED') return apiError('400042', { detail: message });
  if (code === 'RECEIVER_LIMIT') return apiError('400043', { detail: message });
  return apiError('400001', { errors: { url: [message] } });
}

let adminContract: Contract | undefined;

/** The admin contract, parsed once per process (it is small and compiled at start-up). */
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
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Whether a Host header (with or without its port) names this machine: loopback addresses and *.localhost. */
function isLoopbackName(host: string): boolean {
  const name = host.replace(/:\d*$/, '').toLowerCase();
  return isLoopback(name) || name.endsWith('.localhost');
}

/** The admin router; when `token` is set, every call must carry it. */
export function adminRouter(engine: Engine, options: { token?: string } = {}): Router {
  const contract = loadAdminContract();
  const router = Router();
  if (options.token) registerSecret(options.token, { pinned: true });
  const parseJson = express.json({ limit: 64 * 1024 });
  // body-parser's typed errors (too large, not JSON…) are mapped by the app's error handler; an untyped 4xx is a body
  // that could not be decoded (gzip or br bytes that do not inflate), and must answer 400, not 500.
  const json: RequestHandler = (req, res, next) =>
    parseJson(req, res, (error?: unknown) => next(error === undefined ? undefined : adminBodyError(error)));
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
  // The inspector's security headers on every answer under its path, its errors included.
  router.use(INSPECTOR_PATH, (_req, res, next) => {
    securityHeaders(res);
    next();
  });
  // Operations that answer with something other than JSON: the inspector's page, files and journal stream.
  const files = inspectorFiles();
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
      else router[op.method](path, guard(op), json, run(engine, op, handler));
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

function sharedReceiverId(input: { mid: string; url: string; session?: string }): string {
  const digest = createHash('sha256').update(
    `${input.mid.toLowerCase()}\u0000${input.url}\u0000${input.session ?? ''}`,
  );
  return `whr_${digest.digest('hex').slice(0, 16)}`;
}

function run(engine: Engine, op: CompiledOperation, handler: AdminHandler): RequestHandler {
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
