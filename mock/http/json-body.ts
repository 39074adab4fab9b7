// The request body reader for the common case: a JSON body in UTF-8, not compressed, with a declared length within
// the limit. It does what express.json() would do for such a body — same errors, same result — without its per-request
// machinery (content-type and charset parsing, iconv decoding, stream helpers), a visible share of the cost of an
// evaluate. Anything else (compressed or chunked bodies, declared charsets other than UTF-8, over the limit, empty)
// is left to express.json(), which the caller falls back to when readJsonBody() answers undefined.

import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { declaredLength } from './go-ahead.js';

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;
const UTF8 = /^utf-?8$/i;
/** JSON's insignificant whitespace (RFC 8259); anything else first must open an object or an array. */
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** A read failure typed as body-parser types its own, so one mapping (app.ts) turns both into catalog errors. */
export type BodyError = Error & {
  status: 400;
  type: 'request.aborted' | 'encoding.invalid' | 'entity.parse.failed';
  /** The body's text, for a parse failure (body-parser attaches it too). */
  body?: string;
};

export function bodyError(type: BodyError['type'], message: string): BodyError {
  return Object.assign(new Error(message), { status: 400 as const, type });
}

/**
 * Read and parse the body when this reader can (see the file comment); undefined when express.json() must.
 * Rejects with a BodyError where express.json() would fail with the same type: bytes that are not UTF-8, text that is
 * not JSON (strict: the top level is an object or an array), a body cut short of its Content-Length.
 */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> | undefined {
  const { headers } = req;
  if (headers['transfer-encoding'] !== undefined) return undefined;
  const encoding = headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return undefined;
  const length = declaredLength(headers);
  if (length === undefined || length === 0 || length > limit) return undefined;
  if (!declaresUtf8(headers['content-type'])) return undefined;

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cutShort = () => reject(bodyError('request.aborted', 'request aborted'));
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      chunks.push(chunk);
    });
    req.once('aborted', cutShort);
    req.once('error', cutShort);
    req.once('end', () => {
      if (received !== length) return cutShort();
      const bytes = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received);
      if (!isUtf8(bytes)) return reject(bodyError('encoding.invalid', 'The body is not valid UTF-8.'));
      try {
        resolve(parseStrict(bytes));
      } catch (error) {
        const failure = bodyError('entity.parse.failed', (error as Error).message);
        failure.body = bytes.toString('utf8');
        reject(failure);
      }
    });
  });
}

/** A content type without a charset, or with UTF-8: JSON's own encoding (RFC 8259), whose bytes must be valid. */
export function declaresUtf8(contentType: string | undefined): boolean {
  const charset = CHARSET.exec(contentType ?? '')?.[1];
  return charset === undefined || UTF8.test(charset);
}

/** JSON.parse of UTF-8 bytes (a leading byte order mark is dropped) whose first token opens an object or array. */
function parseStrict(bytes: Buffer): unknown {
  let start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  while (start < bytes.length && WHITESPACE.has(bytes[start] as number)) start++;
  const first = bytes[start];
  if (first !== 0x7b && first !== 0x5b) throw new SyntaxError('not an object or array');
  return JSON.parse(bytes.toString('utf8', start));
}

/**
 * For a body refused as JSON: what it is when it is JSON after all, only not an object or array (`null`, a number, a
 * string, true or false), so the answer can say so rather than call it malformed. Undefined otherwise.
 */
export function scalarJson(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (value === null) return 'null';
  if (typeof value === 'object') return undefined;
  return typeof value === 'string' ? 'a string' : typeof value === 'number' ? 'a number' : String(value);
}
