// The server's log: one JSON line per request (pino) and the engine's warnings, filtered by one `--log` level.
// A request line is built from six named fields only — method, path, status, ms, session, scenario — never from
// headers, query strings or bodies, so card data, secrets and tokens cannot reach it; the path and the session
// name (both chosen by the client) go through the same redaction as the journal.

import { createRequire } from 'node:module';
import type { Logger } from '../support/logger.js';
import { redactPath, redactText } from '../support/redact.js';
import type { Exchange, RequestHooks } from './types.js';

export const LOG_LEVELS = ['silent', 'error', 'warn', 'info'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RANK: Record<LogLevel, number> = { silent: 0, error: 1, warn: 2, info: 3 };

/** What one request line holds: nothing else can be logged per request. */
export interface RequestLine {
  method: string;
  path: string;
  status: number | null;
  ms: number;
  session: string;
  scenario: string | null;
}

export function requestLine(exchange: Exchange): RequestLine {
  return {
    method: exchange.method,
    path: redactPath(exchange.path),
    status: exchange.status,
    ms: exchange.durationMs,
    session: redactText(exchange.session),
    scenario: exchange.scenarios.length > 0 ? exchange.scenarios.join(',') : null,
  };
}

export interface ServerLog {
  /** The engine's logger (warnings and errors as plain lines on stderr), filtered by the level. */
  logger: Logger;
  /** Present when the level is `info`: the pipeline hook that writes one line per request. */
  hook: RequestHooks | null;
  /** Write what is buffered (call before exiting). */
  flush(): void;
}

/** The log of a CLI-started server; `destination` is a file descriptor (default 2, stderr). */
export function serverLog(level: LogLevel, destination = 2): ServerLog {
  const rank = RANK[level];
  const write = (prefix: string, min: number) => (message: string) => {
    if (rank >= min) process.stderr.write(`${prefix}${message}\n`);
  };
  const logger: Logger = {
    info: write('', RANK.info),
    warn: write('warning: ', RANK.warn),
    error: write('error: ', RANK.error),
  };
  if (rank < RANK.info) return { logger, hook: null, flush() {} };
  // Loaded here, not at the top: at the default level (warn) no request line is written, and pino with its
  // dependencies (~30 files) would only delay the first answer.
  const { pino } = createRequire(import.meta.url)('pino') as typeof import('pino');
  const stream = pino.destination({ dest: destination, sync: false });
  const log = pino({ level: 'info', base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, stream);
  return {
    logger,
    hook: { name: 'request-log', onFinish: (exchange) => log.info(requestLine(exchange), 'request') },
    flush: () => stream.flushSync(),
  };
}
