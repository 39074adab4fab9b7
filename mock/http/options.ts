// createApp()'s options: everything a caller can set, with its default.

import type { StateTable } from '../admin/provider-states.js';
import type { MerchantAccount } from '../domain/accounts.js';
import type { ClockOptions, VirtualClock } from '../domain/clock.js';
import type { Compat } from '../domain/compat.js';
import type { SharedConnection } from '../redis/index.js';
import type { ScenarioOptions } from '../scenarios/engine.js';
import type { LogLimitOptions } from '../support/log-limit.js';
import type { Logger } from '../support/logger.js';
import type { Profile } from '../support/settings.js';
import type { WebhookOptions } from '../webhooks/dispatcher.js';
import type { RequestHooks } from './types.js';

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
  scenarios?: ScenarioOptions;
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
  /**
   * Keep at most this many orders and vaulted cards across all sessions (default 20,000), and three times as many
   * idempotency keys, so an order's keys outlive it (docs/behaviour.md, "Idempotency").
   */
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
  /**
   * A Redis connection (openSharedStore() in mock/redis/) whose store this mock shares with other processes:
   * orders, idempotency keys, cards, sessions, the clock, the journal. Its token key replaces tokenKey.
   */
  shared?: SharedConnection;
  /** More Pact provider states for POST /__admin/provider-states (sentence → set-up); built-ins stay. */
  stateHandlers?: StateTable;
}
