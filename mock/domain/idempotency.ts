// The idempotency-key life cycle of a state-changing operation: claim the key before the action runs (so duplicates
// in flight together never apply it twice), replay the stored response for the same request, refuse a different
// request (409001) or one still in flight (409002), store the response once the action succeeded, and release the
// key when it threw. What a response is (status, body, headers) is the caller's: the HTTP layer encodes its replies.

import { apiError } from '../errors/catalog.js';
import { cardSafeId } from '../support/redact.js';
import type { Partition, StoredResponse } from './store.js';

export interface IdempotencyClaim {
  partition: Partition;
  /** The operation the key belongs to (a key may be reused across operations). */
  scope: string;
  key: string;
  /** What makes two requests "the same" (fingerprinted). */
  request: unknown;
  now: number;
}

export type IdempotentOutcome<T> = { kind: 'replay'; response: StoredResponse } | { kind: 'done'; result: T };

export async function runIdempotent<T>(
  claim: IdempotencyClaim,
  action: () => T | Promise<T>,
  toStored: (result: T) => StoredResponse,
): Promise<IdempotentOutcome<T>> {
  const { partition, scope } = claim;
  // A key holding a card number (the lenient profile takes one) is kept and matched in its card-safe form.
  const key = cardSafeId(claim.key);
  const found = partition.claimIdempotencyKey(scope, key, claim.request, claim.now);
  switch (found.kind) {
    case 'conflict':
      throw apiError('409001');
    case 'in-progress':
      throw apiError('409002');
    case 'replay':
      return { kind: 'replay', response: found.response };
    case 'new':
      break;
  }
  try {
    const result = await action();
    partition.completeIdempotencyKey(scope, key, toStored(result));
    return { kind: 'done', result };
  } catch (error) {
    // Operations validate before they change state, so a throw means nothing was applied: release the key so a
    // corrected request may use it.
    partition.completeIdempotencyKey(scope, key, null);
    throw error;
  }
}
