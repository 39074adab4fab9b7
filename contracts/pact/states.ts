// Provider states of the reference client's pacts: one sentence each, mapped one to one to a set-up function.
// The set-up goes through the public API with the reference client (evaluate with the observed sandbox card,
// refund), so the same table prepares the in-process mock, a mock in another process and the real sandbox alike.
// Each set-up returns the ids the interaction's request takes (`fromProviderState('${orderId}')`).

import { randomUUID } from 'node:crypto';
import type { StateHandlers } from '@pact-foundation/pact/src/dsl/verifier/proxy/types.js';
import type { EvaluateInput, FlexFactorClient } from '../client/index.js';

export type { StateHandlers };

/** The sentences, as the consumer tests write them in `given(...)`. */
export const STATES = {
  tokenExpired: 'the access token has expired',
  authorizedOrder: 'an authorized order is waiting for capture',
  approvedOrder: 'an approved order exists',
  refundedOrder: 'an approved order has been refunded in full',
} as const;

/** Parameters a state takes (`given(STATES.authorizedOrder, { amount: 1500, currency: 'USD' })`). */
export interface OrderStateParams {
  /** Integer cents (default 1500). */
  amount?: number;
  currency?: string;
}

export interface StateTarget {
  /** A client of the provider under verification, with the credentials the verification uses. */
  client: FlexFactorClient;
  /** Let the next provider request keep the Authorization header the pact recorded (an expired token). */
  keepNextAuthorization(): void;
}

/**
 * The card the real sandbox was observed to answer CAPTUREREQUIRED for (CIT, transactionType AUTHORIZATION) and
 * APPROVED for (MIT without expiryDateUtc); the mock's outcome table reproduces both.
 */
const OBSERVED_CARD = '4000002760003184';

/** The state-handler table for the Pact verifier. */
export function stateHandlers(target: StateTarget): StateHandlers {
  return {
    [STATES.tokenExpired]: async () => {
      target.keepNextAuthorization();
      return undefined;
    },
    [STATES.authorizedOrder]: async (params: unknown) => {
      const { orderId, externalOrderId } = await createOrder(target, 'CAPTUREREQUIRED', params);
      return { orderId, externalOrderId };
    },
    [STATES.approvedOrder]: async (params: unknown) => {
      const { orderId, externalOrderId } = await createOrder(target, 'APPROVED', params);
      return { orderId, externalOrderId };
    },
    [STATES.refundedOrder]: async (params: unknown) => {
      const order = await createOrder(target, 'APPROVED', params);
      const refund = await target.client.refund(order.orderId, {
        amountToRefund: order.amount / 100,
        refundMessage: 'Pact provider state: refunded in full',
      });
      if (refund.status !== 'SUCCESS') {
        throw new Error(`the full refund answered ${refund.status} ${refund.responseCode ?? ''}`.trim());
      }
      return { orderId: order.orderId, externalOrderId: order.externalOrderId };
    },
  };
}

async function createOrder(
  target: StateTarget,
  wanted: 'CAPTUREREQUIRED' | 'APPROVED',
  params: unknown,
): Promise<{ orderId: string; externalOrderId: string; amount: number }> {
  const { amount = 1500, currency = 'USD' } = (params ?? {}) as OrderStateParams;
  const externalOrderId = `PACT-${randomUUID()}`;
  const authorization = wanted === 'CAPTUREREQUIRED';
  const request: EvaluateInput = {
    isDeclined: true,
    // CIT authorization → CAPTUREREQUIRED; MIT without expiryDateUtc → APPROVED (both observed on the sandbox).
    isMIT: !authorization,
    isRecurring: false,
    transactionType: authorization ? 'AUTHORIZATION' : 'PURCHASE',
    orderId: externalOrderId,
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
    paymentMethod: { cardNumber: OBSERVED_CARD, token: false, expirationMonth: 9, expirationYear: 2030 },
  };
  const decision = await target.client.evaluate(request);
  if (decision.status !== wanted) {
    throw new Error(
      `evaluate answered ${decision.status} where this state needs ${wanted} ` +
        `(card ${OBSERVED_CARD}, ${authorization ? 'CIT, transactionType AUTHORIZATION' : 'MIT, no expiryDateUtc'})`,
    );
  }
  return { orderId: decision.orderId, externalOrderId, amount };
}
