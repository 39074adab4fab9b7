// Delivery faults a scenario can put on one test session's webhooks (the dispatcher applies them).

import type { WebhookDelivery } from './types.js';

/**
 * Faults a scenario can put on the webhook deliveries of one test session (implemented by the webhook dispatcher).
 * All invented: FlexFactor documents no delivery semantics.
 */
export interface WebhookFaults {
  /** Fail this many delivery attempts (the receiver is not called; the attempt is recorded as failed). */
  failTimes?: number;
  /** Deliver every event twice. */
  duplicate?: boolean;
  /** Hold events and deliver each batch in reverse order. */
  outOfOrder?: boolean;
  /** Delay each first attempt by this many ms of virtual time. */
  delayMs?: number;
}

/**
 * The outOfOrder fault on one batch (what one request or one clock move produced): per session with the fault, the
 * deliveries swap their sequence numbers end for end, so the last one made is sent first.
 */
export function reverseOutOfOrder(
  batch: readonly WebhookDelivery[],
  outOfOrder: (session: string) => boolean,
  order: (delivery: WebhookDelivery) => { seq: number },
): void {
  const bySession = new Map<string, WebhookDelivery[]>();
  for (const d of batch) {
    const list = bySession.get(d.session);
    if (list) list.push(d);
    else bySession.set(d.session, [d]);
  }
  for (const [session, list] of bySession) {
    if (!outOfOrder(session)) continue;
    const seqs = list.map((d) => order(d).seq);
    list.reverse().forEach((d, i) => {
      order(d).seq = seqs[i] ?? 0;
    });
  }
}
