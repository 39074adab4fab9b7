// The one rule for header values the mock writes from text it does not control (a scenario's rendered template, a
// field name in a strict-profile warning, a stored reply): printable ASCII goes as is, control characters become
// spaces and anything else is percent-encoded as UTF-8. Node throws on a value with a character above U+00FF or a
// control character, and sends U+0080–U+00FF as single bytes each client decodes its own way.

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;

/** Why a header written in a scenario file cannot be sent, or null when it can. */
export function headerProblem(name: string, value: string): string | null {
  if (!HEADER_NAME.test(name))
    return `header name "${name}" is not an HTTP token (letters, digits, - and the like)`;
  if (!HEADER_VALUE.test(value)) {
    return `header ${name}: the value has control characters (CR, LF…) or non-ASCII characters; use printable ASCII`;
  }
  return null;
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
    else {
      try {
        out += encodeURIComponent(char);
      } catch {
        out += '%EF%BF%BD'; // a lone surrogate: U+FFFD
      }
    }
  }
  return out;
}
