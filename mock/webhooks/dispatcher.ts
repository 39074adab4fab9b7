// Webhook delivery: turns order transitions into signed POSTs to each merchant's receivers, retries failures with
// backoff on the virtual clock, and applies per-session delivery faults. FlexFactor documents none of the delivery
// semantics (retry schedule, timeout, ordering): everything here except the signature and payload is invented.

import { createHash } from 'node:crypto';
import type { AccountBook } from '../domain/accounts.js';
import type { VirtualClock } from '../domain/clock.js';
import type { Order, StatusChange, TransitionName } from '../domain/order-states.js';
import type { OrderScheduler } from '../domain/scheduler.js';
import type { Store } from '../domain/store.js';
import type { Logger } from '../support/logger.js';
import { redact } from '../support/redact.js';
import { buildPayload, eventsFor, type WebhookPayload } from './events.js';
import type { WebhookFaults } from './faults.js';
import { ReceiverPolicy, ReceiverRefused, type SelfAddress } from './receiver-policy.js';
import { ReceiverBook } from './receivers.js';
import { describeError, ReceiverClient } from './sender.js';
import { signWebhook } from './signature.js';
import {
  DEFAULT_MAX_DELIVERIES,
  DEFAULT_RETRY_SCHEDULE_MS,
  DEFAULT_WEBHOOK_CONTENT_TYPE,
  DEFAULT_WEBHOOK_TIMEOUT_MS,
  type DeliveryFilter,
  type WebhookAttempt,
  type WebhookAttemptRecord,
  type WebhookDelivery,
  type WebhookOptions,
  type WebhookReceiver,
} from './types.js';

export { checkReceiverUrl, parseReceiverSpec } from './receivers.js';
export type {
  DeliveryFilter,
  WebhookAttempt,
  WebhookAttemptRecord,
  WebhookDelivery,
  WebhookDeliveryStatus,
  WebhookOptions,
  WebhookReceiver,
} from './types.js';
export {
  DEFAULT_MAX_DELIVERIES,
  DEFAULT_RETRY_SCHEDULE_MS,
  DEFAULT_WEBHOOK_CONTENT_TYPE,
  DEFAULT_WEBHOOK_TIMEOUT_MS,
} from './types.js';

/** Where each attempt is recorded (the journal). */
export interface WebhookJournalSink {
  recordWebhook(record: WebhookAttemptRecord): void;
}

/** What a dispatcher works with, all built before it. */
export interface WebhookDeps {
  /** Merchants, their subscriber keys (signatures) and the receivers their accounts declare. */
  accounts: AccountBook;
  clock: VirtualClock;
  /** Order transitions, the events delivered. */
  store: Pick<Store, 'onTransition'>;
  /** Settles due fates as time moves; the dispatcher queues what they caused after each tick. */
  scheduler: OrderScheduler;
  journal: WebhookJournalSink;
  log: Logger;
  /** Payload fields and nonces follow the seed and the capture window. */
  settings: { readonly seed: number; readonly captureWindowMs: number };
}

interface Internal {
  /** Creation order; breaks ties between deliveries due at the same time. */
  seq: number;
  /** Waiting in (or running on) its URL's queue. */
  queued: boolean;
}

/**
 * Delivers every order event to the receivers of the order's merchant. createApp() makes one per app.
 *
 * @example
 * const app = createApp({ clock: { frozen: true }, webhooks: { receivers: [{ mid, url }] } });
 * // …drive orders over HTTP…
 * app.mock.clock.advance(60 * 60_000);
 * await app.mock.webhooks.flush(); // every delivery due now has been attempted
 */
export class WebhookDispatcher {
  readonly contentType: string;
  readonly timeoutMs: number;
  readonly retrySchedule: readonly number[];
  readonly maxDeliveries: number;
  readonly maxReceiversPerSession: number;
  readonly maxReceivers: number;
  readonly maxConcurrent: number;
  readonly #policy: ReceiverPolicy;
  /** Attempts holding a connection slot, and attempts waiting for one. */
  #active = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #accounts: AccountBook;
  readonly #clock: VirtualClock;
  readonly #scheduler: OrderScheduler;
  readonly #journalSink: WebhookJournalSink;
  readonly #log: Logger;
  readonly #settings: WebhookDeps['settings'];
  readonly #book: ReceiverBook;
  readonly #deliveries = new Map<string, WebhookDelivery>();
  readonly #internal = new WeakMap<WebhookDelivery, Internal>();
  /** Deliveries still pending, so pumping does not scan the finished ones. */
  readonly #pending = new Set<WebhookDelivery>();
  /** Deliveries created since the last pump: one batch, for the outOfOrder fault. */
  #incoming: WebhookDelivery[] = [];
  readonly #faults = new Map<string, WebhookFaults>();
  /** One promise chain per URL, so a receiver gets its deliveries one at a time, in order. */
  readonly #chains = new Map<string, Promise<void>>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #client: ReceiverClient;
  #pumpScheduled = false;
  #closed = false;
  #deliveryCount = 0;
  #nonceCount = 0;

  constructor(deps: WebhookDeps, options: WebhookOptions = {}) {
    this.#accounts = deps.accounts;
    this.#clock = deps.clock;
    this.#scheduler = deps.scheduler;
    this.#journalSink = deps.journal;
    this.#log = deps.log;
    this.#settings = deps.settings;
    this.contentType = options.contentType ?? DEFAULT_WEBHOOK_CONTENT_TYPE;
    this.timeoutMs = positive(options.timeoutMs, DEFAULT_WEBHOOK_TIMEOUT_MS, 'timeoutMs');
    this.maxDeliveries = positive(options.maxDeliveries, DEFAULT_MAX_DELIVERIES, 'maxDeliveries');
    this.maxReceiversPerSession = positive(options.maxReceiversPerSession, 20, 'maxReceiversPerSession');
    this.maxReceivers = positive(options.maxReceivers, 200, 'maxReceivers');
    this.maxConcurrent = positive(options.maxConcurrent, 8, 'maxConcurrent');
    this.#policy = new ReceiverPolicy(options.allowHosts ?? []);
    this.#client = new ReceiverClient(this.#policy, this.timeoutMs);
    this.#book = new ReceiverBook(deps.accounts, this.#policy, {
      perSession: this.maxReceiversPerSession,
      total: this.maxReceivers,
    });
    const schedule = options.retrySchedule ?? DEFAULT_RETRY_SCHEDULE_MS;
    if (!schedule.every((ms) => Number.isFinite(ms) && ms >= 0)) {
      throw new RangeError('webhooks.retrySchedule must list non-negative numbers of ms');
    }
    this.retrySchedule = [...schedule];

    for (const account of deps.accounts.accounts) {
      for (const url of account.webhookUrls ?? []) this.#add({ mid: account.mid, url }, 'accounts');
    }
    for (const receiver of options.receivers ?? []) this.#add(receiver, 'options');

    this.#unsubscribe.push(
      deps.store.onTransition((order, name, change) => this.#onTransition(order, name, change)),
      deps.scheduler.onTick((now) => this.#pump(now)),
    );
  }

  // ---- receivers -------------------------------------------------------------------------------------------------

  /**
   * Register a receiver URL (http or https) for a merchant, optionally only for one test session. Registering the
   * same mid, URL and session again returns the existing receiver. Throws for an unknown mid or a bad URL.
   */
  addReceiver(input: { mid: string; url: string; session?: string; owner?: string }): WebhookReceiver {
    return { ...this.#add(input, 'api') };
  }

  /** Remove a receiver; deliveries already made for it keep going. Returns false for an unknown id. */
  removeReceiver(id: string): boolean {
    return this.#book.remove(id);
  }

  /** The registered receivers, all or one merchant's. */
  receivers(mid?: string): WebhookReceiver[] {
    return this.#book.list(mid);
  }

  // ---- deliveries ------------------------------------------------------------------------------------------------

  /** Deliveries still in memory, oldest first (copies). */
  deliveries(filter: DeliveryFilter = {}): WebhookDelivery[] {
    const mid = filter.mid?.toLowerCase();
    const out: WebhookDelivery[] = [];
    for (const d of this.#deliveries.values()) {
      if (filter.session !== undefined && d.session !== filter.session) continue;
      if (filter.orderId !== undefined && d.orderId !== filter.orderId) continue;
      if (filter.status !== undefined && d.status !== filter.status) continue;
      if (filter.event !== undefined && d.event !== filter.event) continue;
      if (mid !== undefined && d.mid.toLowerCase() !== mid) continue;
      out.push(copy(d));
    }
    return out;
  }

  delivery(id: string): WebhookDelivery | undefined {
    const d = this.#deliveries.get(id);
    return d ? copy(d) : undefined;
  }

  /** Send a delivery's event again, as a new delivery with `IsResent: true`. Undefined for an unknown id. */
  redeliver(id: string): WebhookDelivery | undefined {
    const original = this.#deliveries.get(id);
    if (!original) return undefined;
    const now = this.#clock.now();
    const again = this.#record({
      ...original,
      payload: { ...original.payload, IsResent: true },
      nextAttemptAt: now,
      duplicateOf: null,
      redeliveryOf: original.id,
    });
    this.#schedulePump();
    return copy(again);
  }

  // ---- faults ----------------------------------------------------------------------------------------------------

  /** Replace the delivery faults of one test session (others are untouched). */
  setFaults(session: string, faults: WebhookFaults): void {
    this.#faults.set(session, { ...faults });
  }

  clearFaults(session: string): void {
    this.#faults.delete(session);
  }

  /** The faults still in force for a session (failTimes counts down as attempts fail). */
  faults(session: string): WebhookFaults {
    return { ...(this.#faults.get(session) ?? {}) };
  }

  // ---- driving ---------------------------------------------------------------------------------------------------

  /** The mock's own address, once it listens: receivers there are refused. */
  setSelf(self: SelfAddress): void {
    this.#policy.setSelf(self);
  }

  /** Start whatever is due now, in the background (never waits for a receiver). */
  kick(): void {
    this.#pump(this.#clock.now());
  }

  /**
   * flush(), but waiting at most `waitMs` of real time: true when everything due has been attempted, false when
   * attempts were still in flight (they go on in the background).
   */
  async idle(waitMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), waitMs);
    });
    try {
      return await Promise.race([this.flush().then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Resolve once nothing is in flight and nothing is due at the current virtual time (fates included). Tests await
   * it after advancing the clock instead of sleeping.
   */
  async flush(): Promise<void> {
    for (let round = 0; round < 10_000; round++) {
      const now = this.#clock.now();
      this.#scheduler.tick(now);
      this.#pump(now);
      if (this.#inFlight.size === 0) return;
      await Promise.allSettled([...this.#inFlight]);
    }
    throw new Error(
      'webhooks.flush(): deliveries keep becoming due (a zero retry delay against a failing receiver?)',
    );
  }

  /** Stop the timers and abort attempts in flight; pending deliveries stay recorded as pending. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#unsubscribe) off();
    this.#client.close();
    for (const wake of this.#waiting.splice(0)) wake();
    await Promise.allSettled([...this.#inFlight]);
  }

  // ---- internals -------------------------------------------------------------------------------------------------

  #add(
    input: { mid: string; url: string; session?: string; owner?: string },
    source: WebhookReceiver['source'],
  ): WebhookReceiver {
    const receiver = this.#book.add(input, source);
    this.#startTicker();
    return receiver;
  }

  #onTransition(order: Order, name: TransitionName, change: StatusChange): void {
    try {
      if (this.#closed) return;
      const events = eventsFor(order, name);
      if (events.length === 0) return;
      const targets = this.#book.targets(order.mid, order.session);
      if (targets.length === 0) return;
      const faults = this.#faults.get(order.session) ?? {};
      const now = this.#clock.now();
      const context = {
        seed: this.#settings.seed,
        captureWindowMs: this.#settings.captureWindowMs,
      };
      events.forEach((event, index) => {
        // Redacted once, here: what is kept, listed, journaled and sent is the same safe payload (an orderId can carry
        // a card number into ExternalOrderId).
        const payload = redact(buildPayload(event, order, change, index, context)) as WebhookPayload;
        for (const receiver of targets) {
          const base = {
            session: order.session,
            mid: order.mid,
            event,
            orderId: order.id,
            externalOrderId: payload.ExternalOrderId ?? '',
            receiverId: receiver.id,
            url: receiver.url,
            payload,
            nextAttemptAt: now + Math.max(0, faults.delayMs ?? 0),
            redeliveryOf: null,
          };
          const first = this.#record({ ...base, duplicateOf: null });
          if (faults.duplicate) this.#record({ ...base, duplicateOf: first.id });
        }
      });
      this.#schedulePump();
    } catch (error) {
      // Never let a webhook problem break the request or clock move that caused the transition.
      this.#log.error(`webhooks: cannot queue events of order ${order.id}: ${(error as Error).message}`);
    }
  }

  #record(
    fields: Omit<WebhookDelivery, 'id' | 'status' | 'attempts' | 'createdAt'> & { nextAttemptAt: number },
  ): WebhookDelivery {
    this.#deliveryCount += 1;
    const delivery: WebhookDelivery = {
      id: `whd_${String(this.#deliveryCount).padStart(6, '0')}`,
      session: fields.session,
      mid: fields.mid,
      event: fields.event,
      orderId: fields.orderId,
      externalOrderId: fields.externalOrderId,
      receiverId: fields.receiverId,
      url: fields.url,
      payload: fields.payload,
      status: 'pending',
      attempts: [],
      nextAttemptAt: fields.nextAttemptAt,
      createdAt: this.#clock.now(),
      duplicateOf: fields.duplicateOf,
      redeliveryOf: fields.redeliveryOf,
    };
    this.#evict();
    this.#deliveries.set(delivery.id, delivery);
    this.#pending.add(delivery);
    this.#internal.set(delivery, { seq: this.#deliveryCount, queued: false });
    this.#incoming.push(delivery);
    this.#startTicker();
    return delivery;
  }

  /** Keep the list bounded: drop the oldest finished delivery, or the oldest of all when none has finished. */
  #evict(): void {
    while (this.#deliveries.size >= this.maxDeliveries) {
      let victim: WebhookDelivery | undefined;
      for (const d of this.#deliveries.values()) {
        if (d.status !== 'pending') {
          victim = d;
          break;
        }
      }
      if (!victim) {
        victim = this.#deliveries.values().next().value;
        if (!victim) return;
        this.#log.warn(`webhooks: more than ${this.maxDeliveries} pending deliveries; dropping ${victim.id}`);
        victim.nextAttemptAt = null;
      }
      this.#deliveries.delete(victim.id);
      this.#pending.delete(victim);
    }
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.#pump(this.#clock.now());
    });
  }

  /** Start every attempt due at `now`, per URL in due-time order (the outOfOrder fault reverses a batch). */
  #pump(now: number): void {
    if (this.#closed) return;
    if (this.#incoming.length > 0) {
      // One batch = what one request or one clock move produced. Reversed per session with the outOfOrder fault.
      const batch = this.#incoming;
      this.#incoming = [];
      const bySession = new Map<string, WebhookDelivery[]>();
      for (const d of batch) bySession.set(d.session, [...(bySession.get(d.session) ?? []), d]);
      for (const [session, list] of bySession) {
        if (!this.#faults.get(session)?.outOfOrder) continue;
        const seqs = list.map((d) => this.#info(d).seq);
        list.reverse().forEach((d, i) => {
          this.#info(d).seq = seqs[i] ?? 0;
        });
      }
    }
    const due = [...this.#pending]
      .filter((d) => d.nextAttemptAt !== null && d.nextAttemptAt <= now && !this.#info(d).queued)
      .sort(
        (a, b) => (a.nextAttemptAt ?? 0) - (b.nextAttemptAt ?? 0) || this.#info(a).seq - this.#info(b).seq,
      );
    for (const delivery of due) this.#enqueue(delivery);
  }

  #info(delivery: WebhookDelivery): Internal {
    let info = this.#internal.get(delivery);
    if (!info) {
      info = { seq: 0, queued: false };
      this.#internal.set(delivery, info);
    }
    return info;
  }

  #enqueue(delivery: WebhookDelivery): void {
    this.#info(delivery).queued = true;
    const previous = this.#chains.get(delivery.url) ?? Promise.resolve();
    const run = previous.then(() => this.#attempt(delivery));
    this.#chains.set(delivery.url, run);
    this.#inFlight.add(run);
    run.finally(() => {
      this.#inFlight.delete(run);
      if (this.#chains.get(delivery.url) === run) this.#chains.delete(delivery.url);
      // A retry may already be due (zero delay, or the clock moved on while this attempt ran).
      this.#pump(this.#clock.now());
    });
  }

  async #attempt(delivery: WebhookDelivery): Promise<void> {
    const info = this.#info(delivery);
    try {
      if (this.#closed || delivery.status !== 'pending') return;
      const at = this.#clock.now();
      const isResent = delivery.attempts.length > 0 || delivery.payload.IsResent;
      const payload: WebhookPayload = { ...delivery.payload, IsResent: isResent };
      const body = JSON.stringify(payload);
      const started = performance.now();
      let statusCode: number | null = null;
      let error: string | null = null;
      let headers: Record<string, string> = {};

      const faults = this.#faults.get(delivery.session);
      if (faults?.failTimes !== undefined && faults.failTimes > 0) {
        faults.failTimes -= 1;
        error = 'fault: failTimes';
      } else {
        try {
          this.#policy.check(new URL(delivery.url));
          headers = this.#headers(delivery, body, at);
          statusCode = await this.#slot(() => this.#client.post(delivery.url, headers, body));
        } catch (e) {
          error = e instanceof ReceiverRefused ? `refused: ${e.message}` : describeError(e, this.timeoutMs);
        }
      }
      if (this.#closed) error = error ?? 'dispatcher closed';
      const attempt: WebhookAttempt = {
        at,
        isResent,
        statusCode,
        error,
        durationMs: Math.round((performance.now() - started) * 100) / 100,
      };
      delivery.attempts.push(attempt);
      const ok = error === null && statusCode !== null && statusCode >= 200 && statusCode < 300;
      if (ok) {
        delivery.status = 'delivered';
        delivery.nextAttemptAt = null;
        this.#pending.delete(delivery);
      } else if (!this.#closed) {
        const wait = this.retrySchedule[delivery.attempts.length - 1];
        if (wait === undefined) {
          delivery.status = 'failed';
          delivery.nextAttemptAt = null;
          this.#pending.delete(delivery);
          this.#log.warn(
            `webhooks: ${delivery.event} of order ${delivery.orderId} to ${delivery.url} failed after ${delivery.attempts.length} attempts`,
          );
        } else {
          delivery.nextAttemptAt = this.#clock.now() + wait;
        }
      }
      this.#journal({
        ...attempt,
        deliveryId: delivery.id,
        session: delivery.session,
        mid: delivery.mid,
        event: delivery.event,
        orderId: delivery.orderId,
        url: delivery.url,
        attempt: delivery.attempts.length,
        status: delivery.status,
        payload,
        requestHeaders: headers,
      });
    } catch (error) {
      this.#log.error(`webhooks: delivery ${delivery.id} crashed: ${(error as Error).message}`);
    } finally {
      info.queued = false;
    }
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
      'content-type': this.contentType,
      'content-length': String(Buffer.byteLength(body)),
      ...signed,
    };
  }

  /** 32 lower-case hex characters, reproducible from the seed (a sequence, so never repeated). */
  #nonce(): string {
    this.#nonceCount += 1;
    return createHash('sha256')
      .update(`${this.#settings.seed}:nonce:${this.#nonceCount}`)
      .digest('hex')
      .slice(0, 32);
  }

  /** Run an attempt when one of the maxConcurrent connection slots is free. */
  async #slot<T>(work: () => Promise<T>): Promise<T> {
    if (this.#active >= this.maxConcurrent) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    if (this.#closed) throw new Error('dispatcher closed');
    this.#active += 1;
    try {
      return await work();
    } finally {
      this.#active -= 1;
      this.#waiting.shift()?.();
    }
  }

  #journal(record: WebhookAttemptRecord): void {
    try {
      this.#journalSink.recordWebhook(record);
    } catch (error) {
      this.#log.error(`webhooks: journal refused an attempt: ${(error as Error).message}`);
    }
  }

  /** A running clock needs polling for due fates and retries; a frozen one moves only through its own calls. */
  #startTicker(): void {
    if (!this.#closed) this.#scheduler.keepTicking();
  }
}

function copy(d: WebhookDelivery): WebhookDelivery {
  return { ...d, payload: { ...d.payload }, attempts: d.attempts.map((a) => ({ ...a })) };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`webhooks.${name} must be a positive number`);
  return value;
}
