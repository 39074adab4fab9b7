// One delivery attempt on the wire: a POST to a receiver, through the receiver policy's address check, with a timeout,
// and no connection kept between attempts. close() aborts what is in flight.

import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import type { ReceiverPolicy } from './receiver-policy.js';

export class TimeoutError extends Error {}

export class ReceiverClient {
  readonly timeoutMs: number;
  readonly #policy: ReceiverPolicy;
  readonly #aborts = new Set<AbortController>();
  readonly #httpAgent = new HttpAgent({ keepAlive: false });
  /** node:https (and TLS behind it) is loaded by the first https receiver: most runs have none, and it slows start-up. */
  #httpsAgent: HttpsAgent | undefined;

  constructor(policy: ReceiverPolicy, timeoutMs: number) {
    this.#policy = policy;
    this.timeoutMs = timeoutMs;
  }

  /** POST a body; resolves with the receiver's status code, rejects with a transport error or a timeout. */
  post(url: string, headers: Record<string, string>, body: string): Promise<number> {
    const target = new URL(url);
    const https = target.protocol === 'https:';
    const controller = new AbortController();
    this.#aborts.add(controller);
    const timer = setTimeout(
      () => controller.abort(new TimeoutError(`timeout after ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    return new Promise<number>((resolve, reject) => {
      const tls = https ? process.getBuiltinModule('node:https') : undefined;
      if (tls) this.#httpsAgent ??= new tls.Agent({ keepAlive: false });
      const req = (tls ? tls.request : httpRequest)(target, {
        method: 'POST',
        headers,
        agent: (tls && this.#httpsAgent) || this.#httpAgent,
        signal: controller.signal,
        lookup: this.#policy.lookup as never,
      });
      req.on('response', (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', (error) => reject(controller.signal.aborted ? controller.signal.reason : error));
      req.end(body);
    }).finally(() => {
      clearTimeout(timer);
      this.#aborts.delete(controller);
    });
  }

  close(): void {
    for (const controller of this.#aborts) controller.abort(new Error('dispatcher closed'));
    this.#httpAgent.destroy();
    this.#httpsAgent?.destroy();
  }
}

/** What an attempt's record says went wrong. */
export function describeError(error: unknown, timeoutMs: number): string {
  if (error instanceof TimeoutError) return error.message;
  const e = error as { code?: string; message?: string; name?: string };
  if (e?.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  return e?.code ?? e?.message ?? String(error);
}
