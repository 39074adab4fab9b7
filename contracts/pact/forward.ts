// Forwards a request of the Pact verifier to the provider ourselves, instead of through pact-js's proxy, whose
// unhandled proxy errors crash the process and whose requests then wait out the verifier's timeout. A provider
// that cannot be reached answers here at once with a 502 that names the cause, and the report says so.

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Request, Response } from 'express';
import { describeNetworkError } from '../../mock/cli/target-errors.js';

export { describeNetworkError };

/** Headers that describe one hop, not the message. */
const HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'upgrade']);

/** Network error codes that mean "the provider cannot be reached". */
export const UNREACHABLE = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Send `req` (body already parsed by the verifier's proxy) to `root` + its URL; write the answer to `res`. */
export function forward(
  req: Request,
  res: Response,
  root: string,
  options: { timeoutMs: number; onError(error: NodeJS.ErrnoException): void },
): void {
  const target = new URL(`${root}${req.url}`);
  const body = bodyBytes(req);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP.has(name)) headers[name] = value;
  }
  if (body) headers['content-length'] = String(body.length);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const outgoing = send(target, { method: req.method, headers, timeout: options.timeoutMs }, (answer) => {
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (value !== undefined && !HOP.has(name)) out[name] = value;
    }
    res.writeHead(answer.statusCode ?? 502, out);
    answer.pipe(res);
  });
  outgoing.on('timeout', () =>
    outgoing.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })),
  );
  outgoing.on('error', (error: NodeJS.ErrnoException) => {
    options.onError(error);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res
      .status(502)
      .type('application/json')
      .send(
        JSON.stringify({ verifierError: `cannot reach ${target.origin}: ${describeNetworkError(error)}` }),
      );
  });
  outgoing.end(body);
}

function bodyBytes(req: Request): Buffer | undefined {
  const body = req.body as unknown;
  const had =
    Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!had || body === undefined || body === null) return undefined;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body);
  if (/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) {
    return Buffer.from(new URLSearchParams(body as Record<string, string>).toString());
  }
  return Buffer.from(JSON.stringify(body));
}
