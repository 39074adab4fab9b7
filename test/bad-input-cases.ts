// The bad-input battery's case tables (run by test/bad-input.test.ts): hand-written cases and cases generated from
// contracts/openapi.yaml (every operation, every declared field). Every case here must be refused with a 4xx catalog
// problem and must leave the server's state as it was.

import { DEFAULT_MERCHANT, DEFAULT_PARTNER, SECOND_MERCHANT } from '../mock/domain/accounts.js';
import { evaluateBody, guid } from './helpers.js';
import { bindExample, contractRequestExamples, resolve } from './request-examples.js';

type Json = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: walking an arbitrary OpenAPI document.
type Node = any;

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'options' | 'head';
export type Auth = 'merchant' | 'partner' | 'none' | { header: string };

/** A request sent through supertest (in-process). */
export interface BadCase {
  group: string;
  name: string;
  method: Method;
  path: string;
  auth: Auth;
  headers?: Record<string, string>;
  /** An object is sent as JSON; `raw` is sent as is with `type` (default application/json). */
  body?: Json | unknown[] | { raw: string | Buffer; type: string };
  /** Expected status (when one is certain); otherwise any 4xx. */
  status?: number;
  /** Expected catalog code, when one is certain. */
  code?: string;
  /** Statuses that also count as a correct answer (e.g. the normal answer while a module is absent). */
  orStatus?: number[];
}

/** A request written byte for byte on a socket (what supertest cannot send). */
export interface RawCase {
  group: string;
  name: string;
  bytes: Buffer;
  /** Half-close the socket after writing (a client that stops sending). */
  end?: boolean;
  status: number;
  code?: string;
}

/** Ids of real objects in the battery's session, so path parameters and bodies point at something that exists. */
export interface Fixtures {
  session: string;
  merchantToken: string;
  partnerToken: string;
  approvedOrder: string;
  captureOrder: string;
  externalId: string;
  applicationId: string;
  apiKeyId: string;
  documentId: string;
}

export interface Operation {
  id: string;
  method: Method;
  /** OpenAPI template, e.g. /v1/orders/{id} */
  path: string;
  bodyType: 'json' | 'multipart' | null;
  partner: boolean;
  security: 'bearer' | 'tokenization' | 'none';
  /** The request body schema (refs resolved lazily through `doc`). */
  bodySchema: Node | null;
}

/** A request that would succeed: the starting point every mutation changes in exactly one way. */
export interface ValidRequest {
  path: string;
  auth: Auth;
  body?: Json;
}

export function operationsOf(doc: Node, partnerOps: ReadonlySet<string>): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Node>)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const op = item[method];
      if (!op) continue;
      const content = resolve(doc, op.requestBody)?.content ?? {};
      const json = Object.keys(content).find((t) => /json/.test(t));
      const multipart = Object.keys(content).some((t) => /multipart/.test(t));
      const security = (op.security ?? doc.security ?? []) as Record<string, unknown>[];
      const names = security.flatMap((s) => Object.keys(s));
      out.push({
        id: op.operationId,
        method,
        path,
        bodyType: json ? 'json' : multipart ? 'multipart' : null,
        partner: partnerOps.has(op.operationId),
        // Tokenize takes either its query key or a bearer token (ActiveMerchant's store): the battery sends the key.
        security:
          names.length === 0
            ? 'none'
            : names.every((n) => doc.components?.securitySchemes?.[n]?.type === 'http')
              ? 'bearer'
              : 'tokenization',
        bodySchema: json ? content[json].schema : null,
      });
    }
  }
  return out;
}

/** Follow local `$ref`s (shared with the request examples). */
export { resolve };

/** The concrete path of an operation with every parameter filled from the fixtures (or `override`). */
export function concretePath(op: Operation, f: Fixtures, override?: Record<string, string>): string {
  return op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    if (override && name in override) return override[name] as string;
    if (name === 'externalOrderId') return f.externalId;
    if (name === 'mid') return DEFAULT_MERCHANT.mid;
    if (name === 'documentId') return f.documentId;
    if (op.path.startsWith('/v1/orders/')) return op.id === 'cancelOrder' ? f.captureOrder : f.approvedOrder;
    if (op.path.startsWith('/v1/api-keys/')) return f.apiKeyId;
    return f.applicationId;
  });
}

export const TOKENIZE_QUERY = `mid=${DEFAULT_MERCHANT.mid}&environment=${DEFAULT_MERCHANT.tokenizationKey}`;

/** The amount (cents) of the battery's orders (evaluateBody's default), so a bound capture matches its order. */
const FIXTURE_AMOUNT = 1500;

/**
 * A valid body for each JSON operation: the contract's request example bound to the battery's objects (fresh keys
 * and ids on every call). A capture needs the authorized order; every other body names the approved one.
 */
export function validBody(operationId: string, f: Fixtures): Json | undefined {
  const example = contractRequestExamples().get(operationId);
  if (!example) return undefined;
  const order = operationId === 'captureOrder' ? f.captureOrder : f.approvedOrder;
  return bindExample(example, { order, amount: FIXTURE_AMOUNT });
}

export function validRequest(op: Operation, f: Fixtures): ValidRequest {
  const auth: Auth = op.security === 'bearer' ? (op.partner ? 'partner' : 'merchant') : 'none';
  const path = concretePath(op, f) + (op.id === 'tokenize' ? `?${TOKENIZE_QUERY}` : '');
  const body = op.bodyType === 'json' ? validBody(op.id, f) : undefined;
  if (op.bodyType === 'json' && !body)
    throw new Error(`no valid body for ${op.id}: add a request example to contracts/openapi.yaml`);
  return body ? { path, auth, body } : { path, auth };
}

// ---------------------------------------------------------------------------------------------------------------
// Generated from the contract: malformed bodies, content types, limits, wrong types for every declared field.

/** Malformed or non-object JSON documents, and what each must draw. */
const MALFORMED: { name: string; raw: string; code: string }[] = [
  { name: 'truncated object', raw: '{"a":', code: '400002' },
  { name: 'truncated array', raw: '[1,2', code: '400002' },
  { name: 'unterminated string', raw: '{"a":"abc', code: '400002' },
  { name: 'single quotes', raw: "{'a':1}", code: '400002' },
  { name: 'unquoted key', raw: '{a:1}', code: '400002' },
  { name: 'trailing comma', raw: '{"a":1,}', code: '400002' },
  { name: 'comment', raw: '{"a":1 /* note */}', code: '400002' },
  { name: 'trailing garbage', raw: '{"a":1} x', code: '400002' },
  { name: 'two documents', raw: '{}{}', code: '400002' },
  { name: 'NaN literal', raw: '{"a":NaN}', code: '400002' },
  { name: 'Infinity literal', raw: '{"a":Infinity}', code: '400002' },
  { name: '-Infinity literal', raw: '{"a":-Infinity}', code: '400002' },
  { name: 'leading zero', raw: '{"a":01}', code: '400002' },
  { name: 'hex number', raw: '{"a":0x10}', code: '400002' },
  { name: 'plus sign', raw: '{"a":+1}', code: '400002' },
  { name: 'bare decimal point', raw: '{"a":1.}', code: '400002' },
  { name: 'raw control character in a string', raw: '{"a":"x\u0001y"}', code: '400002' },
  { name: 'raw NUL in a string', raw: '{"a":"x\u0000y"}', code: '400002' },
  { name: 'bad escape', raw: '{"a":"\\x41"}', code: '400002' },
  { name: 'lone surrogate escape only', raw: '{"a":"\\uD800', code: '400002' },
  { name: 'top-level null', raw: 'null', code: '400002' },
  { name: 'top-level number', raw: '42', code: '400002' },
  { name: 'top-level string', raw: '"text"', code: '400002' },
  { name: 'top-level true', raw: 'true', code: '400002' },
  { name: 'whitespace only', raw: '   ', code: '400002' },
  { name: 'top-level array', raw: '[]', code: '400001' },
];

const WRONG_CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=battery',
  'application/octet-stream',
  'application/jsonp',
  'application/json-patch',
  'text/html; charset=utf-8',
];

/** A JSON value nested `depth` levels deep (arrays). */
export function nested(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

function withExtra(body: Json, extra: string): string {
  const text = JSON.stringify(body);
  return `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}${extra}}`;
}

const MIB = 1024 * 1024;

export function generatedBodyCases(ops: Operation[], f: Fixtures): BadCase[] {
  const cases: BadCase[] = [];
  for (const op of ops) {
    if (op.bodyType !== 'json') continue;
    const valid = () => validRequest(op, f);
    const base = (
      group: string,
      name: string,
      body: BadCase['body'],
      status: number,
      code: string,
    ): BadCase => {
      const v = valid();
      return {
        group,
        name: `${op.id}: ${name}`,
        method: op.method,
        path: v.path,
        auth: v.auth,
        body,
        status,
        code,
      };
    };
    for (const m of MALFORMED) {
      cases.push(base('malformed JSON', m.name, { raw: m.raw, type: 'application/json' }, 400, m.code));
    }
    for (const type of WRONG_CONTENT_TYPES) {
      cases.push(base('content type', type, { raw: JSON.stringify(valid().body), type }, 415, '415001'));
    }
    cases.push(
      base(
        'content type',
        'charset latin1',
        { raw: '{}', type: 'application/json; charset=latin1' },
        415,
        '415001',
      ),
    );
    cases.push(
      base(
        'limits',
        'body over the 1 MiB limit',
        { raw: withExtra(valid().body ?? {}, `"padding":"${'x'.repeat(MIB)}"`), type: 'application/json' },
        413,
        '413001',
      ),
    );
    cases.push(
      base(
        'limits',
        'huge array over the limit',
        {
          raw: withExtra(valid().body ?? {}, `"padding":[${'1,'.repeat(MIB / 2)}1]`),
          type: 'application/json',
        },
        413,
        '413001',
      ),
    );
    cases.push(
      base(
        'limits',
        'nesting 65 deep (System.Text.Json allows 64)',
        { raw: withExtra(valid().body ?? {}, `"deep":${nested(64)}`), type: 'application/json' },
        400,
        '400001',
      ),
    );
    cases.push(
      base(
        'limits',
        'nesting 200 000 deep',
        { raw: withExtra(valid().body ?? {}, `"deep":${nested(200_000)}`), type: 'application/json' },
        400,
        '400001',
      ),
    );
    cases.push(
      base(
        'limits',
        'objects nested 100 000 deep',
        {
          raw: withExtra(valid().body ?? {}, `"deep":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`),
          type: 'application/json',
        },
        400,
        '400001',
      ),
    );
    for (const number of ['1e400', '-1e400', '1E+999']) {
      cases.push(
        base(
          'numbers',
          `unknown field ${number} (beyond a double)`,
          { raw: withExtra(valid().body ?? {}, `"big":${number}`), type: 'application/json' },
          400,
          '400001',
        ),
      );
    }
    cases.push(...prototypeCases(op, valid));
    cases.push(...duplicateKeyCases(op, valid));
  }
  return cases;
}

/** `__proto__` and `constructor` keys must neither satisfy a required field nor reach Object.prototype. */
function prototypeCases(op: Operation, valid: () => ValidRequest): BadCase[] {
  const v = valid();
  const body = v.body ?? {};
  const required = (
    op.id === 'cancelOrder' || op.id === 'externalCancelOrder' || op.id === 'updateApplication'
      ? null
      : Object.keys(body)[0]
  ) as string | null;
  const out: BadCase[] = [];
  const make = (name: string, raw: string): BadCase => ({
    group: 'prototype keys',
    name: `${op.id}: ${name}`,
    method: op.method,
    path: v.path,
    auth: v.auth,
    body: { raw, type: 'application/json' },
    status: 400,
    code: '400001',
  });
  if (required) {
    const { [required]: moved, ...rest } = body;
    out.push(
      make(
        `required ${required} hidden in __proto__`,
        withExtra(rest, `"__proto__":${JSON.stringify({ [required]: moved, polluted: true })}`),
      ),
    );
    out.push(
      make(
        `required ${required} in constructor.prototype`,
        withExtra(
          rest,
          `"constructor":{"prototype":${JSON.stringify({ [required]: moved, polluted: true })}}`,
        ),
      ),
    );
    out.push(
      make(
        '__proto__ as a string, required missing',
        withExtra(rest, '"__proto__":"x","prototype":{"polluted":true}'),
      ),
    );
  } else {
    // Nothing is required: make the one declared field wrong and add the prototype keys next to it.
    const field = op.id === 'updateApplication' ? 'Dba' : 'idempotencyKey';
    out.push(
      make(
        `__proto__ next to a wrong ${field}`,
        withExtra({ [field]: 12345 }, '"__proto__":{"polluted":true}'),
      ),
    );
    out.push(
      make(
        `constructor.prototype next to a wrong ${field}`,
        withExtra({ [field]: 12345 }, '"constructor":{"prototype":{"polluted":true}}'),
      ),
    );
    out.push(
      make(`__proto__ holding the ${field}`, withExtra({ [field]: [] }, `"__proto__":{"${field}":"k"}`)),
    );
  }
  return out;
}

/** Duplicate keys: JSON.parse keeps the last; binding is case-insensitive, so `KEY` after `key` wins too. */
function duplicateKeyCases(op: Operation, valid: () => ValidRequest): BadCase[] {
  const v = valid();
  const body = v.body ?? {};
  const key = Object.keys(body)[0] ?? 'idempotencyKey';
  const make = (name: string, raw: string): BadCase => ({
    group: 'duplicate keys',
    name: `${op.id}: ${name}`,
    method: op.method,
    path: v.path,
    auth: v.auth,
    body: { raw, type: 'application/json' },
    status: 400,
  });
  return [
    make(`${key} twice, the last of the wrong type`, withExtra(body, `"${key}":{"x":[1]}`)),
    make(`${key} then ${key.toUpperCase()} of the wrong type`, withExtra(body, `"${key.toUpperCase()}":[1]`)),
    make(`${key} then ${key.toLowerCase()} = null`, withExtra(body, `"${key.toLowerCase()}":[null]`)),
  ];
}

const SCALAR_SAMPLES: { type: string; value: unknown; label: string }[] = [
  { type: 'string', value: '1500', label: 'a number as a string' },
  { type: 'string', value: 'true', label: '"true"' },
  { type: 'integer', value: 12345, label: 'a string as a number' },
  { type: 'number', value: 12.5, label: 'a fraction' },
  { type: 'boolean', value: true, label: 'a boolean' },
  { type: 'object', value: { nested: 1 }, label: 'an object' },
  { type: 'array', value: ['x'], label: 'an array' },
  { type: 'null', value: null, label: 'null' },
];

function typesOf(schema: Node): string[] {
  if (!schema || schema.type === undefined) return [];
  return ([] as string[]).concat(schema.type);
}

function accepts(types: string[], sample: { type: string; value: unknown }): boolean {
  if (types.includes(sample.type)) return true;
  if (sample.type === 'integer' && types.includes('number')) return true;
  return false;
}

/** Up to `limit` values of a JSON type the schema does not allow, plus values its constraints refuse. */
function wrongValues(schema: Node, limit: number): { value: unknown; label: string }[] {
  const types = typesOf(schema);
  if (types.length === 0) return [];
  const out: { value: unknown; label: string }[] = [];
  // Prefer the confusions clients really make: numbers as strings and the reverse, then structure. A number field
  // reads a numeric string as the real API does (ASP.NET's web defaults), so "1500" is no wrong value there.
  const order =
    types.includes('number') || types.includes('integer')
      ? ['true', null, { nested: 1 }, ['x'], 12345, 12.5, true]
      : ['1500', 12345, true, { nested: 1 }, ['x'], null, 12.5, 'true'];
  for (const preferred of order) {
    const sample = SCALAR_SAMPLES.find((s) => JSON.stringify(s.value) === JSON.stringify(preferred));
    if (sample && !accepts(types, sample)) out.push({ value: sample.value, label: sample.label });
    if (out.length >= limit) break;
  }
  if (Array.isArray(schema.enum))
    out.push({ value: 'not-one-of-the-enum', label: 'a value outside the enum' });
  if (schema.minLength === 1 && types.includes('string')) out.push({ value: '', label: 'an empty string' });
  if (typeof schema.pattern === 'string')
    out.push({ value: '<script>alert(1)</script>', label: 'a pattern mismatch' });
  return out;
}

interface Mutation {
  name: string;
  apply(body: Json): Json;
}

function setAt(body: Json, path: string[], value: unknown, remove = false): Json {
  const copy = structuredClone(body);
  let node: Json = copy;
  for (const key of path.slice(0, -1)) {
    if (node[key] === null || typeof node[key] !== 'object') node[key] = {};
    node = node[key] as Json;
  }
  const last = path[path.length - 1] as string;
  if (remove) delete node[last];
  else node[last] = value;
  return copy;
}

/** Every declared field (present in the valid body or not): wrong types and constraint violations; every required field: missing. */
function fieldMutations(doc: Node, schema: Node, base: unknown, path: string[], depth: number): Mutation[] {
  const s = resolve(doc, schema);
  if (!s || depth > 4) return [];
  const out: Mutation[] = [];
  const properties = (s.properties ?? {}) as Record<string, Node>;
  const required = new Set<string>((s.required ?? []) as string[]);
  const baseObject = base !== null && typeof base === 'object' && !Array.isArray(base) ? (base as Json) : {};
  for (const [name, propSchema] of Object.entries(properties)) {
    const p = resolve(doc, propSchema);
    const here = [...path, name];
    const label = here.join('.');
    const present = name in baseObject;
    // Optional fields the valid body does not send get one wrong value; sent ones get up to three.
    for (const wrong of wrongValues(p, present ? 3 : 1)) {
      out.push({ name: `${label} = ${wrong.label}`, apply: (b) => setAt(b, here, wrong.value) });
    }
    if (required.has(name))
      out.push({ name: `${label} missing`, apply: (b) => setAt(b, here, undefined, true) });
    const types = typesOf(p);
    if (types.includes('object') && present) {
      out.push(...fieldMutations(doc, p, baseObject[name], here, depth + 1));
    }
    if (types.includes('array') && p.items) {
      const item = resolve(doc, p.items);
      for (const [itemName, itemSchema] of Object.entries((item?.properties ?? {}) as Record<string, Node>)) {
        const wrong = wrongValues(resolve(doc, itemSchema), 1)[0];
        if (wrong) {
          out.push({
            name: `${label}[0].${itemName} = ${wrong.label}`,
            apply: (b) => setAt(b, here, [{ [itemName]: wrong.value }]),
          });
        }
      }
      const wrongItem = wrongValues(item, 1)[0];
      if (wrongItem)
        out.push({
          name: `${label}[0] = ${wrongItem.label}`,
          apply: (b) => setAt(b, here, [wrongItem.value]),
        });
    }
  }
  return out;
}

export function wrongTypeCases(doc: Node, ops: Operation[], f: Fixtures): BadCase[] {
  const cases: BadCase[] = [];
  for (const op of ops) {
    if (op.bodyType !== 'json' || !op.bodySchema) continue;
    const sample = validRequest(op, f).body ?? {};
    for (const mutation of fieldMutations(doc, op.bodySchema, sample, [], 0)) {
      const v = validRequest(op, f);
      cases.push({
        group: 'wrong types and missing fields',
        name: `${op.id}: ${mutation.name}`,
        method: op.method,
        path: v.path,
        auth: v.auth,
        body: mutation.apply(v.body ?? {}),
        status: 400,
        code: '400001',
      });
    }
    // Unknown fields are tolerated (as the real API does), but never instead of a required one.
    const v = validRequest(op, f);
    const required = (resolve(doc, op.bodySchema).required ?? []) as string[];
    if (required.length > 0) {
      const body = { ...(v.body ?? {}) };
      for (const name of required) delete body[name];
      cases.push({
        group: 'unknown fields',
        name: `${op.id}: unknown fields instead of the required ones`,
        method: op.method,
        path: v.path,
        auth: v.auth,
        body: { ...body, unknownField: 'x', [`${required[0]}_`]: 'near miss', nested: { deeper: [1, 2] } },
        status: 400,
        code: '400001',
      });
    }
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// Hand-written: numeric forms, path parameters, query parameters, auth, sessions, scenarios, methods.

export function numericCases(f: Fixtures): BadCase[] {
  const evaluate = (name: string, raw: string, status: number, code: string): BadCase => ({
    group: 'numbers',
    name: `evaluate: transaction.amount ${name}`,
    method: 'post',
    path: '/v1/evaluate',
    auth: 'merchant',
    body: { raw, type: 'application/json' },
    status,
    code,
  });
  const amount = (text: string) =>
    JSON.stringify(evaluateBody()).replace('"amount":1500', `"amount":${text}`);
  const capture = (text: string) =>
    `{"idempotencyKey":"${guid()}","orderId":"${f.captureOrder}","amount":${text},"currency":"USD"}`;
  const refund = (text: string): BadCase => ({
    group: 'numbers',
    name: `refund: amountToRefund ${text}`,
    method: 'post',
    path: `/v1/orders/${f.approvedOrder}/refund`,
    auth: 'merchant',
    body: { raw: `{"amountToRefund":${text}}`, type: 'application/json' },
    status: 400,
  });
  return [
    // The real API reads numbers from strings; the strict profile (the battery's) refuses quoted amounts.
    evaluate('as a string "1500" (strict)', amount('"1500"'), 400, '400060'),
    evaluate('as "1.5e3" (strict)', amount('"1.5e3"'), 400, '400060'),
    evaluate('1e400', amount('1e400'), 400, '400001'),
    evaluate('-1e400', amount('-1e400'), 400, '400001'),
    evaluate('NaN', amount('NaN'), 400, '400002'),
    evaluate('Infinity', amount('Infinity'), 400, '400002'),
    evaluate('15e-1 (1.5: not integer cents, strict)', amount('15e-1'), 400, '400007'),
    evaluate('1499.99 (strict)', amount('1499.99'), 400, '400007'),
    evaluate('1e-400 (underflows to 0: sandbox range)', amount('1e-400'), 400, '400004'),
    evaluate('-0 (sandbox range)', amount('-0'), 400, '400004'),
    evaluate('-1500', amount('-1500'), 400, '400004'),
    evaluate('2e4 (sandbox range)', amount('2e4'), 400, '400004'),
    evaluate('9007199254740993', amount('9007199254740993'), 400, '400004'),
    evaluate('true', amount('true'), 400, '400001'),
    evaluate('null', amount('null'), 400, '400001'),
    evaluate('[1500]', amount('[1500]'), 400, '400001'),
    evaluate('{"value":1500}', amount('{"value":1500}'), 400, '400001'),
    {
      group: 'numbers',
      name: 'capture: amount "1500" (strict)',
      method: 'post',
      path: '/v1/capture',
      auth: 'merchant',
      body: { raw: capture('"1500"'), type: 'application/json' },
      status: 400,
      code: '400060',
    },
    {
      group: 'numbers',
      name: 'capture: amount 1e400',
      method: 'post',
      path: '/v1/capture',
      auth: 'merchant',
      body: { raw: capture('1e400'), type: 'application/json' },
      status: 400,
      code: '400001',
    },
    {
      group: 'numbers',
      name: 'capture: amount 15.005 (strict integer cents)',
      method: 'post',
      path: '/v1/capture',
      auth: 'merchant',
      body: { raw: capture('15.005'), type: 'application/json' },
      status: 400,
      code: '400007',
    },
    refund('"12.00"'),
    refund('1e400'),
    refund('-1e400'),
    refund('0'),
    refund('-5'),
    refund('0.004'),
    refund('1e-400'),
    refund('NaN'),
    refund('null'),
    refund('{}'),
  ];
}

/** Odd path-parameter values: traversal, encoded NUL and separators, very long, unicode, broken percent-encoding. */
export const ODD_PATH_VALUES: { name: string; value: string }[] = [
  { name: 'encoded traversal', value: '..%2F..%2Fetc%2Fpasswd' },
  { name: 'double-encoded traversal', value: '%252e%252e%252fetc%252fpasswd' },
  { name: 'dot-dot', value: '..' },
  { name: 'encoded dots', value: '%2e%2e' },
  { name: 'encoded NUL', value: '%00' },
  { name: 'NUL inside', value: 'abc%00def' },
  { name: 'encoded CR LF', value: 'a%0D%0ASet-Cookie:%20x=1' },
  { name: 'backslash traversal', value: '..%5C..%5Cwindows' },
  { name: 'very long (8 000 chars)', value: 'a'.repeat(8000) },
  { name: 'emoji', value: '%F0%9F%98%80' },
  { name: 'right-to-left override', value: '%E2%80%AEdi' },
  { name: 'overlong UTF-8 slash', value: '%C0%AF' },
  { name: 'truncated percent-encoding', value: '%E0%A4%A' },
  { name: 'lone percent', value: '%' },
  { name: 'script tag', value: '%3Cscript%3Ealert(1)%3C%2Fscript%3E' },
  { name: 'SQL', value: "1'%20OR%20'1'='1" },
  { name: '__proto__', value: '__proto__' },
  { name: 'constructor', value: 'constructor' },
];

export function pathParamCases(ops: Operation[], f: Fixtures): BadCase[] {
  const cases: BadCase[] = [];
  for (const op of ops) {
    const names = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);
    // An unknown key id is the documented HTTP 200 `status: FAILED` body, not a refusal (test/partner.test.ts).
    if (names.length === 0 || op.id === 'deleteApiKey') continue;
    const v = validRequest(op, f);
    for (const name of names) {
      for (const odd of ODD_PATH_VALUES) {
        const path = concretePath(op, f, { [name]: odd.value });
        const multipart = op.bodyType === 'multipart';
        cases.push({
          group: 'path parameters',
          name: `${op.id}: {${name}} ${odd.name}`,
          method: op.method,
          path,
          auth: v.auth,
          ...(v.body ? { body: v.body } : {}),
          ...(multipart ? { body: { raw: 'x', type: 'multipart/form-data; boundary=battery' } } : {}),
        });
      }
    }
  }
  return cases;
}

export function queryCases(f: Fixtures): BadCase[] {
  const get = (path: string, auth: Auth = 'merchant'): BadCase => ({
    group: 'query parameters',
    name: `GET ${path.length > 80 ? `${path.slice(0, 80)}…` : path}`,
    method: 'get',
    path,
    auth,
    status: 400,
    code: '400012',
  });
  const tokenize = (query: string): BadCase => ({
    group: 'query parameters',
    name: `tokenize ?${query}`,
    method: 'post',
    path: `/v1/tokenize${query ? `?${query}` : ''}`,
    auth: 'none',
    body: validBody('tokenize', f) ?? {},
    status: 400,
  });
  return [
    get('/v1/orders?pageSize=0'),
    get('/v1/orders?pageSize=101'),
    get('/v1/orders?pageSize=-1'),
    get('/v1/orders?pageSize=abc'),
    get('/v1/orders?pageSize=1.5'),
    get('/v1/orders?pageSize=%00'),
    get('/v1/orders?pageSize=1&pageSize=2'),
    get('/v1/orders?pageNumber=0'),
    get('/v1/orders?pageNumber=NaN'),
    get('/v1/orders?pageNumber=Infinity'),
    get('/v1/orders?pageNumber=1e300'),
    get('/v1/orders?pageNumber=9007199254740993'),
    get('/v1/orders?pageNumber=2147483648'),
    get('/v1/orders?pageSize=0x10'),
    get('/v1/orders?pageSize=1e1'),
    get('/v1/orders?status=0x5'),
    get('/v1/orders?status=8'),
    get('/v1/orders?status=abc'),
    get('/v1/orders?status=-1'),
    get('/v1/orders?status=99999999999999999999'),
    get('/v1/orders?from=not-a-date'),
    get('/v1/orders?to=2026-13-45T99:00:00Z'),
    get('/v1/orders?from=%00'),
    get('/v1/orders?orderBy=__proto__'),
    get('/v1/orders?orderBy=constructor'),
    get('/v1/orders?orderBy=amount;drop'),
    get('/v1/orders?sort=sideways'),
    get('/v1/orders?sort=asc&sort=desc'),
    get('/v1/orders?pageSize=%E0%A4%A'),
    get('/v1/orders?PAGESIZE=0'),
    get('/v1/merchants?pageSize=0', 'partner'),
    get('/v1/merchants?pageNumber=-3', 'partner'),
    get('/v1/merchants?pageNumber=1e3', 'partner'),
    get('/v1/onboarding/application/list?pageSize=0x10', 'partner'),
    get('/v1/onboarding/application/list?status=NOPE', 'partner'),
    get('/v1/onboarding/application/list?sortBy=__proto__', 'partner'),
    get('/v1/onboarding/application/list?sortOrder=up', 'partner'),
    get('/v1/onboarding/application/list?createdFrom=yesterday', 'partner'),
    get('/v1/onboarding/application/list?pageSize=1000', 'partner'),
    tokenize(''),
    tokenize(`mid=${DEFAULT_MERCHANT.mid}`),
    tokenize(`environment=${DEFAULT_MERCHANT.tokenizationKey}`),
    tokenize(`mid=${DEFAULT_MERCHANT.mid}&environment=wrong`),
    tokenize(`mid=%00&environment=${DEFAULT_MERCHANT.tokenizationKey}`),
    tokenize(`mid=${SECOND_MERCHANT.mid}&environment=${DEFAULT_MERCHANT.tokenizationKey}`),
    tokenize(`mid=${'a'.repeat(5000)}&environment=x`),
  ];
}

/** Bearer tokens that must be refused, on every operation that takes one. */
export function authCases(
  ops: Operation[],
  f: Fixtures,
  expiredToken: string,
  foreignToken: string,
): BadCase[] {
  const cases: BadCase[] = [];
  const headers: { name: string; header: string; code: string }[] = [
    { name: 'no Authorization', header: '', code: '401001' },
    { name: 'Bearer and nothing', header: 'Bearer', code: '401002' },
    { name: 'Basic credentials', header: 'Basic dXNlcjpwYXNz', code: '401002' },
    { name: 'not a JWT', header: 'Bearer not-a-jwt', code: '401002' },
    { name: 'JWT with garbage parts', header: 'Bearer a.b.c', code: '401002' },
    { name: 'alg none', header: 'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.', code: '401003' },
    { name: 'signed by someone else', header: `Bearer ${foreignToken}`, code: '401003' },
    { name: 'expired', header: `Bearer ${expiredToken}`, code: '401004' },
    { name: 'two tokens', header: `Bearer ${f.merchantToken} ${f.merchantToken}`, code: '401002' },
    { name: 'a valid token with = padding', header: `Bearer ${f.merchantToken}=`, code: '401002' },
  ];
  for (const op of ops) {
    if (op.security !== 'bearer') continue;
    const v = validRequest(op, f);
    for (const h of headers) {
      cases.push({
        group: 'authentication',
        name: `${op.id}: ${h.name}`,
        method: op.method,
        path: v.path,
        auth: { header: h.header },
        ...(v.body ? { body: v.body } : {}),
        status: 401,
        code: h.code,
      });
    }
    if (op.partner) {
      cases.push({
        group: 'authentication',
        name: `${op.id}: a merchant token on a partner endpoint`,
        method: op.method,
        path: v.path,
        auth: 'merchant',
        ...(v.body ? { body: v.body } : {}),
        status: 403,
        code: '403002',
      });
    }
  }
  cases.push({
    group: 'authentication',
    name: 'evaluate: another merchant’s mid',
    method: 'post',
    path: '/v1/evaluate',
    auth: 'merchant',
    body: evaluateBody({ mid: SECOND_MERCHANT.mid }),
    status: 403,
    code: '403001',
  });
  cases.push({
    group: 'authentication',
    name: 'createToken: the partner AppKey with the merchant secret',
    method: 'post',
    path: '/v1/oauth2/token',
    auth: 'none',
    body: { AppKey: DEFAULT_PARTNER.appKey, AppSecret: DEFAULT_MERCHANT.appSecret },
    status: 400,
    code: '400003',
  });
  return cases;
}

export const ODD_SESSIONS = [
  '../../etc/passwd',
  'a b',
  'caf\u00e9',
  'x'.repeat(101),
  'semi;colon',
  'slash/inside',
  '%00',
  '<script>',
];

export const ODD_SCENARIOS = [
  '../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%00',
  'x'.repeat(5000),
  '__proto__',
  'constructor',
  'caf\u00e9',
  'a,b,,c',
  ' ',
  '{"name":"x"}',
];

export function headerCases(f: Fixtures, scenariosLoaded: boolean): BadCase[] {
  const cases: BadCase[] = [];
  for (const session of ODD_SESSIONS) {
    cases.push({
      group: 'session names',
      name: `x-mock-session ${JSON.stringify(session.length > 40 ? `${session.slice(0, 40)}…` : session)}`,
      method: 'get',
      path: `/v1/orders/${f.approvedOrder}`,
      auth: 'merchant',
      headers: { 'x-mock-session': session },
      status: 400,
      code: '400012',
    });
  }
  for (const scenario of ODD_SCENARIOS) {
    // A rejected request whatever the scenario module says: a bad body under an odd scenario name.
    cases.push({
      group: 'scenario names',
      name: `x-mock-scenario ${JSON.stringify(scenario.length > 40 ? `${scenario.slice(0, 40)}…` : scenario)} on a bad body`,
      method: 'post',
      path: '/v1/capture',
      auth: 'merchant',
      headers: { 'x-mock-scenario': scenario },
      body: { orderId: f.captureOrder },
      status: 400,
    });
    // On a good request: 400011 when scenarios are loaded; while the module is absent the header is ignored, so the
    // request's normal answer (the order) is the right one.
    cases.push({
      group: 'scenario names',
      name: `x-mock-scenario ${JSON.stringify(scenario.length > 40 ? `${scenario.slice(0, 40)}…` : scenario)}`,
      method: 'get',
      path: `/v1/orders/${f.approvedOrder}`,
      auth: 'merchant',
      headers: { 'x-mock-scenario': scenario },
      status: 400,
      code: '400011',
      // An empty header (Node trims " " to "") names no scenario, so the normal answer is right for it.
      ...(scenariosLoaded && scenario.trim() !== '' ? {} : { orStatus: [200] }),
    });
  }
  return cases;
}

const ALL_METHODS: Method[] = ['get', 'post', 'put', 'patch', 'delete', 'options', 'head'];

/** Every method on every contract path: 405001 with Allow where it is not declared (HEAD of a GET path is GET). */
export function methodCases(ops: Operation[], f: Fixtures): (BadCase & { allow: string })[] {
  const byPath = new Map<string, Operation[]>();
  for (const op of ops) byPath.set(op.path, [...(byPath.get(op.path) ?? []), op]);
  const cases: (BadCase & { allow: string })[] = [];
  for (const [template, pathOps] of byPath) {
    const declared = new Set(pathOps.map((o) => o.method));
    const allow = pathOps.map((o) => o.method.toUpperCase()).join(', ');
    const first = pathOps[0] as Operation;
    const v = validRequest(first, f);
    for (const method of ALL_METHODS) {
      if (declared.has(method)) continue;
      if (method === 'head' && declared.has('get')) continue;
      cases.push({
        group: 'methods',
        name: `${method.toUpperCase()} ${template}`,
        method,
        path: v.path,
        auth: v.auth,
        status: 405,
        code: '405001',
        allow,
      });
    }
  }
  return cases;
}

// ---------------------------------------------------------------------------------------------------------------
// Raw bytes on a socket.

export function rawRequest(
  method: string,
  path: string,
  headers: [string, string][],
  body: Buffer | string = '',
  options: { contentLength?: number | null } = {},
): Buffer {
  const payload = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...headers.map(([k, v]) => `${k}: ${v}`)];
  const length = options.contentLength === undefined ? payload.length : options.contentLength;
  if (length !== null && (payload.length > 0 || method === 'POST' || method === 'PUT')) {
    lines.push(`Content-Length: ${length}`);
  }
  lines.push('Connection: close');
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), payload]);
}

export function rawCases(ops: Operation[], f: Fixtures): RawCase[] {
  const cases: RawCase[] = [];
  const authOf = (op: Operation): [string, string][] =>
    op.security === 'bearer'
      ? [['Authorization', `Bearer ${op.partner ? f.partnerToken : f.merchantToken}`]]
      : [];
  const common = (op: Operation): [string, string][] => [['x-mock-session', f.session], ...authOf(op)];
  for (const op of ops) {
    if (op.bodyType !== 'json') continue;
    const v = validRequest(op, f);
    const text = JSON.stringify(v.body);
    const method = op.method.toUpperCase();
    const json: [string, string][] = [...common(op), ['Content-Type', 'application/json']];
    // Invalid UTF-8: bytes that cannot start or continue a sequence, an overlong form, a lone surrogate (CESU).
    const invalid = [
      Buffer.from([0xff, 0xfe]),
      Buffer.from([0xc0, 0xaf]),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from([0xe2, 0x82]),
    ];
    for (const bytes of invalid) {
      const body = Buffer.concat([Buffer.from(`${text.slice(0, -1)},"note":"`), bytes, Buffer.from('"}')]);
      cases.push({
        group: 'invalid UTF-8',
        name: `${op.id}: bytes ${bytes.toString('hex')} in a string`,
        bytes: rawRequest(method, v.path, json, body),
        status: 400,
        code: '400002',
      });
    }
    cases.push({
      group: 'truncated bodies',
      name: `${op.id}: Content-Length 64 more than sent, then the client stops`,
      bytes: rawRequest(method, v.path, json, text, { contentLength: Buffer.byteLength(text) + 64 }),
      end: true,
      status: 400,
      code: '400013',
    });
    cases.push({
      group: 'truncated bodies',
      name: `${op.id}: half a JSON document with its own length`,
      bytes: rawRequest(method, v.path, json, text.slice(0, Math.floor(text.length / 2))),
      status: 400,
      code: '400002',
    });
    cases.push({
      group: 'content type',
      name: `${op.id}: a JSON body without Content-Type`,
      bytes: rawRequest(method, v.path, common(op), text),
      status: 415,
      code: '415001',
    });
    cases.push({
      group: 'content type',
      name: `${op.id}: Content-Type text/plain before application/json (the first wins)`,
      bytes: rawRequest(
        method,
        v.path,
        [...common(op), ['Content-Type', 'text/plain'], ['Content-Type', 'application/json']],
        text,
      ),
      status: 415,
      code: '415001',
    });
    cases.push({
      group: 'duplicate headers',
      name: `${op.id}: two different Content-Length headers`,
      bytes: rawRequest(
        method,
        v.path,
        [...json, ['Content-Length', String(Buffer.byteLength(text) + 1)]],
        text,
      ),
      status: 400,
      code: '400013',
    });
  }
  const orders = `/v1/orders/${f.approvedOrder}`;
  const auth: [string, string][] = [
    ['x-mock-session', f.session],
    ['Authorization', `Bearer ${f.merchantToken}`],
  ];
  const add = (name: string, group: string, bytes: Buffer, status: number, code?: string, end = false) =>
    cases.push({ group, name, bytes, status, ...(code ? { code } : {}), ...(end ? { end } : {}) });
  add(
    'Authorization twice, the first invalid',
    'duplicate headers',
    rawRequest('GET', orders, [
      ['x-mock-session', f.session],
      ['Authorization', 'Bearer nope'],
      ['Authorization', `Bearer ${f.merchantToken}`],
    ]),
    401,
    '401002',
  );
  add(
    'x-mock-session 100 times (joined → invalid)',
    'duplicate headers',
    rawRequest('GET', orders, [
      ['Authorization', `Bearer ${f.merchantToken}`],
      ...Array.from({ length: 100 }, (): [string, string] => ['x-mock-session', f.session]),
    ]),
    400,
    '400012',
  );
  add(
    'Transfer-Encoding and Content-Length together',
    'duplicate headers',
    rawRequest(
      'POST',
      '/v1/outcome',
      [...auth, ['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']],
      '2\r\n{}\r\n0\r\n\r\n',
      { contentLength: 5 },
    ),
    400,
    '400013',
  );
  add(
    'one 20 KiB header',
    'oversized headers',
    rawRequest('GET', orders, [...auth, ['X-Big', 'a'.repeat(20 * 1024)]]),
    431,
    '431001',
  );
  add(
    '3 000 small headers',
    'oversized headers',
    rawRequest('GET', orders, [
      ...auth,
      ...Array.from({ length: 3000 }, (_, i): [string, string] => [`X-H${i}`, 'v']),
    ]),
    431,
    '431001',
  );
  add(
    'a 17 KiB URL',
    'oversized headers',
    rawRequest('GET', `/v1/orders?query=${'q'.repeat(17 * 1024)}`, auth),
    431,
    '431001',
  );
  add(
    'a 16 KiB Authorization',
    'oversized headers',
    rawRequest('GET', orders, [
      ['x-mock-session', f.session],
      ['Authorization', `Bearer ${'A'.repeat(16 * 1024)}`],
    ]),
    431,
    '431001',
  );
  add(
    'a control character in a header value',
    'control characters',
    rawRequest('GET', orders, [...auth, ['X-Bad', 'a\u0001b']]),
    400,
    '400013',
  );
  add(
    'a NUL in a header value',
    'control characters',
    rawRequest('GET', orders, [...auth, ['X-Bad', 'a\u0000b']]),
    400,
    '400013',
  );
  add(
    'a space in a header name',
    'control characters',
    rawRequest('GET', orders, [...auth, ['X Bad', 'v']]),
    400,
    '400013',
  );
  add(
    'a raw control character in the path',
    'control characters',
    rawRequest('GET', '/v1/orders/a\u0001b', auth),
    400,
    '400013',
  );
  add(
    'a raw non-ASCII byte in the path',
    'control characters',
    Buffer.concat([
      Buffer.from('GET /v1/orders/'),
      Buffer.from([0xe9]),
      Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
    ]),
    400,
    '400013',
  );
  add(
    'bare LF line endings with a bad header',
    'malformed requests',
    Buffer.from('GET /v1/orders HTTP/1.1\nHost: x\nBad Header\n\n'),
    400,
    '400013',
  );
  add('garbage request line', 'malformed requests', Buffer.from('GARBAGE\r\n\r\n'), 400, '400013');
  add('unknown method FOO', 'malformed requests', rawRequest('FOO', orders, auth), 400, '400013');
  add(
    'HTTP/2 preface on HTTP/1.1',
    'malformed requests',
    Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'),
    400,
    '400013',
  );
  add(
    'HTTP/9.9',
    'malformed requests',
    Buffer.from(`GET ${orders} HTTP/9.9\r\nHost: x\r\n\r\n`),
    400,
    '400013',
  );
  add(
    'bad chunk size',
    'malformed requests',
    rawRequest(
      'POST',
      '/v1/outcome',
      [...auth, ['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']],
      'zz\r\n{}\r\n0\r\n\r\n',
      { contentLength: null },
    ),
    400,
    '400013',
  );
  add(
    'chunked body cut short',
    'truncated bodies',
    rawRequest(
      'POST',
      '/v1/outcome',
      [...auth, ['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']],
      '20\r\n{"orderSessionKey"',
      { contentLength: null },
    ),
    400,
    '400013',
    true,
  );
  add(
    'negative Content-Length',
    'malformed requests',
    rawRequest('POST', '/v1/outcome', [...auth, ['Content-Type', 'application/json']], '{}', {
      contentLength: -1,
    }),
    400,
    '400013',
  );
  add(
    'Content-Length not a number',
    'malformed requests',
    Buffer.from(`POST /v1/outcome HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\nConnection: close\r\n\r\n{}`),
    400,
    '400013',
  );
  add('TRACE', 'methods', rawRequest('TRACE', orders, auth), 405, '405001');
  add('PROPFIND', 'methods', rawRequest('PROPFIND', orders, auth), 405, '405001');
  add('CONNECT to a path', 'methods', rawRequest('CONNECT', orders, auth), 405, '405001');
  add(
    'CONNECT to host:port',
    'methods',
    Buffer.from('CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n'),
    404,
    '404001',
  );
  return cases;
}
