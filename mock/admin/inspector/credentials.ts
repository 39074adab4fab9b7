// What a developer copies into a client: the accounts' credentials and the whitelisted test cards. The default
// accounts and the cards are the mock's own published values; accounts from a --merchants file are the user's, and
// the admin API shows them only to callers holding the admin token.

import type { MerchantAccount } from '../../domain/accounts.js';
import { TEST_CARD_DETAILS } from '../../domain/outcomes.js';

export function credentialsView(accounts: readonly MerchantAccount[]) {
  return {
    accounts: accounts.map((a) => ({
      companyName: a.companyName,
      mid: a.mid,
      appKey: a.appKey,
      appSecret: a.appSecret,
      tokenizationKey: a.tokenizationKey,
      subscriberKey: a.subscriberKey,
      partnerFor: [...a.partnerFor],
    })),
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
