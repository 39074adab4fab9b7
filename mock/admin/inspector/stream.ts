// GET /__admin/ui/events: the journal as server-sent events. A backlog first, then what is recorded, in batches.
// With no stream open the journal pays one size check per entry; with one open, each entry is handed over once and
// written as part of a batch a few times a second. The number of streams is capped, and a stream whose reader falls
// behind drops batches (and says how many entries it dropped) instead of buffering without bound.

import type { RequestHandler, Response } from 'express';
import { apiError } from '../../errors/catalog.js';
import { type EntryQuery, type JournalEntry, type Stored, view } from '../../journal/journal.js';
import { writeSlices } from '../export.js';
import { securityHeaders } from './assets.js';

/** The part of the journal a stream reads. */
export interface JournalFeed {
  select(query?: EntryQuery): Stored[];
  subscribe(listener: (entry: JournalEntry) => void): () => void;
}

export interface StreamOptions {
  /** Streams open at once, over all sessions (default 8): each holds a connection and a timer. */
  maxStreams?: number;
  /** How long entries gather before they are written (default 200 ms). */
  batchMs?: number;
  /** Backlog entries sent when a stream opens, unless the query asks for fewer (default 500). */
  backlog?: number;
}

/** Entries waiting for the next batch of one stream; beyond this the oldest are dropped and counted. */
const MAX_PENDING = 2_000;
/** Bytes the socket may hold unsent before a batch is dropped instead of written. */
const MAX_UNSENT = 1024 * 1024;
/** Slots only callers holding the admin token may take: sessions (--isolate-sessions) cannot lock the admin out. */
const ADMIN_RESERVED = 2;
/** How often a stream checks that its server still listens, and sends a comment every 15 checks (proxies). */
const TICK_MS = 1_000;

interface StreamLocals {
  session: { name: string };
  admin?: boolean;
}

/**
 * The handler for GET /__admin/ui/events, behind the admin API's guard (token and session rules already applied).
 * `?all=true` streams every session and needs the admin token; otherwise the x-mock-session's own session.
 */
export function journalStream(journal: JournalFeed, options: StreamOptions = {}): RequestHandler {
  const maxStreams = options.maxStreams ?? 8;
  const batchMs = options.batchMs ?? 200;
  const defaultBacklog = options.backlog ?? 500;
  let open = 0;
  return (req, res) => {
    const locals = res.locals as StreamLocals;
    const all = allSessions(req.query.all);
    if (all && locals.admin !== true) {
      throw apiError('401005', { detail: 'Every session\'s journal needs the admin token; or drop "all".' });
    }
    const backlog = backlogSize(req.query.backlog, defaultBacklog);
    const limit = locals.admin === true ? maxStreams : Math.max(1, maxStreams - ADMIN_RESERVED);
    if (open >= limit) {
      throw apiError('429001', {
        detail: `${open} inspector streams are open already: close an inspector tab, then retry.`,
        headers: { 'Retry-After': '5' },
      });
    }
    open += 1;
    const session = locals.session.name;
    const mine = (entry: JournalEntry) => all || entry.session === session;

    securityHeaders(res);
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();

    const first = backlog === 0 ? [] : journal.select(all ? { limit: backlog } : { session, limit: backlog });
    let pending: JournalEntry[] = [];
    let dropped = 0;
    let timer: NodeJS.Timeout | undefined;
    // The backlog (up to 5,000 entries, megabytes) is one event written in slices, each after the socket drained: a
    // reader that does not read holds one slice unsent, not the whole backlog. Until it is written, what is recorded
    // waits in `pending` and no keep-alive comment is written into the middle of it.
    let sendingBacklog = true;
    writeSlices(res, {
      head: 'event: backlog\ndata: {"entries":[',
      tail: ']}\n\n',
      items: first,
      text: (entry) => JSON.stringify(view(entry)),
    }).then(
      (written) => {
        sendingBacklog = false;
        if (written && pending.length > 0) timer ??= setTimeout(flush, batchMs);
      },
      () => res.destroy(),
    );
    const flush = () => {
      timer = undefined;
      if (sendingBacklog) return;
      const batch = pending;
      pending = [];
      if (res.writableLength > MAX_UNSENT) {
        dropped += batch.length;
        return;
      }
      send(res, 'entries', dropped > 0 ? { entries: batch, dropped } : { entries: batch });
      dropped = 0;
    };
    const unsubscribe = journal.subscribe((entry) => {
      if (!mine(entry)) return;
      if (pending.length >= MAX_PENDING) {
        pending.shift();
        dropped += 1;
      }
      pending.push(entry);
      timer ??= setTimeout(flush, batchMs);
    });
    let ticks = 0;
    const server = (req.socket as { server?: { listening?: boolean } }).server;
    const ticker = setInterval(() => {
      // A server that stops listening (close()) must not wait for open streams: end them.
      if (server && server.listening === false) return res.end();
      ticks += 1;
      if (ticks % 15 === 0 && !sendingBacklog) res.write(': keep-alive\n\n');
    }, TICK_MS);
    ticker.unref();
    res.once('close', () => {
      open -= 1;
      unsubscribe();
      clearInterval(ticker);
      if (timer) clearTimeout(timer);
    });
  };
}

/** `all` is true or false (contracts/admin.yaml); anything else is the caller's mistake, not a quiet false. */
function allSessions(value: unknown): boolean {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw apiError('400001', {
    errors: { all: ['Send true (every session, with the admin token) or false.'] },
  });
}

function backlogSize(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== 'string' || !/^\d{1,5}$/.test(value) || n > 5_000) {
    throw apiError('400001', { errors: { backlog: ['Send a whole number from 0 to 5000.'] } });
  }
  return n;
}

/** One event; JSON.stringify escapes line breaks inside strings, so the data is always one line. */
function send(res: Response, event: string, data: unknown): void {
  res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}
