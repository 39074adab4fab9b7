// What each admin operation does (contracts/admin.yaml operationId → handler): health, reset, the clock, scenarios,
// the journal, webhooks and provider states. The router around them (admin-api.ts) checks access, validates the
// request and shapes the answer; a handler only acts on the mock's parts.

import { createHash } from 'node:crypto';
import { ClockRangeError, checkInstant, parseDuration, toMs } from '../domain/clock.js';
import { apiError } from '../errors/catalog.js';
import type { MockParts as Engine } from '../http/mock-parts.js';
import { harEntry, harLog } from '../journal/har.js';
import { view } from '../journal/journal.js';
import { packageInfo } from '../support/package-info.js';
import { cardSafeId } from '../support/redact.js';
import type { WebhookDispatcher } from '../webhooks/dispatcher.js';
import { JsonExport } from './export.js';
import { credentialsView, prerequisitesReport } from './inspector/index.js';
import { applyProviderState } from './provider-states.js';

export interface AdminCall {
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

export type AdminHandler = (call: AdminCall) => unknown | Promise<unknown>;

const started = Date.now();

function clockView(engine: Engine) {
  const now = engine.clock.now();
  return { now: new Date(now).toISOString(), nowMs: now, frozen: engine.clock.isFrozen() };
}

/**
 * Run a clock change; an input outside the clock's range is the client's mistake (400020), not a server error. The
 * change does not settle what it makes due: settled() does, in slices.
 */
function moveClock(engine: Engine, change: () => unknown): void {
  try {
    engine.scheduler.quietly(change);
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
  // In slices: a move over thousands of due orders (each making webhook deliveries) must not hold other requests.
  await engine.scheduler.tickInSlices();
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

/**
 * An instant for clock/set or clock/freeze: within the clock's range (400020), then not before the current instant
 * (400001). Orders keep the times the clock gave them, so a clock sent back would date an update before its order.
 */
function forwardInstant(engine: Engine, value: unknown, field: string): number {
  const ms = instant(value, field);
  moveClock(engine, () => checkInstant(ms));
  if (ms < engine.clock.now()) {
    throw apiError('400001', {
      errors: {
        [field]: [
          'The clock only moves forward: send an instant at or after now (GET /__admin/clock reads it).',
        ],
      },
    });
  }
  return ms;
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
    // The store tells the webhook dispatcher and the scenario engine, which forget the session's faults and choice.
    engine.store.reset(session);
    engine.journal.clear(session);
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
export const ADMIN_ROUTES: Record<string, AdminHandler> = {
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
    const at = body?.at === undefined ? undefined : forwardInstant(engine, body.at, 'at');
    moveClock(engine, () => engine.clock.freeze(at));
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
      moveClock(engine, () => engine.clock.checkAdvance(ms));
      await shared.advanceClock(ms);
    } else moveClock(engine, () => engine.clock.advance(ms));
    return settled(engine);
  },
  adminClockSet: ({ engine, body }) => {
    const to = forwardInstant(engine, body.to, 'to');
    moveClock(engine, () => engine.clock.set(to));
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
  // The three answers that grow with the journal are written in slices (export.ts): each entry becomes its view or
  // HAR entry only when its slice is written.
  adminJournal: ({ engine, session, query }) =>
    new JsonExport(
      { entries: [] },
      'entries',
      engine.journal.select({
        session,
        ...(typeof query.kind === 'string' ? { kind: query.kind as 'request' } : {}),
        ...(typeof query.limit === 'number' ? { limit: query.limit } : {}),
      }),
      view,
    ),
  adminJournalHar: ({ engine, session }) =>
    new JsonExport(harLog([], session), 'entries', engine.journal.harRequests(session), harEntry),
  adminPrerequisites: ({ engine, session }) =>
    prerequisitesReport(
      session,
      engine.settings.profile,
      engine.journal.entries({ session, kind: 'request' }),
    ),
  adminCredentials: ({ engine }) => credentialsView(engine.accounts.accounts),
  adminOrderTimeline: ({ engine, session, params }) =>
    new JsonExport(
      // Named back as the journal shows it: a card-bearing merchant orderId is never echoed.
      { orderId: cardSafeId(params.id ?? ''), entries: [] },
      'entries',
      engine.journal.selectTimeline(session, params.id ?? ''),
      view,
    ),
  adminWebhookReceivers: ({ engine, session, admin }) => ({
    receivers: webhooksOf(engine)
      .receivers()
      .filter((r) => admin || r.session === session),
  }),
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
  adminRemoveWebhookReceiver: async ({ engine, params, session, admin }) => {
    const id = params.id ?? '';
    // A session's token removes only its own session's receivers; another's is answered as if it did not exist.
    if (
      !webhooksOf(engine)
        .receivers()
        .some((r) => r.id === id && (admin || r.session === session))
    ) {
      throw apiError('404001', { detail: `No webhook receiver ${params.id}.` });
    }
    // Shared: Redis first, so a failure there (503100) leaves the receiver in place everywhere, to remove again.
    await engine.shared?.journal.receiverRemoved(id);
    webhooksOf(engine).removeReceiver(id);
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
  adminFlushWebhooks: async ({ engine, session, query }) => {
    const webhooks = webhooksOf(engine);
    const waitMs = typeof query.waitMs === 'number' ? query.waitMs : 30_000;
    // The session's deliveries only: one test worker's flush must not wait on another worker's slow receivers.
    const idle = await webhooks.idle(waitMs, session);
    return { pending: webhooks.deliveries({ session, status: 'pending' }).length, idle };
  },
  adminSetWebhookFaults: ({ engine, session, body }) => {
    webhooksOf(engine).setFaults(session, body);
    return webhooksOf(engine).faults(session);
  },
  adminProviderState: ({ engine, session, body, origin }) =>
    applyProviderState(engine, session, origin, body),
  adminClearWebhookFaults: ({ engine, session }) => {
    webhooksOf(engine).clearFaults(session);
    return webhooksOf(engine).faults(session);
  },
};

/** A receiver refused by the network policy or the caps → its own catalog code; anything else → 400001. */
function receiverError(error: unknown): unknown {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message;
  if (code === 'RECEIVER_REFUSED') return apiError('400042', { detail: message });
  if (code === 'RECEIVER_LIMIT') return apiError('400043', { detail: message });
  return apiError('400001', { errors: { url: [message] } });
}

function sharedReceiverId(input: { mid: string; url: string; session?: string }): string {
  const digest = createHash('sha256').update(
    `${input.mid.toLowerCase()}\u0000${input.url}\u0000${input.session ?? ''}`,
  );
  return `whr_${digest.digest('hex').slice(0, 16)}`;
}
