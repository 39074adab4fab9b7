// Merchant and partner accounts the mock knows: shipped sandbox defaults (invented values, safe to publish) plus any
// accounts from a --merchants file. A partner account may act for the MIDs listed in `partnerFor`.

import { createRequire } from 'node:module';
import { readOptionFile } from '../support/capped-file.js';
import { registerSecret } from '../support/redact.js';

export interface MerchantAccount {
  /** Merchant id (GUID); the `custom:mid` claim of its tokens. */
  mid: string;
  appKey: string;
  appSecret: string;
  /** The tokenization key, sent as `environment` on /v1/tokenize. */
  tokenizationKey: string;
  /** Base64 webhook subscriber key used to sign deliveries to this merchant. */
  subscriberKey: string;
  companyName: string;
  /** MIDs this account may act for as a partner (empty for a plain merchant). */
  partnerFor: string[];
  /** Webhook receiver URLs of this merchant (every session's events go there). */
  webhookUrls?: string[];
}

/** The default sandbox merchant. Its MID is the placeholder the FlexFactor docs use in their examples. */
export const DEFAULT_MERCHANT: MerchantAccount = {
  mid: 'a8a0a74d-2509-4cbc-9eb5-879c7a34eb45',
  appKey: 'ffmock_pk_sandbox_merchant_0001',
  appSecret: 'AQAAAAEAACcQmock-sandbox-merchant-secret',
  tokenizationKey: 'ffmock_tk_sandbox_merchant_0001',
  subscriberKey: 'NltFeelN1Pc9ptqp5ntFc8iTPYzsROHqXbYDCpmPta8fruLUEJt/y++nojTj9bV0weV8yAZ/S3Fl6GlXLgdqtw==',
  companyName: 'Mock Shoes Inc.',
  partnerFor: [],
};

/** A second merchant, so isolation and partner access can be exercised out of the box. */
export const SECOND_MERCHANT: MerchantAccount = {
  mid: '3f1e6a2b-9c4d-4e8f-a1b2-c3d4e5f6a7b8',
  appKey: 'ffmock_pk_sandbox_merchant_0002',
  appSecret: 'AQAAAAEAACcQmock-sandbox-second-secret',
  tokenizationKey: 'ffmock_tk_sandbox_merchant_0002',
  subscriberKey: 'o0yE7sDTvqeuXJWhATsegQtVCkysYwIXb301gIJQJs6+1s8iJYgdfPtnSDUCivQJRBxnu09e4EIwyjVR41C0wA==',
  companyName: 'Mock Subscriptions LLC',
  partnerFor: [],
};

/** A partner account acting for both merchants above. */
export const DEFAULT_PARTNER: MerchantAccount = {
  mid: '0d5c7b9e-1f2a-4b3c-8d4e-5f6a7b8c9d0e',
  appKey: 'ffmock_pk_sandbox_partner_0001',
  appSecret: 'AQAAAAEAACcQmock-sandbox-partner-secret',
  tokenizationKey: 'ffmock_tk_sandbox_partner_0001',
  subscriberKey: '2UKDnk0A9ND1H+3iKSHvYY7pFjzT4KMTpzeKSnhyZIGCWvhWzSJGT/XVBMS3XaqKW9nEICSR8xnG9mmWzQ8IcA==',
  companyName: 'Mock Payments Partner Ltd.',
  partnerFor: [DEFAULT_MERCHANT.mid, SECOND_MERCHANT.mid],
};

export const DEFAULT_ACCOUNTS: readonly MerchantAccount[] = [
  DEFAULT_MERCHANT,
  SECOND_MERCHANT,
  DEFAULT_PARTNER,
];

/** Lookups over the configured accounts. */
export class AccountBook {
  readonly accounts: readonly MerchantAccount[];
  readonly #byMid = new Map<string, MerchantAccount>();
  readonly #byAppKey = new Map<string, MerchantAccount>();

  constructor(accounts: readonly MerchantAccount[]) {
    this.accounts = accounts;
    for (const account of accounts) {
      // Whatever a client names the field it sends them in, these never reach a journal or a log.
      registerSecret(account.appSecret, { pinned: true });
      registerSecret(account.subscriberKey, { pinned: true });
      this.#byMid.set(account.mid.toLowerCase(), account);
      this.#byAppKey.set(account.appKey, account);
    }
  }

  byMid(mid: string): MerchantAccount | undefined {
    return this.#byMid.get(mid.toLowerCase());
  }

  byAppKey(appKey: string): MerchantAccount | undefined {
    return this.#byAppKey.get(appKey);
  }

  /** Whether `account` may act for merchant `mid` (itself, or as its partner). */
  mayActFor(account: MerchantAccount, mid: string): boolean {
    const wanted = mid.toLowerCase();
    return account.mid.toLowerCase() === wanted || account.partnerFor.some((m) => m.toLowerCase() === wanted);
  }

  isPartner(account: MerchantAccount): boolean {
    return account.partnerFor.length > 0;
  }
}

/** A merchants file lists a few accounts (some hundred bytes each): 1 MiB holds thousands. */
export const MAX_MERCHANTS_FILE_BYTES = 1024 * 1024;

/**
 * Read extra accounts from a YAML or JSON file (a regular file of at most MAX_MERCHANTS_FILE_BYTES): `{ merchants: [{ mid, appKey, appSecret, tokenizationKey,
 * subscriberKey?, companyName?, partnerFor?, webhookUrls? }] }`. Throws an Error naming the file and the bad entry.
 */
export function loadAccountsFile(path: string): MerchantAccount[] {
  const text = readOptionFile(
    '--merchants',
    path,
    MAX_MERCHANTS_FILE_BYTES,
    'a YAML or JSON file with a top-level "merchants:" list',
  );
  let doc: unknown;
  try {
    // yaml is loaded only for a merchants file, not on every start.
    const yaml = createRequire(import.meta.url)('yaml') as typeof import('yaml');
    doc = yaml.parse(text);
  } catch (error) {
    throw new Error(`${path}: cannot read merchants file: ${(error as Error).message}`);
  }
  const list = (doc as { merchants?: unknown } | null)?.merchants;
  if (!Array.isArray(list)) throw new Error(`${path}: expected a top-level "merchants:" list`);
  return list.map((entry: unknown, index) => {
    const where = `${path}: merchants[${index}]`;
    if (typeof entry !== 'object' || entry === null) throw new Error(`${where} must be an object`);
    const e = entry as Record<string, unknown>;
    for (const field of ['mid', 'appKey', 'appSecret', 'tokenizationKey'] as const) {
      if (typeof e[field] !== 'string' || e[field] === '')
        throw new Error(`${where}.${field} must be a non-empty string`);
    }
    const partnerFor = e.partnerFor ?? [];
    if (!Array.isArray(partnerFor) || partnerFor.some((m) => typeof m !== 'string')) {
      throw new Error(`${where}.partnerFor must be a list of MIDs`);
    }
    const webhookUrls = e.webhookUrls ?? [];
    const badUrl = (u: unknown) => typeof u !== 'string' || !/^https?:\/\//i.test(u);
    if (!Array.isArray(webhookUrls) || webhookUrls.some(badUrl)) {
      throw new Error(`${where}.webhookUrls must be a list of http(s) URLs`);
    }
    return {
      mid: e.mid as string,
      appKey: e.appKey as string,
      appSecret: e.appSecret as string,
      tokenizationKey: e.tokenizationKey as string,
      subscriberKey: typeof e.subscriberKey === 'string' ? e.subscriberKey : DEFAULT_MERCHANT.subscriberKey,
      companyName:
        typeof e.companyName === 'string' ? e.companyName : `Merchant ${(e.mid as string).slice(0, 8)}`,
      partnerFor: partnerFor as string[],
      ...(webhookUrls.length > 0 ? { webhookUrls: webhookUrls as string[] } : {}),
    };
  });
}
