// Per-session partner state: merchant API keys, onboarding applications and document metadata. Each session holds
// its own (Session.partner()), and every record is admitted into the store's partner budget, shared by all sessions,
// so resetting or evicting a session gives its share back. Uploaded file bytes are never kept: only name, type, size,
// documentType and description.

import { evictOldest, type Ledger, type LedgerOwner, valueBytes } from '../support/bounded.js';

export type ApiKeyType = 'secret' | 'public' | 'tokenization';

/** A merchant API key. The full value is returned once, on create; only its last four characters are kept. */
export interface ApiKeyRecord {
  id: string;
  mid: string;
  name: string;
  type: ApiKeyType;
  scopes: string[];
  lastFour: string;
  createdOn: number;
  /** Nothing in the mock authenticates with these keys, so this stays null. */
  lastUsed: number | null;
}

export const APPLICATION_STATUSES = [
  'DRAFT',
  'SUBMITTED',
  'IN_REVIEW',
  'APPROVED',
  'DECLINED',
  'CANCELLED',
] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

/** An onboarding application, owned by the partner account that created (or invited) it. */
export interface ApplicationRecord {
  id: string;
  /** MID of the partner account that owns it; other partners get 404005. */
  owner: string;
  status: ApplicationStatus;
  createdOn: number;
  lastUpdatedOn: number;
  submittedOn: number | null;
  /** Set by convert (APPROVED → merchant); a converted application cannot be converted or cancelled again. */
  merchantId: string | null;
  /** Creation order within the session: the tie-breaker for sorting (a frozen clock gives equal timestamps). */
  seq: number;
  /** The request fields as bound by the contract (PascalCase, e.g. `Dba`, `PrimaryContact.FirstName`). */
  fields: Record<string, unknown>;
}

/** The statuses in which an application's fields may still be edited. */
export const EDITABLE_STATUSES: readonly ApplicationStatus[] = ['DRAFT'];

/**
 * Every application transition: the statuses it may start from and where it goes. `null` in `to` keeps the status
 * (convert turns an APPROVED application into a merchant without changing its status). Handlers and the review rule
 * never set `status` themselves; they call transitionApplication(). This is the whole state machine.
 */
export const APPLICATION_TRANSITIONS = {
  submit: { from: ['DRAFT'], to: 'SUBMITTED' },
  approve: { from: ['SUBMITTED'], to: 'APPROVED' },
  decline: { from: ['SUBMITTED'], to: 'DECLINED' },
  cancel: { from: ['DRAFT', 'SUBMITTED', 'APPROVED', 'DECLINED'], to: 'CANCELLED' },
  convert: { from: ['APPROVED'], to: null },
} as const satisfies Record<string, { from: readonly ApplicationStatus[]; to: ApplicationStatus | null }>;

export type ApplicationTransition = keyof typeof APPLICATION_TRANSITIONS;

/** Whether `name` may start from the application's current status. */
export function mayTransition(application: ApplicationRecord, name: ApplicationTransition): boolean {
  return (APPLICATION_TRANSITIONS[name].from as readonly ApplicationStatus[]).includes(application.status);
}

/**
 * Apply a transition at `at` (virtual ms): set the status (unless the row keeps it) and the update time. A
 * transition the status does not allow is a programming error: callers check mayTransition() and answer first.
 */
export function transitionApplication(
  application: ApplicationRecord,
  name: ApplicationTransition,
  at: number,
): void {
  if (!mayTransition(application, name)) {
    throw new Error(`application transition ${name} is not allowed from ${application.status}`);
  }
  const to = APPLICATION_TRANSITIONS[name].to;
  if (to !== null) application.status = to;
  if (name === 'submit') application.submittedOn = at;
  application.lastUpdatedOn = at;
}

/** Virtual time a SUBMITTED application waits before its (invented) review decision. */
export const REVIEW_DELAY_MS = 60 * 60 * 1000;

/** Dba text that makes the invented review decline an application (case-insensitive substring). */
export const DECLINE_PATTERN = /decline/i;

/**
 * Apply the review decision that is due at `now`. Invented: nothing in the real API documents how an application
 * moves past SUBMITTED, so the mock decides it deterministically — a SUBMITTED application becomes APPROVED one hour
 * (virtual clock) after submission, or DECLINED when its Dba contains "decline" (any case). Called lazily whenever
 * an application is read, listed or acted on, so no timer is needed; IN_REVIEW is never reached.
 *
 * @example
 * settleApplication(app, clock.now()); // SUBMITTED at 10:00, now 11:00 → APPROVED (or DECLINED for "Decline Shop")
 */
export function settleApplication(application: ApplicationRecord, now: number): void {
  // invented: the 1-hour review rule (see above)
  if (application.status !== 'SUBMITTED' || application.submittedOn === null) return;
  const decidedOn = application.submittedOn + REVIEW_DELAY_MS;
  if (now < decidedOn) return;
  const dba = application.fields.Dba;
  const decision = typeof dba === 'string' && DECLINE_PATTERN.test(dba) ? 'decline' : 'approve';
  transitionApplication(application, decision, decidedOn);
}

/** What is kept of an uploaded document: metadata only, never the bytes. */
export interface DocumentRecord {
  documentId: string;
  applicationId: string;
  documentType: string;
  description: string | null;
  fileName: string;
  fileType: string;
  fileSize: number;
  uploadedOn: number;
}

/**
 * Per-session bounds (oldest entries are evicted first; invented). Besides these, every record counts against the
 * store's partner budget (STORE_LIMITS.partner and STORE_BYTE_LIMITS.partner, across all sessions).
 */
export const PARTNER_LIMITS = {
  apiKeys: 10_000,
  applications: 10_000,
  documents: 10_000,
};

/** What one partner record is: an API key, an application or a document's metadata. */
export type PartnerRecord = ApiKeyRecord | ApplicationRecord | DocumentRecord;

/** What a record costs besides its value (its slot in a session's map and in the budget's queue). */
const RECORD_OVERHEAD = 256;

/**
 * Estimated heap bytes of a partner record, from its structure: an application keeps its request fields whole, the
 * contract bounds none of them, and a client may send a few long strings or thousands of tiny items and fields.
 */
export function partnerRecordBytes(record: PartnerRecord): number {
  return RECORD_OVERHEAD + valueBytes(record);
}

/** The same estimate for a whole PartnerState (what a shared store keeps as one value): the sum over its records. */
export function partnerStateBytes(state: PartnerState): number {
  let bytes = 0;
  for (const map of state.maps()) for (const record of map.values()) bytes += partnerRecordBytes(record);
  return bytes;
}

export class PartnerState {
  readonly #apiKeys = new Map<string, ApiKeyRecord>();
  readonly #applications = new Map<string, ApplicationRecord>();
  readonly #documents = new Map<string, DocumentRecord>();
  readonly #budget: Ledger<PartnerRecord>;
  /** Called when the budget drops one of this session's records (a shared store's copy then is incomplete). */
  readonly #evicted: () => void;
  // What the shared budget calls to forget a record of this session.
  readonly #owner: LedgerOwner<PartnerRecord> = {
    evict: (record) => {
      this.#evicted();
      this.#drop(record);
    },
  };
  #seq = 0;

  constructor(budget: Ledger<PartnerRecord>, evicted: () => void) {
    this.#budget = budget;
    this.#evicted = evicted;
  }

  get apiKeys(): ReadonlyMap<string, ApiKeyRecord> {
    return this.#apiKeys;
  }

  get applications(): ReadonlyMap<string, ApplicationRecord> {
    return this.#applications;
  }

  get documents(): ReadonlyMap<string, DocumentRecord> {
    return this.#documents;
  }

  /** How many records it holds, of all kinds. */
  get size(): number {
    return this.#apiKeys.size + this.#applications.size + this.#documents.size;
  }

  addApiKey(key: ApiKeyRecord): void {
    evictOldest(this.#apiKeys, PARTNER_LIMITS.apiKeys, (evicted) => this.#budget.forget(evicted));
    this.#apiKeys.set(key.id, key);
    this.#admit(key);
  }

  removeApiKey(id: string): void {
    const key = this.#apiKeys.get(id);
    if (key) this.#forget(key);
  }

  /** Everything as plain JSON, for a shared store to keep (API keys hold only their last four characters). */
  toJSON(): unknown {
    return {
      seq: this.#seq,
      apiKeys: [...this.#apiKeys.values()],
      applications: [...this.#applications.values()],
      documents: [...this.#documents.values()],
    };
  }

  /** Replace everything with what toJSON() gave. */
  load(json: unknown): void {
    const data = json as Partial<{
      seq: number;
      apiKeys: ApiKeyRecord[];
      applications: ApplicationRecord[];
      documents: DocumentRecord[];
    }>;
    this.release();
    this.#seq = typeof data.seq === 'number' ? data.seq : 0;
    for (const key of data.apiKeys ?? []) {
      this.#apiKeys.set(key.id, key);
      this.#admit(key);
    }
    for (const application of data.applications ?? []) {
      this.#applications.set(application.id, application);
      this.#admit(application);
    }
    for (const document of data.documents ?? []) {
      this.#documents.set(document.documentId, document);
      this.#admit(document);
    }
  }

  /** The maps of every kind of record. */
  maps(): ReadonlyMap<string, PartnerRecord>[] {
    return [this.#apiKeys, this.#applications, this.#documents];
  }

  /** Give every record back to the shared budget and let go of them (the session is reset or evicted). */
  release(): void {
    for (const map of [this.#apiKeys, this.#applications, this.#documents] as Map<string, PartnerRecord>[]) {
      for (const record of map.values()) this.#budget.forget(record);
      map.clear();
    }
  }

  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  addApplication(application: ApplicationRecord): void {
    evictOldest(this.#applications, PARTNER_LIMITS.applications, (evicted) => {
      this.#budget.forget(evicted);
      this.#dropDocumentsOf(evicted.id);
    });
    this.#applications.set(application.id, application);
    this.#admit(application);
  }

  /** Count an application again after its fields changed (it becomes the newest in the budget). */
  updatedApplication(application: ApplicationRecord): void {
    if (this.#applications.get(application.id) === application) this.#admit(application);
  }

  addDocument(document: DocumentRecord): void {
    evictOldest(this.#documents, PARTNER_LIMITS.documents, (evicted) => this.#budget.forget(evicted));
    this.#documents.set(document.documentId, document);
    this.#admit(document);
  }

  removeDocument(documentId: string): void {
    const document = this.#documents.get(documentId);
    if (document) this.#forget(document);
  }

  documentsOf(applicationId: string): DocumentRecord[] {
    return [...this.#documents.values()].filter((d) => d.applicationId === applicationId);
  }

  #admit(record: PartnerRecord): void {
    this.#budget.admit(record, this.#owner, partnerRecordBytes(record));
  }

  #forget(record: PartnerRecord): void {
    this.#budget.forget(record);
    this.#drop(record);
  }

  /** Take a record out of its map (an application with its documents), if the map holds that very record. */
  #drop(record: PartnerRecord): void {
    if ('documentId' in record) {
      if (this.#documents.get(record.documentId) === record) this.#documents.delete(record.documentId);
    } else if ('owner' in record) {
      if (this.#applications.get(record.id) !== record) return;
      this.#applications.delete(record.id);
      this.#dropDocumentsOf(record.id);
    } else if (this.#apiKeys.get(record.id) === record) this.#apiKeys.delete(record.id);
  }

  #dropDocumentsOf(applicationId: string): void {
    for (const document of this.documentsOf(applicationId)) this.#forget(document);
  }
}
