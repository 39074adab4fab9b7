// `flexfactor-mock drift --base-url <url>`: keep the mock honest about the real API. A fixed walk of the reference
// client's flows (token, tokenize, evaluate per outcome with the sandbox's observed cards, transmit, capture, order,
// refund, cancel, errors) runs against the target and against an in-process mock with the same inputs; every answer is compared
// field by field (status, missing and extra fields, key casing, JSON types, error shapes), and the target's answers
// are validated against contracts/openapi.yaml. Only shapes and statuses reach the report, and every string of it
// goes through the journal's redactor, so a target that echoes card data cannot leak it into a report. Exit 0: no drift, 1: drift, 2: the target cannot be reached.

import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { Contract } from '../contract/contract.js';
import { DEFAULT_MERCHANT } from '../domain/accounts.js';
import { TEST_CARDS } from '../domain/outcomes.js';
import { createApp } from '../http/app.js';
import { listen } from '../http/server.js';
import { redactText, redactUrl } from '../support/redact.js';

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
}

export interface Difference {
  step: string;
  kind: 'status' | 'missing' | 'extra' | 'casing' | 'type' | 'contract' | 'unreachable';
  path: string;
  mock: string;
  target: string;
}

export interface DriftReport {
  target: string;
  date: string;
  steps: { name: string; operationId: string; mockStatus: number; targetStatus: number }[];
  differences: Difference[];
  drift: boolean;
}

/** The target cannot be reached: exit 2. */
export class UnreachableError extends Error {}

interface Answer {
  status: number;
  body: unknown;
}

interface Context {
  token?: string;
  orders: Record<string, string>;
}

interface Creds {
  appKey: string;
  appSecret: string;
  mid: string;
  tokenizationKey?: string;
}

interface Step {
  name: string;
  operationId: string;
  method: 'GET' | 'POST';
  path: (c: Context, creds: Creds) => string;
  body?: (c: Context, creds: Creds) => unknown;
  /** `true`: the Bearer token; `'tokenization'`: the query key when there is one, else the Bearer token. */
  auth?: boolean | 'tokenization';
  /** Remember something of the answer for later steps. */
  keep?: (c: Context, body: unknown) => void;
}

const evaluateBody = (
  mid: string,
  card: string,
  flow: { isMIT: boolean; authorization?: boolean; phone?: boolean },
) => ({
  idempotencyKey: randomUUID(),
  mid,
  orderId: `DRIFT-${randomUUID()}`,
  isDeclined: true,
  isMIT: flow.isMIT,
  isRecurring: false,
  transactionType: flow.authorization ? 'AUTHORIZATION' : 'PURCHASE',
  transaction: {
    id: randomUUID(),
    amount: 1500,
    currency: 'USD',
    timestampUtc: new Date().toISOString(),
    responseCode: '05',
    responseCodeSource: 'NMI',
  },
  payer: { email: 'drift@example.com', ...(flow.phone ? { phone: '998888' } : {}) },
  billingInformation: {
    firstName: 'Drift',
    lastName: 'Check',
    country: 'United States',
    countryCode: 'US',
    addressLine1: '123 Main St.',
    city: 'San Francisco',
    state: 'CA',
    zipCode: '94111',
  },
  paymentMethod: { cardNumber: card, token: false, expirationMonth: 9, expirationYear: 2030 },
});

const orderIdOf = (body: unknown) => String((body as { orderId?: unknown })?.orderId ?? '');

/** Only the sandbox's observed cards: the invented test cards mean nothing to the real API. */
const VISA = TEST_CARDS.visa;
const VISA_AUTH = TEST_CARDS.visaAuthorization;

/** Tokenize's query credentials, or nothing when it authenticates with the Bearer token. */
const tokenizeQuery = (k: Creds) =>
  k.tokenizationKey
    ? `?${new URLSearchParams({ mid: k.mid, environment: k.tokenizationKey }).toString()}`
    : '';

export const WALK: Step[] = [
  {
    name: 'token',
    operationId: 'createToken',
    method: 'POST',
    path: () => '/v1/oauth2/token',
    body: (_c, k) => ({ AppKey: k.appKey, AppSecret: k.appSecret }),
    keep: (c, b) => {
      c.token = String((b as { accessToken?: unknown })?.accessToken ?? '');
    },
  },
  {
    name: 'token with a wrong secret',
    operationId: 'createToken',
    method: 'POST',
    path: () => '/v1/oauth2/token',
    body: (_c, k) => ({ AppKey: k.appKey, AppSecret: 'drift-wrong-secret' }),
  },
  {
    name: 'tokenize',
    operationId: 'tokenize',
    method: 'POST',
    path: (_c, k) => `/v1/tokenize${tokenizeQuery(k)}`,
    body: () => ({
      payment_method: {
        credit_card: {
          first_name: 'Drift',
          last_name: 'Check',
          number: VISA,
          verification_value: '123',
          month: '09',
          year: '2030',
        },
      },
    }),
    auth: 'tokenization',
  },
  ...(
    [
      ['evaluate → CAPTUREREQUIRED', VISA_AUTH, { isMIT: false, authorization: true }, 'authorized'],
      ['evaluate → APPROVED', VISA_AUTH, { isMIT: true }, 'approved'],
      ['evaluate → CHALLENGE', VISA, { isMIT: false, phone: true }, 'challenge'],
      ['evaluate → DECLINED', VISA, { isMIT: false }, 'declined'],
      ['evaluate → SUBMITTED', VISA, { isMIT: true }, 'submitted'],
      [
        'evaluate → CAPTUREREQUIRED (to cancel)',
        VISA_AUTH,
        { isMIT: false, authorization: true },
        'toCancel',
      ],
    ] as const
  ).map(
    ([name, card, flow, key]): Step => ({
      name,
      operationId: 'evaluate',
      method: 'POST',
      path: () => '/v1/evaluate',
      body: (_c, k) => evaluateBody(k.mid, card, flow),
      auth: true,
      keep: (c, b) => {
        c.orders[key] = orderIdOf(b);
      },
    }),
  ),
  {
    name: 'transmit',
    operationId: 'transmit',
    method: 'POST',
    path: () => '/v1/transmit',
    body: (_c, k) => {
      const {
        paymentMethod: _card,
        idempotencyKey: _key,
        ...rest
      } = evaluateBody(k.mid, VISA, { isMIT: false });
      return {
        ...rest,
        isDeclined: false,
        transaction: { ...rest.transaction, responseCode: '00', responseStatus: 'APPROVED' },
        paymentMethod: {
          cardBinNumber: '411111',
          cardLast4Digits: '1111',
          expirationMonth: 9,
          expirationYear: 2030,
        },
      };
    },
    auth: true,
  },
  {
    name: 'capture',
    operationId: 'captureOrder',
    method: 'POST',
    path: () => '/v1/capture',
    body: (c) => ({
      idempotencyKey: randomUUID(),
      orderId: c.orders.authorized,
      amount: 1500,
      currency: 'USD',
    }),
    auth: true,
  },
  {
    name: 'get order',
    operationId: 'getOrder',
    method: 'GET',
    path: (c) => `/v1/orders/${c.orders.approved}`,
    auth: true,
  },
  {
    name: 'refund part',
    operationId: 'refundOrder',
    method: 'POST',
    path: (c) => `/v1/orders/${c.orders.approved}/refund`,
    body: () => ({ amountToRefund: 5, refundMessage: 'drift check' }),
    auth: true,
  },
  {
    name: 'cancel',
    operationId: 'cancelOrder',
    method: 'POST',
    path: (c) => `/v1/orders/${c.orders.toCancel}/cancel`,
    body: () => ({ idempotencyKey: randomUUID() }),
    auth: true,
  },
  {
    name: 'evaluate with a missing field (400)',
    operationId: 'evaluate',
    method: 'POST',
    path: () => '/v1/evaluate',
    body: (_c, k) => {
      const { transaction: _dropped, ...rest } = evaluateBody(k.mid, VISA, { isMIT: false });
      return rest;
    },
    auth: true,
  },
  {
    name: 'unknown order (404)',
    operationId: 'getOrder',
    method: 'GET',
    path: () => '/v1/orders/00000000-0000-4000-8000-000000000000',
    auth: true,
  },
  {
    name: 'no token (401)',
    operationId: 'getOrder',
    method: 'GET',
    path: (c) => `/v1/orders/${c.orders.approved}`,
  },
];

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
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    // Not JSON: compared as text.
  }
  step.keep?.(c, parsed);
  return { status: res.status, body: parsed };
}

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Field-by-field comparison of two JSON values (shapes, not values). */
export function compareShapes(step: string, mock: unknown, target: unknown, path = '$'): Difference[] {
  const out: Difference[] = [];
  const tm = typeOf(mock);
  const tt = typeOf(target);
  if (tm !== tt) {
    // A null on one side is a value, not a shape: optional fields are often null.
    if (tm !== 'null' && tt !== 'null') out.push({ step, kind: 'type', path, mock: tm, target: tt });
    return out;
  }
  if (tm === 'array') {
    const [a] = mock as unknown[];
    const [b] = target as unknown[];
    if (a !== undefined && b !== undefined) out.push(...compareShapes(step, a, b, `${path}[0]`));
    return out;
  }
  if (tm !== 'object') return out;
  const m = mock as Record<string, unknown>;
  const t = target as Record<string, unknown>;
  const targetKeys = new Map(Object.keys(t).map((k) => [k.toLowerCase(), k]));
  const mockKeys = new Set(Object.keys(m).map((k) => k.toLowerCase()));
  for (const key of Object.keys(m)) {
    const match = targetKeys.get(key.toLowerCase());
    if (match === undefined)
      out.push({ step, kind: 'missing', path: `${path}.${key}`, mock: typeOf(m[key]), target: '(absent)' });
    else {
      if (match !== key) out.push({ step, kind: 'casing', path: `${path}.${key}`, mock: key, target: match });
      out.push(...compareShapes(step, m[key], t[match], `${path}.${key}`));
    }
  }
  for (const key of Object.keys(t)) {
    if (!mockKeys.has(key.toLowerCase()))
      out.push({ step, kind: 'extra', path: `${path}.${key}`, mock: '(absent)', target: typeOf(t[key]) });
  }
  return out;
}

/** Run the walk against the target and a fresh in-process mock; compare. Throws UnreachableError. */
export async function runDrift(options: DriftOptions): Promise<DriftReport> {
  const url = new URL(options.baseUrl);
  const root = `${url.origin}${url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')}`;
  const timeoutMs = options.timeoutMs ?? 15_000;
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
    const targetCreds: Creds = {
      appKey: options.appKey,
      appSecret: options.appSecret,
      mid: options.mid ?? DEFAULT_MERCHANT.mid,
      ...(options.tokenizationKey ? { tokenizationKey: options.tokenizationKey } : {}),
    };
    for (const step of WALK) {
      const m = await call(mock.url, step, cm, mockCreds, timeoutMs);
      let t: Answer;
      try {
        t = await call(root, step, ct, targetCreds, timeoutMs);
      } catch (error) {
        const cause = (error as { cause?: NodeJS.ErrnoException }).cause ?? (error as NodeJS.ErrnoException);
        throw new UnreachableError(
          `cannot reach ${root}/v1: ${cause.code ? `${cause.code} ` : ''}${cause.message}`,
        );
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
      for (const problem of contract.checkResponse(step.operationId, t.status, t.body)) {
        report.differences.push({
          step: step.name,
          kind: 'contract',
          path: '(openapi)',
          mock: '',
          target: problem,
        });
      }
    }
  } finally {
    await mock.close(1_000);
  }
  report.drift = report.differences.length > 0;
  return redactReport(report);
}

/**
 * Field names and contract messages come from the target's answers, so a report could carry what the target echoed
 * (a card number as a key, a token in a message): the journal's rules apply to every string before it is written.
 */
function redactReport(report: DriftReport): DriftReport {
  return {
    ...report,
    target: redactUrl(report.target),
    differences: report.differences.map((d) => ({
      ...d,
      path: redactText(d.path),
      mock: redactText(d.mock),
      target: redactText(d.target),
    })),
  };
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function driftMarkdown(report: DriftReport): string {
  const lines = [
    `# Drift report: ${report.target}`,
    '',
    `${report.date} — ${report.steps.length} requests, ${report.differences.length} difference(s) from the mock.`,
    '',
    '| step | mock | target |',
    '|---|---|---|',
    ...report.steps.map((s) => `| ${cell(s.name)} | ${s.mockStatus} | ${s.targetStatus} |`),
    '',
  ];
  if (report.differences.length > 0) {
    lines.push('| step | kind | field | mock | target |', '|---|---|---|---|---|');
    for (const d of report.differences)
      lines.push(`| ${cell(d.step)} | ${d.kind} | ${cell(d.path)} | ${cell(d.mock)} | ${cell(d.target)} |`);
  } else lines.push('No drift.');
  return `${lines.join('\n')}\n`;
}

/** `flexfactor-mock drift`. */
export function registerDriftCommand(program: Command): void {
  program
    .command('drift')
    .description(
      'compare the mock with a live API (a fixed walk of requests); exit 1 on drift, 2 when unreachable',
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
  try {
    const report = await runDrift({
      baseUrl: options.baseUrl,
      appKey: options.appKey ?? DEFAULT_MERCHANT.appKey,
      appSecret: options.appSecret ?? DEFAULT_MERCHANT.appSecret,
      ...(options.mid ? { mid: options.mid } : {}),
      ...(options.tokenizationKey ? { tokenizationKey: options.tokenizationKey } : {}),
    });
    const markdown = driftMarkdown(report);
    if (options.markdown) writeFileSync(options.markdown, markdown);
    else process.stdout.write(markdown);
    if (options.json) writeFileSync(options.json, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(
      `${report.drift ? 'DRIFT' : 'NO DRIFT'}: ${report.differences.length} difference(s) in ${report.steps.length} requests\n`,
    );
    return report.drift ? 1 : 0;
  } catch (error) {
    process.stderr.write(`flexfactor-mock drift: ${(error as Error).message}\n`);
    return 2;
  }
}
