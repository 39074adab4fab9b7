// The deliveries a dispatcher knows of, bounded: created with a sequential id, listed as copies, and the oldest finished
// ones dropped first when the list is full. Two queues say which to drop, the finished in the order they finished and
// all in the order they were made, so making room takes from the front of one: O(1) amortised per new delivery
// however full the list is (a Set or Map emptied from the front is not: its iterator walks the deleted entries).

import type { Order, StatusChange } from '../domain/order-states.js';
import type { Logger } from '../support/logger.js';
import { redact } from '../support/redact.js';
import { buildPayload, type WebhookEventName, type WebhookPayload } from './events.js';
import type {
  DeliveryFilter,
  WebhookAttempt,
  WebhookAttemptRecord,
  WebhookDelivery,
  WebhookReceiver,
} from './types.js';

/** The fields a new delivery is made from (the rest start empty: pending, no attempts). */
export type NewDelivery = Omit<WebhookDelivery, 'id' | 'status' | 'attempts' | 'createdAt'> & {
  nextAttemptAt: number;
};

export class DeliveryBook {
  readonly #max: number;
  readonly #log: Logger;
  readonly #all = new Map<string, WebhookDelivery>();
  /** Kept deliveries delivered or failed, in the order they finished: the first is the next to drop. */
  readonly #finished = new Fifo<WebhookDelivery>();
  /** Deliveries in the order they were made, some no longer kept or no longer pending (skipped when met). */
  readonly #made = new Fifo<WebhookDelivery>();
  readonly #onDrop: (delivery: WebhookDelivery) => void;
  #created = 0;
  /** Pending deliveries dropped since reportDrops() last said so. */
  #droppedPending = 0;

  /** `onDrop` hears of each pending delivery dropped to make room (it will never be attempted). */
  constructor(max: number, log: Logger, onDrop: (delivery: WebhookDelivery) => void = () => {}) {
    this.#max = max;
    this.#log = log;
    this.#onDrop = onDrop;
  }

  /** How many deliveries were ever created (the last one's sequence number). */
  get created(): number {
    return this.#created;
  }

  create(fields: NewDelivery, now: number): WebhookDelivery {
    this.#created += 1;
    const delivery: WebhookDelivery = {
      id: `whd_${String(this.#created).padStart(6, '0')}`,
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
      createdAt: now,
      duplicateOf: fields.duplicateOf,
      redeliveryOf: fields.redeliveryOf,
    };
    this.#evict();
    this.#all.set(delivery.id, delivery);
    this.#made.push(delivery);
    // Finished and dropped deliveries stay in #made until the front passes them; a pending one at the front for a
    // day of retries must not make it keep every delivery made since.
    if (this.#made.length > 2 * this.#max) this.#made.keep((d) => this.holds(d) && d.status === 'pending');
    return delivery;
  }

  /** The stored delivery itself (not a copy). */
  get(id: string): WebhookDelivery | undefined {
    return this.#all.get(id);
  }

  /** Whether the delivery is still kept (not dropped to make room). */
  holds(delivery: WebhookDelivery): boolean {
    return this.#all.get(delivery.id) === delivery;
  }

  /**
   * One warning for all the pending deliveries dropped since the last call: a clock move that makes more deliveries
   * than the list keeps drops thousands at once, and a line each would flood the log.
   */
  reportDrops(): void {
    if (this.#droppedPending === 0) return;
    this.#log.warn(
      `webhooks: more than ${this.#max} pending deliveries; dropped the oldest ${this.#droppedPending} (never attempted again)`,
    );
    this.#droppedPending = 0;
  }

  /** Copies of the matching deliveries, oldest first. */
  list(filter: DeliveryFilter = {}): WebhookDelivery[] {
    const mid = filter.mid?.toLowerCase();
    const out: WebhookDelivery[] = [];
    for (const d of this.#all.values()) {
      if (filter.session !== undefined && d.session !== filter.session) continue;
      if (filter.orderId !== undefined && d.orderId !== filter.orderId) continue;
      if (filter.status !== undefined && d.status !== filter.status) continue;
      if (filter.event !== undefined && d.event !== filter.event) continue;
      if (mid !== undefined && d.mid.toLowerCase() !== mid) continue;
      out.push(copyDelivery(d));
    }
    return out;
  }

  /**
   * Add an attempt and decide what follows: delivered on a 2xx, else a retry after the schedule's next wait, or failed
   * once the schedule is used up. With no schedule (the dispatcher is closing) the delivery stays pending.
   */
  addAttempt(
    delivery: WebhookDelivery,
    attempt: WebhookAttempt,
    retrySchedule: readonly number[] | null,
    now: number,
  ): void {
    delivery.attempts.push(attempt);
    const { error, statusCode } = attempt;
    const ok = error === null && statusCode !== null && statusCode >= 200 && statusCode < 300;
    if (ok) {
      delivery.status = 'delivered';
      delivery.nextAttemptAt = null;
      this.#finish(delivery);
    } else if (retrySchedule) {
      const wait = retrySchedule[delivery.attempts.length - 1];
      if (wait === undefined) {
        delivery.status = 'failed';
        delivery.nextAttemptAt = null;
        this.#finish(delivery);
        this.#log.warn(
          `webhooks: ${delivery.event} of order ${delivery.orderId} to ${delivery.url} failed after ${delivery.attempts.length} attempts`,
        );
      } else {
        delivery.nextAttemptAt = now + wait;
      }
    }
  }

  #finish(delivery: WebhookDelivery): void {
    if (this.holds(delivery)) this.#finished.push(delivery);
  }

  /** Keep the list bounded: drop the oldest finished delivery, or the oldest pending one when none has finished. */
  #evict(): void {
    while (this.#all.size >= this.#max) {
      let victim = this.#finished.shift();
      if (!victim) {
        // Nothing kept has finished, so the oldest kept delivery is pending: skip what was dropped or finished.
        do victim = this.#made.shift();
        while (victim && !(this.holds(victim) && victim.status === 'pending'));
        if (!victim) return;
        victim.nextAttemptAt = null;
        this.#droppedPending += 1;
        this.#onDrop(victim);
      }
      this.#all.delete(victim.id);
    }
  }
}

/** A first-in first-out queue: an array read from a moving front, cut when the read part is half of it. */
class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#head += 1;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Keep only the items `wanted` accepts, in order. */
  keep(wanted: (item: T) => boolean): void {
    this.#items = this.#items.slice(this.#head).filter(wanted);
    this.#head = 0;
  }
}

export function copyDelivery(d: WebhookDelivery): WebhookDelivery {
  return { ...d, payload: { ...d.payload }, attempts: d.attempts.map((a) => ({ ...a })) };
}

/**
 * The deliveries one transition makes: each event to each receiver, due at `dueAt`; made one at a time, so the
 * caller records each (and a duplicate) before the next is built.
 */
export function* newDeliveries(
  order: Order,
  change: StatusChange,
  events: readonly WebhookEventName[],
  targets: readonly WebhookReceiver[],
  dueAt: number,
  context: { readonly seed: number; readonly captureWindowMs: number },
): Generator<Omit<NewDelivery, 'duplicateOf'>> {
  for (const [index, event] of events.entries()) {
    // Redacted once, here: what is kept, listed, journaled and sent is the same safe payload (an orderId can carry
    // a card number into ExternalOrderId).
    const payload = redact(
      buildPayload(event, order, change, index, {
        seed: context.seed,
        captureWindowMs: context.captureWindowMs,
      }),
    ) as WebhookPayload;
    for (const receiver of targets) {
      yield {
        session: order.session,
        mid: order.mid,
        event,
        orderId: order.id,
        externalOrderId: payload.ExternalOrderId ?? '',
        receiverId: receiver.id,
        url: receiver.url,
        payload,
        nextAttemptAt: dueAt,
        redeliveryOf: null,
      };
    }
  }
}

/** What the journal gets for one attempt of a delivery: `payload` and `headers` as sent. */
export function attemptRecord(
  delivery: WebhookDelivery,
  attempt: WebhookAttempt,
  payload: WebhookPayload,
  headers: Record<string, string>,
): WebhookAttemptRecord {
  return {
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
  };
}
