// Per-session partner state: merchant API keys, onboarding applications and document metadata. Kept in a WeakMap
// keyed by the Session object, so resetting a session (the store drops the Session) drops its partner state too.
// Uploaded file bytes are never kept: only name, type, size, documentType and description.

import { evictOldest } from '../support/bounded.js';
import type { Session } from './store.js';

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

/** Bounds that keep memory flat in long runs (oldest entries are evicted first; invented). */
export const PARTNER_LIMITS = {
  apiKeys: 10_000,
  applications: 10_000,
  documents: 10_000,
};

export class PartnerState {
  readonly apiKeys = new Map<string, ApiKeyRecord>();
  readonly applications = new Map<string, ApplicationRecord>();
  readonly documents = new Map<string, DocumentRecord>();
  #seq = 0;

  addApiKey(key: ApiKeyRecord): void {
    evictOldest(this.apiKeys, PARTNER_LIMITS.apiKeys);
    this.apiKeys.set(key.id, key);
  }

  /** Everything as plain JSON, for a shared store to keep (API keys hold only their last four characters). */
  toJSON(): unknown {
    return {
      seq: this.#seq,
      apiKeys: [...this.apiKeys.values()],
      applications: [...this.applications.values()],
      documents: [...this.documents.values()],
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
    this.apiKeys.clear();
    this.applications.clear();
    this.documents.clear();
    this.#seq = typeof data.seq === 'number' ? data.seq : 0;
    for (const key of data.apiKeys ?? []) this.apiKeys.set(key.id, key);
    for (const application of data.applications ?? []) this.applications.set(application.id, application);
    for (const document of data.documents ?? []) this.documents.set(document.documentId, document);
  }

  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  addApplication(application: ApplicationRecord): void {
    evictOldest(this.applications, PARTNER_LIMITS.applications, (evicted) =>
      this.#dropDocumentsOf(evicted.id),
    );
    this.applications.set(application.id, application);
  }

  addDocument(document: DocumentRecord): void {
    evictOldest(this.documents, PARTNER_LIMITS.documents);
    this.documents.set(document.documentId, document);
  }

  documentsOf(applicationId: string): DocumentRecord[] {
    return [...this.documents.values()].filter((d) => d.applicationId === applicationId);
  }

  #dropDocumentsOf(applicationId: string): void {
    for (const document of this.documentsOf(applicationId)) this.documents.delete(document.documentId);
  }
}

const STATES = new WeakMap<Session, PartnerState>();

/** The partner state of a session if it has one (without creating it). */
export function existingPartnerState(session: Session): PartnerState | undefined {
  return STATES.get(session);
}

/** The partner state of a test session, created on first use. */
export function partnerState(session: Session): PartnerState {
  let state = STATES.get(session);
  if (!state) {
    state = new PartnerState();
    STATES.set(session, state);
  }
  return state;
}
