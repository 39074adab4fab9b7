// Webhook delivery: turns order transitions into signed POSTs to each merchant's receivers, retries failures with
// backoff on the virtual clock, and applies per-session delivery faults. FlexFactor documents none of the delivery
// semantics (retry schedule, timeout, ordering): everything here except the signature and payload is invented.

import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AccountBook } from '../domain/accounts.js';
import type { VirtualClock } from '../domain/clock.js';
import type { Order, StatusChange, TransitionName } from '../domain/order-states.js';
import type { OrderScheduler } from '../domain/scheduler.js';
import type { Store } from '../domain/store.js';
import type { Logger } from '../support/logger.js';
import { redact } from '../support/redact.js';
import { buildPayload, eventsFor, type WebhookEventName, type WebhookPayload } from './events.js';
import type { WebhookFaults } from './faults.js';
import { ReceiverPolicy, ReceiverRefused, type SelfAddress } from './receiver-policy.js';
import { signWebhook } from './signature.js';

/** Options of createApp({ webhooks }). */
export interface WebhookOptions {
  /** Receivers registered at start-up (for every session). */
  receivers?: { mid: string; url: string; session?: string }[];
  /** Content-Type of deliveries (default `text/plain; charset=utf-8`: the docs say the body is not application/json). */
  contentType?: string;
  /** Real-time ms a receiver has to answer with a 2xx (default 5000). */
  timeoutMs?: number;
  /** Virtual-time ms to wait before each retry (default {@link DEFAULT_RETRY_SCHEDULE_MS}). */
  retrySchedule?: number[];
  /** Deliveries kept in memory, oldest finished ones dropped first (default 5000). */
  maxDeliveries?: number;
  /**
   * Hosts (names or addresses, `*` for any) receivers may use besides loopback (default none: loopback only;
   * docs/security.md, "Webhook receivers").
   */
  allowHosts?: readonly string[];
  /** Receivers one session may register through the admin API (default 20). */
  maxReceiversPerSession?: number;
  /** Receivers in all (default 200). */
  maxReceivers?: number;
  /** Delivery attempts in flight at once, across every receiver (default 8). */
  maxConcurrent?: number;
}

/** Invented backoff: retries 1 min, 5 min, 30 min, 2 h, 6 h and 24 h after each failed attempt (7 attempts). */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [
  60_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  6 * 3_600_000,
  24 * 3_600_000,
];
export const DEFAULT_WEBHOOK_CONTENT_TYPE = 'text/plain; charset=utf-8';
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_DELIVERIES = 5_000;

export interface WebhookReceiver {
  id: string;
  mid: string;
  url: string;
  /** Only this test session's events; null = every session. */
  session: string | null;
  source: 'options' | 'accounts' | 'api';
  /** The session that registered it through the admin API (counts against that session's cap). */
  owner?: string;
}

export interface WebhookAttempt {
  /** Virtual time of the attempt (ms since the epoch). */
  at: number;
  /** Whether the body said `IsResent: true`. */
  isResent: boolean;
  /** HTTP status the receiver answered, or null when there was no answer. */
  statusCode: number | null;
  /** Transport failure (`ECONNREFUSED`, `timeout after 5000 ms`, `fault: failTimes`), or null. */
  error: string | null;
  /** Wall-clock duration in ms. */
  durationMs: number;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event on its way to one receiver URL. */
export interface WebhookDelivery {
  id: string;
  session: string;
  mid: string;
  event: WebhookEventName;
  orderId: string;
  externalOrderId: string;
  receiverId: string;
  url: string;
  /** The payload of the first attempt (retries send it with `IsResent: true`). */
  payload: WebhookPayload;
  status: WebhookDeliveryStatus;
  attempts: WebhookAttempt[];
  /** Virtual time of the next attempt; null once delivered or failed. */
  nextAttemptAt: number | null;
  createdAt: number;
  /** Set on the copy a `duplicate` fault adds. */
  duplicateOf: string | null;
  /** Set on a delivery made by redeliver(). */
  redeliveryOf: string | null;
}

/** What the journal gets for every attempt. */
export interface WebhookAttemptRecord extends WebhookAttempt {
  deliveryId: string;
  session: string;
  mid: string;
  event: WebhookEventName;
  orderId: string;
  url: string;
  /** 1-based attempt number. */
  attempt: number;
  /** The delivery's status after this attempt. */
  status: WebhookDeliveryStatus;
  /** The body sent (as an object). */
  payload: WebhookPayload;
  /** Content type and x-fc-* signature headers sent (empty when the attempt never reached the network). */
  requestHeaders: Record<string, string>;
}

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

export interface DeliveryFilter {
  session?: string;
  orderId?: string;
  status?: WebhookDeliveryStatus;
  event?: string;
  mid?: string;
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
  readonly #receivers = new Map<string, WebhookReceiver>();
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
  readonly #aborts = new Set<AbortController>();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #httpAgent = new HttpAgent({ keepAlive: false });
  readonly #httpsAgent = new HttpsAgent({ keepAlive: false });
  #pumpScheduled = false;
  #closed = false;
  #receiverCount = 0;
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
    return this.#receivers.delete(id);
  }

  /** The registered receivers, all or one merchant's. */
  receivers(mid?: string): WebhookReceiver[] {
    const wanted = mid?.toLowerCase();
    return [...this.#receivers.values()]
      .filter((r) => wanted === undefined || r.mid.toLowerCase() === wanted)
      .map((r) => ({ ...r }));
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
    for (const controller of this.#aborts) controller.abort(new Error('dispatcher closed'));
    for (const wake of this.#waiting.splice(0)) wake();
    await Promise.allSettled([...this.#inFlight]);
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }

  // ---- internals -------------------------------------------------------------------------------------------------

  #add(
    input: { mid: string; url: string; session?: string; owner?: string },
    source: WebhookReceiver['source'],
  ): WebhookReceiver {
    const account = this.#accounts.byMid(String(input.mid ?? ''));
    if (!account) throw new Error(`webhook receiver for unknown merchant ${String(input.mid)}`);
    const url = checkReceiverUrl(input.url);
    this.#policy.check(new URL(url));
    const session = input.session ?? null;
    let owned = 0;
    for (const existing of this.#receivers.values()) {
      if (existing.mid === account.mid && existing.url === url && existing.session === session)
        return existing;
      if (input.owner !== undefined && existing.owner === input.owner) owned += 1;
    }
    if (input.owner !== undefined && owned >= this.maxReceiversPerSession) {
      throw limitError(
        `session ${JSON.stringify(input.owner)} already has ${owned} webhook receivers (at most ${this.maxReceiversPerSession})`,
      );
    }
    if (this.#receivers.size >= this.maxReceivers) {
      throw limitError(
        `this server already has ${this.#receivers.size} webhook receivers (at most ${this.maxReceivers})`,
      );
    }
    this.#receiverCount += 1;
    const receiver: WebhookReceiver = {
      id: `whr_${this.#receiverCount}`,
      mid: account.mid,
      url,
      session,
      source,
      ...(input.owner !== undefined ? { owner: input.owner } : {}),
    };
    this.#receivers.set(receiver.id, receiver);
    this.#startTicker();
    return receiver;
  }

  #onTransition(order: Order, name: TransitionName, change: StatusChange): void {
    try {
      if (this.#closed) return;
      const events = eventsFor(order, name);
      if (events.length === 0) return;
      const mid = order.mid.toLowerCase();
      const targets = [...this.#receivers.values()].filter(
        (r) => r.mid.toLowerCase() === mid && (r.session === null || r.session === order.session),
      );
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
          statusCode = await this.#slot(() => this.#post(delivery.url, headers, body));
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

  #post(url: string, headers: Record<string, string>, body: string): Promise<number> {
    const target = new URL(url);
    const https = target.protocol === 'https:';
    const controller = new AbortController();
    this.#aborts.add(controller);
    const timer = setTimeout(
      () => controller.abort(new TimeoutError(`timeout after ${this.timeoutMs} ms`)),
      this.timeoutMs,
    );
    return new Promise<number>((resolve, reject) => {
      const req = (https ? httpsRequest : httpRequest)(target, {
        method: 'POST',
        headers,
        agent: https ? this.#httpsAgent : this.#httpAgent,
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

class TimeoutError extends Error {}

function limitError(message: string): Error {
  return Object.assign(new Error(message), { code: 'RECEIVER_LIMIT' });
}

function describeError(error: unknown, timeoutMs: number): string {
  if (error instanceof TimeoutError) return error.message;
  const e = error as { code?: string; message?: string; name?: string };
  if (e?.name === 'AbortError') return `timeout after ${timeoutMs} ms`;
  return e?.code ?? e?.message ?? String(error);
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
