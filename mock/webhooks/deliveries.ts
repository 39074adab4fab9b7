// The deliveries a dispatcher knows of, bounded: created with a sequential id, listed as copies, and the oldest finished
// ones dropped first when the list is full. The pending ones are kept apart so pumping does not scan the finished.

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
  /** Deliveries still pending. */
  readonly pending = new Set<WebhookDelivery>();
  #created = 0;

  constructor(max: number, log: Logger) {
    this.#max = max;
    this.#log = log;
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
    this.pending.add(delivery);
    return delivery;
  }

  /** The stored delivery itself (not a copy). */
  get(id: string): WebhookDelivery | undefined {
    return this.#all.get(id);
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
      this.pending.delete(delivery);
    } else if (retrySchedule) {
      const wait = retrySchedule[delivery.attempts.length - 1];
      if (wait === undefined) {
        delivery.status = 'failed';
        delivery.nextAttemptAt = null;
        this.pending.delete(delivery);
        this.#log.warn(
          `webhooks: ${delivery.event} of order ${delivery.orderId} to ${delivery.url} failed after ${delivery.attempts.length} attempts`,
        );
      } else {
        delivery.nextAttemptAt = now + wait;
      }
    }
  }

  /** Keep the list bounded: drop the oldest finished delivery, or the oldest of all when none has finished. */
  #evict(): void {
    while (this.#all.size >= this.#max) {
      let victim: WebhookDelivery | undefined;
      for (const d of this.#all.values()) {
        if (d.status !== 'pending') {
          victim = d;
          break;
        }
      }
      if (!victim) {
        victim = this.#all.values().next().value;
        if (!victim) return;
        this.#log.warn(`webhooks: more than ${this.#max} pending deliveries; dropping ${victim.id}`);
        victim.nextAttemptAt = null;
      }
      this.#all.delete(victim.id);
      this.pending.delete(victim);
    }
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
