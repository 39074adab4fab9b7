// Sending one attempt of a delivery: the receiver policy's address check, the x-fc-* signature with the merchant's
// subscriber key and a seeded nonce, and at most `maxConcurrent` attempts on the network at once, across receivers.

import { createHash } from 'node:crypto';
import type { AccountBook } from '../domain/accounts.js';
import { type ReceiverPolicy, ReceiverRefused } from './receiver-policy.js';
import { describeError, ReceiverClient } from './sender.js';
import { signWebhook } from './signature.js';
import type { WebhookDelivery } from './types.js';

/** What came back from one attempt: the receiver's status, or what went wrong, and the headers sent. */
export interface SendResult {
  statusCode: number | null;
  error: string | null;
  headers: Record<string, string>;
  /** Time on the wire (connection to last byte), without the wait for a concurrency slot; null when never sent. */
  durationMs: number | null;
}

export interface AttemptSenderOptions {
  accounts: AccountBook;
  policy: ReceiverPolicy;
  contentType: string;
  timeoutMs: number;
  maxConcurrent: number;
  /** Nonces follow the seed. */
  seed: number;
}

export class AttemptSender {
  readonly #accounts: AccountBook;
  readonly #policy: ReceiverPolicy;
  readonly #client: ReceiverClient;
  readonly #contentType: string;
  readonly #timeoutMs: number;
  readonly #maxConcurrent: number;
  readonly #seed: number;
  /** Attempts holding a connection slot, and attempts waiting for one. */
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  #nonceCount = 0;
  #closed = false;

  constructor(options: AttemptSenderOptions) {
    this.#accounts = options.accounts;
    this.#policy = options.policy;
    this.#contentType = options.contentType;
    this.#timeoutMs = options.timeoutMs;
    this.#maxConcurrent = options.maxConcurrent;
    this.#seed = options.seed;
    this.#client = new ReceiverClient(options.policy, options.timeoutMs);
  }

  /** POST `body` to the delivery's URL; never rejects (a failure is in the result's `error`). */
  async send(delivery: WebhookDelivery, body: string, at: number): Promise<SendResult> {
    let headers: Record<string, string> = {};
    let started: number | null = null;
    const elapsed = () => (started === null ? null : Math.round((performance.now() - started) * 100) / 100);
    try {
      this.#policy.check(new URL(delivery.url));
      headers = this.#headers(delivery, body, at);
      const statusCode = await this.#slot(() => {
        // Timed from here, as the timeout is: a wait for a slot behind slow receivers is not the receiver's time.
        started = performance.now();
        return this.#client.post(delivery.url, headers, body);
      });
      return { statusCode, error: null, headers, durationMs: elapsed() };
    } catch (e) {
      const error =
        e instanceof ReceiverRefused ? `refused: ${e.message}` : describeError(e, this.#timeoutMs);
      return { statusCode: null, error, headers, durationMs: elapsed() };
    }
  }

  /** Abort attempts in flight and release those waiting for a slot (they fail with `dispatcher closed`). */
  close(): void {
    this.#closed = true;
    this.#client.close();
    for (const wake of this.#waiting.splice(0)) wake();
  }

  #headers(delivery: WebhookDelivery, body: string, at: number): Record<string, string> {
    const account = this.#accounts.byMid(delivery.mid);
    if (!account) throw new Error(`no account for merchant ${delivery.mid}`);
    const signed = signWebhook({
      body,
      subscriberKey: account.subscriberKey,
      host: new URL(delivery.url).host,
      date: new Date(at),
      nonce: this.#nonce(),
    });
    return {
      'content-type': this.#contentType,
      'content-length': String(Buffer.byteLength(body)),
      ...signed,
    };
  }

  /** 32 lower-case hex characters, reproducible from the seed (a sequence, so never repeated). */
  #nonce(): string {
    this.#nonceCount += 1;
    return createHash('sha256').update(`${this.#seed}:nonce:${this.#nonceCount}`).digest('hex').slice(0, 32);
  }

  /** Run an attempt when one of the maxConcurrent connection slots is free. */
  async #slot<T>(work: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#maxConcurrent)
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (this.#closed) throw new Error('dispatcher closed');
    this.#active += 1;
    try {
      return await work();
    } finally {
      this.#active -= 1;
      this.#waiting.shift()?.();
    }
  }
}
