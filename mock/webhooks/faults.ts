// Delivery faults a scenario can put on one test session's webhooks (the dispatcher applies them).

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
