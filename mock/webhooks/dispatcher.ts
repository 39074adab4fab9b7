// Webhook delivery: turns order transitions into signed POSTs to each merchant's receivers, retries failures with
// backoff on the virtual clock, and applies per-session delivery faults. FlexFactor documents none of the delivery
// semantics (retry schedule, timeout, ordering): everything here except the signature and payload is invented.

import type { VirtualClock } from '../domain/clock.js';
import type { Order, StatusChange, TransitionName } from '../domain/order-states.js';
import type { OrderScheduler } from '../domain/scheduler.js';
import { MAX_SESSIONS } from '../domain/store.js';
import { evictOldest } from '../support/bounded.js';
import type { Logger } from '../support/logger.js';
import { AttemptSender } from './attempts.js';
import { attemptRecord, copyDelivery, DeliveryBook, type NewDelivery, newDeliveries } from './deliveries.js';
import { DueQueue } from './due-queue.js';
import { eventsFor, type WebhookPayload } from './events.js';
import { reverseOutOfOrder, type WebhookFaults } from './faults.js';
import { UrlLines } from './lines.js';
import { ReceiverPolicy, type SelfAddress } from './receiver-policy.js';
import { ReceiverBook } from './receivers.js';
import {
  type DeliveryFilter,
  resolveWebhookOptions,
  type WebhookAttempt,
  type WebhookAttemptRecord,
  type WebhookDelivery,
  type WebhookDeps,
  type WebhookJournalSink,
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
  WebhookDeps,
  WebhookJournalSink,
  WebhookOptions,
  WebhookReceiver,
} from './types.js';
export {
  DEFAULT_MAX_DELIVERIES,
  DEFAULT_RETRY_SCHEDULE_MS,
  DEFAULT_WEBHOOK_CONTENT_TYPE,
  DEFAULT_WEBHOOK_TIMEOUT_MS,
} from './types.js';

interface Internal {
  /** Creation order; breaks ties between deliveries due at the same time. */
  seq: number;
  /** Waiting in (or running on) its URL's queue. */
  queued: boolean;
}

/**
 * The most deliveries one pump hands to the URL queues before it yields to the event loop (setImmediate) and goes on:
 * a clock move that makes tens of thousands due never holds up other requests for the whole batch.
 */
const ENQUEUE_SLICE = 1_000;

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
  readonly maxSharedReceivers: number;
  readonly maxConcurrent: number;
  readonly #policy: ReceiverPolicy;
  readonly #clock: VirtualClock;
  readonly #scheduler: OrderScheduler;
  readonly #journalSink: WebhookJournalSink;
  readonly #log: Logger;
  readonly #settings: WebhookDeps['settings'];
  readonly #book: ReceiverBook;
  readonly #deliveries: DeliveryBook;
  readonly #internal = new WeakMap<WebhookDelivery, Internal>();
  /** Pending deliveries not in a URL's queue, by next attempt time. */
  readonly #due = new DueQueue();
  /** Deliveries created since the last pump: one batch, for the outOfOrder fault. */
  #incoming: WebhookDelivery[] = [];
  /** Per session: forgotten with the session (the store tells), and never more entries than the store has sessions. */
  readonly #faults = new Map<string, WebhookFaults>();
  /** One line per URL, so a receiver gets its deliveries one at a time, in order; only kept deliveries wait in it. */
  readonly #lines = new UrlLines((delivery) => this.#attempt(delivery));
  readonly #inFlight = new Set<Promise<void>>();
  /** The same attempts by session (an entry only while one is in flight). */
  readonly #inFlightOf = new Map<string, Set<Promise<void>>>();
  readonly #unsubscribe: (() => void)[] = [];
  readonly #sender: AttemptSender;
  /** A pump is already coming, per kind (see #schedulePump). */
  readonly #pumpScheduled = { microtask: false, immediate: false };
  #closed = false;

  constructor(deps: WebhookDeps, options: WebhookOptions = {}) {
    this.#clock = deps.clock;
    this.#scheduler = deps.scheduler;
    this.#journalSink = deps.journal;
    this.#log = deps.log;
    this.#settings = deps.settings;
    const limits = resolveWebhookOptions(options);
    this.contentType = limits.contentType;
    this.timeoutMs = limits.timeoutMs;
    this.maxDeliveries = limits.maxDeliveries;
    this.maxReceiversPerSession = limits.maxReceiversPerSession;
    this.maxReceivers = limits.maxReceivers;
    this.maxSharedReceivers = limits.maxSharedReceivers;
    this.maxConcurrent = limits.maxConcurrent;
    this.retrySchedule = limits.retrySchedule;
    this.#policy = new ReceiverPolicy(options.allowHosts ?? []);
    this.#sender = new AttemptSender({
      accounts: deps.accounts,
      policy: this.#policy,
      contentType: this.contentType,
      timeoutMs: this.timeoutMs,
      maxConcurrent: this.maxConcurrent,
      seed: deps.settings.seed,
    });
    // A pending delivery dropped to make room leaves every queue at once: nothing holds it (or its payload) after.
    this.#deliveries = new DeliveryBook(this.maxDeliveries, deps.log, (dropped) => {
      this.#due.delete(dropped);
      this.#lines.remove(dropped);
    });
    // A clock move's slices end by the deliveries they made too, not only by the orders they settled.
    deps.scheduler.weighSlicesBy(() => this.#deliveries.created);
    this.#book = new ReceiverBook(deps.accounts, this.#policy, {
      perSession: this.maxReceiversPerSession,
      total: this.maxReceivers,
      shared: this.maxSharedReceivers,
    });

    for (const account of deps.accounts.accounts) {
      for (const url of account.webhookUrls ?? []) this.#add({ mid: account.mid, url }, 'accounts');
    }
    for (const receiver of options.receivers ?? []) this.#add(receiver, 'options');

    this.#unsubscribe.push(
      deps.store.onTransition((order, name, change) => this.#onTransition(order, name, change)),
      deps.store.onSessionDropped((session) => this.clearFaults(session)),
      deps.scheduler.onTick((now) => this.#pump(now)),
    );
  }

  // ---- receivers -------------------------------------------------------------------------------------------------

  /**
   * Register a receiver URL (http or https) for a merchant, optionally only for one test session. Registering the
   * same mid, URL and session again returns the existing receiver. Throws for an unknown mid or a bad URL.
   */
  addReceiver(
    input: { mid: string; url: string; session?: string; owner?: string },
    id?: string,
  ): WebhookReceiver {
    return { ...this.#add(input, 'api', id) };
  }

  /**
   * Register a receiver another process sharing the store registered, under the same id (true), or refuse it here
   * (false: this process's rules differ, e.g. another --allow-webhook-host).
   */
  adoptReceiver(receiver: WebhookReceiver): boolean {
    try {
      const input = {
        mid: receiver.mid,
        url: receiver.url,
        ...(receiver.session !== null ? { session: receiver.session } : {}),
        ...(receiver.owner !== undefined ? { owner: receiver.owner } : {}),
      };
      if (this.#book.list().some((r) => r.id === receiver.id)) return true;
      this.#book.add(input, receiver.source, receiver.id);
      this.#startTicker();
      return true;
    } catch {
      return false;
    }
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
    return this.#deliveries.list(filter);
  }

  /**
   * Deliveries waiting for their next attempt: due later, or due and in line behind an attempt to the same URL (never
   * more than are kept: a delivery dropped from the list leaves both at once).
   */
  get waiting(): number {
    return this.#due.size + this.#lines.waiting;
  }

  delivery(id: string): WebhookDelivery | undefined {
    const d = this.#deliveries.get(id);
    return d ? copyDelivery(d) : undefined;
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
    return copyDelivery(again);
  }

  // ---- faults ----------------------------------------------------------------------------------------------------

  /** Replace the delivery faults of one test session (others are untouched). */
  setFaults(session: string, faults: WebhookFaults): void {
    // Most recently set last, so a caller setting faults for sessions the store never holds cannot grow the map.
    this.#faults.delete(session);
    evictOldest(this.#faults, MAX_SESSIONS);
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
  async idle(waitMs: number, session?: string): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), waitMs);
    });
    try {
      return await Promise.race([this.flush(session).then(() => true), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Resolve once nothing is in flight and nothing is due at the current virtual time (fates included). Tests await
   * it after advancing the clock instead of sleeping. With `session`, only that session's deliveries are waited for:
   * a test worker must not wait on another worker's receivers.
   */
  async flush(session?: string): Promise<void> {
    for (let round = 0; round < 10_000; round++) {
      const now = this.#clock.now();
      this.#scheduler.tick(now);
      this.#pump(now);
      const waiting = session === undefined ? this.#inFlight : this.#inFlightOf.get(session);
      if (waiting === undefined || waiting.size === 0) {
        // A pump that stopped at its slice leaves due deliveries for after setImmediate: they may be this session's.
        if (this.#closed || !this.#due.hasDue(now)) return;
        await new Promise<void>((resolve) => setImmediate(resolve));
        continue;
      }
      await Promise.allSettled([...waiting]);
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
    this.#sender.close();
    await Promise.allSettled([...this.#inFlight]);
  }

  // ---- internals -------------------------------------------------------------------------------------------------

  #add(
    input: { mid: string; url: string; session?: string; owner?: string },
    source: WebhookReceiver['source'],
    id?: string,
  ): WebhookReceiver {
    const receiver = this.#book.add(input, source, id);
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
      const dueAt = this.#clock.now() + Math.max(0, faults.delayMs ?? 0);
      for (const base of newDeliveries(order, change, events, targets, dueAt, this.#settings)) {
        const first = this.#record({ ...base, duplicateOf: null });
        if (faults.duplicate) this.#record({ ...base, duplicateOf: first.id });
      }
      this.#schedulePump();
    } catch (error) {
      // Never let a webhook problem break the request or clock move that caused the transition.
      this.#log.error(`webhooks: cannot queue events of order ${order.id}: ${(error as Error).message}`);
    }
  }

  #record(fields: NewDelivery): WebhookDelivery {
    const delivery = this.#deliveries.create(fields, this.#clock.now());
    this.#internal.set(delivery, { seq: this.#deliveries.created, queued: false });
    this.#incoming.push(delivery);
    // An in-process clock.advance() makes all its deliveries in one batch; those dropped to make room meanwhile must
    // not stay in it until the pump (O(1) amortised: the batch is cut only once it doubled past what is kept).
    if (this.#incoming.length > 2 * this.maxDeliveries)
      this.#incoming = this.#incoming.filter((d) => this.#deliveries.holds(d));
    this.#startTicker();
    return delivery;
  }

  /**
   * Pump once more: after the current job (a microtask: what a request or clock move made goes out as one batch), or
   * after the event loop has served what is waiting (setImmediate: the rest of a pump that stopped at its slice).
   */
  #schedulePump(when: 'microtask' | 'immediate' = 'microtask'): void {
    if (this.#pumpScheduled[when]) return;
    this.#pumpScheduled[when] = true;
    (when === 'microtask' ? queueMicrotask : setImmediate)(() => {
      this.#pumpScheduled[when] = false;
      this.#pump(this.#clock.now());
    });
  }

  /**
   * Start every attempt due at `now`, per URL in due-time order (the outOfOrder fault reverses a batch): O(log n) per
   * delivery started, and at most ENQUEUE_SLICE of them before the rest go on after setImmediate.
   */
  #pump(now: number): void {
    if (this.#closed) return;
    if (this.#incoming.length > 0) {
      // One batch = what one request or one clock move produced.
      const batch = this.#incoming;
      this.#incoming = [];
      reverseOutOfOrder(
        batch,
        (session) => this.#faults.get(session)?.outOfOrder === true,
        (d) => this.#info(d),
      );
      for (const d of batch) this.#line(d);
      this.#deliveries.reportDrops();
    }
    for (let started = 0; ; started++) {
      if (started === ENQUEUE_SLICE) {
        this.#schedulePump('immediate');
        return;
      }
      const delivery = this.#due.takeDue(now);
      if (!delivery) return;
      this.#enqueue(delivery);
    }
  }

  /** Put a delivery in line for its next attempt, if it has one and is still kept. */
  #line(delivery: WebhookDelivery): void {
    const info = this.#info(delivery);
    if (
      delivery.status !== 'pending' ||
      delivery.nextAttemptAt === null ||
      info.queued ||
      !this.#deliveries.holds(delivery)
    )
      return;
    this.#due.set(delivery, delivery.nextAttemptAt, info.seq);
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
    const run = this.#lines.push(delivery);
    this.#inFlight.add(run);
    let mine = this.#inFlightOf.get(delivery.session);
    if (!mine) {
      mine = new Set();
      this.#inFlightOf.set(delivery.session, mine);
    }
    mine.add(run);
    run.finally(() => {
      this.#inFlight.delete(run);
      const left = this.#inFlightOf.get(delivery.session);
      left?.delete(run);
      if (left?.size === 0) this.#inFlightOf.delete(delivery.session);
      // A retry may already be due (zero delay, or the clock moved on while this attempt ran).
      this.#pump(this.#clock.now());
    });
  }

  async #attempt(delivery: WebhookDelivery): Promise<void> {
    const info = this.#info(delivery);
    try {
      if (this.#closed || delivery.status !== 'pending' || !this.#deliveries.holds(delivery)) return;
      const at = this.#clock.now();
      const isResent = delivery.attempts.length > 0 || delivery.payload.IsResent;
      const payload: WebhookPayload = { ...delivery.payload, IsResent: isResent };
      const body = JSON.stringify(payload);
      const started = performance.now();
      let statusCode: number | null = null;
      let error: string | null = null;
      let headers: Record<string, string> = {};
      let onWire: number | null = null;

      const faults = this.#faults.get(delivery.session);
      if (faults?.failTimes !== undefined && faults.failTimes > 0) {
        faults.failTimes -= 1;
        error = 'fault: failTimes';
      } else {
        ({ statusCode, error, headers, durationMs: onWire } = await this.#sender.send(delivery, body, at));
      }
      if (this.#closed) error = error ?? 'dispatcher closed';
      const attempt: WebhookAttempt = {
        at,
        isResent,
        statusCode,
        error,
        durationMs: onWire ?? Math.round((performance.now() - started) * 100) / 100,
      };
      this.#deliveries.addAttempt(
        delivery,
        attempt,
        this.#closed ? null : this.retrySchedule,
        this.#clock.now(),
      );
      this.#journal(attemptRecord(delivery, attempt, payload, headers));
    } catch (error) {
      this.#log.error(`webhooks: delivery ${delivery.id} crashed: ${(error as Error).message}`);
    } finally {
      info.queued = false;
      if (!this.#closed) this.#line(delivery);
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
