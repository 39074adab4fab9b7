// The first stage of every request: the Host check, the Date header on the virtual clock, the x-mock-session name
// (checked, then isolated when sessions are), the hooks' onRequest, and the exchange reported to onFinish hooks once
// the connection is done with it.

import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { VirtualClock } from '../domain/clock.js';
import { DEFAULT_SESSION, type Session, type Store } from '../domain/store.js';
import { type ApiError, apiError } from '../errors/catalog.js';
import { hasCardData } from '../support/redact.js';
import type { Exchange, RequestHooks } from './types.js';

export const SESSION_HEADER = 'x-mock-session';
const SESSION_PATTERN = /^[A-Za-z0-9._:-]{1,100}$/;

export interface SessionStageDeps {
  clock: Pick<VirtualClock, 'now'>;
  store: Pick<Store, 'session'>;
  hooks: readonly RequestHooks[];
  /** Called for every request's session before it is used: an error to answer instead, or undefined. */
  sessionGuard?: (req: Request, session: string) => unknown;
  /** A shared store brings the session up to date first (what another process changed: its scenario choice…). */
  refresh?: (session: string) => Promise<void>;
}

export interface Locals {
  session: Session;
  operationId?: string;
  /** The body as sent, for the journal. */
  responseBody?: unknown;
  /** Names of the scenarios that applied (set by the scenario hook). */
  scenarios?: string[];
}

export function locals(res: Response): Locals {
  return res.locals as Locals;
}

/** Why a session name is refused (400012, or 400040 for one shaped like card data), or undefined when it is fine. */
export function sessionNameError(name: string): ApiError | undefined {
  if (!SESSION_PATTERN.test(name)) {
    return apiError('400012', {
      errors: { [SESSION_HEADER]: ['Use 1 to 100 letters, digits, dots, colons, underscores or dashes.'] },
    });
  }
  // Session names are stored, listed and logged: one shaped like a card number would put it everywhere.
  if (name !== DEFAULT_SESSION && hasCardData(name)) return apiError('400040');
  return undefined;
}

export function sessionStage(deps: SessionStageDeps): RequestHandler {
  const date = httpDate(deps.clock);
  return (req, res, next) => {
    // HTTP/1.1 requires Host (RFC 9112 §3.2); listen() turns off Node's own check so the answer is a catalog problem.
    if (req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
      next(apiError('400021'));
      return;
    }
    // The Date header follows the virtual clock, as tokens and webhooks do: one clock for everything a client sees.
    res.setHeader('Date', date());
    const name = req.get(SESSION_HEADER) ?? DEFAULT_SESSION;
    // No session: a request refused for its session name must not create (or evict) one.
    const refused = sessionNameError(name);
    if (refused) return next(refused);
    const isolation = deps.sessionGuard?.(req, name);
    if (isolation) return next(isolation);
    if (deps.refresh && req.path.startsWith('/v1')) {
      deps.refresh(name).then(() => enter(deps, req, res, next, name), next);
      return;
    }
    enter(deps, req, res, next, name);
  };
}

function enter(deps: SessionStageDeps, req: Request, res: Response, next: NextFunction, name: string): void {
  const session = deps.store.session(name);
  locals(res).session = session;
  watchExchange(deps, req, res, session);
  try {
    for (const hook of deps.hooks) hook.onRequest?.(req, res, session);
  } catch (error) {
    next(error);
    return;
  }
  next();
}

/** The virtual clock's time as an HTTP date, formatted once per virtual second. */
function httpDate(clock: Pick<VirtualClock, 'now'>): () => string {
  let second = Number.NaN;
  let text = '';
  return () => {
    const now = Math.floor(clock.now() / 1000);
    if (now !== second) {
      second = now;
      text = new Date(now * 1000).toUTCString();
    }
    return text;
  };
}

/** Tell the hooks about the finished exchange once the connection is done with it (answered or not). */
function watchExchange(deps: SessionStageDeps, req: Request, res: Response, session: Session): void {
  // Admin calls drive the mock; they are not FlexFactor traffic, so they stay out of the journal.
  if (!deps.hooks.some((h) => h.onFinish) || req.path.startsWith('/__admin')) return;
  const at = deps.clock.now();
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
    for (const hook of deps.hooks) hook.onFinish?.(exchange);
  });
}
