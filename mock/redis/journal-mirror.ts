// The journal across processes: every entry a process records (already redacted) goes to a capped Redis stream, and
// each process reads the stream and keeps the entries of the others, so the journal, the HAR export and the
// inspector of any one process show the whole account's traffic. The stream is trimmed to the journal's capacity;
// a process keeps its own bounded ring as before. The same stream carries the few changes every process must apply
// at once: a session's journal cleared, and webhook receivers registered or removed through the admin API (those
// are also kept in a hash, for processes that start later).

import { randomUUID } from 'node:crypto';
import type { Stored } from '../journal/entries.js';
import type { Journal } from '../journal/journal.js';
import type { WebhookReceiver } from '../webhooks/types.js';
import type { RedisLike } from './connection.js';
import { storeDown } from './redis-calls.js';

/** How long one blocking read waits before it looks again (and notices a close). */
const BLOCK_MS = 1_000;
/**
 * The largest entry the stream carries whole. A bigger one (long headers and bodies) goes with its bodies cut to
 * BODY_SHARE and its headers left out, so the stream's 5,000 entries stay near one journal's byte budget.
 */
export const MAX_STREAM_ENTRY = 6 * 1024;
const BODY_SHARE = 1024;

/** What the stream may carry. */
type Message =
  | { entry: Stored }
  | { clear: string }
  | { receiver: WebhookReceiver }
  | { forgetReceiver: string };

/** The webhook dispatcher's side of shared receivers. */
export interface ReceiverSink {
  adoptReceiver(receiver: WebhookReceiver): boolean;
  removeReceiver(id: string): boolean;
}

/** A write to Redis on an admin call: a failure is the caller's 503100, not a 500. */
async function shared(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    throw Object.assign(storeDown(String((error as Error)?.message ?? error).slice(0, 160)), {
      cause: error,
    });
  }
}

export class JournalMirror {
  readonly #origin = randomUUID();
  readonly #key: string;
  readonly #redis: RedisLike;
  readonly #journal: Journal;
  readonly #capacity: number;
  #reader: RedisLike | undefined;
  #closed = false;
  /** The last stream entry seen: reading goes on from there, so nothing between two reads is missed. */
  #lastId = '0-0';
  #loop: Promise<void> | undefined;

  readonly #receiversKey: string;
  /**
   * Ids of receivers this process knows Redis held: only those are dropped when Redis no longer holds them (one
   * registered here a moment ago may not be written yet).
   */
  readonly #inRedis = new Set<string>();
  #receiversVersion = '';
  readonly #webhooks: ReceiverSink | undefined;

  constructor(options: {
    redis: RedisLike;
    prefix: string;
    journal: Journal;
    capacity: number;
    webhooks?: ReceiverSink;
  }) {
    this.#redis = options.redis;
    this.#key = `${options.prefix}journal`;
    this.#receiversKey = `${options.prefix}receivers`;
    this.#webhooks = options.webhooks;
    this.#journal = options.journal;
    this.#capacity = options.capacity;
    this.#journal.mirrorTo((entry) => this.#publish({ entry: fitted(entry) }));
  }

  /** Start reading the others' entries (a connection of its own: a blocking read holds it). */
  start(): void {
    if (this.#loop || this.#closed) return;
    this.#reader = this.#redis.duplicate();
    this.#reader.on('error', () => undefined);
    this.#loop = this.#read();
  }

  /** Tell the other processes a session's entries were cleared (an admin reset). */
  cleared(session: string): void {
    this.#publish({ clear: session });
  }

  /** Keep a receiver registered here for every process, now and later ones. */
  async receiverAdded(receiver: WebhookReceiver): Promise<void> {
    await shared(async () => {
      await this.#redis.hset(this.#receiversKey, receiver.id, JSON.stringify(receiver));
      await this.#redis.incr(`${this.#receiversKey}:ver`);
    });
    this.#inRedis.add(receiver.id);
    this.#publish({ receiver });
  }

  /** Remove a receiver for every process; called before this process forgets it, so a failure changes nothing. */
  async receiverRemoved(id: string): Promise<void> {
    await shared(async () => {
      await this.#redis.hdel(this.#receiversKey, id);
      await this.#redis.incr(`${this.#receiversKey}:ver`);
    });
    this.#inRedis.delete(id);
    this.#publish({ forgetReceiver: id });
  }

  /**
   * Bring this process's receivers up to `version` (what a commit reported): the stream announces changes within
   * moments, but a process about to deliver a commit's events reads them from the hash when it is behind.
   */
  async syncReceivers(version: string): Promise<void> {
    if (version === this.#receiversVersion) return;
    this.#reconcile((await this.#redis.hgetall(this.#receiversKey)) ?? {});
    this.#receiversVersion = version;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#reader?.disconnect();
    await this.#loop?.catch(() => undefined);
  }

  #publish(message: Message): void {
    // Best effort: a journal entry never fails a request; while Redis is away the others miss it.
    void this.#redis
      .xadd(
        this.#key,
        'MAXLEN',
        '~',
        String(this.#capacity),
        '*',
        'o',
        this.#origin,
        'm',
        JSON.stringify(message),
      )
      .catch(() => undefined);
  }

  async #read(): Promise<void> {
    // Only what is recorded from now on: the others' older entries are their history, not this process's. The
    // position is taken before the receivers are read, so a change between the two is seen on the stream.
    try {
      const last = await this.#reader?.xrevrange(this.#key, '+', '-', 'COUNT', 1);
      if (last?.[0]) this.#lastId = last[0][0];
    } catch {
      // Read from the start of what the stream holds.
    }
    // The receivers registered before this process started.
    try {
      this.#reconcile((await this.#redis.hgetall(this.#receiversKey)) ?? {});
    } catch {
      // Redis away at start: the receivers registered from now on still arrive through the stream.
    }
    while (!this.#closed) {
      const reader = this.#reader;
      if (!reader) return;
      try {
        const reply = await reader.xread('COUNT', 500, 'BLOCK', BLOCK_MS, 'STREAMS', this.#key, this.#lastId);
        for (const [, messages] of reply ?? []) {
          for (const [id, fields] of messages) {
            this.#lastId = id;
            this.#take(fields);
          }
        }
      } catch {
        if (this.#closed) return;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  #take(fields: string[]): void {
    const value = (name: string) => {
      const at = fields.indexOf(name);
      return at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
    };
    if (value('o') === this.#origin) return;
    try {
      const message = JSON.parse(value('m') ?? 'null') as Partial<{
        entry: Stored;
        clear: string;
        receiver: WebhookReceiver;
        forgetReceiver: string;
      }> | null;
      if (typeof message?.clear === 'string') this.#journal.clear(message.clear);
      else if (message?.entry && typeof message.entry === 'object') this.#journal.ingest(message.entry);
      else if (message?.receiver && typeof message.receiver === 'object') this.#adopt(message.receiver);
      else if (typeof message?.forgetReceiver === 'string') {
        this.#inRedis.delete(message.forgetReceiver);
        this.#webhooks?.removeReceiver(message.forgetReceiver);
      }
    } catch {
      // A message this version cannot read is skipped.
    }
  }

  /** Make this process's admin-API receivers those Redis holds: adopt the new ones, drop the removed ones. */
  #reconcile(stored: Record<string, string>): void {
    for (const json of Object.values(stored)) {
      try {
        this.#adopt(JSON.parse(json) as WebhookReceiver);
      } catch {
        // A value this version cannot read is skipped.
      }
    }
    for (const id of [...this.#inRedis]) {
      if (id in stored) continue;
      this.#inRedis.delete(id);
      this.#webhooks?.removeReceiver(id);
    }
  }

  #adopt(receiver: WebhookReceiver): void {
    if (typeof receiver?.id !== 'string' || typeof receiver.url !== 'string') return;
    if (this.#webhooks?.adoptReceiver(receiver)) this.#inRedis.add(receiver.id);
  }
}

/** The entry as the stream carries it: whole, or with its bodies cut and its headers left out when it is large. */
export function fitted(entry: Stored): Stored {
  if (Buffer.byteLength(JSON.stringify(entry)) <= MAX_STREAM_ENTRY) return entry;
  const cut = (body: { text: string | null; truncated: boolean }) =>
    body.text !== null && body.text.length > BODY_SHARE
      ? { text: body.text.slice(0, BODY_SHARE), truncated: true }
      : body;
  const out = { ...entry } as Record<string, unknown>;
  for (const name of ['requestBody', 'responseBody', 'payload']) {
    const body = out[name] as { text: string | null; truncated: boolean } | undefined;
    if (body && typeof body === 'object') out[name] = cut(body);
  }
  // A long path or query (up to the 16 KB header limit) is cut too.
  if (typeof out.path === 'string' && out.path.length > BODY_SHARE)
    out.path = `${out.path.slice(0, BODY_SHARE)}…`;
  if (
    out.query &&
    typeof out.query === 'object' &&
    Buffer.byteLength(JSON.stringify(out.query)) > BODY_SHARE
  ) {
    out.query = { 'x-mock-note': 'left out: the query was too long to share' };
  }
  for (const name of ['requestHeaders', 'responseHeaders']) {
    if (out[name] && typeof out[name] === 'object')
      out[name] = { 'x-mock-note': 'left out: the entry was too large to share' };
  }
  return out as unknown as Stored;
}
