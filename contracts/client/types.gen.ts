// Generated from contracts/openapi.yaml by scripts/generate-client-types.ts: do not edit by hand.
// Regenerate with `node --import tsx scripts/generate-client-types.ts`; test/client.test.ts fails when stale.
// Request objects are closed here although the API tolerates unknown keys: the client sends what is declared.

/**
 * One business error of the base envelope: a .NET `Tuple<string,string,string,bool>` serialised as
 * `{item1, item2, item3, item4}` = (message, code, code, flag). Observed on refund failure (`2001`).
 */
export interface ErrorTuple {
  /** Human-readable message. */
  item1: string;
  /** Error code. */
  item2: string;
  /** Error code (repeated in every observed sample). */
  item3: string;
  /** Flag of unknown meaning (true in every observed sample). */
  item4: boolean;
}

/** Free string map; `{}` in every observed response. */
export type CustomProperties = Record<string, string>;

/**
 * The "base result" most merchant endpoints return at the top level next to their own fields. Response
 * schemas below repeat these six properties (rather than `allOf` this schema) so they can be closed with
 * `additionalProperties: false`. Partner endpoints use a variant whose `errors` are plain strings.
 */
export interface BaseEnvelope {
  /** The request was handled without error. */
  success: boolean;
  /** Free text; `"Success"` on evaluate (observed), null elsewhere. */
  result: string | null;
  /** Business status of the call (meaning differs per endpoint; null on token/tokenize). */
  status: string | null;
  /** Usually null; partner endpoints put "200"/"400" here. */
  statusCode: string | null;
  /** `[]` on success. */
  errors: ErrorTuple[];
  customProperties: CustomProperties;
}

/** Partner endpoints report business errors as plain strings (documented). */
export type PartnerErrors = string[];

/**
 * A 400 body: the flat `ModelState` (model-binding errors, by default) or a `Problem` (the mock's own rules, or
 * a request accepting `application/problem+json`). Both media types allow both, so a validator that picks a
 * media type by the request's Accept header judges the body by what it is.
 */
export type BadRequestBody = ModelState | Problem;

/**
 * The sandbox's answer to a model-binding failure (observed in ActiveMerchant's recorded fixtures and remote
 * suite): a flat ASP.NET ModelState dictionary. `TraceId` is a W3C traceparent in a one-element array; every
 * other key is a PascalCase dotted field path (`OrderId`, `Transaction.Id`, `$` for the body as a whole)
 * with its messages. Clients build their messages from it (ActiveMerchant: every key but `TraceId`,
 * serialised back to JSON), so it carries nothing else; the six-digit code is in `x-mock-error-code`.
 * (observed: see contracts/openapi.yaml)
 */
export interface ModelState {
  TraceId: string[];
  [key: string]: unknown;
}

/**
 * The body of every non-2xx response except a default-shaped validation error (`application/problem+json`). The shape follows the RFC 7807
 * ProblemDetails variant documented on the FlexFactor errors page (`status`, `title`, `traceId`,
 * `errors` keyed by field), extended with the six-digit `code` the docs describe (first three digits = the
 * HTTP status, last three = the error) and a `detail` telling the caller how to fix the request. The code
 * list itself is not public: every code, `type` and `detail` is invented by the mock (see the README's
 * error catalog). A validation error (400 with field errors) is sent in this shape only to a request that
 * asks for `application/problem+json`; by default it is the sandbox's flat `ModelState` (observed).
 */
export interface Problem {
  /**
   * `urn:flexfactor-mock:error:<code>`.
   * (invented: see contracts/openapi.yaml)
   */
  type: string;
  /** Short, stable summary of the error (e.g. "One or more validation errors occurred."). */
  title: string;
  /** The HTTP status code. */
  status: number;
  /**
   * Six-digit error code; the first three digits are the HTTP status.
   * (invented: see contracts/openapi.yaml)
   */
  code: string;
  /**
   * What the caller should change to make the request succeed.
   * (invented: see contracts/openapi.yaml)
   */
  detail: string;
  /** W3C traceparent string, as the real API's `TraceId`. */
  traceId: string;
  /** The request path. */
  instance?: string;
  /**
   * Field errors, ModelState style: keys are PascalCase dotted field paths as the real API reports them
   * (`OrderId`, `Transaction.Amount`, `BillingInformation.ZipCode`, `OrderItems[0].Sku`); values are
   * messages.
   */
  errors?: Record<string, string[]>;
  /** Non-fatal notes (e.g. what the strict profile would reject). */
  warnings?: string[];
}

/**
 * API credentials. Bound case-insensitively: `AppKey`/`appKey`, `AppSecret`/`appSecret` all work. (One doc
 * snippet posts `client_id`/`client_secret`; that appears stale and is not accepted.)
 */
export interface TokenRequest {
  /** API key (portal Developers > Api Keys). */
  AppKey: string;
  /** API secret. */
  AppSecret: string;
}

/**
 * Token response (observed shape, 902 bytes in the sandbox transcript).
 * (observed: see contracts/openapi.yaml)
 */
export interface TokenResponse {
  /** HS256 JWT, valid 600 s. */
  accessToken: string;
  /** Opaque refresh token (starts `AQAAAAEAACcQ`); no refresh endpoint is documented. */
  refreshToken: string;
  /**
   * Expiry of the access token in **milliseconds** since the epoch: exactly the JWT's `iat` (ms) + 600 000
   * (observed: 1712237348565 → 1712237948565), while `exp` is in seconds.
   */
  expires: number;
  /** Equals the JWT `sub` claim. */
  id: string;
  /** Always null (observed); real type unknown. */
  session: null;
  /** Always null (observed). */
  daysToEnforceMFA: number | null;
  /** Always null (observed). */
  skipAvailable: boolean | null;
  success: boolean;
  result: string | null;
  status: string | null;
  statusCode: string | null;
  errors: ErrorTuple[];
  customProperties: CustomProperties;
}

/** Card to vault, snake_case (current docs). Keys are bound case-insensitively; unknown keys are tolerated. */
export interface TokenizeRequest {
  payment_method: TokenizePaymentMethod;
}

export interface TokenizePaymentMethod {
  /** Cardholder email (not format-checked). */
  email?: string | null;
  /** Key produced by SenseJS in the browser. */
  sense_key?: string | null;
  credit_card: TokenizeCreditCard;
}

/**
 * Card data. Never logged, stored or echoed by the mock; only a token, the BIN and the last four digits
 * survive.
 */
export interface TokenizeCreditCard {
  first_name: string;
  last_name: string;
  /** PAN. The sandbox accepts only whitelisted test cards. */
  number: string;
  /** CVV (recommended; may be empty). */
  verification_value?: string | null;
  /** Two-digit month `"03"`; ActiveMerchant sends an integer (9), accepted. */
  month: string | number;
  /** Four-digit year `"2027"` (string or integer). */
  year: string | number;
}

/**
 * Vault result (observed Spreedly-like shape; snake_case inside `transaction`).
 * (observed: see contracts/openapi.yaml)
 */
export interface TokenizeResponse {
  transaction: TokenizeTransaction;
  /** Always null (observed). */
  cardBinInfo: Record<string, unknown> | null;
  success: boolean;
  result: string | null;
  status: string | null;
  statusCode: string | null;
  errors: ErrorTuple[];
  customProperties: CustomProperties;
}

/** (observed: see contracts/openapi.yaml) */
export interface TokenizeTransaction {
  on_test_gateway: boolean;
  created_at: string;
  updated_at: string;
  succeeded: boolean;
  state: string | null;
  token: string | null;
  transaction_type: string | null;
  order_id: string | null;
  ip: string | null;
  description: string | null;
  email: string | null;
  merchant_name_descriptor: string | null;
  merchant_location_descriptor: string | null;
  gateway_specific_fields: Record<string, unknown> | null;
  gateway_specific_response_fields: Record<string, unknown> | null;
  gateway_transaction_id: string | null;
  gateway_latency_ms: number | null;
  amount: number;
  currency_code: string | null;
  retain_on_success: boolean | null;
  payment_method_added: boolean;
  message_key: string | null;
  message: string | null;
  response: Record<string, unknown> | null;
  payment_method: TokenizedPaymentMethod;
}

/**
 * The vaulted card. `token` is what `/v1/evaluate` takes as `paymentMethod.cardNumber` (GUID observed; the
 * current docs show a 27-character alphanumeric token). `first_six_digits` held 8 digits in the observed
 * sample. `number` and `verification_value` are always null.
 * (observed: see contracts/openapi.yaml)
 */
export interface TokenizedPaymentMethod {
  token: string;
  created_at: string;
  updated_at: string;
  email: string | null;
  /** Always null (observed); type unknown. */
  data: unknown;
  storage_state: string | null;
  test: boolean;
  metadata: Record<string, unknown> | null;
  last_four_digits: string;
  first_six_digits: string;
  card_type: string | null;
  first_name: string | null;
  last_name: string | null;
  month: number;
  year: number;
  address1: string | null;
  address2: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  country: string | null;
  phone_number: string | null;
  company: string | null;
  full_name: string | null;
  payment_method_type: string | null;
  /** Empty or null in every observed sample; the item shape is not known. */
  errors: unknown[] | null;
  fingerprint: string | null;
  /** Never echoed. */
  verification_value: null;
  /** Never echoed. */
  number: null;
}

/**
 * A transaction the merchant's PSP declined, submitted for rescue. Keys are bound case-insensitively to
 * the camelCase names below; unknown keys are tolerated. Requirements follow the current docs. Required
 * identifiers must not be empty: ASP.NET's [Required] treats `""` as missing (observed for
 * `Transaction.ResponseCodeSource`).
 */
export interface EvaluateRequest {
  /** Always `true` for evaluate. */
  isDeclined: boolean;
  /**
   * Merchant id (a GUID; not format-checked). Optional: the token already carries `custom:mid`;
   * partners send the MID of the merchant they act for.
   */
  mid?: string | null;
  /** The merchant's own order id; identical on every retry of a Sync-MIT attempt. */
  orderId: string;
  /** A new GUID per request (not format-checked by the API). */
  idempotencyKey: string;
  /** `true` for a merchant-initiated transaction. */
  isMIT?: boolean | null;
  /**
   * `AUTHORIZATION` or `PURCHASE` (default), matched case-insensitively (ActiveMerchant sends
   * `Authorization`/`Purchase`). Only auth/capture accounts need AUTHORIZATION.
   */
  transactionType?: string | null;
  /** Site GUID (needed when a MID has several sites/descriptors). */
  siteId?: string | null;
  /** Alternative site selector. */
  siteUrl?: string | null;
  /** Shopper IP from checkout ("critical" for CIT). */
  customerIp?: string | null;
  /** Free text (values seen `ecommerce`, `installment`, `terminal`). */
  orderSource?: string | null;
  /** Recurring MIT. */
  isRecurring?: boolean | null;
  /**
   * Managed MIT: the time until which FlexFactor may keep trying (2–3 weeks recommended). The real API
   * parses several date forms (the official sample client sends RFC 1123 `toUTCString()` strings) and
   * rejects only unparsable values (`"The field ExpiryDateUtc is invalid."`, observed); the mock's strict
   * profile requires ISO 8601 UTC, e.g. `2026-07-03T00:00:00Z`.
   * (strict profile: iso-8601-utc)
   */
  expiryDateUtc?: string | null;
  subscription?: Subscription;
  /** Key produced by SenseJS in the browser. */
  senseKey?: string | null;
  correlationId?: string | null;
  transaction: Transaction;
  payer: Payer;
  billingInformation: BillingAddress;
  shippingInformation?: Address;
  paymentMethod: PaymentMethod;
  merchant?: MerchantInfo;
  deviceDetails?: DeviceDetails;
  orderItems?: OrderItem[] | null;
  additionalFields?: AdditionalField[] | null;
  threeDSecure?: ThreeDSecure;
  /** Position in an SFTP batch (from 1); SFTP only. */
  sequenceNumber?: string | null;
  /** Partner-specific free text (ActiveMerchant sends `Source` = `Spreedly`). */
  source?: string | null;
  /** Partner-specific opaque string (ActiveMerchant `ExtraData`). */
  extraData?: string | null;
}

/**
 * The PSP transaction. In 2024 the sandbox also required `responseCode`, `responseCodeSource` (an empty
 * string counted as missing), `avsResultCode`, `cvvResultCode` and `cavvResultCode` (observed); the
 * current docs do not, so they are optional here.
 */
export interface Transaction {
  /** PSP transaction id (e.g. `"3478613"`). */
  id: string;
  /** ISO 8601 UTC time of the PSP transaction (documented as required; not enforced in 2024). */
  timestampUtc?: string | null;
  /** Hours offset from UTC (ActiveMerchant sends the string `"-5"`). */
  timezoneUtcOffset?: number | string | null;
  /**
   * Integer **cents** ($19.99 → 1999); the real API does not check this on each request; the mock's
   * strict profile rejects non-integers. Sandbox: greater than 10 and less than 20000.
   * (strict profile: integer-cents)
   */
  amount: number;
  /** ISO 4217 code, e.g. `USD`. */
  currency: string;
  /** Decline code from the PSP (`"05"`, `"100"`, `"203"`). */
  responseCode?: string | null;
  /** PSP/gateway name (`NMI`, `nmi`, `Gateway`, `G`). */
  responseCodeSource?: string | null;
  avsResultCode?: string | null;
  cvvResultCode?: string | null;
  /** `"NA"` when unknown. */
  cavvResultCode?: string | null;
  cardNotPresent?: boolean | null;
  /** e.g. `"Activity limit exceeded"`. */
  responseDescription?: string | null;
  /** e.g. `DECLINED`. */
  responseStatus?: string | null;
  responseSubStatus?: string | null;
  processorName?: string | null;
  /** PSP-side type (`CAPTURE`, `Credit`) — not the root `transactionType`. */
  transactionType?: string | null;
  dynamicDescriptor?: string | null;
}

export interface Payer {
  /** Not format-checked (ActiveMerchant sends `"NA"` when unknown, accepted). */
  email: string;
  /** Merchant's customer id. */
  id?: string | null;
  /** Free text (observed `+99.2001a/+99.2001b`, `998888`). */
  phone?: string | null;
  /** Date, e.g. `1990-01-01`. */
  birthdate?: string | null;
  /** Customer Wallet integrations only; shape unknown. */
  paymentMethods?: unknown;
}

/**
 * Billing or shipping address. `zipCode` (current docs, ActiveMerchant) and `zipcode` (older docs, sample
 * client) are the same field under case-insensitive binding; both are declared so either spelling
 * validates, and the mock's key mapping folds both into `zipCode` (declared last).
 */
export interface Address {
  firstName?: string | null;
  lastName?: string | null;
  /** Country name or code (`United States`, `CA`). */
  country?: string | null;
  /** ISO 3166-1 alpha-2. */
  countryCode?: string | null;
  addressLine1?: string | null;
  addressLine2?: string | null;
  city?: string | null;
  /** Required for US cards (current docs); `CA`, `ON`. */
  state?: string | null;
  /** Older spelling of `zipCode`. */
  zipcode?: string | null;
  /** Postal code (US 5 or 9 digits; Canadian `K1C2N6` accepted, observed). */
  zipCode?: string | null;
  phone?: string | null;
}

/**
 * `billingInformation` of evaluate: an `Address` with the documented required fields. The zip code is
 * required too, but as either `zipCode` or `zipcode`, so neither is listed in `required`; the mock checks
 * it in code (`BillingInformation.ZipCode`). `state` is only required for US cards.
 */
export interface BillingAddress {
  firstName: string;
  lastName: string;
  /** Country name or code (`United States`, `CA`). */
  country: string;
  /** ISO 3166-1 alpha-2. */
  countryCode: string;
  addressLine1: string;
  addressLine2?: string | null;
  city: string;
  /** Required for US cards (current docs); `CA`, `ON`. */
  state?: string | null;
  /** Older spelling of `zipCode`. */
  zipcode?: string | null;
  /** Postal code. */
  zipCode?: string | null;
  phone?: string | null;
}

/**
 * The card of an evaluate request: either a `/v1/tokenize` token in `cardNumber` with `token: true`, or a
 * raw test-card PAN with `token: false`. Older docs also required holder, brand, expiry, BIN and last
 * four; they are optional here. The strict profile requires tokenized card data.
 */
export interface PaymentMethod {
  /** Token from `/v1/tokenize`, or a PAN (sandbox: whitelisted test cards only). */
  cardNumber: string;
  /** `true` when `cardNumber` is a token (ActiveMerchant sends `Token`). */
  token?: boolean | null;
  holderName?: string | null;
  /** `CREDIT` (sample client: `Credit`). */
  cardType?: string | null;
  /** e.g. `VISA`. */
  cardBrand?: string | null;
  cardCountry?: string | null;
  /** 1–12 (integer or string). */
  expirationMonth?: number | string | null;
  /** Four-digit year (integer or string). */
  expirationYear?: number | string | null;
  /** First six digits. */
  cardBinNumber?: string | null;
  cardLast4Digits?: string | null;
  cardIssuer?: string | null;
  cardLevel?: string | null;
  cardFingerprint?: string | null;
  /** CVV (ActiveMerchant since 2025). */
  verificationValue?: string | null;
}

/** The card of a transmit request — no `cardNumber` (the sample client's `PaymentMethodLast4Digits`). */
export interface TransmitPaymentMethod {
  holderName?: string | null;
  cardType?: string | null;
  cardBrand?: string | null;
  cardCountry?: string | null;
  expirationMonth?: number | string | null;
  expirationYear?: number | string | null;
  cardBinNumber?: string | null;
  cardLast4Digits?: string | null;
  cardIssuer?: string | null;
  cardLevel?: string | null;
  cardFingerprint?: string | null;
}

/** MIT recurring subscription. */
export type Subscription = {
  subscriptionId?: string | null;
  /** e.g. `monthly`. */
  interval?: string | null;
  /** Cents per the current docs; the sample client sends a string (`"100"`). */
  price?: number | string | null;
  currency?: string | null;
  paymentNumber?: string | number | null;
  totalPayments?: string | number | null;
} | null;

/** Sub-merchant details (partners). */
export type MerchantInfo = {
  id?: string | null;
  name?: string | null;
  /** e.g. 1234. */
  mcc?: number | string | null;
  country?: string | null;
} | null;

/** Device information; the field list is not recoverable from the docs. */
export type DeviceDetails = Record<string, unknown> | null;

export interface OrderItem {
  sku?: string | null;
  name?: string | null;
  description?: string | null;
  /** Cents. */
  amount?: number | null;
  /** Cents. */
  discountAmount?: number | null;
  /** Cents. */
  tax?: number | null;
  discountType?: string | null;
  quantity?: number | null;
}

export interface AdditionalField {
  key?: string | null;
  value?: string | number | boolean | null;
}

/** 3-D Secure results (only seen from ActiveMerchant; sending them still gave CHALLENGE, observed). */
export type ThreeDSecure = {
  /** e.g. `2.1.0`. */
  threeDsVersion?: string | null;
  /** ECI, e.g. `05` (ActiveMerchant sends `EcommerceIndicator`). */
  ecommerceIndicator?: string | null;
  /** CAVV. */
  authenticationValue?: string | null;
  directoryServerTransactionId?: string | null;
  xid?: string | null;
  authenticationValueAlgorithm?: string | null;
  directoryResponseStatus?: string | null;
  authenticationResponseStatus?: string | null;
  enrolled?: string | null;
} | null;

/**
 * Decision of `/v1/evaluate`: `APPROVED`, `DECLINED`, `CHALLENGE` (CIT, needs the UI widget),
 * `SUBMITTED` (managed MIT, result by webhook), `CAPTUREREQUIRED` (auth/capture accounts).
 */
export type EvaluateStatus = 'APPROVED' | 'DECLINED' | 'CHALLENGE' | 'SUBMITTED' | 'CAPTUREREQUIRED';

/**
 * Evaluate decision (observed shape).
 * (observed: see contracts/openapi.yaml)
 */
export interface EvaluateResponse {
  /** FlexFactor order id — keep it. */
  orderSessionKey: string;
  /** Null observed. */
  senseKey: string | null;
  /** FlexFactor order id (observed equal to `orderSessionKey`), not the merchant's orderId. */
  orderId: string;
  success: boolean;
  /** `"Success"` (observed). */
  result: string | null;
  status: EvaluateStatus;
  statusCode: string | null;
  errors: ErrorTuple[];
  customProperties: CustomProperties;
}

/**
 * Copy of a processed transaction: the evaluate object model minus the rescue-only parts
 * (`paymentMethod` without `cardNumber`). Keys are bound case-insensitively; unknown keys are tolerated.
 * The docs also list `payer` and `paymentMethod` as required and, for MIT copies, `isRecurring`,
 * `subscription` and a website field whose name is not recoverable; the mock requires only
 * `isDeclined`, `orderId` and `transaction`.
 */
export interface TransmitRequest {
  /** `false` for approved copies. */
  isDeclined: boolean;
  mid?: string | null;
  orderId: string;
  /** e.g. `ecommerce`, `installment`. */
  orderSource?: string | null;
  sequenceNumber?: string | null;
  isMIT?: boolean | null;
  isRecurring?: boolean | null;
  transactionType?: string | null;
  siteId?: string | null;
  siteUrl?: string | null;
  customerIp?: string | null;
  senseKey?: string | null;
  correlationId?: string | null;
  subscription?: Subscription;
  transaction: Transaction;
  payer?: Payer;
  billingInformation?: Address;
  shippingInformation?: Address;
  paymentMethod?: TransmitPaymentMethod;
  merchant?: MerchantInfo;
  deviceDetails?: DeviceDetails;
  orderItems?: OrderItem[] | null;
  additionalFields?: AdditionalField[] | null;
}

/**
 * Transmit acknowledgement. Documented nowhere; from the official sample client's generated model
 * (`transmitId` + base envelope). `transmitId` is the "transaction key" older docs say can update the
 * order later.
 * (invented: see contracts/openapi.yaml)
 */
export interface TransmitResponse {
  transmitId: string;
  success: boolean;
  result: string | null;
  status: string | null;
  statusCode: string | null;
  errors: ErrorTuple[];
  customProperties: CustomProperties;
}

export interface OutcomeRequest {
  /** The `orderSessionKey` returned by evaluate. */
  orderSessionKey: string;
}

/** Decision of a (deprecated) outcome poll. */
export interface OutcomeResponse {
  /**
   * The documented vocabulary (PROCESSING for MIT only). An order waiting for capture answers APPROVED and
   * a CIT order waiting for its challenge SUBMITTED (mapping invented).
   */
  status: 'APPROVED' | 'DECLINED' | 'EXPIRED' | 'CANCELLED' | 'SUBMITTED' | 'NOTFOUND' | 'PROCESSING';
  /** Short upper-case hex confirmation code (e.g. `382AB3`) once approved. */
  confirmationId: string | null;
  success: boolean;
  result: string | null;
  statusCode: string | null;
  errors: ErrorTuple[];
  customProperties: CustomProperties;
}

/**
 * 0 DRAFT (accepted, not yet picked up — typical for MIT), 1 ONHOLD (paused by FlexFactor), 2 CANCELLED,
 * 3 PROBLEM (needs support), 4 PROCESSING (MIT retries in progress), 5 CAPTUREREQUIRED (authorized, waiting
 * for /v1/capture), 6 RETURNED (refunded), 7 COMPLETED (approved/rescued).
 */
export type OrderStatusCode = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

/**
 * Text form of `OrderStatusCode`. Upper case is observed for `CAPTUREREQUIRED`; the docs write the others
 * capitalised (`Capturerequired`, `Completed`…) and the mock's upper-case spelling of them is invented.
 * The portal's `Chargeback` status has no numeric code (see `Order.chargeback`).
 */
export type OrderStatusName =
  | 'DRAFT'
  | 'ONHOLD'
  | 'CANCELLED'
  | 'PROBLEM'
  | 'PROCESSING'
  | 'CAPTUREREQUIRED'
  | 'RETURNED'
  | 'COMPLETED';

export interface OrderAddress {
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  state: string | null;
  zipCode: string | null;
  country: string | null;
  countryCode: string | null;
}

/**
 * What the mock keeps of the card — never the PAN or CVV (invented object).
 * (invented: see contracts/openapi.yaml)
 */
export interface OrderCard {
  /** First six digits. */
  bin: string | null;
  last4: string | null;
  /** e.g. `VISA`. */
  brand: string | null;
  /** The card was sent as a `/v1/tokenize` token. */
  tokenized: boolean;
}

/** (invented: see contracts/openapi.yaml) */
export interface OrderStatusChange {
  status: OrderStatusCode;
  statusName: OrderStatusName;
  at: string;
  reason: string;
}

/** (invented: see contracts/openapi.yaml) */
export interface OrderRefund {
  /** Refund transaction id (the refund response's `transactionId`). */
  id: string;
  /** Integer cents. */
  amount: number;
  /** The request's `refundMessage`. */
  message: string | null;
  createdOn: string;
}

/**
 * A FlexFactor order as `GET /v1/orders/{id}` returns it. The docs list the fields up to `currencySymbol`
 * (unlabelled below); every property marked `x-flexfactor-source: invented` is the mock's extension.
 * Amounts are integer cents.
 */
export interface Order {
  /** FlexFactor order id (= orderSessionKey). */
  id: string;
  correlationId: string | null;
  referenceNumber: string;
  /**
   * Merchant id.
   * (invented: see contracts/openapi.yaml)
   */
  mid: string;
  /**
   * The merchant's `orderId` from evaluate (webhook `ExternalOrderId`).
   * (invented: see contracts/openapi.yaml)
   */
  externalOrderId: string;
  status: OrderStatusCode;
  statusName: OrderStatusName;
  /**
   * The decision evaluate returned for this order.
   * (invented: see contracts/openapi.yaml)
   */
  evaluateStatus: EvaluateStatus;
  orderPlacedDate: string;
  /** (invented: see contracts/openapi.yaml) */
  createdOn: string;
  /** (invented: see contracts/openapi.yaml) */
  lastUpdatedOn: string;
  /** Managed-MIT expiry (`expiryDateUtc` of evaluate). */
  expiryDate: string | null;
  /** (invented: see contracts/openapi.yaml) */
  isMIT: boolean;
  /** (invented: see contracts/openapi.yaml) */
  isRecurring: boolean;
  /** (invented: see contracts/openapi.yaml) */
  transactionType: 'PURCHASE' | 'AUTHORIZATION';
  /**
   * Order amount, integer cents.
   * (invented: see contracts/openapi.yaml)
   */
  amount: number;
  /** e.g. `USD`. */
  currencyCode: string;
  /** e.g. `$`. */
  currencySymbol: string;
  /**
   * Captured/settled amount, integer cents.
   * (invented: see contracts/openapi.yaml)
   */
  capturedAmount: number;
  /**
   * Sum of refunds, integer cents.
   * (invented: see contracts/openapi.yaml)
   */
  refundedAmount: number;
  /**
   * What can still be refunded, integer cents.
   * (invented: see contracts/openapi.yaml)
   */
  refundableAmount: number;
  billingAddress: OrderAddress;
  shippingAddress: OrderAddress | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  /** May be empty. */
  secondaryEmail: string;
  card: OrderCard;
  /**
   * Short upper-case hex code once approved (also in the webhook).
   * (invented: see contracts/openapi.yaml)
   */
  confirmationId: string | null;
  /**
   * A chargeback was received (the portal shows a `Chargeback` status, which has no numeric code).
   * (invented: see contracts/openapi.yaml)
   */
  chargeback: boolean;
  /** (invented: see contracts/openapi.yaml) */
  statusHistory: OrderStatusChange[];
  /** (invented: see contracts/openapi.yaml) */
  refunds: OrderRefund[];
}

/**
 * One page of orders (X.PagedList-style paging fields, documented). The array name `items` and the
 * `statusNames` map (the documented "additional attributes") are invented names.
 */
export interface OrderList {
  firstItemOnPage: number;
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  isFirstPage: boolean;
  isLastPage: boolean;
  lastItemOnPage: number;
  pageCount: number;
  pageNumber: number;
  pageSize: number;
  totalItemCount: number;
  /** (invented: see contracts/openapi.yaml) */
  items: Order[];
  /**
   * Status code ("0"–"7") → status name.
   * (invented: see contracts/openapi.yaml)
   */
  statusNames: Record<string, OrderStatusName>;
}

/** Keys are bound case-insensitively; unknown keys are tolerated. */
export interface CaptureRequest {
  /** A new GUID per capture request. */
  idempotencyKey: string;
  /**
   * FlexFactor order id returned by evaluate (not the merchant's orderId). The service binds it to a GUID,
   * so anything else is a 400 model-binding error, not an unknown order (inferred from ASP.NET Core).
   */
  orderId: string;
  /**
   * Integer **cents**, equal to the authorized amount; the real API does not check the unit on each
   * request; the mock's strict profile rejects non-integers.
   * (strict profile: integer-cents)
   */
  amount: number;
  /** ISO 4217 code. */
  currency: string;
}

/** Capture result; `FAILED` is also HTTP 200. */
export interface CaptureResponse {
  status: 'SUCCESS' | 'FAILED';
  success: boolean;
  result: string | null;
  statusCode: string | null;
  errors: ErrorTuple[];
  customProperties: CustomProperties;
}

/** Keys are bound case-insensitively; unknown keys are tolerated. */
export interface RefundRequest {
  /** Amount in **dollars** (decimal, e.g. `12.00`) — not cents. */
  amountToRefund: number;
  /** e.g. "Customer request". */
  refundMessage?: string | null;
  /** Sample-client model only. */
  isPartialRefund?: boolean | null;
  /** Sample-client model only. */
  transactionId?: string | null;
  /** Sample-client model only. */
  mid?: string | null;
}

/**
 * Refund result; `FAILED` is also HTTP 200. `responseCode`/`responseMessage` come from the service model
 * (failure body recorded from the sandbox; the success values are inferred).
 */
export interface RefundResponse {
  /** e.g. `2001` (amount above the refundable amount, observed). */
  responseCode: string | null;
  /** `APPROVED` on success (inferred), or the failure reason. */
  responseMessage: string | null;
  /**
   * Refund transaction id (null on failure, observed).
   * (observed: see contracts/openapi.yaml)
   */
  transactionId: string | null;
  success: boolean;
  result: string | null;
  status: 'SUCCESS' | 'FAILED';
  statusCode: string | null;
  errors: ErrorTuple[];
  customProperties: CustomProperties;
}

/** Optional body of cancel / external-cancel. Clients usually send `{}` or nothing. */
export interface CancelRequest {
  /**
   * Optional GUID; within 24 h a retry with the same key replays the first response, and the same key
   * with a different payload → 409.
   */
  idempotencyKey?: string | null;
}

/** Cancel success is HTTP 200 with an empty JSON object. */
export type CancelResponse = Record<string, never>;

/** `secret`, `public` or `tokenization` (the docs' list example also shows `publishable`). */
export type ApiKeyType = 'secret' | 'public' | 'tokenization' | 'publishable';

/** Keys are bound case-insensitively; unknown keys are tolerated. */
export interface ApiKeyCreateRequest {
  /** The merchant the key is for. */
  mid: string;
  /** Display name (no `<` or `>`). */
  name: string;
  type: 'secret' | 'public' | 'tokenization';
  /** Scope strings (e.g. `customers:read`); the vocabulary is not documented. */
  scopes?: string[] | null;
}

/**
 * The created key, with its full `value` (shown only once). On a business failure every field is null and
 * `errors` lists string messages (documented).
 */
export interface ApiKeyCreated {
  /** Key id (format invented). */
  id: string | null;
  mid: string | null;
  name: string | null;
  type: 'secret' | 'public' | 'tokenization' | null;
  /** The full key, e.g. `sk_test_4eC39HqLyjWDarjtT1zdp7dc`. */
  value: string | null;
  scopes: string[] | null;
  created_at: string | null;
  errors: PartnerErrors;
}

/** One key (camelCase, documented). The value itself is never returned again. */
export interface ApiKeyDetail {
  status: 'SUCCESS' | 'FAILED';
  success: boolean;
  id: string | null;
  name: string | null;
  type: 'secret' | 'public' | 'tokenization' | 'publishable' | null;
  scopes: string[] | null;
  createdOn: string | null;
  lastUsed: string | null;
  lastFour: string | null;
  errors: PartnerErrors;
}

/** One key of a merchant's list (snake_case, documented). */
export interface ApiKeyListItem {
  /**
   * Key id, so the key can be read or deleted.
   * (invented: see contracts/openapi.yaml)
   */
  id?: string;
  name: string;
  type: ApiKeyType;
  created_at: string;
  last_used: string | null;
  last_four: string;
}

/** A merchant's keys (documented for `GET /v1/api-keys/{mid}`). */
export interface ApiKeyList {
  keys: ApiKeyListItem[];
}

export interface ApiKeyDeleteResponse {
  status: 'SUCCESS' | 'FAILED';
  success: boolean;
  /** "API key deleted successfully." on success. */
  result: string | null;
  errors: PartnerErrors;
}

/** A merchant account (documented fields; `sites[]` items have unknown fields). */
export interface Merchant {
  accountId: string;
  /** Merchant id (one doc example names this key `id`). */
  mid: string;
  companyName: string | null;
  legalEntityName: string | null;
  dba: string | null;
  /** Legal form, e.g. "Limited Liability Company". */
  type: string | null;
  website: string | null;
  description: string | null;
  specialTerms: string | null;
  /** Merchant category code (a string). */
  mcc: string | null;
  industry: string | null;
  /** 1 active, 0 inactive. */
  status: 0 | 1;
  statusName: 'ACTIVE' | 'INACTIVE';
  customerSupportInformation: {
    customerSupportName: string | null;
    customerSupportEmail: string | null;
    customerSupportPhone: string | null;
    customerSupportLink: string | null;
  };
  createdOn: string;
  primaryContact: {
    firstName: string | null;
    lastName: string | null;
    email: string | null;
    phone: string | null;
  };
  developerContact: {
    developerFirstName: string | null;
    developerLastName: string | null;
    developerEmail: string | null;
    developerPhone: string | null;
  };
  /** The mock sends only the masked numbers (the clear ones are null). */
  bankAccountInformation: {
    /** e.g. `Checking`. */
    ddaType: string | null;
    accountNumber: string | null;
    maskedAccountNumber: string | null;
    routingNumber: string | null;
    maskedRoutingNumber: string | null;
  };
  /** The merchant's sites; their fields are not documented. */
  sites: Record<string, unknown>[];
  /** Offset from UTC in minutes. */
  timezone: number;
  language: string | null;
  /** IANA name, e.g. `Pacific/Pitcairn`. */
  timezoneName: string | null;
}

/**
 * One page of merchants (wrapper and paging invented).
 * (invented: see contracts/openapi.yaml)
 */
export interface MerchantList {
  items: Merchant[];
  pageNumber: number;
  pageSize: number;
  pageCount: number;
  totalItemCount: number;
}

/**
 * `DRAFT` → `SUBMITTED` → `IN_REVIEW` → `APPROVED` / `DECLINED` (documented); `CANCELLED` after a cancel
 * (the docs mention cancellation without naming the status).
 */
export type ApplicationStatus = 'DRAFT' | 'SUBMITTED' | 'IN_REVIEW' | 'APPROVED' | 'DECLINED' | 'CANCELLED';

export type ApplicationContactInput = {
  FirstName?: string | null;
  LastName?: string | null;
  /** Not format-checked. */
  Email?: string | null;
  Phone?: string | null;
} | null;

export type ApplicationSupportInput = {
  SupportLink?: string | null;
  SupportEmail?: string | null;
  SupportName?: string | null;
  SupportPhone?: string | null;
} | null;

export type ApplicationBankInput = {
  BankName?: string | null;
  AccountNumber?: string | null;
  RoutingNumber?: string | null;
  AccountType?: string | null;
} | null;

export type ApplicationAddressInput = {
  AddressLine1?: string | null;
  AddressLine2?: string | null;
  City?: string | null;
  State?: string | null;
  Zipcode?: string | null;
  Country?: string | null;
} | null;

/**
 * New application, **PascalCase** as documented (bound case-insensitively; unknown keys tolerated). Which
 * fields the real API requires is undocumented: the mock requires `LegalEntityName` and `Dba` (invented).
 */
export interface ApplicationCreateRequest {
  LegalEntityName: string;
  Dba: string;
  PrimaryContact?: ApplicationContactInput;
  TaxId?: string | null;
  Descriptor?: string | null;
  CustomerSupportInformation?: ApplicationSupportInput;
  BankAccountInformation?: ApplicationBankInput;
  Address?: ApplicationAddressInput;
  CompanyInUS?: boolean | null;
  BusinessType?: string | null;
  EcommercePlatform?: string | null;
  EstablishedDate?: string | null;
  MCC?: string | number | null;
  WebsiteUrl?: string | null;
  Description?: string | null;
  /** PCI DSS compliance (type undocumented). */
  PCIDSS?: boolean | string | null;
}

/**
 * Changes to a DRAFT application: the create body's fields, none required (PascalCase, bound
 * case-insensitively; unknown keys tolerated).
 */
export interface ApplicationUpdateRequest {
  LegalEntityName?: string | null;
  Dba?: string | null;
  PrimaryContact?: ApplicationContactInput;
  TaxId?: string | null;
  Descriptor?: string | null;
  CustomerSupportInformation?: ApplicationSupportInput;
  BankAccountInformation?: ApplicationBankInput;
  Address?: ApplicationAddressInput;
  CompanyInUS?: boolean | null;
  BusinessType?: string | null;
  EcommercePlatform?: string | null;
  EstablishedDate?: string | null;
  MCC?: string | number | null;
  WebsiteUrl?: string | null;
  Description?: string | null;
  PCIDSS?: boolean | string | null;
}

/** Applicant to invite (PascalCase, bound case-insensitively; unknown keys tolerated). */
export interface ApplicationInviteRequest {
  LegalEntityName: string;
  Dba: string;
  /** The invitation goes to `Email`. */
  PrimaryContact: {
    FirstName?: string | null;
    LastName?: string | null;
    /** Not format-checked. */
    Email: string;
    Phone?: string | null;
  };
}

/**
 * The DRAFT application created by an invitation (documented fields; the docs show mixed-case statuses,
 * the mock sends the upper-case `ApplicationStatus`).
 */
export interface ApplicationInviteResponse {
  id: string | null;
  status: ApplicationStatus | null;
  createdOn: string | null;
  lastUpdatedOn: string | null;
  errors: PartnerErrors;
}

/**
 * An onboarding application (camelCase). Documented: `id` … `address`; the rest mirror the create body and
 * are invented.
 */
export interface Application {
  id: string;
  status: ApplicationStatus;
  createdOn: string;
  lastUpdatedOn: string;
  legalEntityName: string | null;
  dba: string | null;
  taxId?: string | null;
  descriptor?: string | null;
  primaryContact: {
    firstName?: string | null;
    lastName?: string | null;
    email?: string | null;
    phone?: string | null;
  };
  customerSupportInfo?: {
    supportLink?: string | null;
    supportEmail?: string | null;
    /** (invented: see contracts/openapi.yaml) */
    supportName?: string | null;
    supportPhone?: string | null;
  };
  address?: {
    addressLine1?: string | null;
    addressLine2?: string | null;
    city?: string | null;
    state?: string | null;
    zipcode?: string | null;
    country?: string | null;
  };
  /**
   * The mock masks the account number (invented).
   * (invented: see contracts/openapi.yaml)
   */
  bankAccountInformation?: {
    bankName?: string | null;
    accountNumber?: string | null;
    routingNumber?: string | null;
    accountType?: string | null;
  };
  /** (invented: see contracts/openapi.yaml) */
  companyInUS?: boolean | null;
  /** (invented: see contracts/openapi.yaml) */
  businessType?: string | null;
  /** (invented: see contracts/openapi.yaml) */
  ecommercePlatform?: string | null;
  /** (invented: see contracts/openapi.yaml) */
  establishedDate?: string | null;
  /** (invented: see contracts/openapi.yaml) */
  mcc?: string | null;
  /** (invented: see contracts/openapi.yaml) */
  websiteUrl?: string | null;
  /** (invented: see contracts/openapi.yaml) */
  description?: string | null;
  /** (invented: see contracts/openapi.yaml) */
  pcidss?: boolean | string | null;
}

export interface ApplicationListRow {
  id: string;
  createdOn: string;
  status: ApplicationStatus;
  dba: string | null;
}

export interface ApplicationList {
  totalItemCount: number;
  pageNumber: number;
  pageSize: number;
  rows: ApplicationListRow[];
}

/**
 * Partner action envelope (documented for submit): `statusCode` "200" or "400", `errors` as plain strings.
 * A refused action is HTTP 200 with `status: FAILED`. The documented failure example omits
 * `customProperties`, so it is optional.
 */
export interface ApplicationActionResponse {
  status: 'SUCCESS' | 'FAILED';
  success: boolean;
  result: string | null;
  statusCode: '200' | '400' | null;
  errors: PartnerErrors;
  customProperties?: CustomProperties;
}

export interface ApplicationConvertResponse {
  /** MID of the new merchant. */
  merchantId: string | null;
  status: 'SUCCESS' | 'FAILED';
  success: boolean;
  result: string | null;
  errors: PartnerErrors;
}

/** multipart/form-data fields of a document upload. */
export interface DocumentUploadRequest {
  /** The file (≤ 10 MB; PDF, JPEG, PNG, XLS, CSV, DOC). */
  document: string;
  /** e.g. `ID`, `ProofOfAddress`, `BusinessLicense`. */
  documentType: string;
  description?: string;
}

export interface DocumentUploadResponse {
  status: 'SUCCESS' | 'FAILED';
  success: boolean;
  result: string | null;
  /** e.g. `document_789012`. */
  uploadedDocumentId: string | null;
  errors: PartnerErrors;
}

export interface Document {
  documentId: string;
  documentType: string;
  description: string | null;
  uploadedOn: string;
  fileName: string;
  /** MIME type. */
  fileType: string;
  /** Bytes. */
  fileSize: number;
  /** Pre-signed, time-limited URL. */
  downloadUrl: string;
}

export interface DocumentList {
  status: 'SUCCESS' | 'FAILED';
  success: boolean;
  totalDocuments: number;
  documents: Document[];
  errors: PartnerErrors;
}

/**
 * `order.*` (Order), `payment.chargeback.received` and `challenge.*` (Payment), `payout.*` (Payout, older
 * docs). Application (onboarding) webhook names are not documented.
 */
export type WebhookEventName =
  | 'order.completed'
  | 'order.cancelled'
  | 'order.expired'
  | 'order.refunded'
  | 'order.capturerequired'
  | 'payment.chargeback.received'
  | 'challenge.presented'
  | 'challenge.attempted'
  | 'challenge.passed'
  | 'challenge.failed'
  | 'payout.created'
  | 'payout.updated';

/**
 * Webhook payload (PascalCase, as in the official sample). `EventData` is null for order.completed; its
 * content for other events is not documented (the mock's content is invented).
 */
export interface WebhookEvent {
  Event: WebhookEventName;
  /** ISO 8601 UTC with a 6-digit fraction, e.g. `2023-03-20T17:16:40.898703Z`. */
  TimeStamp: string;
  /** Null for order.completed; otherwise event-specific (shape undocumented). */
  EventData: unknown;
  /** The merchant's `orderId`. */
  ExternalOrderId: string | null;
  /** FlexFactor order id (= orderSessionKey). */
  OrderId: string | null;
  /** Short upper-case hex code, e.g. `22ACD1D9`. */
  ConfirmationId: string | null;
  /** `true` from the sandbox (and the mock). */
  IsTestMode: boolean;
  /** `true` on a redelivery. */
  IsResent: boolean;
}

/** Query parameters of the tokenize operation. */
export interface TokenizeQuery {
  /**
   * Merchant id (a GUID in practice; not format-checked here). Required with the tokenization key; with a
   * bearer token the token's merchant is used (a partner may name one of its merchants here).
   */
  mid?: string;
  /**
   * The merchant's tokenization key (portal: Developers > Tokenization). Also declared as the
   * `tokenizationKey` security scheme. Not needed with a bearer token.
   */
  environment?: string;
}

/** Query parameters of the listOrders operation. */
export interface ListOrdersQuery {
  /** Free text (payer name, email, merchant order id, FlexFactor order id…). */
  query?: string;
  /** Order status codes 0–7 (repeat the parameter for several, `status=5&status=7`). */
  status?: OrderStatusCode[];
  /** Only orders placed at or after this UTC date-time (ISO 8601). */
  from?: string;
  /** Only orders placed before this UTC date-time (ISO 8601). */
  to?: string;
  /** Filter by merchant (partners). */
  mid?: string;
  /** Sort key (`createdOn` and `amount` documented; `status`, `orderPlacedDate` invented). */
  orderBy?: 'createdOn' | 'amount' | 'status' | 'orderPlacedDate';
  /** Sort direction. */
  sort?: 'asc' | 'desc';
  /** Items per page (default 10; the maximum of 100 is invented). */
  pageSize?: number;
  /** 1-based page number (default 1; the maximum, the largest 32-bit integer an ASP.NET `int` parameter takes, is invented). */
  pageNumber?: number;
}

/** Query parameters of the listMerchants operation. */
export interface ListMerchantsQuery {
  /** Items per page (default 10; the maximum of 100 is invented). */
  pageSize?: number;
  /** 1-based page number (default 1; the maximum, the largest 32-bit integer an ASP.NET `int` parameter takes, is invented). */
  pageNumber?: number;
}

/** Query parameters of the listApplications operation. */
export interface ListApplicationsQuery {
  /** Filter by application status. */
  status?: ApplicationStatus;
  /** Created at or after (ISO 8601). */
  createdFrom?: string;
  /** Created before (ISO 8601). */
  createdTo?: string;
  /** Sort key. */
  sortBy?: 'createdOn' | 'status' | 'dba';
  /** Sort direction. */
  sortOrder?: 'asc' | 'desc';
  /** Items per page (default 10; the maximum of 100 is invented). */
  pageSize?: number;
  /** 1-based page number (default 1; the maximum, the largest 32-bit integer an ASP.NET `int` parameter takes, is invented). */
  pageNumber?: number;
}
