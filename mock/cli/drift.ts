// `flexfactor-mock drift --base-url <url>`: keep the mock honest about the real API. A fixed walk of the reference
// client's flows (token, tokenize, evaluate per outcome with the sandbox's observed cards, transmit, capture, order,
// refund, cancel, errors) runs against the target and against an in-process mock with the same inputs; every answer is compared
// field by field (status, missing and extra fields, key casing, JSON types, error shapes), and the target's answers
// are validated against contracts/openapi.yaml. Only shapes and statuses reach the report, and every string of it
// goes through the journal's redactor, so a target that echoes card data cannot leak it into a report.
// Exit 0: no drift, 1: drift, 2: the walk could not run (the target cannot be reached, is not the API root, or
// refuses the credentials: a token is fetched before the walk, so that is one line instead of 17 steps of drift).

import { type Command, Option } from 'commander';
import { Contract, undeclaredStatus } from '../contract/contract.js';
import { describeSchemaError, errorPath } from '../contract/field-messages.js';
import { DEFAULT_MERCHANT } from '../domain/accounts.js';
import { createApp } from '../http/app.js';
import { listen } from '../http/server.js';
import { registerSecret } from '../support/redact.js';
import { compareShapes, type DriftReport, driftMarkdown, redactReport } from './drift-report.js';
import { type Context, type Creds, type Step, WALK } from './drift-walk.js';
import { OutputPathError, reportPathsUsable, writeOutputFile } from './output-files.js';
import {
  AnswerTooLarge,
  boundedText,
  type CredentialSource,
  describeNetworkError,
  HOW_TO_GIVE_CREDENTIALS,
  MAX_ANSWER_BYTES,
  tokenFailure,
} from './target-errors.js';

export type { Difference, DriftReport } from './drift-report.js';

export interface DriftOptions {
  baseUrl: string;
  appKey: string;
  appSecret: string;
  mid?: string;
  /**
   * The target's tokenization key: tokenize then sends the documented `mid` + `environment` query credentials
   * (the in-process mock gets its own key the same way). Without it, tokenize authenticates with the Bearer token,
   * as ActiveMerchant does and the sandbox accepted.
   */
  tokenizationKey?: string;
  /** Per-request timeout in ms (default 15 000). */
  timeoutMs?: number;
  /** Where appKey/appSecret came from; only changes what a refusal says (default `given`). */
  credentials?: CredentialSource;
}

/** The walk could not run (the target cannot be reached, answers no token): exit 2. */
export class UnreachableError extends Error {}

interface Answer {
  status: number;
  body: unknown;
}

/** A network failure of a request to the target, as the one line the command prints. */
function unreachable(root: string, error: unknown): UnreachableError {
  return new UnreachableError(`cannot reach ${root}/v1: ${describeNetworkError(error, `${root}/v1`)}`);
}

/** An answer too large to be the API's: the URL is wrong, the target is not what it seems. */
function tooLarge(root: string, what: string): UnreachableError {
  return new UnreachableError(
    `${root}/v1 answered ${what} with more than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB, which no FlexFactor answer is: check --base-url`,
  );
}

/**
 * Fetch a token from the target before the walk: without one every step is a 401 and the report would be a wall of
 * drift that is really a wrong URL or wrong credentials.
 */
async function preflight(root: string, creds: Creds, source: CredentialSource, timeoutMs: number) {
  let res: Response;
  try {
    res = await fetch(`${root}/v1/oauth2/token`, {
      method: 'POST',
      headers: { accept: 'application/json, application/problem+json', 'content-type': 'application/json' },
      body: JSON.stringify({ AppKey: creds.appKey, AppSecret: creds.appSecret }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw unreachable(root, error);
  }
  let text = '';
  try {
    text = await boundedText(res);
  } catch (error) {
    if (error instanceof AnswerTooLarge) throw tooLarge(root, 'POST /oauth2/token');
    // A broken body: only the status speaks.
  }
  let body: { accessToken?: unknown; code?: unknown; detail?: unknown; title?: unknown } = {};
  try {
    body = JSON.parse(text) ?? {};
  } catch {
    // Not JSON (an HTML 404 page, say): only the status speaks.
  }
  if (res.ok && typeof body.accessToken === 'string' && body.accessToken !== '') return;
  const code = typeof body.code === 'string' ? body.code : (res.headers.get('x-mock-error-code') ?? null);
  const detail =
    typeof body.detail === 'string' ? body.detail : typeof body.title === 'string' ? body.title : null;
  throw new UnreachableError(
    tokenFailure(
      `${root}/v1`,
      // A 2xx without a token is not a token endpoint either.
      { status: res.status, code, detail: res.ok ? 'no accessToken in the answer' : detail },
      source,
    ),
  );
}

async function call(root: string, step: Step, c: Context, creds: Creds, timeoutMs: number): Promise<Answer> {
  const body = step.body?.(c, creds);
  const bearer = step.auth === true || (step.auth === 'tokenization' && !creds.tokenizationKey);
  const res = await fetch(`${root}${step.path(c, creds)}`, {
    method: step.method,
    headers: {
      accept: 'application/json',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(bearer && c.token ? { authorization: `Bearer ${c.token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await boundedText(res);
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON: compared as text.
  }
  step.keep?.(c, parsed);
  return { status: res.status, body: parsed };
}

/** Run the walk against the target and a fresh in-process mock; compare. Throws UnreachableError. */
export async function runDrift(options: DriftOptions): Promise<DriftReport> {
  const url = new URL(options.baseUrl);
  const root = `${url.origin}${url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const targetCreds: Creds = {
    appKey: options.appKey,
    appSecret: options.appSecret,
    mid: options.mid ?? DEFAULT_MERCHANT.mid,
    ...(options.tokenizationKey ? { tokenizationKey: options.tokenizationKey } : {}),
  };
  // Whatever the target echoes (a refusal quoting the request, the report) is redacted with this value known.
  registerSecret(options.appSecret, { pinned: true });
  await preflight(root, targetCreds, options.credentials ?? 'given', timeoutMs);
  const contract = new Contract();
  const mock = await listen(createApp({ logger: { info() {}, warn() {}, error() {} } }), { port: 0 });
  const report: DriftReport = {
    target: `${root}/v1`,
    date: new Date().toISOString(),
    steps: [],
    differences: [],
    drift: false,
  };
  try {
    const cm: Context = { orders: {} };
    const ct: Context = { orders: {} };
    // Same inputs on both sides: the mock tokenizes with its own key exactly when the target gets one.
    const mockCreds: Creds = {
      appKey: DEFAULT_MERCHANT.appKey,
      appSecret: DEFAULT_MERCHANT.appSecret,
      mid: DEFAULT_MERCHANT.mid,
      ...(options.tokenizationKey ? { tokenizationKey: DEFAULT_MERCHANT.tokenizationKey } : {}),
    };
    for (const step of WALK) {
      const m = await call(mock.url, step, cm, mockCreds, timeoutMs);
      let t: Answer;
      try {
        t = await call(root, step, ct, targetCreds, timeoutMs);
      } catch (error) {
        if (error instanceof AnswerTooLarge) throw tooLarge(root, `the "${step.name}" request`);
        throw unreachable(root, error);
      }
      report.steps.push({
        name: step.name,
        operationId: step.operationId,
        mockStatus: m.status,
        targetStatus: t.status,
      });
      if (m.status !== t.status) {
        report.differences.push({
          step: step.name,
          kind: 'status',
          path: '(status)',
          mock: String(m.status),
          target: String(t.status),
        });
      }
      report.differences.push(...compareShapes(step.name, m.body, t.body));
      const errors = contract.responseErrors(step.operationId, t.status, t.body);
      if (errors === null) {
        report.differences.push({
          step: step.name,
          kind: 'contract',
          path: '(status)',
          mock: '',
          target: undeclaredStatus(step.operationId, t.status),
        });
      }
      // Each row names its field: the path it is about, and the property ajv names only in its params.
      for (const error of errors ?? []) {
        report.differences.push({
          step: step.name,
          kind: 'contract',
          path: errorPath(error),
          mock: '',
          target: describeSchemaError(error),
        });
      }
    }
  } finally {
    await mock.close(1_000);
  }
  report.drift = report.differences.length > 0;
  return redactReport(report);
}

/** `flexfactor-mock drift`. */
export function registerDriftCommand(program: Command): void {
  program
    .command('drift')
    .description(
      'compare the mock with a live API (a fixed walk of requests); exit 1 on drift, 2 when it could not run ' +
        '(unreachable, not the API root, credentials refused)',
    )
    .requiredOption('--base-url <url>', 'API root to compare with, e.g. https://api-sandbox.flexfactor.io/v1')
    .addOption(new Option('--app-key <key>', 'API key for --base-url').env('FLEXFACTOR_APP_KEY'))
    .addOption(new Option('--app-secret <secret>', 'API secret for --base-url').env('FLEXFACTOR_APP_SECRET'))
    .addOption(new Option('--mid <mid>', 'MID for evaluate').env('FLEXFACTOR_MID'))
    .addOption(
      new Option(
        '--tokenization-key <key>',
        "the target's tokenization key for tokenize (default: tokenize with the Bearer token)",
      ).env('FLEXFACTOR_TOKENIZATION_KEY'),
    )
    .addOption(new Option('--json <file>', 'write the report as JSON'))
    .addOption(new Option('--markdown <file>', 'write the report as Markdown (default: printed)'))
    .action(
      async (options: {
        baseUrl: string;
        appKey?: string;
        appSecret?: string;
        mid?: string;
        tokenizationKey?: string;
        json?: string;
        markdown?: string;
      }) => {
        process.exitCode = await driftCommand(options);
      },
    );
}

async function driftCommand(options: {
  baseUrl: string;
  appKey?: string;
  appSecret?: string;
  mid?: string;
  tokenizationKey?: string;
  json?: string;
  markdown?: string;
}): Promise<number> {
  try {
    new URL(options.baseUrl);
  } catch {
    process.stderr.write(`flexfactor-mock drift: --base-url ${options.baseUrl} is not a URL\n`);
    return 2;
  }
  if (!options.appKey !== !options.appSecret) {
    // Half a pair would be completed with the mock's default: a refusal would then blame the half that was given.
    process.stderr.write(
      `flexfactor-mock drift: ${options.appKey ? '--app-secret' : '--app-key'} is missing; give both with ${HOW_TO_GIVE_CREDENTIALS}\n`,
    );
    return 2;
  }
  const given = Boolean(options.appKey && options.appSecret);
  if (!given) {
    // Convenient against another mock, wrong against anything else: say so before the walk starts.
    process.stderr.write(
      `flexfactor-mock drift: no credentials given: using the mock's default test credentials, which only a flexfactor-mock target accepts (for any other target, give its own with ${HOW_TO_GIVE_CREDENTIALS})\n`,
    );
  }
  // The report paths before the walk: it creates orders on the target, and its result must not be lost to a typo.
  if (!reportPathsUsable('drift', { '--json': options.json, '--markdown': options.markdown })) return 2;
  let report: DriftReport;
  try {
    report = await runDrift({
      baseUrl: options.baseUrl,
      appKey: options.appKey || DEFAULT_MERCHANT.appKey,
      appSecret: options.appSecret || DEFAULT_MERCHANT.appSecret,
      credentials: given ? 'given' : 'mock-default',
      ...(options.mid ? { mid: options.mid } : {}),
      ...(options.tokenizationKey ? { tokenizationKey: options.tokenizationKey } : {}),
    });
  } catch (error) {
    process.stderr.write(`flexfactor-mock drift: ${(error as Error).message}\n`);
    return 2;
  }
  return saveDriftReport(report, options);
}

/**
 * Write the report where asked. A walk that finished is never lost to an output path: when the Markdown file cannot
 * be written the report is printed instead, the verdict is printed either way, and the failure is exit 2.
 */
function saveDriftReport(report: DriftReport, options: { json?: string; markdown?: string }): number {
  const failures: string[] = [];
  const save = (option: string, path: string, text: string): boolean => {
    try {
      writeOutputFile(option, path, text);
      return true;
    } catch (error) {
      if (!(error instanceof OutputPathError)) throw error;
      failures.push(error.message);
      return false;
    }
  };
  const markdown = driftMarkdown(report);
  const printed = !(options.markdown && save('--markdown', options.markdown, markdown));
  if (printed) process.stdout.write(markdown);
  if (options.json) save('--json', options.json, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `${report.drift ? 'DRIFT' : 'NO DRIFT'}: ${report.differences.length} difference(s) in ${report.steps.length} requests\n`,
  );
  if (failures.length === 0) return report.drift ? 1 : 0;
  const kept = printed ? 'the report is printed above' : `the report is in ${options.markdown}`;
  process.stderr.write(`flexfactor-mock drift: ${failures.join('; ')} (${kept})\n`);
  return 2;
}
