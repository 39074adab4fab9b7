// contracts/openapi.yaml, loaded once: per-operation request validators (compiled at start-up), response
// validators (compiled on first use, only when response validation is on) and the case-insensitive key maps
// that mimic ASP.NET's model binding.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { apiError } from '../errors/catalog.js';
import { type Binding, buildKeyMap, canonicalize, type KeyMap, type Schema, undeclared } from './binding.js';
import { describeSchemaError, type FieldErrors, fieldErrors } from './field-messages.js';
import {
  absoluteRefs,
  buildCopies,
  defaultSpecPath,
  exportName,
  loadDocument,
  loadPrecompiled,
  newAjv,
  type Precompiled,
  parseYaml,
  requireHere,
} from './load.js';

export { type FieldErrors, fieldErrors, MAX_FIELD_ERRORS } from './field-messages.js';
export { JSON_MAX_DEPTH, JSON_MAX_VALUES, jsonLimitErrors } from './json-limits.js';
export { defaultSpecPath } from './load.js';

type HttpMethod = 'get' | 'post' | 'put' | 'delete' | 'patch';
const METHODS: HttpMethod[] = ['get', 'post', 'put', 'delete', 'patch'];

/** `bearer-or-tokenization`: either scheme may authenticate (tokenize: the docs' query key, or ActiveMerchant's Bearer). */
export type SecurityKind = 'bearer' | 'tokenization' | 'bearer-or-tokenization' | 'none';

export interface CompiledOperation {
  id: string;
  method: HttpMethod;
  /** OpenAPI path template, e.g. `/v1/orders/{id}`. */
  path: string;
  /** The same path in Express syntax, e.g. `/v1/orders/:id`. */
  expressPath: string;
  security: SecurityKind;
  /** Media type of the request body, when the operation takes one. */
  bodyType: 'json' | 'multipart' | null;
  bodyRequired: boolean;
  /**
   * Bind the body as ASP.NET does, then validate: keys renamed case-insensitively to the declared spelling, a
   * required field sent as null (or a blank string) treated as missing, and (unless `numericStrings` is false)
   * numeric strings read into number fields. `coerced` lists the dotted paths whose string became a number.
   */
  checkBody(
    body: unknown,
    options?: { numericStrings?: boolean },
  ): { value: unknown; errors: FieldErrors | null; coerced: string[] };
  /** Coerce and validate query parameters (numbers, arrays); returns the coerced object. */
  checkQuery(query: Record<string, unknown>): { value: Record<string, unknown>; errors: FieldErrors | null };
  /** Dotted paths of body fields the schema does not declare (the real API ignores them silently). */
  unknownFields(body: unknown): string[];
}

/**
 * The schema stage every route shares (FlexFactor and admin): query parameters (400012), then the JSON body, its keys
 * bound case-insensitively first (400001). A missing optional body becomes `{}`. Returns the coerced, bound input.
 */
export function checkRequest(
  op: CompiledOperation,
  query: Record<string, unknown>,
  body: unknown,
  options: { numericStrings?: boolean; extraErrors?: (body: unknown) => FieldErrors | null } = {},
): { query: Record<string, unknown>; body: unknown; coerced: string[] } {
  const q = op.checkQuery(query);
  if (q.errors) throw apiError('400012', { errors: q.errors });
  if (op.bodyType !== 'json') return { query: q.value, body, coerced: [] };
  if (body === undefined) {
    if (op.bodyRequired) {
      throw apiError('400001', { errors: { $: ['A request body is required: send a JSON object.'] } });
    }
    return { query: q.value, body: {}, coerced: [] };
  }
  const checked = op.checkBody(body, options);
  // Checks beyond the schema (a compatibility profile's required fields) join the schema's errors in one answer,
  // as ASP.NET reports every model error of a request together.
  const extra = options.extraErrors?.(checked.value) ?? null;
  if (checked.errors || extra) throw apiError('400001', { errors: { ...checked.errors, ...extra } });
  return { query: q.value, body: checked.value, coerced: checked.coerced };
}

export interface ContractOptions {
  /** Path to the OpenAPI document; default: contracts/openapi.yaml of this package. */
  specPath?: string;
  /** Compile with source code kept, for writing standalone validators (the build). */
  forBuild?: boolean;
}

/** The violation of an answer whose status the operation does not declare (no schema to check its body against). */
export function undeclaredStatus(operationId: string, status: number): string {
  return `${operationId} declares no response for HTTP ${status}`;
}

export class Contract {
  /** The document with every `#/…` ref made absolute (`openapi.json#/…`), so each schema compiles on its own. */
  readonly #doc: Schema;
  readonly operations = new Map<string, CompiledOperation>();
  readonly #ajvs: { body?: Ajv2020; query?: Ajv2020 } = {};
  readonly #responseValidators = new Map<string, ValidateFunction | null>();
  /** Validators generated by the build (ajv standalone code), used while they match the document. */
  readonly #precompiled: Precompiled | null;
  readonly #forBuild: boolean;
  /**
   * The SHA-256 of the document's text: what compiling a scenario file against this contract depends on, so
   * contracts of equal text share compiled scenario files within a process.
   */
  readonly fingerprint: string;
  /**
   * Whether this is the package's own contracts/openapi.yaml exactly as built (the build's copy matches its text): the
   * contract the test suite checks every built-in scenario's literal body against.
   */
  readonly packaged: boolean;

  constructor(options: ContractOptions = {}) {
    const specPath = options.specPath ?? defaultSpecPath();
    const { document, sha256 } = loadDocument(specPath);
    this.#doc = document;
    this.fingerprint = sha256;
    this.#forBuild = options.forBuild ?? false;
    this.#precompiled = this.#forBuild ? null : loadPrecompiled(specPath, sha256);
    this.packaged = this.#precompiled !== null && resolve(specPath) === defaultSpecPath();
    this.#compileOperations();
  }

  /** The ajv instance for request bodies (no coercion) or query strings (coercion to numbers and arrays). */
  #ajv(kind: 'body' | 'query' = 'body'): Ajv2020 {
    let ajv = this.#ajvs[kind];
    if (!ajv) {
      ajv = newAjv(kind === 'query', this.#forBuild);
      ajv.addSchema({ $id: 'openapi.json', components: this.#doc.components ?? {} });
      this.#ajvs[kind] = ajv;
    }
    return ajv;
  }

  /** A request validator: the build's precompiled one, or compiled now (once, at start-up). */
  #requestValidator(kind: 'body' | 'query', operationId: string, schema: Schema): ValidateFunction {
    const name = exportName(operationId, kind);
    const precompiled = this.#precompiled?.[kind][name];
    if (precompiled) return precompiled;
    const id = `validator-${name}.json`;
    const ajv = this.#ajv(kind);
    ajv.addSchema({ ...schema, $id: id });
    return ajv.getSchema(id) as ValidateFunction;
  }

  /** Standalone JavaScript for every request validator (CommonJS), for the build to write next to dist/. */
  standaloneSources(): { body: string; query: string } {
    const source = (kind: 'body' | 'query') => {
      const refs = Object.fromEntries(
        [...this.operations.keys()]
          .map((id) => exportName(id, kind))
          .filter((name) => this.#ajv(kind).getSchema(`validator-${name}.json`))
          .map((name) => [name, `validator-${name}.json`]),
      );
      const standalone = requireHere(
        'ajv/dist/standalone/index.js',
      ) as typeof import('ajv/dist/standalone/index.js');
      return standalone.default(this.#ajv(kind), refs);
    };
    return { body: source('body'), query: source('query') };
  }

  /** The OpenAPI document as written (refs relative to the document). */
  get document(): Schema {
    return JSON.parse(JSON.stringify(this.#doc).replaceAll('"openapi.json#/', '"#/')) as Schema;
  }

  operation(id: string): CompiledOperation {
    const op = this.operations.get(id);
    if (!op) throw new Error(`contracts/openapi.yaml has no operation "${id}"`);
    return op;
  }

  /**
   * Check a response the mock is about to send. Returns the violations (empty when it conforms). Error bodies are
   * checked against the operation's declared status, or its `default` response.
   */
  checkResponse(operationId: string, status: number, body: unknown): string[] {
    const errors = this.responseErrors(operationId, status, body);
    if (errors === null) return [undeclaredStatus(operationId, status)];
    return errors.map(describeSchemaError);
  }

  /**
   * The schema errors of a response body (empty when it conforms), or null when the operation declares no response
   * for the status. Scenario files use these to say which field is wrong and what the contract expects there.
   */
  responseErrors(operationId: string, status: number, body: unknown): ErrorObject[] | null {
    const key = `${operationId} ${status}`;
    let validate = this.#responseValidators.get(key);
    if (validate === undefined) {
      validate = this.#compileResponse(operationId, status);
      this.#responseValidators.set(key, validate);
    }
    if (validate === null) return null;
    if (validate(body)) return [];
    return [...(validate.errors ?? [])];
  }

  #compileOperations(): void {
    const paths = (this.#doc.paths ?? {}) as Record<string, Schema>;
    for (const [path, item] of Object.entries(paths)) {
      for (const method of METHODS) {
        const op = item[method] as Schema | undefined;
        if (!op) continue;
        const id = String(op.operationId);
        this.operations.set(
          id,
          this.#compileOperation(id, method, path, op, (item.parameters as Schema[]) ?? []),
        );
      }
    }
  }

  #compileOperation(
    id: string,
    method: HttpMethod,
    path: string,
    op: Schema,
    shared: Schema[],
  ): CompiledOperation {
    const security = securityKind(op, this.#doc);
    const requestBody = this.#deref(op.requestBody as Schema | undefined);
    const content = (requestBody?.content ?? {}) as Record<string, Schema>;
    const jsonType = Object.keys(content).find((t) => /json/i.test(t));
    const multipartType = Object.keys(content).find((t) => /multipart/i.test(t));
    const bodySchema = jsonType ? (content[jsonType]?.schema as Schema | undefined) : undefined;
    const bodyValidator = bodySchema ? this.#requestValidator('body', id, bodySchema) : null;
    // The key map of a body is built by the operation's first body: a start builds none of them.
    let keyMap: KeyMap | undefined;
    const keys = (schema: Schema): KeyMap => {
      keyMap ??= buildKeyMap(schema, (node) => this.#deref(node));
      return keyMap;
    };

    const parameters = [...shared, ...((op.parameters as Schema[]) ?? [])].map(
      (p) => this.#deref(p) as Schema,
    );
    const queryParams = parameters.filter((p) => p.in === 'query');
    const querySchema: Schema = {
      type: 'object',
      properties: Object.fromEntries(queryParams.map((p) => [p.name, p.schema ?? {}])),
      required: queryParams.filter((p) => p.required).map((p) => p.name),
    };
    const queryValidator = this.#requestValidator('query', id, querySchema);
    const queryNames = new Map(queryParams.map((p) => [String(p.name).toLowerCase(), String(p.name)]));

    return {
      id,
      method,
      path,
      expressPath: path.replace(/\{([^}]+)\}/g, ':$1'),
      security,
      bodyType: jsonType ? 'json' : multipartType ? 'multipart' : null,
      bodyRequired: Boolean(requestBody?.required),
      checkBody(body, options = {}) {
        if (!bodyValidator || !bodySchema) return { value: body, errors: null, coerced: [] };
        const binding: Binding = { numericStrings: options.numericStrings !== false, trail: [], coerced: [] };
        const value = canonicalize(body, keys(bodySchema), binding);
        if (bodyValidator(value)) return { value, errors: null, coerced: binding.coerced };
        return { value, errors: fieldErrors(bodyValidator.errors ?? []), coerced: binding.coerced };
      },
      unknownFields(body) {
        return bodySchema ? undeclared(body, keys(bodySchema), '') : [];
      },
      checkQuery(query) {
        // Query names are bound case-insensitively too (?MID= and ?mid= both work on the real API).
        const value: Record<string, unknown> = {};
        for (const [name, v] of Object.entries(query)) {
          if (name === '__proto__') continue;
          value[queryNames.get(name.toLowerCase()) ?? name] = v;
        }
        // ajv coerces in place: what was sent is kept to see how each number was written.
        const sent = new Map(Object.entries(value).map(([name, v]) => [name, [v].flat()]));
        const valid = queryValidator(value);
        // A number written oddly is named as such, rather than by the range its value then misses.
        const unwritten = unwrittenNumbers(value, sent);
        if (valid) return { value, errors: unwritten };
        return { value, errors: { ...fieldErrors(queryValidator.errors ?? [], false), ...unwritten } };
      },
    };
  }

  #compileResponse(operationId: string, status: number): ValidateFunction | null {
    const op = this.operation(operationId);
    const raw = ((this.#doc.paths as Record<string, Schema>)[op.path] as Schema)[op.method] as Schema;
    const responses = (raw.responses ?? {}) as Record<string, Schema>;
    const response = this.#deref(
      responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default,
    );
    if (!response) return null;
    const content = (response.content ?? {}) as Record<string, Schema>;
    // A 400 is the flat ModelState (application/json) or a Problem (application/problem+json): either fits.
    const schemas = Object.keys(content)
      .filter((t) => /json/i.test(t))
      .map((t) => content[t]?.schema as Schema | undefined)
      .filter((x): x is Schema => x !== undefined);
    const schema = schemas.length > 1 ? { anyOf: schemas } : schemas[0];
    // A response without a JSON body (e.g. an empty 200) accepts only an empty object or nothing.
    return this.#ajv().compile(schema ?? { type: ['object', 'null'], maxProperties: 0 });
  }

  /** Resolve a local `$ref` (components) to the object it points at. */
  #deref(node: Schema | undefined): Schema | undefined {
    let current = node;
    for (let depth = 0; current && typeof current.$ref === 'string' && depth < 20; depth++) {
      const ref = current.$ref as string;
      const target = ref.replace(/^openapi\.json/, '');
      if (!target.startsWith('#/')) return current;
      current = target
        .slice(2)
        .split('/')
        .reduce<unknown>(
          (acc, part) => (acc as Schema | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')],
          this.#doc,
        ) as Schema | undefined;
    }
    return current;
  }
}

/**
 * Write the build's copies of the contracts shipped with the package (run by `npm run build`): each document as JSON
 * and its request validators as ajv standalone code, stamped with the YAML's SHA-256 so a stale copy is never used.
 */
export function writeContractCache(
  specPaths: string[] = [defaultSpecPath(), join(dirname(defaultSpecPath()), 'admin.yaml')],
): string[] {
  return specPaths.map((specPath) => {
    const text = readFileSync(specPath, 'utf8');
    const cache = buildCopies(specPath);
    if (!cache) throw new Error(`${specPath} is not a contract of this package`);
    mkdirSync(dirname(cache.document), { recursive: true });
    const sha256 = createHash('sha256').update(text).digest('hex');
    writeFileSync(cache.document, JSON.stringify({ sha256, document: absoluteRefs(parseYaml(text)) }));
    const sources = new Contract({ specPath, forBuild: true }).standaloneSources();
    const stamp = `\nmodule.exports.sha256 = ${JSON.stringify(sha256)};\n`;
    writeFileSync(cache.body, sources.body + stamp);
    writeFileSync(cache.query, sources.query + stamp);
    return cache.document;
  });
}

/**
 * ajv reads any string JavaScript can turn into a number (`0x10`, `1e300`, ` 1`, `Infinity`) and rounds integers past
 * 2^53, so `?pageNumber=1e300` was answered as `"pageNumber": 1e+300`. Every number the contracts take in a query is
 * an integer: it must be sent as at most 15 decimal digits (so it is exact), and the schema's minimum and maximum
 * apply to that value. Returns the parameters sent otherwise, or null.
 */
function unwrittenNumbers(value: Record<string, unknown>, sent: Map<string, unknown[]>): FieldErrors | null {
  let errors: FieldErrors | null = null;
  for (const [name, v] of Object.entries(value)) {
    const items = [v].flat();
    for (let i = 0; i < items.length; i += 1) {
      const text = sent.get(name)?.[i];
      if (typeof items[i] !== 'number' || typeof text !== 'string' || /^-?\d{1,15}$/.test(text)) continue;
      errors ??= {};
      errors[Array.isArray(v) ? `${name}[${i}]` : name] = [
        `The ${name} parameter must be a whole number written in decimal digits (0-9, at most 15), e.g. ${name}=2.`,
      ];
    }
  }
  return errors;
}

function securityKind(op: Schema, document: Schema): SecurityKind {
  const requirements = (op.security ?? document.security ?? []) as Record<string, unknown>[];
  if (requirements.length === 0) return 'none';
  const names = requirements.flatMap((r) => Object.keys(r));
  if (names.length === 0) return 'none';
  const schemes = ((document.components as Schema | undefined)?.securitySchemes ?? {}) as Record<
    string,
    Schema
  >;
  const bearer = names.filter((n) => schemes[n]?.type === 'http').length;
  if (bearer === 0) return 'tokenization';
  return bearer === names.length ? 'bearer' : 'bearer-or-tokenization';
}
