// Partner merchants: the merchants a partner acts for, each with a stable fake profile.

import { DataSource } from '../../../domain/fake-data.js';
import { apiError } from '../../../errors/catalog.js';
import type { Ctx, HandlerServices, Reply } from '../../types.js';
import { paging, partnerOf } from './shared.js';

const BUSINESS_TYPES = ['Limited Liability Company', 'Corporation', 'Sole Proprietorship', 'Partnership'];
const INDUSTRIES: [mcc: string, industry: string][] = [
  ['5999', 'Retail'],
  ['5661', 'Shoe Stores'],
  ['5732', 'Electronics'],
  ['5812', 'Restaurants'],
  ['5968', 'Subscriptions'],
  ['7372', 'Software'],
];
const TIMEZONES: [name: string, offsetMinutes: number][] = [
  ['America/New_York', -300],
  ['America/Chicago', -360],
  ['America/Denver', -420],
  ['America/Los_Angeles', -480],
  ['Pacific/Pitcairn', -480],
];

/** Merchant profiles per mock and MID: generated once, then the same object on every read. */
const MERCHANT_PROFILES = new WeakMap<HandlerServices, Map<string, Record<string, unknown>>>();

/**
 * The merchant object of a MID. Account data (MID, company name) comes from the configured accounts; everything
 * else is fake (invented), drawn from a Faker stream seeded by (seed, MID) so a merchant looks the same in every
 * session and whatever was requested before. Bank numbers are only ever shown masked.
 */
function merchantProfile(services: HandlerServices, mid: string): Record<string, unknown> {
  let profiles = MERCHANT_PROFILES.get(services);
  if (!profiles) {
    profiles = new Map();
    MERCHANT_PROFILES.set(services, profiles);
  }
  const cached = profiles.get(mid.toLowerCase());
  if (cached) return cached;

  const data = new DataSource(services.settings.seed, `merchant:${mid.toLowerCase()}`);
  const f = data.faker;
  const companyName = services.accounts.byMid(mid)?.companyName ?? f.company.name();
  const dba = companyName.replace(/,?\s+(Inc\.?|LLC|Ltd\.?|Corp\.?|Co\.?)$/i, '');
  const domain = `${
    dba
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'merchant'
  }.example`;
  const website = `https://${domain}`;
  const [mcc, industry] = f.helpers.arrayElement(INDUSTRIES);
  const [timezoneName, timezone] = f.helpers.arrayElement(TIMEZONES);
  const contact = () => {
    const firstName = f.person.firstName();
    const lastName = f.person.lastName();
    const email = `${firstName}.${lastName}@${domain}`.toLowerCase().replace(/[^a-z0-9.@-]/g, '');
    return { firstName, lastName, email, phone: f.phone.number({ style: 'international' }) };
  };
  const primary = contact();
  const developer = contact();
  const profile = {
    accountId: data.uuid(),
    mid,
    companyName,
    legalEntityName: companyName,
    dba,
    type: f.helpers.arrayElement(BUSINESS_TYPES),
    website,
    description: f.company.catchPhrase(),
    specialTerms: null,
    mcc,
    industry,
    status: 1,
    statusName: 'ACTIVE',
    customerSupportInformation: {
      customerSupportName: `${dba} Support`,
      customerSupportEmail: `support@${domain}`,
      customerSupportPhone: f.phone.number({ style: 'international' }),
      customerSupportLink: `${website}/help`,
    },
    createdOn: f.date.past({ years: 3 }).toISOString(),
    primaryContact: primary,
    developerContact: {
      developerFirstName: developer.firstName,
      developerLastName: developer.lastName,
      developerEmail: developer.email,
      developerPhone: developer.phone,
    },
    bankAccountInformation: {
      ddaType: f.helpers.arrayElement(['Checking', 'Savings']),
      accountNumber: null,
      maskedAccountNumber: `****${f.string.numeric(4)}`,
      routingNumber: null,
      maskedRoutingNumber: `****${f.string.numeric(4)}`,
    },
    sites: [{ id: data.uuid(), url: website }],
    timezone,
    language: 'en',
    timezoneName,
  };
  profiles.set(mid.toLowerCase(), profile);
  return profile;
}

/** The MIDs a partner acts for (its own MID is not one of its merchants). */
function merchantMids(ctx: Ctx): string[] {
  return partnerOf(ctx).partnerFor;
}

/** listMerchants: one page of the merchants the partner acts for (paging and wrapper invented). */
export function listMerchants(ctx: Ctx): Reply {
  const { pageSize, pageNumber } = paging(ctx.query);
  const mids = merchantMids(ctx);
  const first = (pageNumber - 1) * pageSize;
  return {
    body: {
      items: mids.slice(first, first + pageSize).map((mid) => merchantProfile(ctx.services, mid)),
      pageNumber,
      pageSize,
      pageCount: Math.ceil(mids.length / pageSize),
      totalItemCount: mids.length,
    },
  };
}

/** getMerchant: one merchant the partner acts for; any other MID is 404004. */
export function getMerchant(ctx: Ctx): Reply {
  const wanted = (ctx.params.mid ?? '').toLowerCase();
  const mid = merchantMids(ctx).find((m) => m.toLowerCase() === wanted);
  if (!mid) throw apiError('404004', { detail: `No merchant ${ctx.params.mid ?? ''} among yours.` });
  return { body: merchantProfile(ctx.services, mid) };
}
