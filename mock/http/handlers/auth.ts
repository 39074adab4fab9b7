// POST /v1/oauth2/token and POST /v1/tokenize: the two calls that do not take a bearer token.

import { timingSafeEqual } from 'node:crypto';
import type { AccountBook, MerchantAccount } from '../../domain/accounts.js';
import { cardBrand, findTestCard } from '../../domain/outcomes.js';
import { apiError } from '../../errors/catalog.js';
import { LEDGER_SLOT } from '../../support/bounded.js';
import { redactText } from '../../support/redact.js';
import type { Ctx, Reply } from '../types.js';
import { envelope } from '../types.js';

/** createToken: exchange AppKey/AppSecret for a 600-second JWT (observed shape). */
export async function createToken(ctx: Ctx): Promise<Reply> {
  const { AppKey, AppSecret } = ctx.body as { AppKey: string; AppSecret: string };
  const account = credentialedAccount(ctx.services.accounts, AppKey, AppSecret);
  const token = await ctx.services.tokens.issue(account, ctx.session.data);
  return {
    body: {
      accessToken: token.accessToken,
      refreshToken: token.refreshToken,
      expires: token.expires,
      id: token.id,
      session: null,
      daysToEnforceMFA: null,
      skipAvailable: null,
      ...envelope({}),
    },
  };
}

/** The configured account these credentials belong to, or 400003 (startMock's token() asks the same). */
export function credentialedAccount(
  accounts: AccountBook,
  appKey: string,
  appSecret: string,
): MerchantAccount {
  const account = accounts.byAppKey(appKey);
  if (!account || !sameSecret(account.appSecret, appSecret)) throw apiError('400003');
  return account;
}

function sameSecret(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Whose vault the card goes to. With a bearer token (ActiveMerchant's `store` posts exactly that, no query string;
 * observed to tokenize in the sandbox) it is the token's merchant, or the `mid` a partner names. Without one, the
 * documented query credentials: `mid` and the tokenization key as `environment`.
 */
function tokenizingAccount(ctx: Ctx): MerchantAccount {
  const queryMid = typeof ctx.query.mid === 'string' && ctx.query.mid !== '' ? ctx.query.mid : null;
  if (ctx.account) {
    // A partner's token names the merchant in `mid` (the pipeline has checked it may act for it).
    return (queryMid ? ctx.services.accounts.byMid(queryMid) : undefined) ?? ctx.account;
  }
  const environment = typeof ctx.query.environment === 'string' ? ctx.query.environment : '';
  if (queryMid === null || environment === '') {
    const errors: Record<string, string[]> = {};
    const how = 'or authenticate with Authorization: Bearer <accessToken> instead of the query credentials.';
    if (queryMid === null) errors.mid = [`Send the merchant MID as the mid query parameter, ${how}`];
    if (environment === '')
      errors.environment = [`Send the tokenization key as the environment query parameter, ${how}`];
    throw apiError('400012', { errors });
  }
  const account = ctx.services.accounts.byMid(queryMid);
  if (!account || account.tokenizationKey !== environment) throw apiError('400009');
  return account;
}

interface CreditCard {
  first_name: string;
  last_name: string;
  number: string;
  verification_value?: string;
  month: string | number;
  year: string | number;
}

/**
 * tokenize: vault a whitelisted test card for the merchant; only BIN, last four and expiry are kept. The response
 * mirrors the observed sandbox reply field for field, nulls and `test: false` included.
 */
export function tokenize(ctx: Ctx): Reply {
  const account = tokenizingAccount(ctx);
  const card = ctx.body.payment_method.credit_card as CreditCard;
  const testCard = findTestCard(String(card.number));
  if (testCard === null) {
    throw apiError('400005', {
      errors: { 'payment_method.credit_card.number': ['The card number is not a whitelisted test card.'] },
    });
  }
  const month = Number(card.month);
  const year = Number(card.year);
  if (
    !Number.isInteger(month) ||
    month < 1 ||
    month > 12 ||
    !Number.isInteger(year) ||
    year < 2000 ||
    year > 2100
  ) {
    throw apiError('400001', {
      errors: { 'payment_method.credit_card.month': ['Send month as MM (01-12) and year as YYYY.'] },
    });
  }
  const now = ctx.services.clock.date();
  if (year < now.getUTCFullYear() || (year === now.getUTCFullYear() && month < now.getUTCMonth() + 1)) {
    throw apiError('400010');
  }
  const digits = String(card.number).replace(/[\s-]/g, '');
  const data = ctx.session.data;
  const token = data.uuid();
  const createdAt = now.toISOString();
  // Observed: first_six_digits carries 8 digits for a 16-digit card (allowed for 16+ digit PANs); 6 otherwise.
  const firstDigits = digits.slice(0, digits.length >= 16 ? 8 : 6);
  const lastFour = digits.slice(-4);
  ctx.session.partition(account.mid).addCard({
    token,
    testCard,
    firstSix: firstDigits,
    lastFour,
    brand: cardBrand(digits),
    month,
    year,
    createdOn: ctx.services.clock.now(),
    [LEDGER_SLOT]: -1,
  });
  return {
    body: {
      transaction: {
        on_test_gateway: true,
        created_at: createdAt,
        updated_at: createdAt,
        succeeded: true,
        state: null,
        token: null,
        transaction_type: null,
        order_id: null,
        ip: null,
        description: null,
        email: null,
        merchant_name_descriptor: null,
        merchant_location_descriptor: null,
        gateway_specific_fields: null,
        gateway_specific_response_fields: null,
        gateway_transaction_id: null,
        gateway_latency_ms: null,
        amount: 0,
        currency_code: null,
        retain_on_success: null,
        payment_method_added: false,
        message_key: null,
        message: null,
        response: null,
        payment_method: {
          token,
          created_at: createdAt,
          updated_at: createdAt,
          email: null,
          data: null,
          storage_state: null,
          test: false,
          metadata: null,
          last_four_digits: lastFour,
          first_six_digits: firstDigits,
          card_type: null,
          // The names are echoed: a card number or CVV typed into one (the lenient profile lets it through) is not.
          first_name: redactText(card.first_name),
          last_name: redactText(card.last_name),
          month,
          year,
          address1: null,
          address2: null,
          city: null,
          state: null,
          zip: null,
          country: null,
          phone_number: null,
          company: null,
          full_name: null,
          payment_method_type: null,
          errors: null,
          fingerprint: null,
          verification_value: null,
          number: null,
        },
      },
      cardBinInfo: null,
      ...envelope({}),
    },
  };
}
