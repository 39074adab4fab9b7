// startMock(): the mock for a test, in-process on port 0, with handles on everything a test drives or inspects.

import { generateAdminToken, resetSession } from '../admin/admin-api.js';
import { DEFAULT_MERCHANT, type MerchantAccount } from '../domain/accounts.js';
import type { VirtualClock } from '../domain/clock.js';
import { DEFAULT_SESSION, type Session } from '../domain/store.js';
import { ApiError, apiError } from '../errors/catalog.js';
import type { Journal } from '../journal/journal.js';
import { openSharedStore } from '../redis/index.js';
import type { ScenarioEngine } from '../scenarios/engine.js';
import type { WebhookDispatcher } from '../webhooks/dispatcher.js';
import { createApp, type MockApp, type MockOptions } from './app.js';
import { credentialedAccount } from './handlers/auth.js';
import type { MockParts } from './mock-parts.js';
import { listen } from './server.js';
import { sessionNameError } from './session-stage.js';

export interface StartMockOptions extends MockOptions {
  /** Port to listen on (default 0: a free one). */
  port?: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /**
   * Share the store with other mock processes through Redis: `redis://host:port/db`. Default: in memory (also when
   * the FLEXFACTOR_MOCK_STORE environment variable is unset; startMock() does not read it, the CLI does).
   */
  store?: string;
  /** Key prefix in that Redis (default `ffmock:`): mocks under different prefixes do not see each other. */
  storePrefix?: string;
}

export interface MockServer {
  /** Origin, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The API base, `${url}/v1`, what a FlexFactor client is configured with. */
  baseUrl: string;
  port: number;
  /** The default merchant's credentials. */
  credentials: {
    appKey: string;
    appSecret: string;
    mid: string;
    tokenizationKey: string;
    subscriberKey: string;
  };
  accounts: readonly MerchantAccount[];
  app: MockApp;
  /** The parts the mock is built of (the same object as `app.mock`). */
  engine: MockParts;
  clock: VirtualClock;
  journal: Journal;
  webhooks: WebhookDispatcher;
  scenarios: ScenarioEngine;
  /**
   * Choose scenarios for a session (default session `default`); replaces its previous choice. An unknown name throws an
   * ApiError (code `400011`) whose message names the close matches.
   */
  useScenario(names: string | readonly string[], session?: string): void;
  /** Forget a session's orders, cards, keys, journal, scenario choice and webhook faults (a promise when shared). */
  reset(session?: string): void | Promise<void>;
  /** The admin token (set when `adminToken` or `isolateSessions` was given; generated for the latter). */
  adminToken?: string;
  /** With `isolateSessions`: the token of a session, for its x-mock-session-token header. */
  sessionToken(session?: string): string;
  /**
   * A bearer token for an account (default: the default merchant), issued in-process: the scenarios and faults chosen
   * for the session do not apply to it. Rejects with an ApiError after close() or for an account the mock lacks.
   */
  token(account?: MerchantAccount, session?: string): Promise<string>;
  /**
   * Stop listening and stop background work. In-flight requests finish; requests a `hang` fault holds, idle keep-alive
   * connections and connections that sent nothing are ended at once.
   */
  close(): Promise<void>;
}

/**
 * Start the mock on a free loopback port. Several instances can run in one process; nothing is global.
 *
 * @example
 * import { startMock } from 'flexfactor-mock';
 * const mock = await startMock({ clock: { frozen: true } });
 * const token = await mock.token();
 * // … drive your client against mock.baseUrl, then:
 * mock.clock.advance(60 * 60_000);
 * await mock.webhooks.flush();
 * await mock.close();
 */
export async function startMock(options: StartMockOptions = {}): Promise<MockServer> {
  const { port = 0, host = '127.0.0.1', store, storePrefix, ...appOptions } = options;
  if (appOptions.isolateSessions && !appOptions.adminToken) appOptions.adminToken = generateAdminToken();
  const shared = store ? await openSharedStore(store, storePrefix) : undefined;
  let app: MockApp;
  let running: Awaited<ReturnType<typeof listen>>;
  try {
    app = createApp({
      logger: { info() {}, warn() {}, error() {} },
      ...appOptions,
      ...(shared ? { shared } : {}),
    });
    await app.mock.shared?.store.init();
    running = await listen(app, { port, host });
  } catch (error) {
    await shared?.close();
    throw error;
  }
  const engine = app.mock;
  const merchant = engine.accounts.accounts[0] ?? DEFAULT_MERCHANT;
  let closed = false;
  return {
    url: running.url,
    baseUrl: `${running.url}/v1`,
    port: running.port,
    credentials: {
      appKey: merchant.appKey,
      appSecret: merchant.appSecret,
      mid: merchant.mid,
      tokenizationKey: merchant.tokenizationKey,
      subscriberKey: merchant.subscriberKey,
    },
    accounts: engine.accounts.accounts,
    app,
    engine,
    clock: engine.clock,
    journal: engine.journal,
    webhooks: engine.webhooks,
    scenarios: engine.scenarios,
    useScenario(names, session = 'default') {
      try {
        engine.scenarios.useForSession(session, typeof names === 'string' ? [names] : names);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        throw error.forCaller(
          'Pass useScenario() the names of loaded scenarios (mock.scenarios.list() lists them).',
        );
      }
    },
    ...(appOptions.adminToken ? { adminToken: appOptions.adminToken } : {}),
    sessionToken(session = 'default') {
      const access = engine.sessionAccess;
      if (!access) {
        throw apiError('404001', {
          detail: 'Sessions are not isolated on this mock, so they have no tokens.',
        }).forCaller('Start it with startMock({ isolateSessions: true }) to give each session a token.');
      }
      return access.tokenFor(session);
    },
    reset(session = 'default') {
      return resetSession(engine, session);
    },
    async token(account = merchant, session = DEFAULT_SESSION) {
      // Test plumbing, not the client under test: issued here rather than over HTTP, so no scenario, fault or hang the
      // test chose for its client can touch it. The token is the endpoint's own (same service, same redaction).
      if (closed) {
        throw apiError('503001', { detail: 'mock.token() was called after mock.close().' }).forCaller(
          'Get tokens before closing the mock (close it last, e.g. in t.after()), or start another with startMock().',
        );
      }
      const refused = sessionNameError(session);
      if (refused) {
        throw refused.forCaller(
          'Pass token() the session name your requests send as x-mock-session: 1 to 100 letters, digits, dots, colons, underscores or dashes.',
        );
      }
      let known: MerchantAccount;
      try {
        known = credentialedAccount(engine.accounts, account.appKey, account.appSecret);
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        throw error.forCaller(
          `Pass token() one of mock.accounts (by default it uses ${merchant.mid}), or start the mock with an \`accounts\` list that includes this one.`,
        );
      }
      const issue = (s: Session) => engine.tokens.issue(known, s.data);
      const issued = engine.shared
        ? await engine.shared.store.transact(session, issue)
        : await issue(engine.store.session(session));
      return issued.accessToken;
    },
    close: () => {
      closed = true;
      return running.close();
    },
  };
}
