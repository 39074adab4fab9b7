// Shared types of the request pipeline: the engine (everything a handler may touch) and the per-request context.

import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Request, Response } from 'express';
import type { CompiledOperation, Contract } from './contract/contract.js';
import type { AccountBook, MerchantAccount } from './domain/accounts.js';
import type { VirtualClock } from './domain/clock.js';
import type { Session, Store } from './domain/store.js';
import type { TokenService } from './domain/tokens.js';
import type { WebhookDispatcher } from './webhooks/dispatcher.js';

export type Profile = 'strict' | 'lenient';

export interface EngineSettings {
  profile: Profile;
  seed: number;
  /** Body size limit in bytes. */
  bodyLimit: number;
  /** How long a CAPTUREREQUIRED order waits for /capture before it auto-voids (ms of virtual time). */
  captureWindowMs: number;
  /** Check every response against contracts/openapi.yaml; a violation becomes a 500002 error. */
  validateResponses: boolean;
  /** Which generation of the real API's request rules applies by default (mock/domain/compat.ts). */
  compat: import('./domain/compat.js').Compat;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface Engine {
  settings: EngineSettings;
  contract: Contract;
  store: Store;
  tokens: TokenService;
  accounts: AccountBook;
  clock: VirtualClock;
  log: Logger;
  /** Responses that failed the contract check (only filled when validateResponses is on). */
  violations: { operationId: string; status: number; problems: string[] }[];
  /** Extensions that see every request (scenarios, journal); called in order. */
  hooks: RequestHooks[];
  /** Scenario files and their per-session selection (mock/scenarios); createApp always sets it. */
  scenarios?: import('./scenarios/engine.js').ScenarioEngine;
  /** Requests, transitions and webhook attempts of every session, redacted, in a bounded ring buffer. */
  journal: import('./journal/journal.js').Journal;
  /** Signed webhook deliveries (mock/webhooks/dispatcher.ts); createApp always sets it. */
  webhooks?: WebhookDispatcher;
  /** Per-session tokens when sessions are isolated (createApp({ isolateSessions })); absent otherwise. */
  sessionAccess?: import('./http/session-access.js').SessionAccess;
  /** Called for every request's session before it is used: an error to answer instead, or undefined. */
  sessionGuard?: (req: import('express').Request, session: string) => unknown;
}

/**
 * Faults a scenario can put on the webhook deliveries of one test session (implemented by the webhook dispatcher).
 * All invented: FlexFactor documents no delivery semantics.
 */
export interface WebhookFaults {
  /** Fail this many delivery attempts (the receiver is not called; the attempt is recorded as failed). */
  failTimes?: number;
  /** Deliver every event twice. */
  duplicate?: boolean;
  /** Hold events and deliver each batch in reverse order. */
  outOfOrder?: boolean;
  /** Delay each first attempt by this many ms of virtual time. */
  delayMs?: number;
}

/** What a beforeHandler hook may do: answer instead of the handler, take over the socket, or let it run. */
export type HookResult = Reply | 'handled' | undefined;

/** One request and its response, as the journal sees it (bodies as parsed/sent; redaction is the reader's job). */
export interface Exchange {
  session: string;
  method: string;
  path: string;
  query: Record<string, unknown>;
  operationId: string | null;
  /** Virtual-clock time the request arrived (ms since the epoch). */
  at: number;
  /** Wall-clock duration in ms. */
  durationMs: number;
  /** HTTP status sent, or null when the connection ended without a response (a transport fault). */
  status: number | null;
  requestHeaders: IncomingHttpHeaders;
  requestBody: unknown;
  responseHeaders: OutgoingHttpHeaders;
  responseBody: unknown;
  /** Names of the scenarios that applied. */
  scenarios: string[];
}

/**
 * An extension of the pipeline. Every method is optional; a hook that throws an ApiError answers with that error.
 */
export interface RequestHooks {
  name: string;
  /** Once per request, right after the session is known (unknown paths included). */
  onRequest?(req: Request, res: Response, session: Session): void;
  /** After authentication and body parsing, before validation and the handler. */
  beforeHandler?(ctx: Ctx, res: Response): Promise<HookResult> | HookResult;
  /** With the handler's reply, before it is written; may replace it or take over the socket ('handled'). */
  afterHandler?(ctx: Ctx, reply: Reply, res: Response): Promise<Reply | 'handled'> | Reply | 'handled';
  /** After the response was written or the connection closed. */
  onFinish?(exchange: Exchange): void;
}

/** Everything a handler gets: validated input, the caller, its session, and the engine. */
export interface Ctx {
  engine: Engine;
  req: Request;
  op: CompiledOperation;
  session: Session;
  /** The body after case-insensitive key binding and validation. */
  // biome-ignore lint/suspicious/noExplicitAny: handlers read validated JSON; its shape is guaranteed by the schema.
  body: any;
  query: Record<string, unknown>;
  params: Record<string, string>;
  /** The authenticated caller (bearer token's merchant, or the tokenization key's merchant); null for /oauth2/token. */
  account: MerchantAccount | null;
  /** Strict-profile warnings to send back in x-mock-warning headers. */
  warnings: string[];
  /** Per-request scratch space for hooks (e.g. the scenarios that matched). */
  locals: Record<string, unknown>;
}

export interface Reply {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;

/** The merchant whose data a request touches: `mid` from the body or query when given, else the caller's own. */
export function merchantOf(ctx: Ctx): string {
  const mid = ctx.body?.mid ?? ctx.query.mid;
  if (typeof mid === 'string' && mid !== '') return mid;
  if (!ctx.account) throw new Error('merchantOf() needs an authenticated caller');
  return ctx.account.mid;
}

/** The base envelope the real API puts next to every merchant response. */
export function envelope(fields: {
  success?: boolean;
  result?: string | null;
  status?: string | null;
  statusCode?: string | null;
  errors?: unknown[];
}): Record<string, unknown> {
  return {
    success: fields.success ?? true,
    result: fields.result ?? null,
    status: fields.status ?? null,
    statusCode: fields.statusCode ?? null,
    errors: fields.errors ?? [],
    customProperties: {},
  };
}
