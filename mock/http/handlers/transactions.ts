// POST /v1/evaluate, /v1/transmit and /v1/outcome: hand a declined transaction over, copy an approved one, and
// poll a decision. What evaluate does to the store is one domain operation (mock/domain/evaluate.ts).

import { evaluateOrder } from '../../domain/evaluate.js';
import { confirmationIdOf, outcomeStatus } from '../../domain/order-states.js';
import type { EvaluateStatus } from '../../domain/outcomes.js';
import { redactText } from '../../support/redact.js';
import type { Ctx, Reply } from '../types.js';
import { envelope, merchantOf } from '../types.js';
import { withIdempotency } from './idempotency.js';
import { findOrder } from './orders.js';

export function evaluate(ctx: Ctx): Promise<Reply> | Reply {
  const mid = merchantOf(ctx);
  return withIdempotency(ctx, ctx.session.partition(mid), 'evaluate', ctx.body.idempotencyKey, () => {
    const { orderId, status } = evaluateOrder(ctx.services, ctx.session, mid, ctx.body);
    return { body: evaluateBody(orderId, status, ctx.body.senseKey) };
  });
}

function evaluateBody(orderId: string, status: EvaluateStatus, senseKey: unknown): Record<string, unknown> {
  return {
    orderSessionKey: orderId,
    senseKey: typeof senseKey === 'string' ? redactText(senseKey) : null,
    orderId,
    ...envelope({ result: 'Success', status }),
  };
}

/** transmit: fire-and-forget copy of a processed transaction; nothing is rescued, nothing is stored. */
export function transmit(ctx: Ctx): Reply {
  return { body: { transmitId: ctx.session.data.uuid(), ...envelope({}) } };
}

/** getOutcome (deprecated): the decision for an orderSessionKey, NOTFOUND when there is none. */
export function getOutcome(ctx: Ctx): Reply {
  const order = findOrder(ctx, String(ctx.body.orderSessionKey), false);
  if (!order)
    return { body: { status: 'NOTFOUND', confirmationId: null, ...envelope({ status: 'NOTFOUND' }) } };
  const status = outcomeStatus(order);
  // The same id the order's webhooks carry.
  const confirmationId = status === 'APPROVED' ? confirmationIdOf(order, ctx.services.settings.seed) : null;
  return { body: { status, confirmationId, ...envelope({ status }) } };
}
