// A scenario's literal body against the contract: a body for a status the contract declares must fit that
// response's schema, or the client under test learns a shape the real API never sends. Checked when the file is
// loaded, so the problem names the scenario file (file:line) instead of surfacing later as a mock bug (500002).
// Values that are {{…}} templates are only known when rendered: they are left out here, and the rest is checked.

import { createHash } from 'node:crypto';
import type { ErrorObject } from 'ajv/dist/2020.js';
import type { SpecError } from './matcher.js';
import { declaredStatuses } from './outgoing.js';
import { hasTemplates, SPREAD_KEY } from './responder.js';
import type { ScenarioFile } from './types.js';

/** The contract's response schemas, as the loader needs them. */
export interface ResponseContract {
  /** Whether the operation declares this status itself (not only through `default`). */
  declares(operationId: string, status: number): boolean;
  /** The schema errors of a body for that response (empty when it fits), or null when none is declared. */
  responseErrors(operationId: string, status: number, body: unknown): ErrorObject[] | null;
}

/** At most this many mismatches are reported per scenario: the first ones say enough to start fixing. */
const MAX_BODY_PROBLEMS = 10;

/**
 * Problems of the literal body against every operation the scenario matches that declares its status. A scenario
 * that matches every operation is not checked (which response would apply is only known per request), nor is a text
 * body, a custom content type or a body a fault breaks on the way out: those never go through the contract's send.
 */
export function literalBodyProblems(
  d: ScenarioFile,
  body: unknown,
  operations: ReadonlySet<string> | null,
  contract: ResponseContract,
  errors: SpecError[],
): void {
  const respond = d.respond;
  if (!respond || respond.status === undefined || d.fault !== undefined || operations === null) return;
  if (body === undefined || typeof body === 'string') return;
  if (customContentType(respond.headers)) return;
  const inFile = respond.bodyFile === undefined;
  const seen = new Set<string>();
  for (const op of [...operations].sort()) {
    if (!contract.declares(op, respond.status)) continue;
    const found = (contract.responseErrors(op, respond.status, body) ?? []).filter(
      (e) => !templated(e, pointer(e.instancePath), body),
    );
    // Wrong values first (the telling ones), then the missing and unknown fields, one line per object.
    const grouped = new Map<string, { path: (string | number)[]; text: string; names: string[] }>();
    for (const e of found) {
      const path = pointer(e.instancePath);
      const names = namedFields(e);
      const text = names.length > 0 ? expected(e) : `${[...path].join('.') || 'the body'}: ${expected(e)}`;
      const key = names.length > 0 ? `${e.keyword} ${e.instancePath}` : `${text}`;
      const group = grouped.get(key) ?? { path, text, names: [] };
      group.names.push(...names);
      grouped.set(key, group);
    }
    const ordered = [...grouped.values()].sort((a, b) => a.names.length - b.names.length);
    for (const { path, text, names } of ordered) {
      const within = path.length > 0 ? ` in ${path.join('.')}` : '';
      const what = names.length > 0 ? `${text}${within}: ${names.join(', ')}` : text;
      const message = `${inFile ? 'body' : `bodyFile ${respond.bodyFile}`}: ${what} (${op}'s HTTP ${respond.status} response in the contract; fix the body, or answer a status the contract does not declare)`;
      if (seen.has(message) || seen.size >= MAX_BODY_PROBLEMS) continue;
      seen.add(message);
      errors.push({ at: inFile ? ['respond', 'body', ...path] : ['respond', 'bodyFile'], message });
    }
  }
}

/**
 * Whether the headers set a content type other than plain JSON: such a body is the scenario's own format, sent as
 * written. `application/json` (with any parameters) is what the mock sends anyway, so it skips no check.
 */
export function customContentType(headers: Readonly<Record<string, unknown>> | undefined): boolean {
  const entry = Object.entries(headers ?? {}).find(([name]) => name.toLowerCase() === 'content-type');
  if (!entry) return false;
  return String(entry[1]).split(';')[0]?.trim().toLowerCase() !== 'application/json';
}

/**
 * The fingerprint `flexfactor-mock record` writes as `observed.sha256`: the SHA-256 of the recorded status and body
 * (JSON with its keys sorted, so reformatting the YAML keeps it). While a file's respond still has it, the file is a
 * recording as made, whose contract differences are the sandbox's and are reported rather than refused.
 */
export function recordedDigest(status: number | undefined, body: unknown): string {
  return createHash('sha256')
    .update(sortedJson({ status: status ?? null, body: body ?? null }))
    .digest('hex');
}

function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${sortedJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Whether the file's respond is still the answer its recorder fingerprinted (inline bodies only). */
export function asRecorded(d: ScenarioFile): boolean {
  const digest = d.observed?.sha256;
  if (digest === undefined || d.respond?.bodyFile !== undefined || d.respond?.status === undefined)
    return false;
  return recordedDigest(d.respond.status, d.respond.body) === digest;
}

function pointer(instancePath: string): (string | number)[] {
  if (instancePath === '') return [];
  return instancePath
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

function valueAt(body: unknown, path: readonly (string | number)[]): unknown {
  let current = body;
  for (const part of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[part];
  }
  return current;
}

/** Whether the error is about a value a template fills (or fields a `'...': '{{order}}'` spread may supply). */
function templated(e: ErrorObject, path: readonly (string | number)[], body: unknown): boolean {
  const value = valueAt(body, path);
  const spreads = value !== null && typeof value === 'object' && Object.hasOwn(value, SPREAD_KEY);
  if (e.keyword === 'required') return spreads;
  if (e.keyword === 'additionalProperties')
    return (e.params as { additionalProperty?: string }).additionalProperty === SPREAD_KEY;
  if (['anyOf', 'oneOf', 'if', 'not'].includes(e.keyword)) return hasTemplates(value);
  return typeof value === 'string' && hasTemplates(value);
}

/** The fields a required or additionalProperties error is about (listed together, one line per object). */
function namedFields(e: ErrorObject): string[] {
  if (e.keyword === 'required') return [(e.params as { missingProperty: string }).missingProperty];
  if (e.keyword === 'additionalProperties')
    return [(e.params as { additionalProperty: string }).additionalProperty];
  return [];
}

/** What the contract expects, in words. */
function expected(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'type':
      return `the contract expects ${article(String(params.type).replace(/,/g, ' or '))}`;
    case 'enum':
      return `the contract expects one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `the contract expects ${JSON.stringify(params.allowedValue)}`;
    case 'required':
      return 'missing fields the contract requires';
    case 'additionalProperties':
      return 'fields the contract does not declare';
    case 'format':
      return `the contract expects a ${String(params.format)} string`;
    default:
      return `the contract says it ${e.message ?? `fails ${e.keyword}`}`;
  }
}

function article(type: string): string {
  return /^[aeiou]/i.test(type) ? `an ${type}` : `a ${type}`;
}

/** The contract's declared responses, as scenario loading checks literal bodies against them. */
export function responseContract(contract: {
  readonly document: { paths?: unknown };
  responseErrors(operationId: string, status: number, body: unknown): ErrorObject[] | null;
}): ResponseContract {
  return {
    declares: declaredStatuses(contract),
    responseErrors: (operationId, status, body) => contract.responseErrors(operationId, status, body),
  };
}
