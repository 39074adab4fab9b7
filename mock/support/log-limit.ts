// Log volume that does not grow with hostile input: each kind of line (its first words) is printed at most
// LINES_PER_KIND times per interval; the rest are counted and summed up in one "suppressed" line. A line itself is
// at most MAX_LOG_LINE_CHARS long (cut by the redacting logger, after redaction: see mock/support/redact/sinks.ts).

import type { Logger } from './logger.js';

/** The longest log line: a line quoting a request (a field name, a message) never writes megabytes to stderr. */
export const MAX_LOG_LINE_CHARS = 8192;

export interface LogLimitOptions {
  /** Lines of one kind printed per interval (default 5). */
  perKind?: number;
  /** Lines of all kinds printed per interval (default 50). */
  total?: number;
  /** The interval in real ms (default 10 s). */
  intervalMs?: number;
  /** Real-time source in ms (default performance.now); tests pass their own. */
  now?: () => number;
}

/** A line's kind: its level and first 24 characters with digits folded (ids and counts differ line to line). */
function kindOf(level: string, message: string): string {
  return `${level}:${message.slice(0, 64).replace(/\d+/g, '#').slice(0, 24)}`;
}

/** A logger that rate-limits `logger`; the summary line goes out at the end of an interval that suppressed any. */
export function rateLimitedLogger(logger: Logger, options: LogLimitOptions = {}): Logger {
  const perKind = options.perKind ?? 5;
  const total = options.total ?? 50;
  const intervalMs = options.intervalMs ?? 10_000;
  const clock = options.now ?? (() => performance.now());
  let windowStart = Number.NEGATIVE_INFINITY;
  let printed = 0;
  const byKind = new Map<string, number>();
  let suppressed = 0;
  let timer: NodeJS.Timeout | null = null;

  const summarize = (): void => {
    timer = null;
    if (suppressed === 0) return;
    const count = suppressed;
    suppressed = 0;
    logger.warn(
      `suppressed ${count} similar log line(s) in the last ${Math.round(intervalMs / 1000)} s (at most ${perKind} of a kind, ${total} in all, per interval)`,
    );
  };

  const emit = (level: 'info' | 'warn' | 'error', message: string): void => {
    const now = clock();
    if (now - windowStart >= intervalMs) {
      windowStart = now;
      printed = 0;
      byKind.clear();
    }
    const kind = kindOf(level, message);
    const seen = byKind.get(kind) ?? 0;
    if (seen >= perKind || printed >= total) {
      suppressed += 1;
      if (timer === null) {
        timer = setTimeout(summarize, Math.max(0, windowStart + intervalMs - now));
        timer.unref();
      }
      return;
    }
    if (byKind.size < 1_000) byKind.set(kind, seen + 1);
    printed += 1;
    logger[level](message);
  };

  return {
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
  };
}
