// Idempotent execution over HTTP: the domain's key life cycle (mock/domain/idempotency.ts) with a reply as the stored
// response, and a replay marked by the x-mock-idempotent-replay header.

import { runIdempotent } from '../../domain/idempotency.js';
import type { Partition, StoredResponse } from '../../domain/store.js';
import type { Ctx, Reply } from '../types.js';

export async function withIdempotency(
  ctx: Ctx,
  partition: Partition,
  scope: string,
  key: unknown,
  action: () => Reply | Promise<Reply>,
): Promise<Reply> {
  if (typeof key !== 'string' || key === '') return action();
  // The request is its path parameters and its body: cancel's body is often just the key, so without the order id a
  // reused key on another order would replay "{}" for an order that was never cancelled (→ 409 instead).
  const request = { params: { ...ctx.params }, body: ctx.body };
  const outcome = await runIdempotent(
    { partition, scope, key, request, now: ctx.services.clock.now() },
    action,
    storedReply,
  );
  if (outcome.kind === 'done') return outcome.result;
  return {
    ...outcome.response,
    headers: { ...outcome.response.headers, 'x-mock-idempotent-replay': 'true' },
  };
}

function storedReply(reply: Reply): StoredResponse {
  return {
    status: reply.status ?? 200,
    body: reply.body ?? {},
    ...(reply.headers ? { headers: reply.headers } : {}),
  };
}
