// Provider verification: replay pact files (the reference client's, or your own) against the mock started in
// process on a loopback port, or against any base URL with credentials (another mock, the real sandbox), and report
// which interactions the provider does not satisfy. Exit codes of the command: 0 verified, 1 not satisfied, 2 could
// not run (no pacts, no token, provider unreachable).
//
// Before anything is replayed, a token is fetched: an unreachable provider or wrong credentials stop the run within
// seconds with the cause. Requests are forwarded by us (forward.ts), so a provider that goes away mid-run answers a
// 502 at once instead of crashing pact-js's proxy. The request filter swaps in what recorded requests cannot know
// (a fresh bearer token, fresh idempotency keys, the target's credentials), except where the recorded value is the
// point of the interaction: credentials a pact expects to be refused, a token it expects to get a 401 for.

import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Verifier, VerifierOptions } from '@pact-foundation/pact';
import type { StateHandlers } from '@pact-foundation/pact/src/dsl/verifier/proxy/types.js';
import type { Request, RequestHandler } from 'express';
import { missingPeerHint } from '../../mock/cli/optional-import.js';
import { OutputPathError, reportPathsUsable, writeOutputFile } from '../../mock/cli/output-files.js';
import { loadStatesModule } from '../../mock/cli/states-module.js';
import { HOW_TO_GIVE_CREDENTIALS, tokenFailure } from '../../mock/cli/target-errors.js';
import { DEFAULT_MERCHANT } from '../../mock/domain/accounts.js';
import { closeMock, createApp } from '../../mock/http/app.js';
import { listen } from '../../mock/http/server.js';
import { registerSecret } from '../../mock/support/redact.js';
import { FlexFactorClient, FlexFactorError } from '../client/index.js';
import { describeNetworkError, forward, UNREACHABLE } from './forward.js';
import { eventOf, WebhookMessageSource } from './messages.js';
import {
  COMPARATOR_INSTALL,
  COMPARATOR_PACKAGE,
  checkPactsAgainstSpec,
  loadComparator,
  type SpecFinding,
} from './openapi-check.js';
import { type PactDocument, type PactInteraction, pactFilesOf, readPact, UsageError } from './pact-files.js';
import { formatReport, junitReport, outcomes, parseResult, type VerificationReport } from './report.js';
import { BUILT_IN_STATES, type StateTable, type StateTarget, stateHandlers } from './states.js';

export { formatReport, type InteractionOutcome, junitReport, type VerificationReport } from './report.js';
export { UsageError };

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
  /** Only pact files for this provider / from this consumer. */
  provider?: string;
  consumer?: string;
  /** Port of the in-process mock (default 0: a free one). */
  port?: number;
  /** More provider states, or replacements of built-in ones (sentence → set-up). */
  stateHandlers?: StateTable;
  /**
   * Also compare the pacts with contracts/openapi.yaml (default true). When the comparator is not installed, the run
   * rejects with a CannotRunError naming how to install it: pass false to verify without the check.
   */
  checkSpec?: boolean;
  /** Per-request timeout in ms (default 30 000). */
  timeoutMs?: number;
}

/** Verification could not run (provider unreachable, no token, the spec check's comparator missing): exit 2. */
export class CannotRunError extends Error {}

let PactVerifier: typeof Verifier | undefined;

/**
 * Load Pact's verifier (once): `flexfactor-mock/pact` imports without the optional peer (its state handlers and the
 * OpenAPI check do not need it), and a verification without it says what to install. Rejects with Node's own
 * ERR_MODULE_NOT_FOUND when the peer is missing; the command line turns that into its one-line hint. Returns nothing,
 * so the package's declarations name no Pact type and resolve without the peer installed.
 */
export async function loadVerifier(): Promise<void> {
  PactVerifier ??= (await import('@pact-foundation/pact')).Verifier;
}

/** Verify the pacts; resolves with the report whether or not they pass (rejects only when nothing could run). */
export async function verifyPacts(options: VerifyOptions): Promise<VerificationReport> {
  await loadVerifier().catch((error: unknown) => {
    const hint = missingPeerHint(error, 'flexfactor-mock/pact verifyPacts()');
    throw hint ? new Error(hint, { cause: error }) : error;
  });
  const Pact = PactVerifier as typeof Verifier;
  const all = pactFilesOf(options.pacts).map(readPact);
  const wanted = (d: PactDocument) =>
    (!options.provider || d.provider === options.provider) &&
    (!options.consumer || d.consumer === options.consumer);
  const documents = all.filter(wanted);
  if (documents.length === 0) {
    const found = all.map((d) => `${d.consumer} → ${d.provider}`).join(', ');
    throw new UsageError(`no pact file matches --provider/--consumer (the files are: ${found})`);
  }
  const files = documents.map((d) => d.file);
  const httpCount = documents.flatMap((d) => d.interactions).filter((i) => i.kind === 'http').length;
  // Before anything starts: a run that passes without the check it was asked for would read as "the pacts fit the
  // contract" in CI. Webhook-only pacts have nothing to compare.
  if (options.checkSpec !== false && httpCount > 0 && !(await loadComparator())) {
    throw new CannotRunError(
      `the check against contracts/openapi.yaml needs ${COMPARATOR_PACKAGE}, which is not installed: ${COMPARATOR_INSTALL} (or skip the check: --no-spec-check, checkSpec: false in code)`,
    );
  }

  const root = options.baseUrl ? apiRoot(options.baseUrl) : null;
  const appKey = options.appKey ?? (root ? undefined : DEFAULT_MERCHANT.appKey);
  const appSecret = options.appSecret ?? (root ? undefined : DEFAULT_MERCHANT.appSecret);
  if (!appKey || !appSecret)
    throw new UsageError(`verifying against a base URL needs ${HOW_TO_GIVE_CREDENTIALS}`);
  // Whatever the target echoes (a refusal quoting the request, a report line) is redacted with this value known.
  registerSecret(appSecret, { pinned: true });

  const app = root ? null : createApp({ validateResponses: true, logger: QUIET });
  const mock = app ? await listenFor(app, options.port ?? 0) : null;
  const target = mock ? mock.url : (root as string);
  const client = new FlexFactorClient({
    baseUrl: `${target}/v1`,
    appKey,
    appSecret,
    ...(options.mid ? { mid: options.mid } : {}),
    maxRetries: 0,
    timeoutMs: Math.min(options.timeoutMs ?? 30_000, 8_000),
  });
  const messages = new WebhookMessageSource();
  try {
    if (httpCount > 0) await preflight(client, `${target}/v1`);
    return await run();
  } finally {
    await messages.close();
    await mock?.close(1_000);
  }

  async function run(): Promise<VerificationReport> {
    const setupErrors: VerificationReport['setupErrors'] = [];
    const recordError = (step: string, message: string) => {
      const seen = setupErrors.find((e) => e.step === step && e.message === message);
      if (seen) seen.times += 1;
      else setupErrors.push({ step, message, times: 1 });
    };
    let keepAuthorization = false;
    let stateValues: Record<string, unknown> = {};
    let unreachable: string | null = null;
    const stateTarget: StateTarget = {
      client,
      keepNextAuthorization: () => {
        keepAuthorization = true;
      },
      ...(app ? { mock: { engine: app.mock, session: 'default', mid: DEFAULT_MERCHANT.mid } } : {}),
    };
    const table: StateTable = { ...BUILT_IN_STATES, ...options.stateHandlers };
    const handlers = recordFailures(
      stateHandlers(stateTarget, table),
      (state, message) => recordError(`provider state "${state}"`, message),
      (values) => {
        stateValues = { ...stateValues, ...values };
      },
    );
    const http = documents.flatMap((d) => d.interactions).filter((i) => i.kind === 'http');

    const requestFilter: RequestHandler = (req, res, next) => {
      if (req.path.startsWith('/_pactSetup') || req.path.startsWith('/_messages')) return next();
      const keepToken = keepAuthorization || recordedTokenIsThePoint(req, http, stateValues);
      keepAuthorization = false;
      const keepCredentials = recordedCredentialsAreThePoint(req, http, stateValues);
      stateValues = {};
      renewRequest(req, {
        appKey: keepCredentials ? null : (appKey as string),
        appSecret: keepCredentials ? null : (appSecret as string),
        mid: options.mid,
        tokenizationKey: options.tokenizationKey,
      });
      const send = () =>
        forward(req, res, target, {
          timeoutMs: options.timeoutMs ?? 30_000,
          onError: (error) => {
            if (UNREACHABLE.has(error.code ?? '')) unreachable = describeNetworkError(error);
            recordError(`reaching ${target}`, describeNetworkError(error));
          },
        });
      if (req.headers.authorization === undefined || keepToken) return send();
      client
        .accessToken()
        .then((token) => {
          req.headers.authorization = `Bearer ${token}`;
        })
        // Without a token the recorded one goes through, and the provider's answer (a 401) is what gets reported.
        .catch((error: Error) => recordError('a fresh bearer token', error.message))
        .finally(send);
    };

    const messageProviders: Record<string, () => Promise<unknown>> = {};
    for (const i of documents.flatMap((d) => d.interactions).filter((i) => i.kind === 'message')) {
      messageProviders[i.description] = async () => {
        const event = eventOf(i.description, i.states, i.metadata);
        if (!event) {
          const message =
            'name the webhook event (e.g. order.completed) in the description, a state or metadata.event';
          recordError(`message "${i.description}"`, message);
          throw new Error(message);
        }
        try {
          const m = await messages.message(event);
          // The body is JSON whatever Content-Type the delivery carries; the delivery's headers go along as metadata.
          return {
            __pactMessageMetadata: {
              ...signatureHeaders(m.headers),
              deliveredContentType: m.headers['content-type'] ?? '',
              contentType: 'application/json',
              event,
            },
            message: m.body,
          };
        } catch (error) {
          recordError(`message "${i.description}"`, (error as Error).message);
          throw error;
        }
      };
    }

    let raw: string;
    try {
      raw = await new Pact({
        providerBaseUrl: target,
        pactUrls: files,
        // pact-js types this option as HTTP and message state handlers at once; ours are HTTP ones.
        stateHandlers: handlers as VerifierOptions['stateHandlers'],
        messageProviders,
        requestFilter,
        logLevel: 'error',
        timeout: options.timeoutMs ?? 30_000,
      })
        .verifyProvider()
        .catch((error: unknown) => {
          // A failed verification rejects with the verifier's JSON result as the message.
          const message = (error as Error)?.message ?? String(error);
          if (message.trimStart().startsWith('{')) return message;
          recordError('the Pact verifier', message);
          return '{}';
        });
    } catch (error) {
      recordError('the Pact verifier', (error as Error).message);
      raw = '{}';
    }

    const interactions = outcomes(documents, parseResult(raw));
    const known = new Set(Object.keys(table));
    const unknownStates = [
      ...new Set(
        interactions
          .filter((i) => i.kind === 'http')
          .flatMap((i) => i.states)
          .filter((state) => !known.has(state)),
      ),
    ].sort();
    // A state nobody set up makes a pass meaningless (the example values may pass by chance): not verified.
    for (const i of interactions) {
      const missing = i.kind === 'http' ? i.states.filter((state) => !known.has(state)) : [];
      for (const state of missing)
        i.problems.push(`provider state "${state}" has no handler (add it with --states)`);
      if (missing.length > 0) i.ok = false;
    }

    let spec: SpecFinding[] | null = null;
    let specSkipped: string | undefined;
    const httpFiles = documents
      .filter((d) => d.interactions.some((i) => i.kind === 'http'))
      .map((d) => d.file);
    if (options.checkSpec === false) specSkipped = 'turned off';
    else if (httpFiles.length === 0) spec = [];
    else spec = await checkPactsAgainstSpec(httpFiles);

    const report: VerificationReport = {
      target: `${target}/v1`,
      inProcess: mock !== null,
      pactFiles: files,
      skippedFiles: all.filter((d) => !wanted(d)).map((d) => d.file),
      interactions,
      unknownStates,
      setupErrors,
      spec,
      ...(specSkipped ? { specSkipped } : {}),
      ok: interactions.every((i) => i.ok) && !(spec ?? []).some((f) => f.type === 'error'),
    };
    if (unreachable)
      throw Object.assign(new CannotRunError(`cannot reach ${target}/v1: ${unreachable}`), { report });
    return report;
  }
}

function signatureHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('x-fc-')));
}

/**
 * Fetch a token before anything else: an unreachable provider, a URL that is not the API root, or refused
 * credentials end the run here.
 */
async function preflight(client: FlexFactorClient, base: string): Promise<void> {
  try {
    await client.accessToken();
  } catch (error) {
    if (error instanceof FlexFactorError) {
      throw new CannotRunError(
        tokenFailure(
          base,
          { status: error.status, code: error.code, detail: error.detail ?? error.title ?? error.message },
          'given',
        ),
      );
    }
    const cause = (error as { cause?: unknown }).cause ?? error;
    throw new CannotRunError(`cannot reach ${base}: ${describeNetworkError(cause, base)}`);
  }
}

/** A recorded Authorization header stays when every interaction sent with it expects to be refused. */
function recordedTokenIsThePoint(
  req: Request,
  http: PactInteraction[],
  stateValues: Record<string, unknown>,
) {
  const given = req.headers.authorization;
  if (given === undefined) return false;
  if (given === stateValues.authorization || given === `Bearer ${String(stateValues.accessToken ?? '')}`)
    return true;
  const same = http.filter((i) => i.authorization === given);
  return same.length > 0 && same.every((i) => i.status === 401 || i.status === 403);
}

/** Recorded token credentials stay when every token interaction sent with them expects a refusal (4xx). */
function recordedCredentialsAreThePoint(
  req: Request,
  http: PactInteraction[],
  stateValues: Record<string, unknown>,
) {
  if (req.method !== 'POST' || !/\/oauth2\/token$/.test(req.path)) return false;
  const key = credential(req.body, 'appkey');
  if (key !== undefined && key === stateValues.appKey) return true;
  const same = http.filter(
    (i) =>
      i.method === 'POST' &&
      /\/oauth2\/token$/.test(i.path ?? '') &&
      credential(i.body, 'appkey') === key &&
      credential(i.body, 'appsecret') === credential(req.body, 'appsecret'),
  );
  return same.length > 0 && same.every((i) => (i.status ?? 200) >= 400);
}

function credential(body: unknown, lowerName: string): unknown {
  if (!body || typeof body !== 'object' || Buffer.isBuffer(body)) return undefined;
  return Object.entries(body).find(([k]) => k.toLowerCase() === lowerName)?.[1];
}

/** Wrap each set-up so a failure is remembered for the report, and the values it returns are known. */
function recordFailures(
  handlers: StateHandlers,
  record: (state: string, message: string) => void,
  remember: (values: Record<string, unknown>) => void,
): StateHandlers {
  const wrapped: StateHandlers = {};
  for (const [state, handler] of Object.entries(handlers)) {
    if (typeof handler !== 'function') {
      wrapped[state] = handler;
      continue;
    }
    wrapped[state] = async (params) => {
      try {
        const values = await handler(params);
        if (values) remember(values as Record<string, unknown>);
        return values;
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

/** Make a recorded request valid for the target: credentials, MID, tokenization key, fresh idempotency keys. */
function renewRequest(
  req: Request,
  target: {
    appKey: string | null;
    appSecret: string | null;
    mid: string | undefined;
    tokenizationKey: string | undefined;
  },
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
  for (const key of Object.keys(renewed)) {
    const lower = key.toLowerCase();
    if (lower === 'idempotencykey' && typeof renewed[key] === 'string') renewed[key] = randomUUID();
    else if (isToken && lower === 'appkey' && target.appKey !== null) renewed[key] = target.appKey;
    else if (isToken && lower === 'appsecret' && target.appSecret !== null) renewed[key] = target.appSecret;
    else if (lower === 'mid' && target.mid && typeof renewed[key] === 'string') renewed[key] = target.mid;
  }
  req.body = renewed;
}

async function loadStates(path: string): Promise<StateTable> {
  try {
    return await loadStatesModule(path);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export interface VerifyCommandOptions {
  baseUrl?: string;
  appKey?: string;
  appSecret?: string;
  mid?: string;
  tokenizationKey?: string;
  pacts?: string[];
  specCheck?: boolean;
  provider?: string;
  consumer?: string;
  port?: number;
  states?: string;
  timeout?: number;
  json?: string;
  junit?: string;
}

/** `flexfactor-mock verify`: prints the report; resolves with the exit code (0 ok, 1 not satisfied, 2 could not run). */
/** The in-process mock on `port`; a port already taken is a one-line reason the run could not start. */
async function listenFor(app: Parameters<typeof listen>[0], port: number) {
  try {
    return await listen(app, { port });
  } catch (error) {
    await closeMock(app.mock);
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new CannotRunError(
      `--port ${port} on 127.0.0.1 is already in use; pick another, or leave --port out for a free one`,
    );
  }
}

export async function runVerifyCommand(options: VerifyCommandOptions): Promise<number> {
  const pacts = options.pacts && options.pacts.length > 0 ? options.pacts : [resolve('pacts')];
  // The report paths first: a run that verified everything must not end in a write error, read as exit 1.
  if (!reportPathsUsable('verify', { '--json': options.json, '--junit': options.junit })) return 2;
  let report: VerificationReport | undefined;
  let code: number;
  try {
    report = await verifyPacts({
      pacts,
      ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
      ...(options.appKey ? { appKey: options.appKey } : {}),
      ...(options.appSecret ? { appSecret: options.appSecret } : {}),
      ...(options.mid ? { mid: options.mid } : {}),
      ...(options.tokenizationKey ? { tokenizationKey: options.tokenizationKey } : {}),
      ...(options.provider ? { provider: options.provider } : {}),
      ...(options.consumer ? { consumer: options.consumer } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.timeout !== undefined ? { timeoutMs: options.timeout } : {}),
      ...(options.states ? { stateHandlers: await loadStates(options.states) } : {}),
      checkSpec: options.specCheck !== false,
    });
    code = report.ok ? 0 : 1;
  } catch (error) {
    report = (error as { report?: VerificationReport }).report;
    if (report) process.stdout.write(formatReport(report));
    process.stderr.write(`flexfactor-mock verify: ${(error as Error).message}\n`);
    code = 2;
  }
  if (report && code !== 2) process.stdout.write(formatReport(report));
  if (!report) return code;
  // Checked at start, so this fails only when something changed during the run (the disk filled, the folder went):
  // the report is printed above, and a report CI asked for and did not get is "could not run", not a broken contract.
  try {
    if (options.json)
      writeOutputFile('--json', options.json, `${JSON.stringify({ ...report, exitCode: code }, null, 2)}\n`);
    if (options.junit) writeOutputFile('--junit', options.junit, junitReport(report));
  } catch (error) {
    if (!(error instanceof OutputPathError)) throw error;
    process.stderr.write(`flexfactor-mock verify: ${error.message}\n`);
    return 2;
  }
  return code;
}
