// What a scenario's `state` block does, per operation, registered by the domain: which operation issues tokens (so
// `nextToken` can fail it) and which creates orders (so `evaluateAs` can put a test card in its request and `fate` can
// replace the created order's later fate). The scenario engine names no operation itself.

import type { Ctx, Reply } from '../http/types.js';

export interface OperationEffects {
  /** A `state.nextToken` fails this operation's requests. */
  issuesToken?: true;
  /** `state.evaluateAs` and `state.fate` apply to this operation. */
  createsOrder?: {
    /** Put this card number in the request instead of its card or token; true when a token was replaced. */
    useCard(ctx: Ctx, cardNumber: string): boolean;
    /** The id of the order an answer created. */
    createdOrderId(reply: Reply): string | undefined;
  };
}

export const SCENARIO_EFFECTS: Readonly<Record<string, OperationEffects>> = {
  createToken: { issuesToken: true },
  evaluate: {
    createsOrder: {
      useCard,
      createdOrderId: (reply) => {
        const id = (reply.body as { orderSessionKey?: unknown } | undefined)?.orderSessionKey;
        return typeof id === 'string' ? id : undefined;
      },
    },
  },
};

/** Evaluate as if paid with a test card: a copy of the body with the card replaced (the journal keeps what was sent). */
function useCard(ctx: Ctx, number: string): boolean {
  const body = ctx.body;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  const keyOf = (o: Record<string, unknown>, name: string) =>
    Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
  const pmKey = keyOf(body, 'paymentMethod');
  const current = body[pmKey];
  const method: Record<string, unknown> =
    current !== null && typeof current === 'object' ? { ...(current as Record<string, unknown>) } : {};
  const tokenKey = keyOf(method, 'token');
  const wasToken = method[tokenKey] === true;
  method[keyOf(method, 'cardNumber')] = number;
  method[tokenKey] = false;
  ctx.body = { ...body, [pmKey]: method };
  return wasToken;
}
