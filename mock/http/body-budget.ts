// A bound on the request bodies the server holds unfinished, all connections together. Each body is read whole into
// memory before it is parsed (up to the body limit, 1 MiB by default), so a client that opens hundreds of connections
// and sends nearly all of a large body on each, never the last bytes, made the process hold hundreds of megabytes that
// no heap limit counts (Buffers live outside the JavaScript heap) and that the allocator then kept. Each request with
// a body reserves its declared length (the body limit when it declares none) from arrival until its body has been
// read or the request is over; one that would take the total past the budget is answered 503102 at once, before a
// byte of its body is read, with Retry-After and Connection: close. The requests already admitted are untouched, and
// the server's request timeout (listen()) ends the stalled ones, which frees their share.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiError } from '../errors/catalog.js';
import { ERROR_CODE_HEADER } from '../errors/shape.js';

/** Default budget: 64 bodies at the default 1 MiB limit, far beyond what tests on loopback keep open at once. */
export const DEFAULT_BODY_BUDGET_BYTES = 64 * 1024 * 1024;

const DECIMAL = /^[0-9]{1,15}$/;

export class BodyBudget {
  #held = 0;

  /**
   * `limitBytes`: the most all unfinished bodies may reserve together. `bodyLimit`: the most one body can hold
   * (what a body without a declared length reserves, and the cap of a declared one: a longer one is refused 413 by
   * the reader without being kept).
   */
  constructor(
    readonly limitBytes: number,
    readonly bodyLimit: number,
  ) {}

  /** Bytes reserved now by bodies not yet read. */
  get held(): number {
    return this.#held;
  }

  /** Reserve room for this request's body; false (and the request answered 503102) when there is none. */
  admit(req: IncomingMessage, res: ServerResponse, traceId: () => string): boolean {
    const cost = this.#cost(req);
    if (cost === 0) return true;
    if (this.#held + cost > this.limitBytes) {
      refuse(res, this.limitBytes, traceId());
      return false;
    }
    this.#held += cost;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#held -= cost;
    };
    // The body is read (end), the request is over (close), or the answer is gone without reading it.
    req.once('end', release);
    req.once('close', release);
    res.once('close', release);
    return true;
  }

  #cost(req: IncomingMessage): number {
    const declared = req.headers['content-length'];
    if (declared !== undefined && DECIMAL.test(declared)) return Math.min(Number(declared), this.bodyLimit);
    if (req.headers['transfer-encoding'] !== undefined) return this.bodyLimit;
    return 0;
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
