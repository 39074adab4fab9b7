// Test cards and the outcome table: the one place that decides what /v1/evaluate answers and what later happens to
// the order. Data, not ifs: the first row whose conditions match wins. The README section on test cards is
// generated from these tables (npm run docs), and the package exports TEST_CARDS for users' tests.

export type Provenance = 'documented' | 'observed' | 'invented';
export type EvaluateStatus = 'APPROVED' | 'DECLINED' | 'CHALLENGE' | 'SUBMITTED' | 'CAPTUREREQUIRED';

/**
 * What can happen to an order after evaluate, driven by the virtual clock (a scenario's `state.fate.kind` too):
 * complete (order.completed), expire (a managed MIT not rescued by expiryDateUtc), cancel (by FlexFactor), refund
 * (e.g. through the portal), chargeback (payment.chargeback.received), challengePass (the shopper passes, then the
 * order completes), challengeFail (the shopper fails, the order is declined).
 */
export const FATE_KINDS = [
  'complete',
  'expire',
  'cancel',
  'refund',
  'chargeback',
  'challengePass',
  'challengeFail',
] as const;
export type FateKind = (typeof FATE_KINDS)[number];

export interface Fate {
  kind: FateKind;
  /** Delay after evaluate, in ms of virtual time; `expiry` = exactly at expiryDateUtc. */
  after: number | 'expiry';
}

export interface TestCard {
  number: string;
  brand: 'VISA' | 'MASTERCARD';
  cvv: string;
  source: Provenance;
  summary: string;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Whitelisted test cards. Numbers of the `invented` ones are Luhn-valid numbers from a BIN range we chose. */
export const TEST_CARD_DETAILS = {
  visa: {
    number: '4111111111111111',
    brand: 'VISA',
    cvv: '999',
    source: 'observed',
    summary:
      'The sandbox card from the docs: CIT with payer.phone → CHALLENGE, without → DECLINED; MIT → SUBMITTED.',
  },
  visaAuthorization: {
    number: '4000002760003184',
    brand: 'VISA',
    cvv: '123',
    source: 'observed',
    summary:
      'The sandbox MIT card: CIT authorization → CAPTUREREQUIRED; MIT → APPROVED, or SUBMITTED with expiryDateUtc.',
  },
  visaDeclined: {
    number: '4000300011112220',
    brand: 'VISA',
    cvv: '123',
    source: 'documented',
    summary: 'Named as the declined card in public integration tests → DECLINED.',
  },
  mastercard: {
    number: '51002600235851',
    brand: 'MASTERCARD',
    cvv: '123',
    source: 'documented',
    summary: 'Braintree-documented success card (14 digits as printed) → APPROVED.',
  },
  approved: {
    number: '4000009900000012',
    brand: 'VISA',
    cvv: '123',
    source: 'invented',
    summary: 'APPROVED for CIT and sync MIT; managed MIT → SUBMITTED, completed after 1 hour.',
  },
  declined: {
    number: '4000009900000020',
    brand: 'VISA',
    cvv: '123',
    source: 'invented',
    summary: 'DECLINED for every flow.',
  },
  challenge: {
    number: '4000009900000038',
    brand: 'VISA',
    cvv: '123',
    source: 'invented',
    summary: 'CHALLENGE for CIT and MIT; the shopper passes after 5 minutes and the order completes.',
  },
  challengeFailed: {
    number: '4000009900000046',
    brand: 'VISA',
    cvv: '123',
    source: 'invented',
    summary: 'CHALLENGE; the shopper fails after 5 minutes and the order is declined (Cancelled).',
  },
  submitted: {
    number: '4000009900000053',
    brand: 'VISA',
    cvv: '123',
    source: 'invented',
    summary: 'SUBMITTED for CIT and MIT; completed after 1 hour (never later than expiryDateUtc).',
  },
  expires: {
    number: '4000009900000061',
    brand: 'VISA',
    cvv: '123',
    source: 'invented',
    summary: 'SUBMITTED; never rescued, expires at expiryDateUtc (21 days when none is given).',
  },
  cancelledByFlexFactor: {
    number: '4000009900000079',
    brand: 'VISA',
    cvv: '123',
    source: 'invented',
    summary: 'SUBMITTED; FlexFactor cancels the order after 2 hours.',
  },
  captureRequired: {
    number: '4000009900000087',
    brand: 'VISA',
    cvv: '123',
    source: 'invented',
    summary:
      'CAPTUREREQUIRED for CIT and MIT, whatever transactionType says; auto-voids after the capture window.',
  },
  refunded: {
    number: '4000009900000095',
    brand: 'VISA',
    cvv: '123',
    source: 'invented',
    summary: 'APPROVED; fully refunded by FlexFactor (e.g. from the portal) 1 day later.',
  },
  chargeback: {
    number: '4000009900000103',
    brand: 'VISA',
    cvv: '123',
    source: 'invented',
    summary: 'APPROVED; the issuer files a chargeback 1 day later.',
  },
} as const satisfies Record<string, TestCard>;

export type TestCardName = keyof typeof TEST_CARD_DETAILS;

/** Test card numbers by name, for users' tests: `TEST_CARDS.challenge`. */
export const TEST_CARDS = Object.fromEntries(
  Object.entries(TEST_CARD_DETAILS).map(([name, card]) => [name, card.number]),
) as { readonly [K in TestCardName]: (typeof TEST_CARD_DETAILS)[K]['number'] };

/** The inputs of evaluate the table looks at. */
export interface OutcomeInput {
  /** The test card behind the request (raw number or vaulted token), or null for a card that is not whitelisted. */
  card: TestCardName | null;
  isMIT: boolean;
  /** Root transactionType is AUTHORIZATION (case-insensitive). */
  authorization: boolean;
  /** expiryDateUtc is present (managed MIT). */
  expiry: boolean;
  /** payer.phone is present and not empty. */
  phone: boolean;
}

export interface OutcomeRule {
  card: TestCardName | 'any-test-card' | 'not-whitelisted';
  when: Partial<Omit<OutcomeInput, 'card'>>;
  status: EvaluateStatus;
  fates: Fate[];
  source: Provenance;
  note: string;
}

const completeSoon: Fate[] = [{ kind: 'complete', after: HOUR }];

/** First match wins. Conditions not named in `when` match anything. */
export const OUTCOME_RULES: readonly OutcomeRule[] = [
  // Observed on the real sandbox (fact sheet §4.3).
  {
    card: 'visa',
    when: { isMIT: false, phone: true },
    status: 'CHALLENGE',
    fates: [{ kind: 'challengePass', after: 5 * MINUTE }],
    source: 'observed',
    note: 'CIT with payer.phone',
  },
  {
    card: 'visa',
    when: { isMIT: false, phone: false },
    status: 'DECLINED',
    fates: [],
    source: 'observed',
    note: 'CIT without payer.phone',
  },
  {
    card: 'visa',
    when: { isMIT: true, expiry: true },
    status: 'SUBMITTED',
    fates: completeSoon,
    source: 'observed',
    note: 'managed MIT (fate invented)',
  },
  {
    card: 'visa',
    when: { isMIT: true, expiry: false },
    status: 'DECLINED',
    fates: [],
    source: 'invented',
    note: 'sync MIT',
  },
  {
    card: 'visaAuthorization',
    when: { isMIT: false, authorization: true },
    status: 'CAPTUREREQUIRED',
    fates: [],
    source: 'observed',
    note: 'CIT, transactionType AUTHORIZATION',
  },
  {
    card: 'visaAuthorization',
    when: { isMIT: false, authorization: false },
    status: 'APPROVED',
    fates: [],
    source: 'invented',
    note: 'CIT purchase',
  },
  {
    card: 'visaAuthorization',
    when: { isMIT: true, expiry: false },
    status: 'APPROVED',
    fates: [],
    source: 'observed',
    note: 'sync MIT, no expiryDateUtc',
  },
  {
    card: 'visaAuthorization',
    when: { isMIT: true, expiry: true },
    status: 'SUBMITTED',
    fates: completeSoon,
    source: 'observed',
    note: 'managed MIT (fate invented)',
  },
  { card: 'visaDeclined', when: {}, status: 'DECLINED', fates: [], source: 'documented', note: 'any flow' },
  {
    card: 'mastercard',
    when: { isMIT: true, expiry: true },
    status: 'SUBMITTED',
    fates: completeSoon,
    source: 'invented',
    note: 'managed MIT',
  },
  {
    card: 'mastercard',
    when: {},
    status: 'APPROVED',
    fates: [],
    source: 'documented',
    note: 'any other flow',
  },
  // Invented extension: every status and every later fate, deliberately reachable.
  {
    card: 'approved',
    when: { isMIT: true, expiry: true },
    status: 'SUBMITTED',
    fates: completeSoon,
    source: 'invented',
    note: 'managed MIT',
  },
  { card: 'approved', when: {}, status: 'APPROVED', fates: [], source: 'invented', note: 'CIT and sync MIT' },
  { card: 'declined', when: {}, status: 'DECLINED', fates: [], source: 'invented', note: 'any flow' },
  {
    card: 'challenge',
    when: {},
    status: 'CHALLENGE',
    fates: [{ kind: 'challengePass', after: 5 * MINUTE }],
    source: 'invented',
    note: 'any flow; MIT challenges are invented',
  },
  {
    card: 'challengeFailed',
    when: {},
    status: 'CHALLENGE',
    fates: [{ kind: 'challengeFail', after: 5 * MINUTE }],
    source: 'invented',
    note: 'any flow',
  },
  {
    card: 'submitted',
    when: {},
    status: 'SUBMITTED',
    fates: completeSoon,
    source: 'invented',
    note: 'any flow',
  },
  {
    card: 'expires',
    when: {},
    status: 'SUBMITTED',
    fates: [{ kind: 'expire', after: 'expiry' }],
    source: 'invented',
    note: 'any flow',
  },
  {
    card: 'cancelledByFlexFactor',
    when: {},
    status: 'SUBMITTED',
    fates: [{ kind: 'cancel', after: 2 * HOUR }],
    source: 'invented',
    note: 'any flow',
  },
  {
    card: 'captureRequired',
    when: {},
    status: 'CAPTUREREQUIRED',
    fates: [],
    source: 'invented',
    note: 'any flow',
  },
  {
    card: 'refunded',
    when: {},
    status: 'APPROVED',
    fates: [{ kind: 'refund', after: DAY }],
    source: 'invented',
    note: 'any flow',
  },
  {
    card: 'chargeback',
    when: {},
    status: 'APPROVED',
    fates: [{ kind: 'chargeback', after: DAY }],
    source: 'invented',
    note: 'any flow',
  },
  // Anything else.
  {
    card: 'not-whitelisted',
    when: {},
    status: 'DECLINED',
    fates: [],
    source: 'documented',
    note: 'lenient profile only; strict rejects the request',
  },
];

/** Decide the evaluate outcome: the first matching row of OUTCOME_RULES. */
export function decideOutcome(input: OutcomeInput): OutcomeRule {
  for (const rule of OUTCOME_RULES) {
    const cardMatches =
      rule.card === 'any-test-card'
        ? input.card !== null
        : rule.card === 'not-whitelisted'
          ? input.card === null
          : rule.card === input.card;
    if (!cardMatches) continue;
    const when = rule.when as Record<string, boolean | undefined>;
    const inputs = input as unknown as Record<string, boolean>;
    if (Object.entries(when).every(([k, v]) => v === undefined || inputs[k] === v)) return rule;
  }
  // The last row matches every non-whitelisted card and every test card has an unconditional row, so this is a bug.
  throw new Error(`outcome table has no row for ${JSON.stringify(input)}`);
}

const BY_NUMBER = new Map<string, TestCardName>(
  Object.entries(TEST_CARD_DETAILS).map(([name, card]) => [card.number, name as TestCardName]),
);

/** The test card a card number stands for (spaces and dashes ignored), or null. */
export function findTestCard(number: string): TestCardName | null {
  return BY_NUMBER.get(number.replace(/[\s-]/g, '')) ?? null;
}

/** Looks like a raw card number (as opposed to a vault token): 12–19 digits, spaces or dashes allowed. */
export function looksLikePan(value: string): boolean {
  return /^[\d\s-]{12,23}$/.test(value) && /^\d{12,19}$/.test(value.replace(/[\s-]/g, ''));
}

export function cardBrand(number: string): string {
  const digits = number.replace(/[\s-]/g, '');
  if (/^4/.test(digits)) return 'VISA';
  if (/^(5[1-5]|2[2-7])/.test(digits)) return 'MASTERCARD';
  if (/^3[47]/.test(digits)) return 'AMEX';
  if (/^6(011|5)/.test(digits)) return 'DISCOVER';
  return 'UNKNOWN';
}

export const FATE_TIMING = { MINUTE, HOUR, DAY };
