// Provider verification: replay pact files (the reference client's, or your own) against the mock started in
// process on a free loopback port, or against any base URL with credentials (another mock, the real sandbox), and
// report which interactions the provider does not satisfy. Provider states come from the table in states.ts; a
// request filter swaps in what the recorded requests cannot know: a fresh bearer token, fresh idempotency keys, and
// the credentials (and MID / tokenization key) of the target.

import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Verifier, type VerifierOptions } from '@pact-foundation/pact';
import type { StateFunc, StateHandlers } from '@pact-foundation/pact/src/dsl/verifier/proxy/types.js';
import type { RequestHandler } from 'express';
import { createApp } from '../../mock/app.js';
import { DEFAULT_MERCHANT } from '../../mock/credentials.js';
import { listen } from '../../mock/server.js';
import { FlexFactorClient } from '../client/index.js';
import { checkPactsAgainstSpec, loadComparator, type SpecFinding } from './openapi-check.js';
import { stateHandlers } from './states.js';

// Pact must never phone home (its usage analytics).
process.env.PACT_DO_NOT_TRACK = 'true';

export interface VerifyOptions {
  /** Pact files, or folders whose *.json files are pacts. */
  pacts: string[];
  /** API root of the provider, with or without `/v1` (e.g. https://api-sandbox.flexfactor.io/v1); none = the mock. */
  baseUrl?: string;
  appKey?: string;
  appSecret?: string;
  /** Replaces a recorded `mid` (bodies and the tokenize query). */
  mid?: string;
  /** Replaces the recorded tokenize `environment` query parameter. */
  tokenizationKey?: string;
  /** Also compare the pacts with contracts/openapi.yaml (default true; skipped when the comparator is missing). */
  checkSpec?: boolean;
  /** Per-request timeout of the verifier in ms (default 30 000). */
  timeoutMs?: number;
}

export interface InteractionOutcome {
  pact: string;
  description: string;
  states: string[];
  ok: boolean;
  /** What did not match, one line each. */
  problems: string[];
}

export interface VerificationReport {
  /** The provider's API root, e.g. http://127.0.0.1:43817/v1. */
  target: string;
  inProcess: boolean;
  pactFiles: string[];
  interactions: InteractionOutcome[];
  /** States the pacts use that the state-handler table does not know (their set-up did not run). */
  unknownStates: string[];
  /** Set-up steps that failed (a provider state, fetching a token), once per step and message. */
  setupErrors: { step: string; message: string; times: number }[];
  /** Findings against contracts/openapi.yaml; null when the check was skipped. */
  spec: SpecFinding[] | null;
  specSkipped?: string;
  ok: boolean;
}

interface PactInteraction {
  description: string;
  states: string[];
}

interface PactDocument {
  consumer: string;
  provider: string;
  interactions: PactInteraction[];
}

/** Verify the pacts; resolves with the report whether or not they pass (rejects only when nothing could run). */
export async function verifyPacts(options: VerifyOptions): Promise<VerificationReport> {
  const files = pactFilesOf(options.pacts);
  const documents = new Map(files.map((file) => [file, readPact(file)]));

  const mock = options.baseUrl
    ? null
    : await listen(createApp({ validateResponses: true, logger: QUIET }), { port: 0 });
  const root = mock ? mock.url : apiRoot(options.baseUrl ?? '');
  const appKey = options.appKey ?? (mock ? DEFAULT_MERCHANT.appKey : undefined);
  const appSecret = options.appSecret ?? (mock ? DEFAULT_MERCHANT.appSecret : undefined);
  if (!appKey || !appSecret) {
    await mock?.close(0);
    throw new UsageError('verifying against a base URL needs --app-key and --app-secret');
  }
  const client = new FlexFactorClient({
    baseUrl: `${root}/v1`,
    appKey,
    appSecret,
    ...(options.mid ? { mid: options.mid } : {}),
    maxRetries: 1,
  });
  let keepAuthorization = false;
  const setupErrors: VerificationReport['setupErrors'] = [];
  const recordError = (step: string, message: string) => {
    const seen = setupErrors.find((e) => e.step === step && e.message === message);
    if (seen) seen.times += 1;
    else setupErrors.push({ step, message, times: 1 });
  };
  const handlers = recordFailures(
    stateHandlers({ client, keepNextAuthorization: () => (keepAuthorization = true) }),
    (state, message) => recordError(`provider state "${state}"`, message),
  );

  const requestFilter: RequestHandler = (req, _res, next) => {
    if (req.path.startsWith('/_pactSetup') || req.path.startsWith('/_messages')) return next();
    const keep = keepAuthorization;
    keepAuthorization = false;
    renewRequest(req, { appKey, appSecret, mid: options.mid, tokenizationKey: options.tokenizationKey });
    if (req.headers.authorization === undefined || keep) return next();
    client
      .accessToken()
      .then((token) => {
        req.headers.authorization = `Bearer ${token}`;
      })
      // Without a token the recorded one goes through, and the provider's answer (a 401) is what gets reported.
      .catch((error: Error) => recordError('a fresh bearer token', error.message))
      .finally(next);
  };

  let raw: string;
  try {
    raw = await new Verifier({
      providerBaseUrl: root,
      pactUrls: files,
      // pact-js types this option as HTTP and message state handlers at once; ours are HTTP ones.
      stateHandlers: handlers as VerifierOptions['stateHandlers'],
      requestFilter,
      logLevel: 'error',
      timeout: options.timeoutMs ?? 30_000,
    })
      .verifyProvider()
      .catch((error: unknown) => {
        // A failed verification rejects with the verifier's JSON result as the message.
        const message = (error as Error)?.message ?? '';
        if (message.trimStart().startsWith('{')) return message;
        throw error;
      });
  } finally {
    await mock?.close(1_000);
  }

  const interactions = outcomes(documents, parseResult(raw));
  const known = new Set(Object.keys(handlers));
  const unknownStates = [
    ...new Set(interactions.flatMap((i) => i.states).filter((state) => !known.has(state))),
  ].sort();

  let spec: SpecFinding[] | null = null;
  let specSkipped: string | undefined;
  if (options.checkSpec === false) specSkipped = 'turned off';
  else if (!(await loadComparator())) specSkipped = 'install @pactflow/openapi-pact-comparator to run it';
  else spec = await checkPactsAgainstSpec(files);

  return {
    target: `${root}/v1`,
    inProcess: mock !== null,
    pactFiles: files,
    interactions,
    unknownStates,
    setupErrors,
    spec,
    ...(specSkipped ? { specSkipped } : {}),
    ok: interactions.every((i) => i.ok) && !(spec ?? []).some((f) => f.type === 'error'),
  };
}

/** The report as people read it: one line per interaction, what did not match under each failure. */
export function formatReport(report: VerificationReport, cwd = process.cwd()): string {
  const where = report.inProcess ? `the in-process mock (${report.target})` : report.target;
  const files = report.pactFiles.map((f) => (relative(cwd, f).startsWith('..') ? f : relative(cwd, f)));
  const lines = [
    `Pact verification against ${where}: ${report.interactions.length} interactions from ${files.join(', ')}`,
  ];
  for (const i of report.interactions) {
    const given = i.states.length > 0 ? ` (given ${i.states.map((s) => `"${s}"`).join(', ')})` : '';
    lines.push(`  ${i.ok ? 'ok  ' : 'FAIL'} ${i.description}${given}`);
    for (const problem of i.problems) lines.push(`         ${problem}`);
  }
  if (report.unknownStates.length > 0) {
    lines.push(
      'Provider states with no handler (their set-up did not run; see contracts/pact/states.ts):',
      ...report.unknownStates.map((s) => `  - ${s}`),
    );
  }
  if (report.setupErrors.length > 0) {
    lines.push(
      'Set-up that failed (the interactions depending on it could not pass):',
      ...report.setupErrors.map((e) => `  - ${e.step}${e.times > 1 ? ` (${e.times}×)` : ''}: ${e.message}`),
    );
  }
  if (report.spec === null)
    lines.push(`Check against contracts/openapi.yaml: skipped (${report.specSkipped})`);
  else {
    const errors = report.spec.filter((f) => f.type === 'error');
    lines.push(
      `Check against contracts/openapi.yaml: ${errors.length === 0 ? 'every interaction is allowed' : `${errors.length} problem(s)`}`,
    );
    for (const f of errors) {
      lines.push(`  FAIL ${f.interaction}: ${f.message} (${f.location})`);
    }
  }
  const failed = report.interactions.filter((i) => !i.ok).length;
  lines.push(
    `${report.ok ? 'OK' : 'NOT OK'}: ${report.interactions.length - failed} of ${report.interactions.length} interactions verified` +
      (failed > 0 ? `, ${failed} not satisfied` : ''),
  );
  return `${lines.join('\n')}\n`;
}

export interface VerifyCommandOptions {
  baseUrl?: string;
  appKey?: string;
  appSecret?: string;
  mid?: string;
  tokenizationKey?: string;
  pacts?: string[];
  specCheck?: boolean;
}

/** `flexfactor-mock verify`: prints the report; resolves with the exit code (0 ok, 1 not satisfied, 2 unusable). */
export async function runVerifyCommand(options: VerifyCommandOptions): Promise<number> {
  const pacts = options.pacts && options.pacts.length > 0 ? options.pacts : [resolve('pacts')];
  try {
    const report = await verifyPacts({
      pacts,
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      ...(options.appKey ? { appKey: options.appKey } : {}),
      ...(options.appSecret ? { appSecret: options.appSecret } : {}),
      ...(options.mid ? { mid: options.mid } : {}),
      ...(options.tokenizationKey ? { tokenizationKey: options.tokenizationKey } : {}),
      checkSpec: options.specCheck !== false,
    });
    process.stdout.write(formatReport(report));
    return report.ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`flexfactor-mock verify: ${(error as Error).message}\n`);
    return 2;
  }
}

class UsageError extends Error {}

/** Wrap each set-up so a failure is remembered for the report (the verifier itself only logs it). */
function recordFailures(
  handlers: StateHandlers,
  record: (state: string, message: string) => void,
): StateHandlers {
  const wrapped: StateHandlers = {};
  for (const [state, handler] of Object.entries(handlers)) {
    if (typeof handler !== 'function') {
      wrapped[state] = handler;
      continue;
    }
    const setup: StateFunc = handler;
    wrapped[state] = async (params) => {
      try {
        return await setup(params);
      } catch (error) {
        record(state, (error as Error).message);
        throw error;
      }
    };
  }
  return wrapped;
}

const QUIET = { info: () => {}, warn: () => {}, error: () => {} };

/** `https://host/v1/` → `https://host`: pact paths carry the /v1 prefix themselves. */
function apiRoot(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new UsageError(`--base-url ${baseUrl} is not a URL (e.g. https://api-sandbox.flexfactor.io/v1)`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`;
}

/** Files as given, folders expanded to their *.json files; every one must parse as a pact. */
function pactFilesOf(paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths.map((p) => resolve(p))) {
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch {
      throw new UsageError(`${path}: no such pact file or folder`);
    }
    if (!isDirectory) files.push(path);
    else {
      files.push(
        ...readdirSync(path)
          .filter((name) => name.endsWith('.json'))
          .sort()
          .map((name) => join(path, name)),
      );
    }
  }
  if (files.length === 0) {
    throw new UsageError(`no pact files in ${paths.join(', ')} (run the consumer tests first: npm test)`);
  }
  return files;
}

function readPact(file: string): PactDocument {
  let doc: {
    consumer?: { name?: string };
    provider?: { name?: string };
    interactions?: { description?: string; providerState?: string; providerStates?: { name?: string }[] }[];
  };
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`${file}: not a JSON pact file (${(error as Error).message})`);
  }
  if (!Array.isArray(doc.interactions)) throw new UsageError(`${file}: not a pact file (no "interactions")`);
  return {
    consumer: doc.consumer?.name ?? '',
    provider: doc.provider?.name ?? '',
    interactions: doc.interactions.map((i) => ({
      description: String(i.description ?? ''),
      states: i.providerStates
        ? i.providerStates.map((s) => String(s.name ?? ''))
        : i.providerState
          ? [i.providerState]
          : [],
    })),
  };
}

interface VerifierMismatch {
  type?: string;
  mismatch?: string;
  message?: string;
  path?: string;
  key?: string;
}

interface VerifierResult {
  errors?: {
    interaction?: string;
    mismatch?: { type?: string; message?: string; mismatches?: VerifierMismatch[] };
  }[];
  interactionResults?: { description?: string; result?: string }[];
}

function parseResult(raw: string): VerifierResult {
  try {
    return JSON.parse(raw) as VerifierResult;
  } catch {
    throw new Error(`the Pact verifier returned no readable result: ${raw.slice(0, 200)}`);
  }
}

function outcomes(documents: Map<string, PactDocument>, result: VerifierResult): InteractionOutcome[] {
  const out: InteractionOutcome[] = [];
  for (const [file, doc] of documents) {
    for (const interaction of doc.interactions) {
      // The verifier names a failure "Verifying a pact between C and P[ Given S] - <description>".
      const errors = (result.errors ?? []).filter(
        (e) =>
          e.interaction?.endsWith(` - ${interaction.description}`) &&
          e.interaction.includes(`between ${doc.consumer} and ${doc.provider}`),
      );
      const problems = errors.flatMap((e) => describeMismatch(e.mismatch));
      const ran = (result.interactionResults ?? []).some((r) => r.description === interaction.description);
      if (!ran && problems.length === 0) problems.push('not verified (the verifier skipped it)');
      out.push({
        pact: file,
        description: interaction.description,
        states: interaction.states,
        ok: problems.length === 0,
        problems,
      });
    }
  }
  return out;
}

/** Status first, then headers, then the body: the order in which a reader makes sense of a failure. */
const MISMATCH_ORDER = ['StatusMismatch', 'HeaderMismatch'];

function describeMismatch(
  mismatch: { type?: string; message?: string; mismatches?: VerifierMismatch[] } = {},
) {
  if (!mismatch.mismatches)
    return [mismatch.message ?? `the request failed (${mismatch.type ?? 'unknown error'})`];
  const rank = (m: VerifierMismatch) => {
    const i = MISMATCH_ORDER.indexOf(m.type ?? '');
    return i === -1 ? MISMATCH_ORDER.length : i;
  };
  return [...mismatch.mismatches]
    .sort((a, b) => rank(a) - rank(b))
    .map((m) => {
      const text = (m.mismatch ?? m.message ?? m.type ?? 'mismatch').replace(/\s+/g, ' ').trim();
      switch (m.type) {
        case 'StatusMismatch':
          return `status: ${text}`;
        case 'BodyMismatch':
          return `body ${m.path ?? ''}: ${text}`;
        case 'HeaderMismatch':
          return `header ${m.key ?? ''}: ${text}`;
        default:
          return text;
      }
    });
}

/** Make a recorded request valid for the target: credentials, MID, tokenization key, fresh idempotency keys. */
function renewRequest(
  req: Parameters<RequestHandler>[0],
  target: { appKey: string; appSecret: string; mid: string | undefined; tokenizationKey: string | undefined },
): void {
  const isToken = req.method === 'POST' && /\/oauth2\/token$/.test(req.path);
  const isTokenize = /\/tokenize$/.test(req.path);
  if (isTokenize && (target.mid || target.tokenizationKey)) {
    const url = new URL(req.url, 'http://pact.invalid');
    for (const name of [...url.searchParams.keys()]) {
      if (/^mid$/i.test(name) && target.mid) url.searchParams.set(name, target.mid);
      if (/^environment$/i.test(name) && target.tokenizationKey)
        url.searchParams.set(name, target.tokenizationKey);
    }
    req.url = `${url.pathname}${url.search}`;
  }
  const body = req.body as unknown;
  if (!body || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) return;
  const renewed: Record<string, unknown> = { ...(body as Record<string, unknown>) };
  let changed = false;
  for (const key of Object.keys(renewed)) {
    const lower = key.toLowerCase();
    if (lower === 'idempotencykey' && typeof renewed[key] === 'string') renewed[key] = randomUUID();
    else if (isToken && lower === 'appkey') renewed[key] = target.appKey;
    else if (isToken && lower === 'appsecret') renewed[key] = target.appSecret;
    else if (lower === 'mid' && target.mid && typeof renewed[key] === 'string') renewed[key] = target.mid;
    else continue;
    changed = true;
  }
  if (!changed) return;
  req.body = renewed;
  // The verifier's proxy re-serialises the parsed body: the length must follow.
  req.headers['content-length'] = String(Buffer.byteLength(JSON.stringify(renewed)));
}
