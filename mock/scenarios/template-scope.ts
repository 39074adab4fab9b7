// What a scenario's templates can read: the request, the order it is about (settled to now, looked up only when a
// template reads it), a fresh UUID and the virtual time.

import type { VirtualClock } from '../domain/clock.js';
import { type Order, orderView } from '../domain/order-states.js';
import type { Store } from '../domain/store.js';
import type { Ctx, Reply } from '../http/types.js';
import { readPath } from './matcher.js';
import type { TemplateScope } from './responder.js';

export function templateScope(
  ctx: Ctx,
  handled: Reply | null,
  needsOrder: boolean,
  deps: { store: Pick<Store, 'settle'>; clock: Pick<VirtualClock, 'now'> },
): TemplateScope {
  let order: Record<string, unknown> | null | undefined;
  return {
    request: {
      method: ctx.req.method,
      path: ctx.req.path,
      params: ctx.params,
      query: ctx.query,
      headers: ctx.req.headers,
      body: ctx.body,
    },
    order: () => {
      if (!needsOrder) return null;
      if (order === undefined) {
        const found = findOrderFor(ctx, handled);
        if (found) deps.store.settle(found, deps.clock.now());
        order = found ? orderView(found) : null;
      }
      return order;
    },
    uuid: () => ctx.session.data.uuid(),
    now: () => new Date(deps.clock.now()).toISOString(),
  };
}

/** The order a request names (path, body, or the handler's answer), in any merchant the caller may act for. */
function findOrderFor(ctx: Ctx, handled: Reply | null): Order | undefined {
  const account = ctx.account;
  if (!account) return undefined;
  const ids = [
    ctx.params.id,
    ctx.params.externalOrderId,
    readPath(ctx.body, ['orderId']),
    readPath(ctx.body, ['orderSessionKey']),
    readPath(handled?.body, ['orderSessionKey']),
  ].filter((v): v is string => typeof v === 'string' && v !== '');
  for (const mid of [account.mid, ...account.partnerFor]) {
    const partition = ctx.session.partition(mid);
    for (const id of ids) {
      const order = partition.orders.get(id) ?? partition.orderByExternalId(id);
      if (order) return order;
    }
  }
  return undefined;
}
