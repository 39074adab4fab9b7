// The integration-readiness report of one session: what the strict profile flagged in its requests (errors it
// refused with, warnings it answered with), counted per prerequisite with one example each. Built from the journal,
// which holds only redacted text, so an example never shows a card number.

import type { JournalEntry, RequestEntry } from '../../journal/journal.js';

const WARNING_HEADER = 'x-mock-warning';
const CODE_HEADER = 'x-mock-error-code';

/** A warning as the mock wrote it: the header carries it percent-encoded (a cut one may not decode: kept as sent). */
function decodedWarning(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** One prerequisite: the catalog codes that refuse it, and the warning text that flags it without refusing. */
interface Rule {
  id: string;
  title: string;
  codes: readonly string[];
  warning?: RegExp;
}

/** The strict profile's checks (mock/domain/strict-profile.ts), grouped the way a team reads them before going live. */
const RULES: readonly Rule[] = [
  {
    id: 'raw-card-number',
    title: 'Card numbers sent raw instead of tokenized',
    codes: ['400005', '400041'],
    warning: /raw card number/i,
  },
  { id: 'amount-not-cents', title: 'Amounts not sent as integer cents', codes: ['400007', '400060'] },
  { id: 'expiry-not-utc', title: 'expiryDateUtc not an ISO 8601 UTC timestamp', codes: ['400008'] },
  {
    id: 'extra-personal-data',
    title: 'Cardholder data beyond the documented fields',
    codes: [],
    warning: /Cardholder fields beyond/,
  },
];

export interface PrerequisiteExample {
  seq: number;
  time: string;
  method: string;
  path: string;
  operationId: string | null;
  status: number | null;
  /** The error code the request was refused with, or null for a warning. */
  code: string | null;
  message: string;
}

export interface PrerequisiteFinding {
  id: string;
  title: string;
  count: number;
  example: PrerequisiteExample | null;
}

export interface PrerequisitesReport {
  session: string;
  profile: string;
  /** Requests of the session still in the journal (the report covers only those). */
  requests: number;
  findings: PrerequisiteFinding[];
}

/** The report over a session's journal entries (other kinds are skipped). */
export function prerequisitesReport(
  session: string,
  profile: string,
  entries: readonly JournalEntry[],
): PrerequisitesReport {
  const findings = RULES.map((rule) => ({ id: rule.id, title: rule.title, count: 0, example: null }));
  let requests = 0;
  for (const entry of entries) {
    if (entry.kind !== 'request') continue;
    requests += 1;
    const code = entry.responseHeaders[CODE_HEADER] ?? null;
    const warnings = (entry.responseHeaders[WARNING_HEADER] ?? '')
      .split(' | ')
      .filter((w) => w !== '')
      .map(decodedWarning);
    RULES.forEach((rule, i) => {
      const finding = findings[i] as PrerequisiteFinding;
      let message: string | undefined;
      if (code !== null && rule.codes.includes(code)) message = errorMessage(entry);
      else if (rule.warning) message = warnings.find((w) => rule.warning?.test(w));
      if (message === undefined) return;
      finding.count += 1;
      finding.example ??= example(entry, rule.codes.includes(code ?? '') ? code : null, message);
    });
  }
  return { session, profile, requests, findings };
}

function example(entry: RequestEntry, code: string | null, message: string): PrerequisiteExample {
  return {
    seq: entry.seq,
    time: entry.time,
    method: entry.method,
    path: entry.path,
    operationId: entry.operationId,
    status: entry.status,
    code,
    message,
  };
}

/** The field message of a refusal (problem body or flat ModelState), else its detail. */
function errorMessage(entry: RequestEntry): string {
  const body = entry.responseBody as Record<string, unknown> | null;
  if (body === null || typeof body !== 'object') return 'Refused by the strict profile.';
  const errors = (body.errors ?? body) as Record<string, unknown>;
  for (const [field, messages] of Object.entries(errors)) {
    if (field === 'TraceId' || !Array.isArray(messages) || typeof messages[0] !== 'string') continue;
    return `${field}: ${messages[0]}`;
  }
  return typeof body.detail === 'string' ? body.detail : 'Refused by the strict profile.';
}
