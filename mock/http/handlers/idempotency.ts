// Idempotent execution: the same key with the same body replays the first response; with a different body → 409.
// The claim is taken before the action runs, so duplicates in flight together never apply the action twice.

import type { Partition } from '../../domain/store.js';
import { apiError } from '../../errors/catalog.js';
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
  const claim = partition.claimIdempotencyKey(scope, key, request, ctx.services.clock.now());
  switch (claim.kind) {
    case 'conflict':
      throw apiError('409001');
    case 'in-progress':
      throw apiError('409002');
    case 'replay':
      return {
        ...claim.response,
        headers: { ...claim.response.headers, 'x-mock-idempotent-replay': 'true' },
      };
    case 'new':
      break;
  }
  try {
    const reply = await action();
    const stored = {
      status: reply.status ?? 200,
      body: reply.body ?? {},
      ...(reply.headers ? { headers: reply.headers } : {}),
    };
    partition.completeIdempotencyKey(scope, key, stored);
    return reply;
  } catch (error) {
    // Handlers validate before they change state, so a throw means nothing was applied: release the key so a
    // corrected request may use it.
    partition.completeIdempotencyKey(scope, key, null);
    throw error;
  }
}
