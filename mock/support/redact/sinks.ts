// Headers, URLs and loggers, and the strict profile's question "is there card data outside the card fields?".

import { cutText } from '../bounded.js';
import { MAX_LOG_LINE_CHARS } from '../log-limit.js';
import { keyInfo, redactNumber, replaced, ruleFor } from './keys.js';
import { norm, REDACTED } from './markers.js';
import {
  DECODE_ROUNDS,
  escapedAgain,
  hasCardData,
  onSecretRegistered,
  percentDecoded,
  redactText,
} from './text.js';

const DROPPED_HEADERS = new Set(['cookie', 'set-cookie']);
/** `Bearer [redacted]` and the like, made once per scheme: the journal keeps one per recorded request. */
const REDACTED_BY_SCHEME = new Map<string, string>();
// A scheme cached as clean may be a secret registered since.
onSecretRegistered(() => REDACTED_BY_SCHEME.clear());

function redactedCredentials(scheme: string): string {
  let text = REDACTED_BY_SCHEME.get(scheme);
  if (text === undefined) {
    // The scheme is the client's word too (`x4111111111111111 …` is no scheme, but is written here all the same).
    const safe = redactText(scheme);
    text = `${safe} ${REDACTED}`;
    if (safe === scheme && REDACTED_BY_SCHEME.size < 64) REDACTED_BY_SCHEME.set(scheme, text);
  }
  return text;
}
const AUTH_SCHEME = /^\s*([A-Za-z][\w-]*)\s+\S/;

/**
 * Redacted headers as a flat `name → value` map (names lower-cased): Authorization keeps only its scheme
 * (`Bearer [redacted]`), cookies are dropped, headers named like a KEY_RULES row replaced, the rest redactText'ed.
 */
export function redactHeaders(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (headers === null || typeof headers !== 'object') return out;
  try {
    const record = headers as Record<string, unknown>;
    for (const rawName of Object.keys(record)) {
      const rawValue = record[rawName];
      if (rawValue === undefined || rawValue === null) continue;
      const name = rawName.toLowerCase();
      if (DROPPED_HEADERS.has(name)) continue;
      const value = Array.isArray(rawValue) ? rawValue.map(String).join(', ') : String(rawValue);
      const info = keyInfo(name);
      const safeName = info.safe;
      if (name.endsWith('authorization')) {
        const scheme = AUTH_SCHEME.exec(value)?.[1];
        out[safeName] = scheme ? redactedCredentials(scheme) : REDACTED;
        continue;
      }
      out[safeName] = info.rule !== null ? REDACTED : redactText(value);
    }
  } catch {
    // Whatever was copied so far is already redacted.
  }
  return out;
}

/** Redacted (decoded) text written as a path again: `?`, `#`, `%`, spaces and non-ASCII encoded, `/` kept. */
function asPath(text: string): string {
  return escapedAgain(text)
    .replace(/[?#]/g, (c) => (c === '?' ? '%3F' : '%23'))
    .replace(/%5B/g, '[')
    .replace(/%5D/g, ']');
}

/**
 * A request path as it may be kept or echoed (a problem's `instance`, the journal and its HAR export, log lines,
 * scenario templates). The path as sent goes through redactText; but a card number or secret written with escapes
 * (`/v1/orders/4111%201111%201111%201111`, `%34%31%31…`) is no match there, so its percent-decoded forms are checked
 * too, and when one holds something redactText replaces, the kept path is that decoded text redacted and encoded
 * again as a path. A path whose decoded forms are clean is kept as sent.
 */
export function redactPath(path: string): string {
  try {
    const raw = String(path);
    let decoded = raw;
    for (let round = 0; round < DECODE_ROUNDS && decoded.includes('%'); round += 1) {
      const next = percentDecoded(decoded);
      if (next === decoded) break;
      decoded = next;
      const safe = redactText(decoded);
      if (safe !== decoded) return asPath(safe);
    }
    return redactText(raw);
  } catch {
    return REDACTED;
  }
}

/**
 * A URL without credentials: user info and the values of secret-named query parameters are replaced, the path is
 * checked decoded (redactPath), other query values are redacted decoded, and the rest goes through redactText. Not a
 * URL → redactText of the string.
 */
export function redactUrl(url: string, keys: Iterable<string> = []): string {
  try {
    const parsed = new URL(url);
    if (parsed.username) parsed.username = 'redacted';
    if (parsed.password) parsed.password = 'redacted';
    const path = redactPath(parsed.pathname);
    if (path !== parsed.pathname) parsed.pathname = path;
    const extra = new Set([...keys].map(norm));
    // Values are checked decoded (`?note=4111%201111%201111%201111`); the query is written again only when one changed.
    let changed = false;
    const kept = new URLSearchParams();
    for (const [name, value] of parsed.searchParams) {
      const k = norm(name);
      const secret = ruleFor(k) !== null || extra.has(k) || k === 'token';
      const safeName = redactText(name);
      const safeValue = secret ? REDACTED : redactText(value);
      if (safeName !== name || safeValue !== value) changed = true;
      kept.append(safeName, safeValue);
    }
    if (changed) parsed.search = kept.toString();
    return redactText(parsed.toString());
  } catch {
    return redactText(String(url));
  }
}

/**
 * One log line: redacted, with control characters escaped, so text from a request (a field name, a header) can
 * neither forge a line of its own with a newline nor rewrite the terminal, and cut to MAX_LOG_LINE_CHARS. The cut
 * comes last: cut before redaction, a card number split at the edge would no longer be recognized as one.
 */
function logLine(message: unknown): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is escaped.
  const line = redactText(String(message)).replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) =>
    c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  if (line.length <= MAX_LOG_LINE_CHARS) return line;
  const kept = cutText(line, MAX_LOG_LINE_CHARS - 48);
  return `${kept}... [${line.length - kept.length} more characters]`;
}

/** A logger wrapper: every line redacted (redactText), its control characters escaped and its length capped. */
export function redactingLogger<
  L extends { info(m: string): void; warn(m: string): void; error(m: string): void },
>(logger: L): L {
  return {
    ...logger,
    info: (m: string) => logger.info(logLine(m)),
    warn: (m: string) => logger.warn(logLine(m)),
    error: (m: string) => logger.error(logLine(m)),
  };
}

/**
 * The first place in a parsed body where card data sits outside the fields allowed to carry it (a path like
 * `payer.phone`), or null. `allowed(path)` names the card fields of the operation. Used by the strict profile.
 */
/** Whether a field or header name says it holds card data (a card number, CVV or track data: `x-cvv`). */
export function isCardKey(name: string): boolean {
  return keyInfo(name).rule?.card === true;
}

export function cardDataPath(value: unknown, allowed: (path: string) => boolean): string | null {
  // The path is kept as a stack of segments and joined only where card data is found: this runs on every request
  // body, and building a path string for every key was most of its cost.
  const at: string[] = [];
  const found = (): string | null => {
    const path = at.join('.');
    return allowed(path) ? null : path || '(body)';
  };
  const visit = (node: unknown, depth: number): string | null => {
    if (depth > 64) return null;
    if (typeof node === 'string') return hasCardData(node) ? found() : null;
    if (typeof node === 'number') return redactNumber(node) !== node ? found() : null;
    if (node === null || typeof node !== 'object') return null;
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i += 1) {
        at.push(String(i));
        const hit = visit(node[i], depth + 1);
        at.pop();
        if (hit !== null) return hit;
      }
      return null;
    }
    const obj = node as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      at.push(k);
      const info = keyInfo(k);
      if (info.safe !== k && hasCardData(k)) return at.join('.');
      const v = obj[k];
      const hit = (info.rule?.card && replaced(v) !== v ? found() : null) ?? visit(v, depth + 1);
      at.pop();
      if (hit !== null) return hit;
    }
    return null;
  };
  return visit(value, 0);
}
