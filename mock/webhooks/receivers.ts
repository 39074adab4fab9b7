// The registered webhook receivers: per merchant, optionally per test session, bounded per session and in all, each
// URL checked against the receiver policy when it is added.

import type { AccountBook } from '../domain/accounts.js';
import type { ReceiverPolicy } from './receiver-policy.js';
import type { WebhookReceiver } from './types.js';

export class ReceiverBook {
  readonly #accounts: AccountBook;
  readonly #policy: ReceiverPolicy;
  readonly #limits: { perSession: number; total: number; shared: number };
  readonly #receivers = new Map<string, WebhookReceiver>();
  #count = 0;

  constructor(
    accounts: AccountBook,
    policy: ReceiverPolicy,
    limits: { perSession: number; total: number; shared: number },
  ) {
    this.#accounts = accounts;
    this.#policy = policy;
    this.#limits = limits;
  }

  /**
   * Register a receiver; the same mid, URL and session again returns the existing one. Throws for an unknown mid, a
   * bad or refused URL, or a full book (code RECEIVER_LIMIT).
   */
  add(
    input: { mid: string; url: string; session?: string; owner?: string },
    source: WebhookReceiver['source'],
    id?: string,
  ): WebhookReceiver {
    const account = this.#accounts.byMid(String(input.mid ?? ''));
    if (!account) throw new Error(`webhook receiver for unknown merchant ${String(input.mid)}`);
    const url = checkReceiverUrl(input.url);
    this.#policy.check(new URL(url));
    const session = input.session ?? null;
    let owned = 0;
    let shared = 0;
    for (const existing of this.#receivers.values()) {
      if (existing.mid === account.mid && existing.url === url && existing.session === session)
        return existing;
      if (input.owner !== undefined && existing.owner === input.owner) owned += 1;
      if (existing.session === null) shared += 1;
    }
    if (input.owner !== undefined && owned >= this.#limits.perSession) {
      throw limitError(
        `session ${JSON.stringify(input.owner)} already has ${owned} webhook receivers (at most ${this.#limits.perSession})`,
      );
    }
    // Every event of every session goes to each receiver for every session: sessions each adding their own share
    // would multiply every delivery (10 sessions × 20 = 200 per event), so these are capped server-wide.
    if (input.owner !== undefined && session === null && shared >= this.#limits.shared) {
      throw limitError(
        `this server already has ${shared} webhook receivers for every session (at most ${this.#limits.shared}): register yours with sessionOnly: true (it gets your session's events only), or remove one first`,
      );
    }
    if (this.#receivers.size >= this.#limits.total) {
      throw limitError(
        `this server already has ${this.#receivers.size} webhook receivers (at most ${this.#limits.total})`,
      );
    }
    this.#count += 1;
    const receiver: WebhookReceiver = {
      id: id ?? `whr_${this.#count}`,
      mid: account.mid,
      url,
      session,
      source,
      ...(input.owner !== undefined ? { owner: input.owner } : {}),
    };
    this.#receivers.set(receiver.id, receiver);
    return receiver;
  }

  /** Remove a receiver; false for an unknown id. */
  remove(id: string): boolean {
    return this.#receivers.delete(id);
  }

  /** Copies of the receivers, all or one merchant's. */
  list(mid?: string): WebhookReceiver[] {
    const wanted = mid?.toLowerCase();
    return [...this.#receivers.values()]
      .filter((r) => wanted === undefined || r.mid.toLowerCase() === wanted)
      .map((r) => ({ ...r }));
  }

  /** Where an event of this merchant's order in this session goes. */
  targets(mid: string, session: string): WebhookReceiver[] {
    const wanted = mid.toLowerCase();
    return [...this.#receivers.values()].filter(
      (r) => r.mid.toLowerCase() === wanted && (r.session === null || r.session === session),
    );
  }
}

function limitError(message: string): Error {
  return Object.assign(new Error(message), { code: 'RECEIVER_LIMIT' });
}

/** Accept an absolute http(s) URL; returns it normalised. Throws a TypeError naming the problem. */
export function checkReceiverUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    throw new TypeError(`webhook URL ${JSON.stringify(url)} is not an absolute URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new TypeError(`webhook URL ${JSON.stringify(url)} must use http or https`);
  }
  return parsed.href;
}

/**
 * Parse a `--webhook-url` value: `<url>` (for `defaultMid`) or `<mid>=<url>`. Throws a TypeError for a bad URL.
 */
export function parseReceiverSpec(spec: string, defaultMid: string): { mid: string; url: string } {
  const match = /^([^:/=]+)=(.+)$/.exec(spec.trim());
  const mid = match?.[1] ?? defaultMid;
  const url = checkReceiverUrl(match?.[2] ?? spec.trim());
  return { mid, url };
}
