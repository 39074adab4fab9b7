// The strict profile: integration prerequisites the real API does not check on each request (fact sheet: intro
// page), enforced as errors or warnings. Every strict error says that the real API would have accepted the request.

import { apiError } from '../errors/catalog.js';
import type { Ctx } from '../http/types.js';
import { cutText } from '../support/bounded.js';
import { cardDataPath, hasCardData, isCardKey, redactText } from '../support/redact.js';
import { findTestCard, looksLikePan } from './outcomes.js';

/** Amount fields in integer cents, per operation (refund's amountToRefund is in dollars and exempt). */
const CENT_FIELDS: Record<string, string[]> = {
  evaluate: ['transaction.amount'],
  transmit: ['transaction.amount'],
  captureOrder: ['amount'],
};

/** Money fields, per operation: strict refuses them as JSON strings (the real API reads them). */
const MONEY_FIELDS: Record<string, string[]> = {
  ...CENT_FIELDS,
  refundOrder: ['amountToRefund'],
};

/** Objects that hold cardholder data: fields beyond the documented ones there draw a warning. */
const CARDHOLDER_OBJECTS = ['payer', 'paymentMethod', 'billingInformation', 'shippingInformation'];

/** ISO 8601 with a date, a time and an explicit UTC designator (Z or +00:00). */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]00:?00)$/;

const REAL_API_NOTE =
  'The real API would have accepted this request (strict profile; start with --profile lenient to allow it).';

/** Run the strict checks for the operation (errors throw); collect warnings into ctx.warnings. */
export function profileChecks(ctx: Ctx): void {
  if (ctx.services.settings.profile !== 'strict') return;
  if (ctx.op.bodyType === 'json') bodyChecks(ctx, ctx.body as Record<string, unknown>);
  cardDataChecks(ctx);
  if (ctx.op.bodyType === 'json') warnExtraCardholderFields(ctx, ctx.body);
}

/**
 * The strict profile's refusal of card data outside the card fields (400041), on its own: profileChecks runs it
 * after the contract check, and a scenario that answers before the handler (so before the contract check, which it
 * may stand in for) runs it first, since its templates may echo request values. Every operation, with a body or not:
 * a card number in a GET's query string or header is stored by proxies and access logs as surely as one in a POST's.
 */
export function cardDataChecks(ctx: Ctx): void {
  if (ctx.services.settings.profile !== 'strict') return;
  refuseStrayCardData(ctx);
}

function bodyChecks(ctx: Ctx, body: Record<string, unknown>): void {
  const quoted = ((ctx.locals.coerced as string[] | undefined) ?? []).filter((path) =>
    (MONEY_FIELDS[ctx.op.id] ?? []).includes(path),
  );
  if (quoted.length > 0) {
    throw apiError('400060', {
      detail: REAL_API_NOTE,
      errors: Object.fromEntries(
        quoted.map((path) => [
          pascalPath(path),
          [`The ${pascalPath(path).split('.').pop()} field must be a JSON number, not a string.`],
        ]),
      ),
    });
  }

  for (const path of CENT_FIELDS[ctx.op.id] ?? []) {
    const value = read(body, path);
    if (typeof value === 'number' && !Number.isInteger(value)) {
      throw apiError('400007', {
        detail: `${pascalPath(path)} is ${value}; did you mean ${Math.round(value * 100)}? ${REAL_API_NOTE}`,
        errors: {
          [pascalPath(path)]: [
            `The ${pascalPath(path).split('.').pop()} field must be an integer number of cents.`,
          ],
        },
      });
    }
  }

  if (ctx.op.id === 'evaluate') {
    const expiry = body.expiryDateUtc;
    if (
      typeof expiry === 'string' &&
      expiry !== '' &&
      !(ISO_UTC.test(expiry) && Number.isFinite(Date.parse(expiry)))
    ) {
      throw apiError('400008', {
        detail: REAL_API_NOTE,
        errors: {
          ExpiryDateUtc: [
            'The field ExpiryDateUtc must be an ISO 8601 timestamp in UTC, e.g. 2026-12-15T00:00:00Z.',
          ],
        },
      });
    }
    const method = body.paymentMethod as Record<string, unknown> | undefined;
    const number = method?.cardNumber;
    if (typeof number === 'string' && method?.token !== true && looksLikePan(number)) {
      if (findTestCard(number) === null) {
        // Never echo the number: only say that it is not a test card.
        throw apiError('400005', {
          detail: `The real sandbox would have accepted the request and declined it. ${REAL_API_NOTE}`,
          errors: { 'PaymentMethod.CardNumber': ['The card number is not a whitelisted test card.'] },
        });
      }
      ctx.warnings.push(
        'paymentMethod.cardNumber is a raw card number: vault it with /v1/tokenize and send the token with paymentMethod.token = true, so card data never touches your servers (PCI SAQ D scope).',
      );
    }
  }
}

function warnExtraCardholderFields(ctx: Ctx, body: unknown): void {
  const extra = ctx.op
    .unknownFields(body)
    .filter((path) => CARDHOLDER_OBJECTS.some((o) => path.startsWith(`${o}.`)));
  if (extra.length > 0) {
    ctx.warnings.push(
      `Cardholder fields beyond the documented ones were sent and ignored: ${fieldList(extra)}. Do not send cardholder data FlexFactor does not ask for.`,
    );
  }
}

/** A warning names this many fields at most, each cut to FIELD_NAME_CHARS: a 1 MiB body can hold thousands. */
const LISTED_FIELDS = 10;
const FIELD_NAME_CHARS = 64;

/**
 * `a, b, c` or `a, b, …, j and 8,990 more`: bounded whatever the request holds. Each name is redacted before it is
 * cut: a cut through a card number or a secret leaves a part the redactor no longer recognizes.
 */
function fieldList(paths: readonly string[]): string {
  const names = paths.slice(0, LISTED_FIELDS).map((path) => {
    const safe = redactText(path);
    return safe.length > FIELD_NAME_CHARS ? `${cutText(safe, FIELD_NAME_CHARS)}...` : safe;
  });
  const more = paths.length - names.length;
  return more > 0 ? `${names.join(', ')} and ${more.toLocaleString('en-US')} more` : names.join(', ');
}

function read(body: Record<string, unknown>, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>((acc, key) => (acc as Record<string, unknown> | undefined)?.[key], body);
}

function pascalPath(path: string): string {
  return path
    .split('.')
    .map((s) => s.charAt(0).toUpperCase() + s.slice(1))
    .join('.');
}

/** The fields allowed to carry card data: the documented card number and CVV of evaluate/transmit and tokenize. */
const CARD_FIELDS = new Set([
  'paymentMethod.cardNumber',
  'paymentMethod.verificationValue',
  'payment_method.credit_card.number',
  'payment_method.credit_card.verification_value',
]);

/**
 * A bank account's number is named like a card's but is not card data: inside the bank account object of the
 * onboarding application operations that carry one, and nowhere else.
 */
const BANK_ACCOUNT = /(^|\.)bankaccountinformation\./i;
const BANK_ACCOUNT_OPERATIONS: ReadonlySet<string> = new Set([
  'createApplication',
  'inviteApplicant',
  'updateApplication',
]);

/**
 * Headers whose values are ids drawn by the client's tracing, proxies or caches (Datadog's decimal trace ids,
 * request and correlation ids, ETags, queue start times): long digit runs by design, so scanning them refused
 * ordinary traffic at random. Neither their names nor their values are checked (`x-cid` is a correlation id, not
 * a card's CID).
 */
const ID_HEADERS =
  /^(?:x-datadog-[a-z-]+|x-b3-[a-z-]+|b3|traceparent|sentry-trace|uber-trace-id|x-amzn-trace-id|x-cloud-trace-context|x-request-start|x-queue-start|if-none-match|if-match|etag|x-cid|(?:x-)?(?:request|correlation|trace|span|parent|transaction|message)-id)$/;

/** The boundary parameter of a multipart content type, quoted or not. */
const MULTIPART_BOUNDARY = /;\s*boundary=("[^"]*"|[^;]*)/i;

function cardField(path: string): boolean {
  return CARD_FIELDS.has(path);
}

function cardOrBankField(path: string): boolean {
  return CARD_FIELDS.has(path) || BANK_ACCOUNT.test(path);
}

/**
 * Card numbers, CVVs or track data anywhere else (a phone, an orderId, a custom header, free text) are refused: the
 * merchant's systems would store them wherever that field goes. The error names the field, never the value.
 */
function refuseStrayCardData(ctx: Ctx): void {
  let where = cardDataPath(ctx.body, BANK_ACCOUNT_OPERATIONS.has(ctx.op.id) ? cardOrBankField : cardField);
  where ??= cardDataPath(ctx.query, () => false);
  if (where === null) {
    const param = cardDataPath(ctx.params, () => false);
    if (param !== null) where = `path parameter ${param}`;
  }
  if (where === null) {
    const headers = ctx.req.headers;
    for (const name of Object.keys(headers)) {
      if (name === 'authorization' || name === 'cookie' || ID_HEADERS.test(name)) continue;
      const value = headers[name];
      let text = Array.isArray(value) ? value.join(', ') : String(value ?? '');
      // A multipart boundary is random text the HTTP library draws (curl's 16 hex digits), not the client's data.
      if (name === 'content-type') text = text.replace(MULTIPART_BOUNDARY, '');
      if ((text !== '' && isCardKey(name)) || hasCardData(name) || hasCardData(text)) {
        where = `header ${name}`;
        break;
      }
    }
  }
  if (where === null) return;
  throw apiError('400041', {
    // The catalog entry's fix already says the real API would have accepted it, and why that matters.
    detail: `Card data found in ${where}.`,
    errors: { [where]: ['Remove the card number, CVV or track data from this field.'] },
  });
}
