// The parts createApp() built, as handles for whoever drives the mock from outside: tests (app.mock, startMock's
// `engine`), the admin API and Pact provider states. No part receives this object: each gets what it uses.

import type { Contract } from '../contract/contract.js';
import type { AccountBook } from '../domain/accounts.js';
import type { VirtualClock } from '../domain/clock.js';
import type { OrderScheduler } from '../domain/scheduler.js';
import type { Store } from '../domain/store.js';
import type { TokenService } from '../domain/tokens.js';
import type { Journal } from '../journal/journal.js';
import type { JournalMirror, SharedConnection, SharedStore } from '../redis/index.js';
import type { ScenarioEngine } from '../scenarios/engine.js';
import type { Logger } from '../support/logger.js';
import type { Settings } from '../support/settings.js';
import type { WebhookDispatcher } from '../webhooks/dispatcher.js';
import type { SessionAccess } from './session-access.js';
import type { RequestHooks } from './types.js';

/** A response that failed the contract check (only recorded when validateResponses is on). */
export interface Violation {
  operationId: string;
  status: number;
  problems: string[];
}

export interface MockParts {
  readonly settings: Readonly<Settings>;
  readonly contract: Contract;
  readonly store: Store;
  /** Settles order fates as virtual time passes. */
  readonly scheduler: OrderScheduler;
  readonly tokens: TokenService;
  readonly accounts: AccountBook;
  readonly clock: VirtualClock;
  /** The redacting, rate-limited logger every part writes to. */
  readonly log: Logger;
  /** Responses that failed the contract check (only filled when validateResponses is on). */
  readonly violations: Violation[];
  /** Extensions that see every request (scenarios, journal, then createApp's `hooks`), in order. */
  readonly hooks: readonly RequestHooks[];
  /** Scenario files and their per-session selection. */
  readonly scenarios: ScenarioEngine;
  /** Requests, transitions and webhook attempts of every session, redacted, in a bounded ring buffer. */
  readonly journal: Journal;
  /** Signed webhook deliveries. */
  readonly webhooks: WebhookDispatcher;
  /** Per-session tokens when sessions are isolated (createApp({ isolateSessions })); absent otherwise. */
  readonly sessionAccess?: SessionAccess;
  /** The Redis store several processes share (createApp({ shared })); absent for the in-memory store. */
  readonly shared?: { store: SharedStore; connection: SharedConnection; journal: JournalMirror };
}
