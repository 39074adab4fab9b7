// The evaluate operation over the store: validate what the schema cannot, decide the outcome from the outcome table
// (mock/domain/outcomes.ts), create the order and move it into its first status through the entry table below, then
// schedule its later fates. A retry of the same merchant orderId (Sync MIT re-sends it) answers the order's state.

import { apiError } from '../errors/catalog.js';
import { LEDGER_SLOT } from '../support/bounded.js';
import { cardSafeId, redactText } from '../support/redact.js';
import type { VirtualClock } from './clock.js';
import { parseInstant } from './dates.js';
import { none, ORDER_STATUS, type Order, type TransitionName } from './order-states.js';
import {
  cardBrand,
  decideOutcome,
  type EvaluateStatus,
  FATE_TIMING,
  findTestCard,
  type TestCardName,
} from './outcomes.js';
import type { Session, Store } from './store.js';

/** What order operations work with. */
export interface OrderDeps {
  store: Pick<Store, 'apply' | 'schedule' | 'settle'>;
  clock: Pick<VirtualClock, 'now'>;
  settings: { readonly captureWindowMs: number };
}

export interface EvaluateResult {
  orderId: string;
  status: EvaluateStatus;
}

/** Sandbox amount bounds in cents (documented: > 10 and < 20000). */
export const SANDBOX_AMOUNT = { exclusiveMin: 10, exclusiveMax: 20000 };
/** Managed MIT orders with no expiryDateUtc expire after the CRM default retry window (invented for the API). */
const DEFAULT_MIT_WINDOW_MS = 21 * FATE_TIMING.DAY;
/** Managed MIT orders leave Draft for Processing one minute after evaluate (invented). */
const PICK_UP_AFTER_MS = FATE_TIMING.MINUTE;

/** How a new order enters its first status, per evaluate answer: the transition, and what is scheduled with it. */
const ENTRY: Record<
  EvaluateStatus,
  {
    transition: TransitionName;
    /** Approved at once: captured in full, with a confirmation id. */
    approved?: true;
    scheduled?: { fate: 'pickUp' | 'autoVoid'; after: (settings: OrderDeps['settings']) => number };
  }
> = {
  APPROVED: { transition: 'approve', approved: true },
  DECLINED: { transition: 'decline' },
  CHALLENGE: { transition: 'presentChallenge' },
  SUBMITTED: { transition: 'submit', scheduled: { fate: 'pickUp', after: () => PICK_UP_AFTER_MS } },
  CAPTUREREQUIRED: {
    transition: 'requireCapture',
    scheduled: { fate: 'autoVoid', after: (settings) => settings.captureWindowMs },
  },
};

export function evaluateOrder(
  deps: OrderDeps,
  session: Session,
  mid: string,
  // biome-ignore lint/suspicious/noExplicitAny: the body validated against the contract's evaluate schema.
  body: any,
): EvaluateResult {
  const partition = session.partition(mid);
  const now = deps.clock.now();

  // A retry for an order we already have (Sync MIT re-sends the same orderId) answers with its current state.
  const existing = partition.orderByExternalId(String(body.orderId));
  if (existing) {
    deps.store.settle(existing, now);
    return { orderId: existing.id, status: currentEvaluateStatus(existing) };
  }

  // zipCode and zipcode both bind to zipCode, so the contract cannot mark either required; the API requires one.
  const billingZip = body.billingInformation?.zipCode;
  if (typeof billingZip !== 'string' || billingZip.trim() === '') {
    throw apiError('400001', {
      errors: { 'BillingInformation.ZipCode': ['The ZipCode field is required.'] },
    });
  }

  const amount = Number(body.transaction.amount);
  if (!(amount > SANDBOX_AMOUNT.exclusiveMin && amount < SANDBOX_AMOUNT.exclusiveMax)) {
    throw apiError('400004', {
      detail: `Got ${amount}.`,
      errors: {
        'Transaction.Amount': [
          'The amount must be greater than 10 and less than 20000 cents in the sandbox.',
        ],
      },
    });
  }

  let expiry: number | null = null;
  if (body.expiryDateUtc !== undefined && body.expiryDateUtc !== null) {
    expiry = parseInstant(String(body.expiryDateUtc));
    if (body.expiryDateUtc === '' || !Number.isFinite(expiry)) {
      // Observed wording for an empty or unparsable value.
      throw apiError('400001', { errors: { ExpiryDateUtc: ['The field ExpiryDateUtc is invalid.'] } });
    }
  }

  const method = body.paymentMethod as { cardNumber: string; token?: boolean };
  let testCard: TestCardName | null;
  let bin: string | null = null;
  let last4: string | null = null;
  let brand: string | null = null;
  if (method.token === true) {
    const vaulted = partition.cards.get(method.cardNumber);
    if (!vaulted) {
      throw apiError('400006', {
        errors: { 'PaymentMethod.CardNumber': ['No card was tokenized with this token for this merchant.'] },
      });
    }
    testCard = vaulted.testCard;
    bin = vaulted.firstSix.slice(0, 6);
    last4 = vaulted.lastFour;
    brand = vaulted.brand;
  } else {
    const digits = String(method.cardNumber).replace(/[\s-]/g, '');
    testCard = findTestCard(digits);
    // A card that is not whitelisted is declined without keeping or echoing any of its digits.
    if (testCard !== null) {
      bin = digits.slice(0, 6);
      last4 = digits.slice(-4);
      brand = cardBrand(digits);
    }
  }

  const isMIT = body.isMIT === true;
  const rule = decideOutcome({
    card: testCard,
    isMIT,
    authorization: /^authori[sz]ation$/i.test(String(body.transactionType ?? '')),
    expiry: expiry !== null,
    phone: typeof body.payer?.phone === 'string' && body.payer.phone.trim() !== '',
  });

  const data = session.data;
  const billing = body.billingInformation ?? {};
  const shipping = body.shippingInformation;
  const order: Order = {
    id: data.uuid(),
    session: session.name,
    mid,
    // The lenient profile accepts a card number here; the store must not keep it (Partition looks it up so too).
    externalOrderId: cardSafeId(String(body.orderId)),
    correlationId: kept(body.correlationId),
    referenceNumber: redactText(String(body.transaction.id)),
    status: ORDER_STATUS.DRAFT,
    reason: 'submitted',
    evaluateStatus: rule.status,
    createdOn: now,
    expiryDate: expiry,
    isMIT,
    isRecurring: body.isRecurring === true,
    transactionType: /^authori[sz]ation$/i.test(String(body.transactionType ?? ''))
      ? 'AUTHORIZATION'
      : 'PURCHASE',
    amount,
    currencyCode: keptCurrency(body.transaction.currency),
    capturedAmount: 0,
    refundedAmount: 0,
    billingAddress: address(billing),
    shippingAddress: shipping ? address(shipping) : null,
    firstName: kept(billing.firstName),
    lastName: kept(billing.lastName),
    email: kept(body.payer?.email),
    phone: kept(body.payer?.phone),
    card: { bin, last4, brand, tokenized: method.token === true },
    confirmationId: null,
    chargeback: false,
    history: none(),
    refunds: none(),
    schedule: none(),
    [LEDGER_SLOT]: -1,
  };
  partition.addOrder(order);

  const entry = ENTRY[rule.status];
  if (entry.approved) {
    order.capturedAmount = amount;
    order.confirmationId = data.confirmationId();
  }
  deps.store.apply(order, entry.transition, now);
  if (entry.scheduled) {
    deps.store.schedule(session, order, now + entry.scheduled.after(deps.settings), entry.scheduled.fate);
  }
  const deadline = expiry ?? now + DEFAULT_MIT_WINDOW_MS;
  for (const fate of rule.fates) {
    // Managed MIT: a fate never lands later than expiryDateUtc.
    const at = fate.after === 'expiry' ? deadline : Math.min(now + fate.after, deadline);
    deps.store.schedule(session, order, at, fate.kind);
  }
  if (
    order.confirmationId === null &&
    rule.fates.some((f) => f.kind === 'complete' || f.kind === 'challengePass')
  ) {
    order.confirmationId = data.confirmationId();
  }
  return { orderId: order.id, status: rule.status };
}

/** The evaluate vocabulary for an order that already exists (a retry of the same merchant orderId). */
function currentEvaluateStatus(order: Order): EvaluateStatus {
  switch (order.status) {
    case ORDER_STATUS.COMPLETED:
    case ORDER_STATUS.RETURNED:
      return 'APPROVED';
    case ORDER_STATUS.CAPTUREREQUIRED:
      return 'CAPTUREREQUIRED';
    case ORDER_STATUS.CANCELLED:
      return 'DECLINED';
    default:
      return order.evaluateStatus === 'CHALLENGE' ? 'CHALLENGE' : 'SUBMITTED';
  }
}

/**
 * A request string as the order keeps it: redacted, because GET /v1/orders answers it back and the policy is that no
 * answer echoes card data. Only the merchant's orderId is kept as sent (it is the lookup key; docs/security.md).
 */
function kept(value: unknown): string | null {
  return typeof value === 'string' ? redactText(value) : null;
}

/**
 * A currency as an order keeps it: redacted as sent, and upper-cased only when redaction left it unchanged (GET
 * /v1/orders and webhooks answer it back, and `currencySymbol` falls back to it). Redaction comes first because known
 * secrets, `sk_test_…` keys and `eyJ…` tokens are recognized in their own letter case: upper-cased first, they would
 * be kept. Capture compares its request's currency in this same form, so `usd` still matches `USD`.
 */
export function keptCurrency(value: unknown): string {
  const text = String(value);
  const safe = redactText(text);
  return safe === text ? text.toUpperCase() : safe;
}

/** An address from the fields of a body or a stored order, redacted like every kept string: anything but a string
 * reads as null. */
export function address(source: Record<string, unknown>): Order['billingAddress'] {
  return {
    addressLine1: kept(source.addressLine1),
    addressLine2: kept(source.addressLine2),
    city: kept(source.city),
    state: kept(source.state),
    zipCode: kept(source.zipCode ?? source.zipcode),
    country: kept(source.country),
    countryCode: kept(source.countryCode),
  };
}
