// Shared by the real-client tests: raw HTTP exchanges with exactly the headers a client sends (no fetch defaults), a
// mock listening on a real loopback socket, and JWT payload decoding.

import { request as httpRequest } from 'node:http';
import { createApp, type MockOptions } from '../mock/http/app.js';
import { listen, type RunningServer } from '../mock/http/server.js';

export interface RawReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** One request on its own connection; the body is sent as given (a string), headers exactly as given. */
export function raw(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers:
          body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(20_000, () => req.destroy(new Error(`${method} ${path}: no answer in 20 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** A mock on 127.0.0.1, port 0, frozen at `start`, every response checked against the contract. */
export async function startServer(
  start: string,
  options: MockOptions = {},
): Promise<{ server: RunningServer; violations: () => unknown[] }> {
  const app = createApp({
    clock: { start, frozen: true },
    validateResponses: true,
    logger: { info: () => {}, warn: () => {}, error: () => {} },
    ...options,
  });
  const server = await listen(app, { port: 0, host: '127.0.0.1' });
  return { server, violations: () => app.mock.violations };
}

/** The claims of a JWT (no signature check: a client reads them as they are). */
export function jwtPayload(token: string): Record<string, unknown> {
  const part = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}
