// Partner endpoints: merchant API keys, merchant details, onboarding applications and their documents.
// Only partner accounts get here (the pipeline answers 403002 to plain merchants). State lives per test session in
// mock/domain/partner-store.ts; this file decides what each request does and shapes the responses.

import busboy from 'busboy';
import type { Request } from 'express';
import type { MerchantAccount } from '../../domain/accounts.js';
import { parseInstant } from '../../domain/dates.js';
import { DataSource } from '../../domain/fake-data.js';
import {
  APPLICATION_RULES,
  APPLICATION_STATUSES,
  type ApiKeyRecord,
  type ApiKeyType,
  type ApplicationRecord,
  type ApplicationStatus,
  type DocumentRecord,
  type PartnerState,
  partnerState,
  settleApplication,
} from '../../domain/partner-store.js';
import { apiError } from '../../errors/catalog.js';
import type { Ctx, HandlerServices as Engine, Reply } from '../types.js';

// ---------------------------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------------------------

/** The authenticated partner (the pipeline guarantees one on every partner operation). */
function partnerOf(ctx: Ctx): MerchantAccount {
  if (!ctx.account) throw new Error('partner handlers need an authenticated caller');
  return ctx.account;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function str(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

function obj(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** `123456789` → `*****6789`: everything but the last four characters masked. */
function maskKeepLast4(value: string | null): string | null {
  if (value === null) return null;
  return value.length <= 4 ? '*'.repeat(value.length) : '*'.repeat(value.length - 4) + value.slice(-4);
}

/** The partner action envelope (documented for submit): statusCode "200"/"400", plain-string errors. */
function actionSuccess(result: string): Reply {
  return {
    body: { status: 'SUCCESS', success: true, result, statusCode: '200', errors: [], customProperties: {} },
  };
}

/** A refused partner action: HTTP 200 with `status: FAILED` (documented business failure, not a 4xx). */
function actionFailure(message: string): Reply {
  return {
    body: {
      status: 'FAILED',
      success: false,
      result: null,
      statusCode: '400',
      errors: [message],
      customProperties: {},
    },
  };
}

function paging(query: Record<string, unknown>): { pageSize: number; pageNumber: number } {
  return { pageSize: Number(query.pageSize ?? 10), pageNumber: Number(query.pageNumber ?? 1) };
}

// ---------------------------------------------------------------------------------------------------------------
// API keys
// ---------------------------------------------------------------------------------------------------------------

/** Key value prefixes (sandbox flavour; the docs' example is `sk_test_4eC39HqLyjWDarjtT1zdp7dc`). */
const KEY_PREFIXES: Record<ApiKeyType, string> = {
  secret: 'sk_test_',
  public: 'pk_test_',
  tokenization: 'tk_test_',
};

/** createApiKey: a new key for a merchant the partner acts for; the full `value` is returned only here. */
export function createApiKey(ctx: Ctx): Reply {
  const state = partnerState(ctx.session);
  const mid = String(ctx.body.mid);
  const name = String(ctx.body.name);
  const type = ctx.body.type as ApiKeyType;
  // Invented business rule (the contract's failure example): key names are unique per merchant.
  const duplicate = [...state.apiKeys.values()].some(
    (k) => k.mid.toLowerCase() === mid.toLowerCase() && k.name.toLowerCase() === name.toLowerCase(),
  );
  if (duplicate) {
    return {
      body: {
        id: null,
        mid: null,
        name: null,
        type: null,
        value: null,
        scopes: null,
        created_at: null,
        errors: ['A key with this name already exists for the merchant.'],
      },
    };
  }
  const data = ctx.session.data;
  const id = data.uuid();
  const value = KEY_PREFIXES[type] + data.faker.string.alphanumeric(24);
  const scopes = Array.isArray(ctx.body.scopes) ? (ctx.body.scopes as string[]).map(String) : [];
  const key: ApiKeyRecord = {
    id,
    mid,
    name,
    type,
    scopes,
    lastFour: value.slice(-4),
    createdOn: ctx.engine.clock.now(),
    lastUsed: null,
  };
  state.addApiKey(key);
  return {
    body: { id, mid, name, type, value, scopes, created_at: iso(key.createdOn), errors: [] },
  };
}

/** A key the caller may see: it exists in this session and belongs to a merchant the partner acts for. */
function findApiKey(ctx: Ctx, id: string): ApiKeyRecord {
  const key = partnerState(ctx.session).apiKeys.get(id);
  if (!key || !ctx.engine.accounts.mayActFor(partnerOf(ctx), key.mid)) {
    throw apiError('404003', { detail: `No API key ${id}.` });
  }
  return key;
}

/**
 * getApiKey: the docs put "one key" and "a merchant's keys" on the same path shape. Invented disambiguation (as in
 * the contract): a MID the caller acts for → the merchant's keys (snake_case list); anything else → one key.
 */
export function getApiKey(ctx: Ctx): Reply {
  const id = ctx.params.id ?? '';
  if (ctx.engine.accounts.mayActFor(partnerOf(ctx), id)) {
    const keys = [...partnerState(ctx.session).apiKeys.values()]
      .filter((k) => k.mid.toLowerCase() === id.toLowerCase())
      .map((k) => ({
        id: k.id,
        name: k.name,
        type: k.type,
        created_at: iso(k.createdOn),
        last_used: k.lastUsed === null ? null : iso(k.lastUsed),
        last_four: k.lastFour,
      }));
    return { body: { keys } };
  }
  const key = findApiKey(ctx, id);
  return {
    body: {
      status: 'SUCCESS',
      success: true,
      id: key.id,
      name: key.name,
      type: key.type,
      scopes: key.scopes,
      createdOn: iso(key.createdOn),
      lastUsed: key.lastUsed === null ? null : iso(key.lastUsed),
      lastFour: key.lastFour,
      errors: [],
    },
  };
}

/**
 * deleteApiKey: revoke a key. HTTP 200 with the documented body, and for a failure the documented FAILED body with
 * its documented messages (an unknown key, or one of a merchant the partner does not act for).
 */
export function deleteApiKey(ctx: Ctx): Reply {
  const key = partnerState(ctx.session).apiKeys.get(ctx.params.id ?? '');
  const failed = (message: string): Reply => ({
    body: { status: 'FAILED', success: false, result: null, errors: [message] },
  });
  if (!key) return failed('API key not found.');
  if (!ctx.engine.accounts.mayActFor(partnerOf(ctx), key.mid))
    return failed('You do not have permission to delete this key.');
  partnerState(ctx.session).apiKeys.delete(key.id);
  return { body: { status: 'SUCCESS', success: true, result: 'API key deleted successfully.', errors: [] } };
}

// ---------------------------------------------------------------------------------------------------------------
// Merchants
// ---------------------------------------------------------------------------------------------------------------

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

/** Merchant profiles per engine and MID: generated once, then the same object on every read. */
const MERCHANT_PROFILES = new WeakMap<Engine, Map<string, Record<string, unknown>>>();

/**
 * The merchant object of a MID. Account data (MID, company name) comes from the configured accounts; everything
 * else is fake (invented), drawn from a Faker stream seeded by (seed, MID) so a merchant looks the same in every
 * session and whatever was requested before. Bank numbers are only ever shown masked.
 */
function merchantProfile(engine: Engine, mid: string): Record<string, unknown> {
  let profiles = MERCHANT_PROFILES.get(engine);
  if (!profiles) {
    profiles = new Map();
    MERCHANT_PROFILES.set(engine, profiles);
  }
  const cached = profiles.get(mid.toLowerCase());
  if (cached) return cached;

  const data = new DataSource(engine.settings.seed, `merchant:${mid.toLowerCase()}`);
  const f = data.faker;
  const companyName = engine.accounts.byMid(mid)?.companyName ?? f.company.name();
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
      items: mids.slice(first, first + pageSize).map((mid) => merchantProfile(ctx.engine, mid)),
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
  return { body: merchantProfile(ctx.engine, mid) };
}

// ---------------------------------------------------------------------------------------------------------------
// Onboarding applications
// ---------------------------------------------------------------------------------------------------------------

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
  const state = partnerState(ctx.session);
  const now = ctx.engine.clock.now();
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
function findApplication(ctx: Ctx, id: string): ApplicationRecord {
  const application = partnerState(ctx.session).applications.get(id);
  if (!application || application.owner !== partnerOf(ctx).mid) {
    throw apiError('404005', { detail: `No application ${id}.` });
  }
  settleApplication(application, ctx.engine.clock.now());
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
  if (!APPLICATION_RULES.update.includes(a.status)) {
    throw apiError('409004', {
      detail: `The application is ${a.status}; only a DRAFT application can be edited.`,
    });
  }
  mergeFields(a.fields, applicationFields(ctx.body as Record<string, unknown>));
  a.lastUpdatedOn = ctx.engine.clock.now();
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
  if (!APPLICATION_RULES.submit.includes(a.status)) return actionFailure(alreadyMessage(a));
  const now = ctx.engine.clock.now();
  a.status = 'SUBMITTED';
  a.submittedOn = now;
  a.lastUpdatedOn = now;
  return actionSuccess('Application submitted successfully.');
}

/** cancelApplication: allowed in DRAFT, SUBMITTED, APPROVED and DECLINED (→ CANCELLED); else a FAILED body. */
export function cancelApplication(ctx: Ctx): Reply {
  const a = findApplication(ctx, ctx.params.id ?? '');
  if (a.merchantId !== null) return actionFailure('Application has already been converted to a merchant.');
  if (!APPLICATION_RULES.cancel.includes(a.status)) return actionFailure(alreadyMessage(a));
  a.status = 'CANCELLED';
  a.lastUpdatedOn = ctx.engine.clock.now();
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
  if (!APPLICATION_RULES.convert.includes(a.status)) {
    return failed('Only an APPROVED application can be converted.');
  }
  a.merchantId = ctx.session.data.uuid();
  a.lastUpdatedOn = ctx.engine.clock.now();
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
  const now = ctx.engine.clock.now();
  const from = queryInstant(q, 'createdFrom', Number.NEGATIVE_INFINITY);
  const to = queryInstant(q, 'createdTo', Number.POSITIVE_INFINITY);
  const status = typeof q.status === 'string' ? (q.status as ApplicationStatus) : null;

  const matches: ApplicationRecord[] = [];
  for (const a of partnerState(ctx.session).applications.values()) {
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

// ---------------------------------------------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------------------------------------------

/** Largest accepted document (documented: 10 MB, read as 10 MiB). */
export const MAX_DOCUMENT_BYTES = 10 * 1024 * 1024;
/** Room for the multipart framing and the text fields on top of the file (invented). */
const MULTIPART_OVERHEAD_BYTES = 256 * 1024;
/** How long a download URL stays valid (invented; S3 pre-signed URLs often use 15 minutes). */
const DOWNLOAD_URL_TTL_S = 15 * 60;

/** Accepted document types (documented list: PDF, JPEG, PNG, XLS, CSV, DOC), by extension and by MIME type. */
const DOCUMENT_TYPES: { extensions: string[]; mime: string }[] = [
  { extensions: ['pdf'], mime: 'application/pdf' },
  { extensions: ['jpg', 'jpeg'], mime: 'image/jpeg' },
  { extensions: ['png'], mime: 'image/png' },
  { extensions: ['xls'], mime: 'application/vnd.ms-excel' },
  { extensions: ['csv'], mime: 'text/csv' },
  { extensions: ['doc'], mime: 'application/msword' },
];

/** The MIME type to record for an upload, or null when neither its extension nor its MIME type is accepted. */
function documentMime(fileName: string, mime: string): string | null {
  const extension = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase() ?? '';
  const byMime = DOCUMENT_TYPES.find((t) => t.mime === mime.toLowerCase());
  if (byMime) return byMime.mime;
  return DOCUMENT_TYPES.find((t) => t.extensions.includes(extension))?.mime ?? null;
}

interface Upload {
  file: { fileName: string; mimeType: string; size: number } | null;
  documentType: string | null;
  description: string | null;
}

/**
 * Stream a multipart upload through busboy, keeping only metadata: bytes are counted and dropped. Beyond
 * MAX_DOCUMENT_BYTES the parser is detached (the rest of the body is drained unparsed) and the upload fails 413001.
 */
function readUpload(req: Request): Promise<Upload> {
  return new Promise((resolve, reject) => {
    const upload: Upload = { file: null, documentType: null, description: null };
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: req.headers,
        // busboy emits 'limit' once a file reaches fileSize bytes: one more than allowed means too large.
        limits: { fileSize: MAX_DOCUMENT_BYTES + 1, files: 1, fields: 20, fieldSize: 64 * 1024, parts: 30 },
      });
    } catch (error) {
      reject(
        apiError('400001', {
          errors: { $: [`The multipart body cannot be read: ${(error as Error).message}`] },
        }),
      );
      return;
    }
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      req.removeListener('data', countRequest);
      req.resume(); // drain (and drop) whatever the client still sends
      reject(error);
    };
    const tooLarge = () =>
      fail(
        apiError('413001', {
          detail: `The limit for documents is 10 MB (${MAX_DOCUMENT_BYTES} bytes).`,
        }),
      );
    let requestBytes = 0;
    function countRequest(chunk: Buffer) {
      requestBytes += chunk.length;
      if (requestBytes > MAX_DOCUMENT_BYTES + MULTIPART_OVERHEAD_BYTES) tooLarge();
    }
    req.on('data', countRequest);

    parser.on('file', (name, stream, info) => {
      if (name !== 'document' || upload.file) {
        stream.resume();
        return;
      }
      const file = { fileName: info.filename ?? 'document', mimeType: info.mimeType, size: 0 };
      upload.file = file;
      stream.on('data', (chunk: Buffer) => {
        file.size += chunk.length;
      });
      stream.on('limit', tooLarge);
    });
    parser.on('field', (name, value) => {
      if (name === 'documentType') upload.documentType = value;
      else if (name === 'description') upload.description = value;
    });
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      req.removeListener('data', countRequest);
      resolve(upload);
    });
    parser.on('error', (error: Error) =>
      fail(apiError('400001', { errors: { $: [`The multipart body cannot be read: ${error.message}`] } })),
    );
    // A client that hangs up mid-upload: nobody reads the answer, but the promise must still settle.
    req.on('close', () => {
      if (!req.complete) fail(apiError('400001', { errors: { $: ['The upload was aborted.'] } }));
    });
    req.pipe(parser);
  });
}

/**
 * A mock download URL on this server (invented: the real API returns a pre-signed, time-limited storage URL). It
 * points at the document's metadata endpoint; the mock never keeps the file itself.
 */
function downloadUrl(ctx: Ctx, d: DocumentRecord): string {
  const host = ctx.req.get('host') ?? '';
  const safeHost = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(host)
    ? host
    : '127.0.0.1:4848';
  const expires = Math.floor(ctx.engine.clock.now() / 1000) + DOWNLOAD_URL_TTL_S;
  return (
    `${ctx.req.protocol}://${safeHost}/v1/onboarding/application/${encodeURIComponent(d.applicationId)}` +
    `/documents/${encodeURIComponent(d.documentId)}?download=1&expires=${expires}`
  );
}

function documentView(ctx: Ctx, d: DocumentRecord): Record<string, unknown> {
  return {
    documentId: d.documentId,
    documentType: d.documentType,
    description: d.description,
    uploadedOn: iso(d.uploadedOn),
    fileName: d.fileName,
    fileType: d.fileType,
    fileSize: d.fileSize,
    downloadUrl: downloadUrl(ctx, d),
  };
}

/** `document_` + six digits (the docs' example form), unique within the session. */
function newDocumentId(ctx: Ctx, state: PartnerState): string {
  for (;;) {
    const id = `document_${ctx.session.data.faker.string.numeric(6)}`;
    if (!state.documents.has(id)) return id;
  }
}

/** uploadDocument: attach a file (multipart `document`, `documentType`, `description`); only metadata is kept. */
export async function uploadDocument(ctx: Ctx): Promise<Reply> {
  const a = findApplication(ctx, ctx.params.id ?? '');
  const contentType = String(ctx.req.headers['content-type'] ?? '');
  if (!/^multipart\/form-data\s*;/i.test(contentType)) {
    throw apiError('415001', {
      detail: `Got content type "${contentType || '(none)'}"; send multipart/form-data with a \`document\` file.`,
    });
  }
  const upload = await readUpload(ctx.req);
  const errors: Record<string, string[]> = {};
  const fileType = upload.file ? documentMime(upload.file.fileName, upload.file.mimeType) : null;
  if (!upload.file) errors.Document = ['The Document field is required.'];
  else if (fileType === null)
    errors.Document = [
      `The file type of "${upload.file.fileName}" is not accepted: send a PDF, JPEG, PNG, XLS, CSV or DOC file.`,
    ];
  else if (upload.file.size === 0) errors.Document = ['The Document file is empty.'];
  if (!upload.documentType?.trim()) errors.DocumentType = ['The DocumentType field is required.'];
  if (!upload.file || fileType === null || Object.keys(errors).length > 0)
    throw apiError('400001', { errors });

  const state = partnerState(ctx.session);
  const document: DocumentRecord = {
    documentId: newDocumentId(ctx, state),
    applicationId: a.id,
    documentType: (upload.documentType ?? '').trim(),
    description: upload.description,
    fileName: upload.file.fileName,
    fileType,
    fileSize: upload.file.size,
    uploadedOn: ctx.engine.clock.now(),
  };
  state.addDocument(document);
  a.lastUpdatedOn = document.uploadedOn;
  return {
    body: {
      status: 'SUCCESS',
      success: true,
      result: 'Document uploaded successfully.',
      uploadedDocumentId: document.documentId,
      errors: [],
    },
  };
}

/** listDocuments: the application's documents, oldest first, each with a fresh download URL. */
export function listDocuments(ctx: Ctx): Reply {
  const a = findApplication(ctx, ctx.params.id ?? '');
  const documents = partnerState(ctx.session)
    .documentsOf(a.id)
    .map((d) => documentView(ctx, d));
  return {
    body: { status: 'SUCCESS', success: true, totalDocuments: documents.length, documents, errors: [] },
  };
}

function findDocument(ctx: Ctx): DocumentRecord {
  const a = findApplication(ctx, ctx.params.id ?? '');
  const id = ctx.params.documentId ?? '';
  const document = partnerState(ctx.session).documents.get(id);
  if (!document || document.applicationId !== a.id) {
    throw apiError('404006', { detail: `No document ${id} on application ${a.id}.` });
  }
  return document;
}

/** getDocument: one document's metadata (the response shape, the document object itself, is invented). */
export function getDocument(ctx: Ctx): Reply {
  return { body: documentView(ctx, findDocument(ctx)) };
}

/** deleteDocument: remove a document (HTTP 200 with the submit/cancel envelope; invented response). */
export function deleteDocument(ctx: Ctx): Reply {
  const document = findDocument(ctx);
  partnerState(ctx.session).documents.delete(document.documentId);
  return actionSuccess('Document deleted successfully.');
}
