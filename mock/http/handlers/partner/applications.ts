// Onboarding applications: create or invite, read, edit while DRAFT, submit, cancel, convert, list. Which action a
// status allows and where it leads is the transition table in mock/domain/partner-store.ts.

import { parseInstant } from '../../../domain/dates.js';
import {
  APPLICATION_STATUSES,
  type ApplicationRecord,
  type ApplicationStatus,
  EDITABLE_STATUSES,
  mayTransition,
  settleApplication,
  transitionApplication,
} from '../../../domain/partner-store.js';
import { apiError } from '../../../errors/catalog.js';
import type { Ctx, Reply } from '../../types.js';
import { actionFailure, actionSuccess, iso, obj, paging, partnerOf, str } from './shared.js';

/** `123456789` → `*****6789`: everything but the last four characters masked. */
function maskKeepLast4(value: string | null): string | null {
  if (value === null) return null;
  return value.length <= 4 ? '*'.repeat(value.length) : '*'.repeat(value.length - 4) + value.slice(-4);
}

/** The create/update body fields the mock keeps (PascalCase, as the contract spells them). */
const APPLICATION_FIELDS = [
  'LegalEntityName',
  'Dba',
  'PrimaryContact',
  'TaxId',
  'Descriptor',
  'CustomerSupportInformation',
  'BankAccountInformation',
  'Address',
  'CompanyInUS',
  'BusinessType',
  'EcommercePlatform',
  'EstablishedDate',
  'MCC',
  'WebsiteUrl',
  'Description',
  'PCIDSS',
] as const;

/** Copy the known fields of a request body (unknown keys are tolerated but not kept). */
function applicationFields(body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of APPLICATION_FIELDS) if (name in body) out[name] = body[name];
  return out;
}

/** Merge an update into stored fields: only the fields sent change; nested objects merge key by key (invented). */
function mergeFields(target: Record<string, unknown>, changes: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(changes)) {
    const current = target[name];
    const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
    target[name] = isObject(current) && isObject(value) ? { ...obj(current), ...obj(value) } : value;
  }
}

function newApplication(ctx: Ctx): ApplicationRecord {
  const state = ctx.session.partner();
  const now = ctx.services.clock.now();
  const application: ApplicationRecord = {
    id: ctx.session.data.uuid(),
    owner: partnerOf(ctx).mid,
    status: 'DRAFT',
    createdOn: now,
    lastUpdatedOn: now,
    submittedOn: null,
    merchantId: null,
    seq: state.nextSeq(),
    fields: applicationFields(ctx.body as Record<string, unknown>),
  };
  state.addApplication(application);
  return application;
}

/** The camelCase application detail (documented up to `address`; the rest mirrors the create body, invented). */
function applicationView(a: ApplicationRecord): Record<string, unknown> {
  const f = a.fields;
  const contact = obj(f.PrimaryContact);
  const support = obj(f.CustomerSupportInformation);
  const address = obj(f.Address);
  const bank = obj(f.BankAccountInformation);
  const pcidss = f.PCIDSS;
  return {
    id: a.id,
    status: a.status,
    createdOn: iso(a.createdOn),
    lastUpdatedOn: iso(a.lastUpdatedOn),
    legalEntityName: str(f.LegalEntityName),
    dba: str(f.Dba),
    taxId: str(f.TaxId),
    descriptor: str(f.Descriptor),
    primaryContact: {
      firstName: str(contact.FirstName),
      lastName: str(contact.LastName),
      email: str(contact.Email),
      phone: str(contact.Phone),
    },
    customerSupportInfo: {
      supportLink: str(support.SupportLink),
      supportEmail: str(support.SupportEmail),
      supportName: str(support.SupportName),
      supportPhone: str(support.SupportPhone),
    },
    address: {
      addressLine1: str(address.AddressLine1),
      addressLine2: str(address.AddressLine2),
      city: str(address.City),
      state: str(address.State),
      zipcode: str(address.Zipcode),
      country: str(address.Country),
    },
    bankAccountInformation: {
      bankName: str(bank.BankName),
      // The account number is only ever shown masked (invented, like the merchant object).
      accountNumber: maskKeepLast4(str(bank.AccountNumber)),
      routingNumber: str(bank.RoutingNumber),
      accountType: str(bank.AccountType),
    },
    companyInUS: typeof f.CompanyInUS === 'boolean' ? f.CompanyInUS : null,
    businessType: str(f.BusinessType),
    ecommercePlatform: str(f.EcommercePlatform),
    establishedDate: str(f.EstablishedDate),
    mcc: str(f.MCC),
    websiteUrl: str(f.WebsiteUrl),
    description: str(f.Description),
    pcidss: typeof pcidss === 'boolean' || typeof pcidss === 'string' ? pcidss : null,
  };
}

/** An application of the calling partner in this session, with its due review decision applied; else 404005. */
export function findApplication(ctx: Ctx, id: string): ApplicationRecord {
  const application = ctx.session.partner().applications.get(id);
  if (!application || application.owner !== partnerOf(ctx).mid) {
    throw apiError('404005', { detail: `No application ${id}.` });
  }
  settleApplication(application, ctx.services.clock.now());
  return application;
}

/** createApplication: a new DRAFT application (the response, the application itself, is invented). */
export function createApplication(ctx: Ctx): Reply {
  return { body: applicationView(newApplication(ctx)) };
}

/** inviteApplicant: a new DRAFT application for the invited primary contact (no e-mail is sent by the mock). */
export function inviteApplicant(ctx: Ctx): Reply {
  const a = newApplication(ctx);
  return {
    body: {
      id: a.id,
      status: a.status,
      createdOn: iso(a.createdOn),
      lastUpdatedOn: iso(a.lastUpdatedOn),
      errors: [],
    },
  };
}

/** getApplication: the detail of one application. */
export function getApplication(ctx: Ctx): Reply {
  return { body: applicationView(findApplication(ctx, ctx.params.id ?? '')) };
}

/** updateApplication: change the fields sent, only while DRAFT (else 409004, invented). */
export function updateApplication(ctx: Ctx): Reply {
  const a = findApplication(ctx, ctx.params.id ?? '');
  if (!EDITABLE_STATUSES.includes(a.status)) {
    throw apiError('409004', {
      detail: `The application is ${a.status}; only a DRAFT application can be edited.`,
    });
  }
  mergeFields(a.fields, applicationFields(ctx.body as Record<string, unknown>));
  a.lastUpdatedOn = ctx.services.clock.now();
  ctx.session.partner().updatedApplication(a);
  return { body: applicationView(a) };
}

/** "Application is already submitted." and its siblings, for a refused action. */
function alreadyMessage(a: ApplicationRecord): string {
  return `Application is already ${a.status.toLowerCase().replace('_', ' ')}.`;
}

/**
 * submitApplication: DRAFT → SUBMITTED (documented bodies). The review decision then follows the invented
 * 1-hour rule of settleApplication() in mock/domain/partner-store.ts.
 */
export function submitApplication(ctx: Ctx): Reply {
  const a = findApplication(ctx, ctx.params.id ?? '');
  if (!mayTransition(a, 'submit')) return actionFailure(alreadyMessage(a));
  transitionApplication(a, 'submit', ctx.services.clock.now());
  return actionSuccess('Application submitted successfully.');
}

/** cancelApplication: allowed in DRAFT, SUBMITTED, APPROVED and DECLINED (→ CANCELLED); else a FAILED body. */
export function cancelApplication(ctx: Ctx): Reply {
  const a = findApplication(ctx, ctx.params.id ?? '');
  if (a.merchantId !== null) return actionFailure('Application has already been converted to a merchant.');
  if (!mayTransition(a, 'cancel')) return actionFailure(alreadyMessage(a));
  transitionApplication(a, 'cancel', ctx.services.clock.now());
  return actionSuccess('Application cancelled successfully.');
}

/**
 * convertApplication: an APPROVED application becomes a merchant (`merchantId`, a new MID). Invented: the new
 * merchant has no credentials and does not join the partner's merchant list; converting twice is refused.
 */
export function convertApplication(ctx: Ctx): Reply {
  const a = findApplication(ctx, ctx.params.id ?? '');
  const failed = (message: string): Reply => ({
    body: { merchantId: null, status: 'FAILED', success: false, result: null, errors: [message] },
  });
  if (a.merchantId !== null) return failed('Application is already converted.');
  if (!mayTransition(a, 'convert')) return failed('Only an APPROVED application can be converted.');
  a.merchantId = ctx.session.data.uuid();
  transitionApplication(a, 'convert', ctx.services.clock.now());
  return {
    body: {
      merchantId: a.merchantId,
      status: 'SUCCESS',
      success: true,
      result: 'Application converted successfully.',
      errors: [],
    },
  };
}

type SortKey = 'createdOn' | 'status' | 'dba';

const SORTERS: Record<SortKey, (a: ApplicationRecord, b: ApplicationRecord) => number> = {
  createdOn: (a, b) => a.createdOn - b.createdOn,
  // Invented: status sorts in life-cycle order (DRAFT … CANCELLED), not alphabetically.
  status: (a, b) => APPLICATION_STATUSES.indexOf(a.status) - APPLICATION_STATUSES.indexOf(b.status),
  dba: (a, b) => (str(a.fields.Dba) ?? '').localeCompare(str(b.fields.Dba) ?? ''),
};

function queryInstant(query: Record<string, unknown>, name: string, fallback: number): number {
  const value = query[name];
  if (value === undefined || value === '') return fallback;
  const ms = parseInstant(String(value));
  if (Number.isNaN(ms)) throw apiError('400012', { errors: { [name]: ['Send an ISO 8601 date-time.'] } });
  return ms;
}

/** listApplications: filter by status and creation time (from inclusive, to exclusive), sort, page. */
export function listApplications(ctx: Ctx): Reply {
  const q = ctx.query;
  const owner = partnerOf(ctx).mid;
  const now = ctx.services.clock.now();
  const from = queryInstant(q, 'createdFrom', Number.NEGATIVE_INFINITY);
  const to = queryInstant(q, 'createdTo', Number.POSITIVE_INFINITY);
  const status = typeof q.status === 'string' ? (q.status as ApplicationStatus) : null;

  const matches: ApplicationRecord[] = [];
  for (const a of ctx.session.partner().applications.values()) {
    if (a.owner !== owner) continue;
    settleApplication(a, now);
    if (status !== null && a.status !== status) continue;
    if (a.createdOn < from || a.createdOn >= to) continue;
    matches.push(a);
  }
  const sorter = SORTERS[(q.sortBy as SortKey | undefined) ?? 'createdOn'] ?? SORTERS.createdOn;
  const direction = q.sortOrder === 'asc' ? 1 : -1;
  matches.sort((a, b) => direction * (sorter(a, b) || a.seq - b.seq));

  const { pageSize, pageNumber } = paging(q);
  const first = (pageNumber - 1) * pageSize;
  return {
    body: {
      totalItemCount: matches.length,
      pageNumber,
      pageSize,
      rows: matches.slice(first, first + pageSize).map((a) => ({
        id: a.id,
        createdOn: iso(a.createdOn),
        status: a.status,
        dba: str(a.fields.Dba),
      })),
    },
  };
}
