// The request pipeline's types: what a handler gets (Ctx) and returns (Reply), and the hooks extensions register.

import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { Request, Response } from 'express';
import type { CompiledOperation } from '../contract/contract.js';
import type { AccountBook, MerchantAccount } from '../domain/accounts.js';
import type { VirtualClock } from '../domain/clock.js';
import type { Session, Store } from '../domain/store.js';
import type { TokenService } from '../domain/tokens.js';
import type { Settings } from '../support/settings.js';

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
  /**
   * With the handler's reply, before it is written; may edit or replace it (it is the hook's own: order views and
   * replays are copies of what the store keeps), or take over the socket ('handled').
   */
  afterHandler?(ctx: Ctx, reply: Reply, res: Response): Promise<Reply | 'handled'> | Reply | 'handled';
  /** After the response was written or the connection closed. */
  onFinish?(exchange: Exchange): void;
}

/** The domain parts a handler may use, built once by createApp(). */
export interface HandlerServices {
  readonly settings: Readonly<Settings>;
  readonly store: Store;
  readonly tokens: TokenService;
  readonly accounts: AccountBook;
  readonly clock: VirtualClock;
}

/** Everything a handler gets: validated input, the caller, its session, and the domain parts it may use. */
export interface Ctx {
  services: HandlerServices;
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
