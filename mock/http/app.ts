// createApp(): the composition root. Builds every part once, in dependency order, hands each part only what it uses,
// and mounts an Express app whose every route comes from contracts/openapi.yaml, with one linear pipeline per request:
//   session (session-stage.ts) → the route's pipeline (pipeline.ts) → errors (error-handler.ts).
// Nothing here listens on a port or reads argv/env: that is the CLI's job (listen() also adds the fast lane).

import express, { type RequestHandler, Router } from 'express';
import { ADMIN_PREFIX, adminRouter } from '../admin/admin-api.js';
import { registerProviderStates } from '../admin/provider-states.js';
import { type CompiledOperation, Contract } from '../contract/contract.js';
import { AccountBook, DEFAULT_ACCOUNTS } from '../domain/accounts.js';
import { VirtualClock } from '../domain/clock.js';
import { SCENARIO_EFFECTS } from '../domain/scenario-effects.js';
import { OrderScheduler } from '../domain/scheduler.js';
import { STORE_BYTE_LIMITS, STORE_LIMITS, Store, storeLimits } from '../domain/store.js';
import { TokenService } from '../domain/tokens.js';
import { apiError } from '../errors/catalog.js';
import { Journal } from '../journal/journal.js';
import { JournalMirror } from '../redis/journal-mirror.js';
import { SharedStore } from '../redis/shared-store.js';
import { ScenarioEngine } from '../scenarios/engine.js';
import { rateLimitedLogger } from '../support/log-limit.js';
import { STDERR_LOGGER } from '../support/logger.js';
import { redactingLogger } from '../support/redact.js';
import type { Settings } from '../support/settings.js';
import { WebhookDispatcher } from '../webhooks/dispatcher.js';
import { errorHandler, notFound } from './error-handler.js';
import { offerFastLane } from './fast-lane.js';
import type { MockParts, Violation } from './mock-parts.js';
import type { MockOptions } from './options.js';
import { type PipelineDeps, pipeline, type ResponseCheck, warnOnce } from './pipeline.js';
import { ROUTES } from './routes.js';
import { INDEX_PATHS, serviceIndex } from './service-index.js';
import { SessionAccess } from './session-access.js';
import { sessionStage } from './session-stage.js';
import type { Handler, HandlerServices, RequestHooks } from './types.js';

export { STDERR_LOGGER } from '../support/logger.js';
export type { MockParts } from './mock-parts.js';
export type { MockOptions } from './options.js';
export { WARNING_HEADER } from './pipeline.js';
export { SESSION_HEADER } from './session-stage.js';

export type MockApp = express.Express & { mock: MockParts };

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
  const settings: Readonly<Settings> = Object.freeze({
    profile: options.profile ?? 'strict',
    seed: options.seed ?? 1,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    captureWindowMs: options.captureWindowMs ?? 24 * 60 * 60 * 1000,
    validateResponses: options.validateResponses ?? false,
    compat: options.compat ?? 'docs',
  });
  // Every part logs through redaction and the rate limit, from its first line on.
  const unlimited = redactingLogger(options.logger ?? STDERR_LOGGER);
  const log = rateLimitedLogger(unlimited, options.logLimit);
  const clock = options.clock instanceof VirtualClock ? options.clock : new VirtualClock(options.clock);
  const contract = new Contract(options.specPath ? { specPath: options.specPath } : {});
  const limit = options.maxOrders;
  const limits = limit ? storeLimits(limit) : {};
  const connection = options.shared;
  // Shared: the budgets hold in Redis for the whole account (the scripts evict there). A process's copy keeps twice
  // as much room, for entries other processes' commits evicted that it has not read yet; beyond that, it forgets the
  // oldest and reads their session whole again.
  const local = { ...STORE_LIMITS, ...limits };
  const store = connection
    ? new Store(
        settings.seed,
        {
          orders: local.orders * 2,
          idempotencyKeys: local.idempotencyKeys * 2,
          cards: local.cards * 2,
          partner: local.partner * 2,
        },
        {
          shared: true,
          byteLimits: {
            orders: STORE_BYTE_LIMITS.orders * 2,
            idempotencyKeys: STORE_BYTE_LIMITS.idempotencyKeys * 2,
            partner: STORE_BYTE_LIMITS.partner * 2,
          },
        },
      )
    : new Store(settings.seed, limits);
  const shared = connection
    ? new SharedStore({ redis: connection.redis, prefix: connection.prefix, store, clock, log, limits })
    : undefined;
  const scheduler = new OrderScheduler(store, clock, shared ? (now) => shared.settleDue(now) : undefined);
  // A key the user gave wins (every process must then be given it); otherwise the one agreed through Redis.
  const tokenKey = options.tokenKey ?? connection?.tokenKey;
  const tokens = new TokenService({
    seed: settings.seed,
    clock,
    ...(tokenKey !== undefined ? { key: tokenKey } : {}),
    reproducible: connection ? false : (options.reproducibleTokens ?? false),
  });
  const accounts = new AccountBook(options.accounts ?? DEFAULT_ACCOUNTS);
  const journal = new Journal({ capacity: options.journalSize, maxBytes: options.journalBytes, clock });
  // Transition listeners run in this order: the journal records a transition before its webhook is queued.
  const hooks: RequestHooks[] = [];
  const webhooks = new WebhookDispatcher(
    { accounts, clock, store, scheduler, journal, log, settings },
    options.webhooks,
  );
  let scenarios: ScenarioEngine;
  try {
    scenarios = new ScenarioEngine(
      // Scenario-file reports bound themselves (a few lines per bad file), and every bad file must be named.
      {
        seed: settings.seed,
        contract,
        store,
        clock,
        webhooks,
        log,
        report: unlimited,
        effects: SCENARIO_EFFECTS,
      },
      options.scenarios,
    );
  } catch (error) {
    // Invalid scenario files refuse the start: nothing built so far may keep a timer or a listener.
    void webhooks.close();
    scheduler.close();
    throw error;
  }
  shared?.useExtras({
    scenarios: (session) => scenarios.sessionScenarios(session),
    adoptScenarios: (session, names) => scenarios.adoptSelection(session, names),
  });
  // Hooks in pipeline order: scenarios (x-mock-scenario, session and default choice), the journal, the caller's.
  hooks.push(scenarios.hooks);
  journal.attach({ hooks, store });
  hooks.push(...(options.hooks ?? []));
  const sessionAccess = options.isolateSessions ? new SessionAccess(options.adminToken ?? '') : undefined;

  const violations: Violation[] = [];
  const responses: ResponseCheck = {
    enabled: settings.validateResponses,
    check(operationId, status, body) {
      const problems = contract.checkResponse(operationId, status, body);
      if (problems.length > 0) violations.push({ operationId, status, problems });
      return problems;
    },
  };
  const services: HandlerServices = { settings, store, tokens, accounts, clock };
  const pipelineDeps: PipelineDeps = {
    settings,
    accounts,
    tokens,
    hooks,
    services,
    responses,
    warnOnce: warnOnce(log),
    ...(shared ? { shared } : {}),
  };
  const parts: MockParts = {
    settings,
    contract,
    store,
    scheduler,
    tokens,
    accounts,
    clock,
    log,
    violations,
    hooks,
    scenarios,
    journal,
    webhooks,
    ...(sessionAccess ? { sessionAccess } : {}),
    ...(shared && connection
      ? {
          shared: {
            store: shared,
            connection,
            journal: new JournalMirror({
              redis: connection.redis,
              prefix: connection.prefix,
              journal,
              capacity: journal.capacity,
              webhooks,
            }),
          },
        }
      : {}),
  };
  if (options.stateHandlers) registerProviderStates(parts, options.stateHandlers);
  if (parts.shared) {
    const { journal: mirror, store: sharedStore } = parts.shared;
    sharedStore.useReceivers((version) => mirror.syncReceivers(version));
    // Redis lost its data: put the token key back, so tokens issued before stay valid in every process.
    sharedStore.onEpochChange(() => {
      void connection?.redis
        .set(`${connection.prefix}token-key`, connection.tokenKey, 'NX')
        .catch(() => undefined);
    });
    mirror.start();
  }

  const app = express() as MockApp;
  app.mock = parts;
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');
  const firstStage = sessionStage({
    clock,
    store,
    hooks,
    ...(shared ? { refresh: (name: string) => shared.refresh(name) } : {}),
    ...(sessionAccess ? { sessionGuard: (req, name) => sessionAccess.check(req, name) } : {}),
  });
  const handleError = errorHandler({ seed: settings.seed, log, responses, shared: shared !== undefined });
  app.use(firstStage);
  if (options.admin !== false) {
    app.use(ADMIN_PREFIX, adminRouter(parts, options.adminToken ? { token: options.adminToken } : {}));
  }

  // A handler is built once per operation, by whichever needs it first: the fast lane's table below or the routes.
  const handles = new Map<string, RequestHandler>();
  const handleOf = (op: CompiledOperation): RequestHandler => {
    let handle = handles.get(op.id);
    if (!handle) {
      handle = pipeline(pipelineDeps, op, handlerOf(op));
      handles.set(op.id, handle);
    }
    return handle;
  };
  for (const op of contract.operations.values()) handlerOf(op);
  // Paths without parameters (evaluate, capture, token…) go in the fast lane's table (mock/http/fast-lane.ts, used
  // once listen() serves the app) now. The Express routes, which serve every path in any case (HEAD, 405s,
  // templated paths, supertest), are built by the first request that reaches them: a start needs none of them for
  // its first answer.
  const exact = new Map<string, RequestHandler>();
  offerFastLane(app, { exact, before: firstStage, fail: handleError });
  for (const op of contract.operations.values()) {
    if (paramCount(op.expressPath) === 0)
      exact.set(`${op.method.toUpperCase()} ${op.expressPath}`, handleOf(op));
  }
  let routes: Router | undefined;
  app.use((req, res, next) => {
    routes ??= apiRoutes(contract.operations.values(), handleOf, options.admin !== false, settings.profile);
    routes(req, res, next);
  });
  app.use(handleError);
  return app;
}

/** Every operation's route, then the service index and the 404 of an unknown path. */
function apiRoutes(
  operations: Iterable<CompiledOperation>,
  handleOf: (op: CompiledOperation) => RequestHandler,
  admin: boolean,
  profile: Settings['profile'],
): Router {
  const router = Router();
  // Static paths before templated ones, so /application/list is not taken for /application/{id}.
  const byPath = new Map<string, CompiledOperation[]>();
  for (const op of operations) {
    byPath.set(op.expressPath, [...(byPath.get(op.expressPath) ?? []), op]);
  }
  const paths = [...byPath.keys()].sort((a, b) => paramCount(a) - paramCount(b));
  for (const path of paths) {
    const ops = byPath.get(path) ?? [];
    for (const op of ops) router[op.method](path, handleOf(op));
    const allow = ops.map((op) => op.method.toUpperCase()).join(', ');
    router.all(path, (_req, _res, next) => next(apiError('405001', { headers: { Allow: allow } })));
  }
  router.get(INDEX_PATHS, serviceIndex({ profile, admin }));
  router.use((req, _res, next) => next(notFound(req.path)));
  return router;
}

/** Stop what the mock runs in the background: scenario file watchers, webhook attempts and the fate ticker. */
export async function closeMock(
  parts: Pick<MockParts, 'scenarios' | 'webhooks' | 'scheduler' | 'shared'>,
): Promise<void> {
  parts.scenarios.close();
  await parts.webhooks.close();
  parts.scheduler.close();
  await parts.shared?.journal.close();
  await parts.shared?.connection.close();
}

/** The operation's handler in the route table; a start without one fails. */
function handlerOf(op: CompiledOperation): Handler {
  const handler = ROUTES[op.id];
  if (!handler) throw new Error(`no handler for operation ${op.id} (mock/http/routes.ts)`);
  return handler;
}

function paramCount(path: string): number {
  return (path.match(/:/g) ?? []).length;
}
