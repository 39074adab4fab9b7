// What a scenario's templates can read: the request, the order it is about (settled to now, looked up only when a
// template reads it), a fresh UUID and the virtual time.

import type { VirtualClock } from '../domain/clock.js';
import { type Order, orderView } from '../domain/order-states.js';
import type { Store } from '../domain/store.js';
import type { Ctx, Reply } from '../http/types.js';
import { redact, redactHeaders, redactPath } from '../support/redact.js';
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
    request: redactedRequest(ctx),
    order: () => {
      if (!needsOrder) return null;
      if (order === undefined) {
        const found = findOrderFor(ctx, handled);
        if (found) deps.store.settle(found, deps.clock.now());
        order = found ? orderView(found) : null;
      }
      return order;
    },
    // The mock's own answer (a token it issued, an order it created): what a recorded answer's secrets are replaced by.
    applied: () => (handled ? { status: handled.status ?? 200, body: handled.body } : null),
    uuid: () => ctx.session.data.uuid(),
    now: () => new Date(deps.clock.now()).toISOString(),
  };
}

/**
 * The request as templates read it: every part redacted like the journal keeps it (key rules for named fields and
 * headers, text rules for strings, card-like numbers masked, the path checked decoded), so a scenario that echoes a
 * request value never answers card data or a secret, whatever the profile. Each part is redacted when a template
 * first reads it.
 */
function redactedRequest(ctx: Ctx): TemplateScope['request'] {
  const parts = new Map<string, unknown>();
  const once = <T>(name: string, make: () => T): T => {
    if (!parts.has(name)) parts.set(name, make());
    return parts.get(name) as T;
  };
  return {
    method: ctx.req.method,
    get path() {
      return once('path', () => redactPath(ctx.req.path));
    },
    get params() {
      return once('params', () => redact(ctx.params) as Record<string, string>);
    },
    get query() {
      return once('query', () => redact(ctx.query) as Record<string, unknown>);
    },
    get headers() {
      return once('headers', () => redactHeaders(ctx.req.headers));
    },
    get body() {
      return once('body', () => redact(ctx.body));
    },
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
