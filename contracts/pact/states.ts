// Provider states: one sentence each, mapped one to one to a set-up function. Every set-up goes through the public
// API with the reference client (evaluate with a test card, capture, refund, cancel), so the same table prepares the
// in-process mock, a mock in another process and the real sandbox alike. The few states the public API cannot
// reach (a capture window that ran out, an expired token) also need the mock's engine, which the verifier and the
// admin endpoint hand over when the provider is a mock. Each set-up returns the values the interaction's request
// takes (`fromProviderState('${orderId}')`).

import { randomUUID } from 'node:crypto';
import { TEST_CARDS } from '../../mock/domain/outcomes.js';
import type { MockParts } from '../../mock/http/mock-parts.js';
import type { EvaluateInput, FlexFactorClient } from '../client/index.js';

// pact-js's own shapes for `stateHandlers`, declared here rather than imported: the main entry re-exports this
// module's types, and a TypeScript consumer without the optional Pact package (skipLibCheck false) must still
// compile them. verify.ts hands these handlers to pact-js, so the compiler keeps both shapes in step.
type JsonValue = boolean | number | string | null | JsonValue[] | JsonMap;
interface JsonMap {
  [key: string]: JsonValue;
}
type StateFunc = (parameters?: JsonValue) => Promise<JsonMap | undefined>;
export interface StateHandlers {
  [name: string]: StateFunc | { setup?: StateFunc; teardown?: StateFunc };
}

/** The sentences, as the consumer tests write them in `given(...)`. */
export const STATES = {
  tokenExpired: 'the access token has expired',
  authorizedOrder: 'an authorized order is waiting for capture',
  approvedOrder: 'an approved order exists',
  refundedOrder: 'an approved order has been refunded in full',
} as const;

/** More states for integrators' pacts; the reference client's pacts do not use them. */
export const MORE_STATES = {
  capturedOrder: 'a captured order is completed',
  challengeOrder: 'an order is waiting for a challenge',
  submittedOrder: 'a managed MIT order is submitted',
  cancelledOrder: 'an order has been cancelled',
  partiallyRefundedOrder: 'an approved order has been partially refunded',
  declinedOrder: 'an order was declined',
  captureWindowExpired: 'the capture window of an authorized order has expired',
  expiredToken: 'an expired access token',
  invalidCredentials: 'the credentials are invalid',
} as const;

/** Parameters an order state takes (`given(STATES.authorizedOrder, { amount: 1500, currency: 'USD' })`). */
export interface OrderStateParams {
  /** Integer cents (default 1500). */
  amount?: number;
  currency?: string;
}

export interface StateTarget {
  /** A client of the provider under verification, with the credentials the verification uses. */
  client: FlexFactorClient;
  /** Let the next provider request keep the Authorization header the pact recorded (an expired token). */
  keepNextAuthorization?(): void;
  /** The mock behind the client, when the provider is one (absent for another base URL). */
  mock?: { engine: MockParts; session: string; mid: string };
}

/** A state's set-up: receives the state's params, returns values for the interaction (or nothing). */
export type StateSetup = (
  params: Record<string, unknown>,
  target: StateTarget,
) => Promise<Record<string, unknown> | undefined> | Record<string, unknown> | undefined;

/** State sentence → set-up (or set-up and teardown). User-defined tables have this shape too (`--states`, `stateHandlers`). */
export type StateTable = Record<string, StateSetup | { setup?: StateSetup; teardown?: StateSetup }>;

/**
 * The card the real sandbox was observed to answer CAPTUREREQUIRED for (CIT, transactionType AUTHORIZATION) and
 * APPROVED for (MIT without expiryDateUtc); the mock's outcome table reproduces both.
 */
const OBSERVED_CARD = TEST_CARDS.visaAuthorization;

type Wanted = 'CAPTUREREQUIRED' | 'APPROVED' | 'CHALLENGE' | 'SUBMITTED' | 'DECLINED';

const ids = (o: { orderId: string; externalOrderId: string }) => ({
  orderId: o.orderId,
  externalOrderId: o.externalOrderId,
});

/** The built-in states, every one of them. */
export const BUILT_IN_STATES: StateTable = {
  [STATES.tokenExpired]: (_params, target) => {
    target.keepNextAuthorization?.();
    return undefined;
  },
  [STATES.authorizedOrder]: async (params, target) =>
    ids(await createOrder(target, 'CAPTUREREQUIRED', params)),
  [STATES.approvedOrder]: async (params, target) => ids(await createOrder(target, 'APPROVED', params)),
  [STATES.refundedOrder]: async (params, target) => {
    const order = await createOrder(target, 'APPROVED', params);
    await refund(target, order.orderId, order.amount);
    return ids(order);
  },
  [MORE_STATES.capturedOrder]: async (params, target) => {
    const order = await createOrder(target, 'CAPTUREREQUIRED', params);
    const capture = await target.client.capture({
      orderId: order.orderId,
      amount: order.amount,
      currency: order.currency,
    });
    if (capture.status !== 'SUCCESS') throw new Error(`the capture answered ${capture.status}`);
    return ids(order);
  },
  [MORE_STATES.challengeOrder]: async (params, target) => ids(await createOrder(target, 'CHALLENGE', params)),
  [MORE_STATES.submittedOrder]: async (params, target) => ids(await createOrder(target, 'SUBMITTED', params)),
  [MORE_STATES.cancelledOrder]: async (params, target) => {
    const order = await createOrder(target, 'CAPTUREREQUIRED', params);
    await target.client.cancel(order.orderId);
    return ids(order);
  },
  [MORE_STATES.partiallyRefundedOrder]: async (params, target) => {
    const order = await createOrder(target, 'APPROVED', params);
    const refunded = Math.floor(order.amount / 2);
    await refund(target, order.orderId, refunded);
    return {
      ...ids(order),
      refundedAmount: refunded / 100,
      remainingAmount: (order.amount - refunded) / 100,
    };
  },
  [MORE_STATES.declinedOrder]: async (params, target) => ids(await createOrder(target, 'DECLINED', params)),
  [MORE_STATES.captureWindowExpired]: async (params, target) => {
    const order = await createOrder(target, 'CAPTUREREQUIRED', params);
    const mock = needMock(target, MORE_STATES.captureWindowExpired);
    // The public API cannot make time pass for one order only; the state machine's own transition can.
    const stored = mock.engine.store.session(mock.session).partition(mock.mid).orders.get(order.orderId);
    if (!stored) throw new Error(`order ${order.orderId} is not in session ${mock.session}`);
    mock.engine.store.apply(stored, 'autoVoid', mock.engine.clock.now());
    return ids(order);
  },
  [MORE_STATES.expiredToken]: async (_params, target) => {
    target.keepNextAuthorization?.();
    const mock = needMock(target, MORE_STATES.expiredToken);
    const account = mock.engine.accounts.accounts.find((a) => a.mid === mock.mid);
    if (!account) throw new Error(`no account with MID ${mock.mid}`);
    // Signed by the mock's own token service (its key is private to it), issued eleven minutes ago: valid, but expired.
    const issued = await mock.engine.tokens.issue(
      account,
      mock.engine.store.session(mock.session).data,
      mock.engine.clock.now() - 11 * 60_000,
    );
    return { accessToken: issued.accessToken, authorization: `Bearer ${issued.accessToken}` };
  },
  [MORE_STATES.invalidCredentials]: () => ({
    appKey: 'not-a-valid-app-key',
    appSecret: 'not-a-valid-app-secret',
  }),
};

/**
 * Set-up functions for pact-js's Verifier (`stateHandlers`), from a table bound to one target.
 * @example
 * new Verifier({ providerBaseUrl, pactUrls, stateHandlers: stateHandlers({ client }) });
 */
export function stateHandlers(target: StateTarget, table: StateTable = BUILT_IN_STATES): StateHandlers {
  const handlers: StateHandlers = {};
  const bind =
    (setup: StateSetup | undefined) =>
    async (params: unknown): Promise<JsonMap | undefined> =>
      ((setup ? await setup((params ?? {}) as Record<string, unknown>, target) : undefined) ?? undefined) as
        | JsonMap
        | undefined;
  for (const [state, entry] of Object.entries(table)) {
    handlers[state] =
      typeof entry === 'function'
        ? bind(entry)
        : { setup: bind(entry.setup), teardown: bind(entry.teardown) };
  }
  return handlers;
}

function needMock(target: StateTarget, state: string): NonNullable<StateTarget['mock']> {
  if (!target.mock) throw new Error(`"${state}" can only be set up on the mock (it needs the mock's engine)`);
  return target.mock;
}

async function refund(target: StateTarget, orderId: string, cents: number): Promise<void> {
  const refund = await target.client.refund(orderId, {
    amountToRefund: cents / 100,
    refundMessage: 'Pact provider state',
  });
  if (refund.status !== 'SUCCESS') {
    throw new Error(`the refund answered ${refund.status} ${refund.responseCode ?? ''}`.trim());
  }
}

/** Which card and flow the outcome table answers each wanted status for. */
const RECIPES: Record<Wanted, { card: string; isMIT: boolean; authorization: boolean; expiry: boolean }> = {
  // CIT authorization → CAPTUREREQUIRED; MIT without expiryDateUtc → APPROVED (both observed on the sandbox).
  CAPTUREREQUIRED: { card: OBSERVED_CARD, isMIT: false, authorization: true, expiry: false },
  APPROVED: { card: OBSERVED_CARD, isMIT: true, authorization: false, expiry: false },
  // MIT with expiryDateUtc → SUBMITTED (a managed MIT, observed).
  SUBMITTED: { card: OBSERVED_CARD, isMIT: true, authorization: false, expiry: true },
  CHALLENGE: { card: TEST_CARDS.challenge, isMIT: false, authorization: false, expiry: false },
  DECLINED: { card: TEST_CARDS.visaDeclined, isMIT: false, authorization: false, expiry: false },
};

async function createOrder(
  target: StateTarget,
  wanted: Wanted,
  params: unknown,
): Promise<{ orderId: string; externalOrderId: string; amount: number; currency: string }> {
  const { amount = 1500, currency = 'USD' } = (params ?? {}) as OrderStateParams;
  const recipe = RECIPES[wanted];
  const externalOrderId = `PACT-${randomUUID()}`;
  const request: EvaluateInput = {
    isDeclined: true,
    isMIT: recipe.isMIT,
    isRecurring: false,
    transactionType: recipe.authorization ? 'AUTHORIZATION' : 'PURCHASE',
    orderId: externalOrderId,
    ...(recipe.expiry ? { expiryDateUtc: new Date(Date.now() + 7 * 86_400_000).toISOString() } : {}),
    transaction: {
      id: randomUUID(),
      amount,
      currency,
      timestampUtc: new Date().toISOString(),
      responseCode: '05',
      responseCodeSource: 'NMI',
      avsResultCode: 'M',
      cvvResultCode: 'M',
      cavvResultCode: 'NA',
    },
    payer: { email: 'pact-provider-state@example.com', phone: '998888' },
    billingInformation: {
      firstName: 'Cure',
      lastName: 'Tester',
      country: 'United States',
      countryCode: 'US',
      addressLine1: '123 Main St.',
      city: 'San Francisco',
      state: 'CA',
      zipCode: '94111',
    },
    paymentMethod: { cardNumber: recipe.card, token: false, expirationMonth: 9, expirationYear: 2030 },
  };
  const decision = await target.client.evaluate(request);
  if (decision.status !== wanted) {
    throw new Error(
      `evaluate answered ${decision.status} where this state needs ${wanted} ` +
        `(card ending ${recipe.card.slice(-4)}, ${recipe.isMIT ? 'MIT' : 'CIT'}, ${request.transactionType}${recipe.expiry ? ', expiryDateUtc' : ''})`,
    );
  }
  return { orderId: decision.orderId, externalOrderId, amount, currency };
}
