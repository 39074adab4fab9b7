// The built-in scenario library, file by file: every scenarios/*.yaml is loaded, its example request is sent to a
// listening mock over loopback (real sockets, so transport faults are seen as a client sees them) and the declared
// response or fault is checked. The suite grows with the library. Also: the library covers what the README promises,
// and the JSON Schema's lists agree with the code.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { DEFAULT_MERCHANT, DEFAULT_PARTNER } from '../mock/domain/accounts.js';
import { parseDuration } from '../mock/domain/clock.js';
import { TEST_CARD_DETAILS, TEST_CARDS, type TestCardName } from '../mock/domain/outcomes.js';
import { ERROR_CATALOG } from '../mock/errors/catalog.js';
import { createApp, type MockApp } from '../mock/http/app.js';
import { listen, type RunningServer } from '../mock/http/server.js';
import { checkScenarioFolders } from '../mock/scenarios/index.js';
import type { ExampleExpect, ExampleRequest, ScenarioFile } from '../mock/scenarios/types.js';

const DIR = 'scenarios';
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();
const LIBRARY = FILES.map((file) => ({
  name: file.replace(/\.yaml$/, ''),
  file: join(DIR, file),
  text: readFileSync(join(DIR, file), 'utf8'),
  definition: parse(readFileSync(join(DIR, file), 'utf8')) as ScenarioFile,
}));
const SCHEMA = JSON.parse(readFileSync(join(DIR, 'scenario.schema.json'), 'utf8'));
const T0 = '2026-06-01T12:00:00.000Z';
const QUIET = { info() {}, warn() {}, error() {} };

interface RawResult {
  status: number | null;
  headers: IncomingHttpHeaders;
  text: string;
  /** Data events received (a slow body arrives in several). */
  chunks: number;
  ms: number;
  /** ECONNRESET, TIMEOUT, aborted, … or null. */
  error: string | null;
  /** The whole announced body arrived. */
  complete: boolean;
}

/** One request on a fresh connection, reporting what the client saw, faults included. */
function rawRequest(
  origin: string,
  r: { method: string; path: string; headers: Record<string, string>; body?: string },
  timeoutMs = 5_000,
): Promise<RawResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const result: RawResult = {
      status: null,
      headers: {},
      text: '',
      chunks: 0,
      ms: 0,
      error: null,
      complete: false,
    };
    let done = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      if (error && !result.error) result.error = error;
      result.ms = performance.now() - started;
      resolve(result);
    };
    const headers: Record<string, string> = { ...r.headers };
    if (r.body !== undefined) headers['content-length'] = String(Buffer.byteLength(r.body));
    const req = httpRequest(new URL(r.path, origin), { method: r.method, headers, agent: false }, (res) => {
      result.status = res.statusCode ?? null;
      result.headers = res.headers;
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => {
        result.chunks += 1;
        parts.push(chunk);
      });
      res.on('error', (error: NodeJS.ErrnoException) => {
        result.error = error.code ?? error.message;
      });
      res.on('close', () => {
        result.text = Buffer.concat(parts).toString('utf8');
        result.complete = res.complete;
        finish(res.complete ? undefined : 'aborted');
      });
    });
    req.setTimeout(timeoutMs, () => {
      result.error = 'TIMEOUT';
      req.destroy();
      finish('TIMEOUT');
    });
    req.on('error', (error: NodeJS.ErrnoException) => finish(error.code ?? error.message));
    req.end(r.body);
  });
}

let app: MockApp;
let running: RunningServer;

before(async () => {
  app = createApp({ clock: { start: T0, frozen: true }, validateResponses: true, logger: QUIET });
  running = await listen(app, { port: 0 });
});

after(async () => {
  app.mock.scenarios?.close();
  await running.close(100);
});

async function token(session: string, account: 'merchant' | 'partner'): Promise<string> {
  const credentials = account === 'partner' ? DEFAULT_PARTNER : DEFAULT_MERCHANT;
  const res = await rawRequest(running.url, {
    method: 'POST',
    path: '/v1/oauth2/token',
    headers: { 'content-type': 'application/json', 'x-mock-session': session },
    body: JSON.stringify({ AppKey: credentials.appKey, AppSecret: credentials.appSecret }),
  });
  assert.equal(res.status, 200, `token: ${res.text}`);
  return JSON.parse(res.text).accessToken as string;
}

/** Fill {{unique}}, {{order.*}} and {{response.body.*}} in an example request. */
function fill(value: unknown, vars: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\{\{\s*([\w.]+)\s*\}\}/g, (whole, path: string) => {
      const found = path
        .split('.')
        .reduce<unknown>((acc, key) => (acc as Record<string, unknown>)?.[key], vars);
      assert.ok(found !== undefined, `example template ${whole} has no value`);
      return String(found);
    });
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, vars));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, vars)]));
  }
  return value;
}

interface Prepared {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

async function prepare(
  spec: ExampleRequest,
  scenarioFile: string,
  session: string,
  vars: Record<string, unknown>,
): Promise<Prepared> {
  const headers: Record<string, string> = { 'x-mock-session': session, ...(spec.headers ?? {}) };
  const account = spec.account ?? 'merchant';
  if (account !== 'none') headers.authorization = `Bearer ${await token(session, account)}`;
  let body: string | undefined;
  if (spec.rawBody !== undefined) body = spec.rawBody;
  else {
    const value =
      spec.bodyFile !== undefined
        ? JSON.parse(readFileSync(join(dirname(scenarioFile), spec.bodyFile), 'utf8'))
        : spec.body;
    if (value !== undefined) body = JSON.stringify(fill(value, vars));
  }
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  return { method: spec.method, path: String(fill(spec.path, vars)), headers, ...(body ? { body } : {}) };
}

/** Assert that `actual` contains every field of `expected` (recursively). */
function assertSubset(actual: unknown, expected: unknown, where: string): void {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    assert.ok(
      actual !== null && typeof actual === 'object',
      `${where}: expected an object, got ${JSON.stringify(actual)}`,
    );
    for (const [key, value] of Object.entries(expected)) {
      assertSubset((actual as Record<string, unknown>)[key], value, `${where}.${key}`);
    }
    return;
  }
  assert.deepEqual(actual, expected, where);
}

function check(res: RawResult, expect: ExampleExpect, where: string): unknown {
  const seen = `${where}: got status ${res.status}, error ${res.error}, body ${res.text.slice(0, 300)}`;
  if (expect.minMs !== undefined) assert.ok(res.ms >= expect.minMs - 2, `${seen}; took ${res.ms} ms`);
  switch (expect.fault) {
    case 'reset':
      assert.equal(res.status, null, seen);
      assert.equal(res.error, 'ECONNRESET', seen);
      return undefined;
    case 'timeout':
      assert.equal(res.status, null, seen);
      assert.equal(res.error, 'TIMEOUT', seen);
      return undefined;
    case 'truncated': {
      assert.equal(res.status, expect.status ?? 200, seen);
      assert.equal(res.complete, false, seen);
      const announced = Number(res.headers['content-length']);
      assert.ok(Buffer.byteLength(res.text) < announced, `${seen}: ${res.text.length} of ${announced} bytes`);
      assert.throws(() => JSON.parse(res.text), SyntaxError);
      return undefined;
    }
    case 'malformed-json':
      assert.equal(res.status, expect.status ?? 200, seen);
      assert.equal(res.complete, true, seen);
      assert.match(String(res.headers['content-type']), /json/);
      assert.throws(() => JSON.parse(res.text), SyntaxError);
      return undefined;
    case 'slow-body':
      assert.equal(res.complete, true, seen);
      assert.ok(res.chunks > 1, `${seen}: arrived in ${res.chunks} chunk(s)`);
      break;
    default:
      assert.equal(res.error, null, seen);
  }
  if (expect.status !== undefined) assert.equal(res.status, expect.status, seen);
  for (const [name, value] of Object.entries(expect.headers ?? {})) {
    assert.equal(res.headers[name.toLowerCase()], value, `${seen}: header ${name}`);
  }
  if (res.status === 204) {
    assert.equal(res.text, '', seen);
    return undefined;
  }
  const body = res.text === '' ? undefined : JSON.parse(res.text);
  // A model-binding 400 with field errors is the sandbox's flat ModelState; every error has x-mock-error-code.
  const flat = res.status === 400 && /^application\/json/.test(String(res.headers['content-type']));
  if (res.status !== null && res.status >= 400) {
    if (flat) assert.match(String(body?.TraceId?.[0]), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, seen);
    else {
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/, seen);
      assert.equal(body.status, res.status, seen);
    }
  }
  if (expect.code !== undefined)
    assert.equal(flat ? res.headers['x-mock-error-code'] : body?.code, expect.code, seen);
  if (expect.body !== undefined) assertSubset(body, expect.body, `${where} body`);
  return body;
}

/** An order to act on: a CIT evaluate with the test card, without any scenario. */
async function createOrder(session: string, card: TestCardName, vars: Record<string, unknown>) {
  const body = JSON.parse(readFileSync(join(DIR, 'bodies', 'evaluate-request.json'), 'utf8'));
  body.paymentMethod.cardNumber = TEST_CARDS[card];
  const prepared = await prepare(
    { method: 'POST', path: '/v1/evaluate', body },
    join(DIR, 'x.yaml'),
    session,
    vars,
  );
  const res = await rawRequest(running.url, prepared);
  assert.equal(res.status, 200, res.text);
  const answer = JSON.parse(res.text);
  const sent = JSON.parse(prepared.body as string);
  return { id: answer.orderSessionKey as string, externalOrderId: sent.orderId as string };
}

let uniques = 0;

describe('every scenario file answers its example as declared', () => {
  for (const scenario of LIBRARY) {
    test(scenario.name, async () => {
      const example = scenario.definition.example;
      assert.ok(example, `${scenario.file} has no example`);
      const session = `library-${scenario.name}`;
      uniques += 1;
      const vars: Record<string, unknown> = {
        unique: `00000000-0000-4000-8000-${String(uniques).padStart(12, '0')}`,
      };
      if (example.order) vars.order = await createOrder(session, example.order, vars);

      for (const [i, step] of (example.before ?? []).entries()) {
        const prepared = await prepare(step.request as ExampleRequest, scenario.file, session, vars);
        vars.response = { body: check(await rawRequest(running.url, prepared), step.expect, `before[${i}]`) };
      }

      const main = await prepare(example.request, scenario.file, session, vars);
      main.headers['x-mock-scenario'] = scenario.name;
      const timeout = example.expect.fault === 'timeout' ? 300 : 5_000;
      const res = await rawRequest(running.url, main, timeout);
      vars.response = { body: check(res, example.expect, 'example') };

      for (const [i, step] of (example.then ?? []).entries()) {
        if (step.advance !== undefined) app.mock.clock.advance(parseDuration(step.advance));
        let prepared: Prepared;
        if (step.repeat) {
          // The same request, byte for byte, with a fresh token and without the scenario header.
          const { 'x-mock-scenario': _, ...headers } = main.headers;
          prepared = { ...main, headers };
          if (headers.authorization) headers.authorization = `Bearer ${await token(session, 'merchant')}`;
        } else {
          prepared = await prepare(step.request as ExampleRequest, scenario.file, session, vars);
        }
        vars.response = { body: check(await rawRequest(running.url, prepared), step.expect, `then[${i}]`) };
      }
    });
  }

  test('no response sent while running the library broke contracts/openapi.yaml', () => {
    assert.deepEqual(app.mock.violations, []);
  });
});

describe('the library covers what the README promises', () => {
  const defs = LIBRARY.map((s) => s.definition);
  const expects = defs.flatMap((d) =>
    d.example ? [d.example.expect, ...(d.example.then ?? []).map((t) => t.expect)] : [],
  );

  test('every file is checked by the schema as it is typed, says where it comes from and has an example', () => {
    for (const s of LIBRARY) {
      assert.match(s.text, /^# yaml-language-server: \$schema=scenario\.schema\.json\n/, s.file);
      assert.ok(['documented', 'observed', 'invented'].includes(s.definition.source), s.file);
      assert.ok(s.definition.description.length > 20, s.file);
      assert.ok(s.definition.example, s.file);
    }
  });

  test('a scenario for every HTTP status of the intro page and every code of the error catalog', () => {
    const statuses = new Set(defs.map((d) => d.example?.expect.status));
    for (const status of [200, 201, 204, 401, 403, 405, 500, 502, 503, 504]) {
      assert.ok(statuses.has(status), `no scenario answers HTTP ${status}`);
    }
    const codes = new Set(defs.map((d) => d.respond?.error));
    for (const code of Object.keys(ERROR_CATALOG))
      assert.ok(codes.has(code as never), `no scenario for ${code}`);
  });

  test('every business outcome, the expired token mid-flow, 429 with Retry-After and each transport fault', () => {
    const evaluateStatuses = new Set(expects.map((e) => (e.body as { status?: string } | undefined)?.status));
    for (const status of ['APPROVED', 'DECLINED', 'CHALLENGE', 'SUBMITTED', 'CAPTUREREQUIRED', 'FAILED']) {
      assert.ok(evaluateStatuses.has(status), `no scenario shows ${status}`);
    }
    const orderStatuses = new Set(
      expects.map((e) => (e.body as { statusName?: string } | undefined)?.statusName),
    );
    for (const name of ['ONHOLD', 'PROBLEM', 'CANCELLED', 'RETURNED', 'COMPLETED', 'CAPTUREREQUIRED']) {
      assert.ok(orderStatuses.has(name), `no scenario shows an order ${name}`);
    }
    assert.ok(
      defs.some(
        (d) => d.respond?.error === '401004' && d.times === 1 && d.match?.operation === 'captureOrder',
      ),
    );
    assert.ok(
      defs.some((d) => d.respond?.error === '429001' && d.respond.headers?.['Retry-After'] !== undefined),
    );
    const faults = new Set(defs.map((d) => (typeof d.fault === 'string' ? d.fault : d.fault?.type)));
    for (const fault of ['reset', 'hang', 'truncate', 'malformed-json', 'slow-body']) {
      assert.ok(faults.has(fault as never), `no scenario with fault ${fault}`);
    }
    assert.ok(
      defs.some((d) => d.applied && d.respond?.error === '504001'),
      'applied but the response was lost (504)',
    );
    assert.ok(
      defs.some((d) => d.applied && d.fault === 'reset'),
      'applied but the connection was reset',
    );
    assert.ok(
      defs.some((d) => d.state?.nextToken),
      'the next token request fails',
    );
    assert.ok(
      defs.some((d) => d.state?.fate),
      'a fate set by a scenario',
    );
    assert.ok(
      defs.some((d) => d.webhooks),
      'webhook faults',
    );
    assert.ok(
      defs.some((d) => d.delay !== undefined && typeof d.delay === 'object'),
      'a latency distribution',
    );
  });

  test("the schema's lists of operations, error codes and test cards are the code's", () => {
    const operations = [...app.mock.contract.operations.keys()].sort();
    assert.deepEqual([...SCHEMA.definitions.operationId.enum].sort(), operations);
    assert.deepEqual(SCHEMA.definitions.errorCode.enum, Object.keys(ERROR_CATALOG));
    assert.deepEqual(SCHEMA.definitions.testCard.enum, Object.keys(TEST_CARD_DETAILS));
  });

  test("the docs' example file (docs/scenarios.md) is a valid scenario that answers as it says", async () => {
    const readme = readFileSync('docs/scenarios.md', 'utf8');
    const block = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => String(m[1]))
      .find((b) => b.includes('yaml-language-server'));
    assert.ok(block, 'docs/scenarios.md shows a scenario file');
    const dir = mkdtempSync(join(tmpdir(), 'ffmock-readme-'));
    try {
      writeFileSync(join(dir, 'readme-example.yaml'), block);
      const checked = checkScenarioFolders([dir]);
      assert.deepEqual(checked.problems, []);
      assert.equal(checked.valid, 1);
      const shown = parse(block) as ScenarioFile;
      const real = LIBRARY.find((s) => s.name === 'capture-response-lost')?.definition;
      for (const key of ['match', 'times', 'applied'] as const)
        assert.deepEqual(shown[key], real?.[key], key);
      assert.equal(shown.respond?.error, real?.respond?.error);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the built-in library loads without a problem', () => {
    assert.deepEqual(app.mock.scenarios?.problems(), []);
    assert.equal(app.mock.scenarios?.list().length, LIBRARY.length);
  });
});
