// `Expect: 100-continue`: the client sends its body only once the server says "100 Continue". listen() does not say it
// when the request arrives (Node's own handling) but leaves it to the reader of the body, which knows its limit: a
// body whose declared length is over that limit is refused 413 before the go-ahead, so the client never uploads it.
// A request answered without being told to go on (refused, or answered by a route that reads no body) has its
// connection closed by Node, since the body it declared will not follow.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ApiError, apiError } from '../errors/catalog.js';

const DECIMAL = /^[0-9]+$/;

/**
 * The body length a request declares, or undefined when it declares none or one that is not plain decimal digits
 * (`0x10`, `1e6`, a list): each reader of a body decides what such a request may hold.
 */
export function declaredLength(headers: IncomingMessage['headers']): number | undefined {
  const declared = headers['content-length'];
  return declared !== undefined && DECIMAL.test(declared) ? Number(declared) : undefined;
}

/** Requests waiting for the go-ahead, with the response to write it on. */
const WAITING = new WeakMap<IncomingMessage, ServerResponse>();

/** Hold this request's "100 Continue" until a reader of its body calls goAhead(). */
export function holdContinue(req: IncomingMessage, res: ServerResponse): void {
  WAITING.set(req, res);
}

/**
 * Call before reading a body limited to `limit` bytes. False when the request's Content-Length declares more (the
 * caller answers 413 without reading a byte); otherwise true, and a client waiting on `Expect: 100-continue` is told
 * to send the body. `counted`: 'wire' when the limit counts the bytes as sent; 'decoded' when it counts them after
 * Content-Encoding is undone, which the declared length of an encoded body does not tell.
 */
export function goAhead(req: IncomingMessage, limit: number, counted: 'wire' | 'decoded'): boolean {
  const declared = declaredLength(req.headers);
  const encoding = req.headers['content-encoding'];
  const judged = counted === 'wire' || encoding === undefined || encoding.toLowerCase() === 'identity';
  if (judged && declared !== undefined && declared > limit) return false;
  if (req.headers.expect !== undefined) {
    const res = WAITING.get(req);
    if (res !== undefined) {
      WAITING.delete(req);
      if (!res.headersSent) res.writeContinue();
    }
  }
  return true;
}

/** The answer to a JSON body over `limit` bytes, declared or counted (body-parser's refusal maps to it too). */
export function bodyTooLarge(limit: number | undefined): ApiError {
  return apiError('413001', { detail: `The limit is ${limit ?? 'unknown'} bytes.` });
}
