// Header values the mock writes from text it does not control. Two rules:
// - safeHeaderValue, for a scenario's rendered template and a stored reply's headers: printable ASCII goes as is,
//   control characters become spaces and anything else is percent-encoded as UTF-8 (lossy, but what the scenario
//   author wrote reads as written).
// - encodedHeaderText, for the mock's own text that quotes the request (the strict profile's x-mock-warning): `%`,
//   control characters and anything non-ASCII percent-encoded as UTF-8, so decodeURIComponent gives the text back
//   exactly, and no character of the request is turned into another (a control character becoming a space could
//   join digit groups into a card number).
// Node throws on a value with a character above U+00FF or a control character, and sends U+0080–U+00FF as single
// bytes each client decodes its own way.
// And which headers of a kept reply may be sent again with another message (replayableHeaders).

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
/** Text encodedHeaderText sends as is: printable ASCII without `%`. */
const ENCODE_FREE = /^[\x20-\x24\x26-\x7e]*$/;

/** Why a header written in a scenario file cannot be sent, or null when it can. */
export function headerProblem(name: string, value: string): string | null {
  if (!HEADER_NAME.test(name))
    return `header name "${name}" is not an HTTP token (letters, digits, - and the like)`;
  if (!HEADER_VALUE.test(value)) {
    return `header ${name}: the value has control characters (CR, LF…) or non-ASCII characters; use printable ASCII`;
  }
  return null;
}

/** One character as UTF-8 percent-escapes; a lone surrogate, which UTF-8 cannot hold, as U+FFFD. */
function percentEncoded(char: string): string {
  try {
    return encodeURIComponent(char);
  } catch {
    return '%EF%BF%BD';
  }
}

/**
 * A header value that is safe to send: control characters (CR/LF would split the header) become spaces, and non-ASCII
 * characters are percent-encoded as UTF-8, so a value built from any request data never fails the write. The result
 * is printable ASCII: its length is its size in bytes.
 */
export function safeHeaderValue(value: string): string {
  if (HEADER_VALUE.test(value)) return value;
  let out = '';
  for (const char of value) {
    const code = char.codePointAt(0) ?? 0;
    if (code === 0x09 || (code >= 0x20 && code <= 0x7e)) out += char;
    else if (code < 0x20 || code === 0x7f) out += ' ';
    else out += percentEncoded(char);
  }
  return out;
}

/**
 * Text as a header value that decodeURIComponent turns back into exactly that text: printable ASCII but `%` goes as
 * is; `%`, control characters (tab included) and non-ASCII characters are percent-encoded as UTF-8. A lone surrogate,
 * which UTF-8 cannot hold, is encoded as U+FFFD. The result is printable ASCII: its length is its size in bytes.
 */
export function encodedHeaderText(text: string): string {
  if (ENCODE_FREE.test(text)) return text;
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x20 && code <= 0x7e && code !== 0x25) out += char;
    else out += percentEncoded(char);
  }
  return out;
}

/**
 * Headers that describe one message's framing or one connection (RFC 9110 §7.6.1 and RFC 9112), not the answer: a
 * kept reply's copy would describe the first message, not the replay. Content-Length: 1 makes the client stop after a
 * byte; Transfer-Encoding beside the Content-Length the replay gets makes the message one no client may read;
 * Content-Encoding: gzip makes it inflate plain JSON.
 */
const NOT_REPLAYABLE: ReadonlySet<string> = new Set([
  'connection',
  'content-encoding',
  'content-length',
  'host',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * The headers of a kept reply that a replay may send: those named by an HTTP token, not about framing or the
 * connection (NOT_REPLAYABLE), whose value is a string of printable ASCII. `values` says what becomes of a value that
 * is not: 'drop' for one read from outside (a shared store), 'make-safe' (safeHeaderValue) for the mock's own, so the
 * replay sends what the first answer sent.
 */
export function replayableHeaders(
  headers: Record<string, unknown>,
  values: 'drop' | 'make-safe',
): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (typeof value !== 'string' || !HEADER_NAME.test(name) || NOT_REPLAYABLE.has(name.toLowerCase()))
      continue;
    if (HEADER_VALUE.test(value)) kept[name] = value;
    else if (values === 'make-safe') kept[name] = safeHeaderValue(value);
  }
  return kept;
}
