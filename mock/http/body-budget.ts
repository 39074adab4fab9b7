// A bound on the request-body bytes the server holds unfinished, all connections together. Each body is read whole
// into memory before it is parsed (up to the body limit, 1 MiB by default), so a client that opens hundreds of
// connections and sends nearly all of a large body on each, never the last bytes, made the process hold hundreds of
// megabytes that no heap limit counts (Buffers live outside the JavaScript heap) and that the allocator then kept.
//
// What is charged is the bytes that have arrived, as the HTTP parser hands them to the request, from the first chunk
// until the body has been read or the request is over: a client must really send the bytes to take a share, so a few
// sockets that only declare large bodies cannot lock everyone else out. A request is refused with 503102 (Retry-After,
// Connection: close) when its declared length cannot fit beside what is held now, before a byte of it is read, or
// when a chunk of it would pass the budget; the requests already holding bytes are untouched, and the server's request
// timeout (listen()) ends the stalled ones, which frees their share.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiError } from '../errors/catalog.js';
import { ERROR_CODE_HEADER } from '../errors/shape.js';
import { declaredLength } from './go-ahead.js';

/** Default budget: 64 bodies at the default 1 MiB limit, far beyond what tests on loopback keep open at once. */
export const DEFAULT_BODY_BUDGET_BYTES = 64 * 1024 * 1024;

/** The largest window a standard brotli stream may ask its decoder for (lgwin 24). */
const BROTLI_WINDOW_BYTES = 16 * 1024 * 1024;
/** zlib's 32 KiB window and its state, rounded up. */
const ZLIB_WINDOW_BYTES = 64 * 1024;

/** The request's meter, set by BodyBudget.admit() for a request with a body (null on every other request). */
const METER = Symbol('body meter');

type Metered = IncomingMessage & { [METER]: Meter | null };

/**
 * The server's request class with a push() that charges each chunk the HTTP parser hands over to the request's
 * meter. A method of the class rather than a function set on each request: giving requests an own `push` made every
 * request's shape differ from the class's, and the evaluate load took a third more CPU.
 */
export function meteredRequests(base: typeof IncomingMessage): typeof IncomingMessage {
  class MeteredRequest extends base {
    [METER]: Meter | null = null;
    // biome-ignore lint/suspicious/noExplicitAny: Readable.push's own signature.
    override push(chunk: any, encoding?: BufferEncoding): boolean {
      const meter = this[METER];
      if (meter !== null && chunk !== null && chunk !== undefined && !meter.charge(chunk.length))
        return false;
      return super.push(chunk, encoding);
    }
  }
  return MeteredRequest;
}

/** What one request's body holds of the budget. */
class Meter {
  #taken = 0;
  #over = false;

  constructor(
    readonly budget: BodyBudget,
    readonly res: ServerResponse,
    readonly traceId: () => string,
  ) {}

  /** Charge `size` more bytes; false (and the request answered 503102) when they would pass the budget. */
  charge(size: number): boolean {
    if (this.#over) return false;
    if (!this.budget.take(size)) {
      this.#over = true;
      this.release();
      if (!this.res.headersSent) refuse(this.res, this.budget.limitBytes, this.traceId());
      else this.res.destroy();
      return false;
    }
    this.#taken += size;
    return true;
  }

  readonly release = (): void => {
    this.budget.give(this.#taken);
    this.#taken = 0;
  };
}

export class BodyBudget {
  #held = 0;

  /**
   * `limitBytes`: the most all unfinished bodies may hold together. `bodyLimit`: the most one body can hold (what a
   * body of unknown length is assumed to need, and the cap of a declared one: a longer one is refused 413 by the
   * reader without being kept).
   */
  constructor(
    readonly limitBytes: number,
    readonly bodyLimit: number,
  ) {}

  /** Bytes of bodies that have arrived and are not yet read whole. */
  get held(): number {
    return this.#held;
  }

  /** Whether this request's body could start now; if not, answer it 503102 and return false. */
  fits(req: IncomingMessage, res: ServerResponse, traceId: () => string): boolean {
    if (this.#held + this.#expected(req) + this.#decoding(req) <= this.limitBytes) return true;
    refuse(res, this.limitBytes, traceId());
    return false;
  }

  /** Watch this request's body against the budget; false (and the request answered 503102) when it cannot fit. */
  admit(req: IncomingMessage, res: ServerResponse, traceId: () => string): boolean {
    const expected = this.#expected(req);
    if (expected === 0) return true;
    if (!this.fits(req, res, traceId)) return false;
    // A compressed body's cost is not its bytes on the wire (an 828-byte brotli body decodes to gigabytes): the
    // decoder's window and the decoded body are held until the answer is gone, and charged as such up front.
    const decoding = this.#decoding(req);
    if (decoding > 0) {
      this.#held += decoding;
      res.once('close', () => this.give(decoding));
    }
    // Requests made by a server whose class is not metered (an app served by another server) are not charged.
    if (!(METER in req)) return true;
    const meter = new Meter(this, res, traceId);
    (req as Metered)[METER] = meter;
    // The body is read (end), the request is over (close), or the answer is gone without reading it.
    req.once('end', meter.release);
    req.once('close', meter.release);
    res.once('close', meter.release);
    return true;
  }

  /** Take `size` bytes if they fit. */
  take(size: number): boolean {
    if (this.#held + size > this.limitBytes) return false;
    this.#held += size;
    return true;
  }

  give(size: number): void {
    this.#held -= size;
  }

  /**
   * What decoding this request's body may hold besides its wire bytes: for each Content-Encoding, the decoder's
   * window (brotli's may be 16 MiB, zlib's is 32 KiB), plus the decoded body up to the body limit. Unknown encodings
   * are refused (415) before anything is decoded, so they cost nothing.
   */
  #decoding(req: IncomingMessage): number {
    const header = req.headers['content-encoding'];
    if (header === undefined) return 0;
    let window = 0;
    for (const name of header.toLowerCase().split(',')) {
      const coding = name.trim();
      if (coding === 'br') window += BROTLI_WINDOW_BYTES;
      else if (coding === 'gzip' || coding === 'x-gzip' || coding === 'deflate') window += ZLIB_WINDOW_BYTES;
    }
    return window === 0 ? 0 : window + this.bodyLimit;
  }

  /** The body this request says it will send: its Content-Length (capped), the body limit when that is unknown. */
  #expected(req: IncomingMessage): number {
    if (req.headers['content-length'] !== undefined) {
      // Not understood (`0x10`, `1e6`, a list): assume the most one body may hold, rather than nothing.
      return Math.min(declaredLength(req.headers) ?? this.bodyLimit, this.bodyLimit);
    }
    return req.headers['transfer-encoding'] !== undefined ? this.bodyLimit : 0;
  }
}

function refuse(res: ServerResponse, limitBytes: number, traceId: string): void {
  const problem = apiError('503102', {
    detail: `Unfinished request bodies already hold the ${Math.round(limitBytes / 1024 / 1024)} MiB this server allows at once.`,
  }).toBody(traceId);
  const body = JSON.stringify(problem);
  // The body is not read: the connection ends with the answer, so its unread bytes cannot be taken for a next request.
  res.shouldKeepAlive = false;
  res.writeHead(503, {
    'Content-Type': 'application/problem+json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Retry-After': '1',
    [ERROR_CODE_HEADER]: '503102',
  });
  res.end(body);
}
