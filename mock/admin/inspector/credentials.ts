// What a developer copies into a client: the accounts' credentials and the whitelisted test cards. The built-in
// accounts and the cards are the mock's own published values and are shown whole. Accounts from a --merchants file
// are the user's: their keys and secrets may be copies of real ones, so the secrets are never echoed back.

import { DEFAULT_ACCOUNTS, type MerchantAccount } from '../../domain/accounts.js';
import { TEST_CARD_DETAILS } from '../../domain/outcomes.js';
import { REDACTED } from '../../support/redact.js';

const PUBLISHED = new Set(DEFAULT_ACCOUNTS.map((a) => `${a.appKey}\n${a.appSecret}`));

export function credentialsView(accounts: readonly MerchantAccount[]) {
  return {
    accounts: accounts.map((a) => {
      const published = PUBLISHED.has(`${a.appKey}\n${a.appSecret}`);
      return {
        companyName: a.companyName,
        mid: a.mid,
        appKey: a.appKey,
        appSecret: published ? a.appSecret : REDACTED,
        tokenizationKey: published ? a.tokenizationKey : REDACTED,
        subscriberKey: published ? a.subscriberKey : REDACTED,
        partnerFor: [...a.partnerFor],
        source: published ? 'built-in' : 'merchants file',
      };
    }),
    testCards: Object.entries(TEST_CARD_DETAILS).map(([name, card]) => ({
      name,
      number: card.number,
      brand: card.brand,
      cvv: card.cvv,
      summary: card.summary,
      source: card.source,
    })),
  };
}
