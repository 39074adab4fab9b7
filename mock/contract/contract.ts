// contracts/openapi.yaml, loaded once: per-operation request validators (compiled at start-up), response
// validators (compiled on first use, only when response validation is on) and the case-insensitive key maps
// that mimic ASP.NET's model binding.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { apiError } from '../errors/catalog.js';

type Schema = Record<string, unknown>;
type HttpMethod = 'get' | 'post' | 'put' | 'delete' | 'patch';
const METHODS: HttpMethod[] = ['get', 'post', 'put', 'delete', 'patch'];

/** `bearer-or-tokenization`: either scheme may authenticate (tokenize: the docs' query key, or ActiveMerchant's Bearer). */
export type SecurityKind = 'bearer' | 'tokenization' | 'bearer-or-tokenization' | 'none';

/** Field path → messages, keyed the way the real API names fields (`Transaction.Amount`). */
export type FieldErrors = Record<string, string[]>;

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

/** Key map tree: lower-cased key → declared key, and the map for each declared key's value. */
interface KeyMap {
  names: Map<string, string>;
  children: Map<string, KeyMap>;
  items: KeyMap | null;
  /** Declared names the schema requires: null or a blank string there counts as missing ([Required]). */
  required: Set<string>;
  /** Declared names typed number/integer only: a numeric string there is read as a number. */
  numeric: Set<string>;
}

export interface ContractOptions {
  /** Path to the OpenAPI document; default: contracts/openapi.yaml of this package. */
  specPath?: string;
  /** Compile with source code kept, for writing standalone validators (the build). */
  forBuild?: boolean;
}

type Precompiled = Record<'body' | 'query', Record<string, ValidateFunction>>;

function exportName(operationId: string, kind: 'body' | 'query'): string {
  return `${operationId}_${kind}`;
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

  constructor(options: ContractOptions = {}) {
    const specPath = options.specPath ?? defaultSpecPath();
    const { document, sha256 } = loadDocument(specPath);
    this.#doc = absoluteRefs(document) as Schema;
    this.#forBuild = options.forBuild ?? false;
    this.#precompiled = this.#forBuild ? null : loadPrecompiled(specPath, sha256);
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
    const key = `${operationId} ${status}`;
    let validate = this.#responseValidators.get(key);
    if (validate === undefined) {
      validate = this.#compileResponse(operationId, status);
      this.#responseValidators.set(key, validate);
    }
    if (validate === null) return [`${operationId} declares no response for HTTP ${status}`];
    if (validate(body)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message ?? e.keyword}`);
  }

  /** Check a body against a named component schema (used for admin and webhook payloads). */
  checkSchema(name: string, value: unknown): string[] {
    const validate = this.#ajv().getSchema(`openapi.json#/components/schemas/${name}`);
    if (!validate) return [`no component schema ${name}`];
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message ?? e.keyword}`);
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
    const keyMap = bodySchema ? this.#keyMap(bodySchema, 0) : null;

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
        if (!bodyValidator || !keyMap) return { value: body, errors: null, coerced: [] };
        const binding: Binding = { numericStrings: options.numericStrings !== false, trail: [], coerced: [] };
        const value = canonicalize(body, keyMap, binding);
        if (bodyValidator(value)) return { value, errors: null, coerced: binding.coerced };
        return { value, errors: fieldErrors(bodyValidator.errors ?? []), coerced: binding.coerced };
      },
      unknownFields(body) {
        return keyMap ? undeclared(body, keyMap, '') : [];
      },
      checkQuery(query) {
        // Query names are bound case-insensitively too (?MID= and ?mid= both work on the real API).
        const value: Record<string, unknown> = {};
        for (const [name, v] of Object.entries(query)) {
          if (name === '__proto__') continue;
          value[queryNames.get(name.toLowerCase()) ?? name] = v;
        }
        if (!queryValidator(value)) return { value, errors: fieldErrors(queryValidator.errors ?? [], false) };
        // ajv's coercion turns "Infinity" into a number without its strictNumbers check: `?pageNumber=Infinity` was
        // accepted and answered `pageNumber: null`.
        const infinite = Object.keys(value).filter((name) =>
          [value[name]].flat().some((v) => typeof v === 'number' && !Number.isFinite(v)),
        );
        if (infinite.length === 0) return { value, errors: null };
        return {
          value,
          errors: Object.fromEntries(
            infinite.map((name) => [name, [`The ${name} parameter must be a finite number.`]]),
          ),
        };
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

  #keyMap(node: Schema, depth: number): KeyMap {
    const map: KeyMap = {
      names: new Map(),
      children: new Map(),
      items: null,
      required: new Set(),
      numeric: new Set(),
    };
    if (depth > 12) return map;
    const schema = this.#deref(node) ?? {};
    for (const name of (schema.required as string[] | undefined) ?? []) map.required.add(name);
    for (const [name, propSchema] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
      map.names.set(name.toLowerCase(), name);
      if (numericOnly(this.#deref(propSchema))) map.numeric.add(name);
      const child = this.#keyMap(propSchema, depth + 1);
      if (child.names.size > 0 || child.items) map.children.set(name, child);
    }
    for (const sub of ['allOf', 'oneOf', 'anyOf'].flatMap((k) => (schema[k] as Schema[] | undefined) ?? [])) {
      const nested = this.#keyMap(sub, depth + 1);
      for (const [k, v] of nested.names) map.names.set(k, v);
      for (const [k, v] of nested.children) map.children.set(k, v);
      for (const n of nested.numeric) map.numeric.add(n);
      map.items ??= nested.items;
    }
    if (schema.items) {
      const items = this.#keyMap(schema.items as Schema, depth + 1);
      if (items.names.size > 0) map.items = items;
    }
    return map;
  }
}

/**
 * Parse an OpenAPI document. YAML parsing costs ~130 ms, so the build leaves a JSON copy in dist/contracts/ keyed by
 * the YAML's SHA-256; the copy is used only while it matches the YAML byte for byte.
 */
function loadDocument(specPath: string): { document: Schema; sha256: string } {
  const text = readFileSync(specPath, 'utf8');
  const cache = buildCopies(specPath);
  const sha256 = createHash('sha256').update(text).digest('hex');
  if (cache && existsSync(cache.document)) {
    try {
      const cached = JSON.parse(readFileSync(cache.document, 'utf8')) as {
        sha256?: string;
        document?: Schema;
      };
      if (cached.sha256 === sha256 && cached.document) return { document: cached.document, sha256 };
    } catch {
      // A damaged copy is ignored: the YAML is the source of truth.
    }
  }
  return { document: parseYaml(text) as Schema, sha256 };
}

/** yaml is loaded only when needed (~15 ms of start-up otherwise): on a cache miss, and by the build. */
function parseYaml(text: string): unknown {
  return (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);
}

/** The build's standalone validators, if present and generated from this exact document. */
function loadPrecompiled(specPath: string, sha256: string): Precompiled | null {
  const cache = buildCopies(specPath);
  if (!cache) return null;
  try {
    const load = createRequire(import.meta.url);
    type Module = Record<string, ValidateFunction> & { sha256?: string };
    const body = load(cache.body) as Module;
    const query = load(cache.query) as Module;
    return body.sha256 === sha256 && query.sha256 === sha256 ? { body, query } : null;
  } catch {
    return null;
  }
}

/**
 * Where the build keeps its copies of a contract shipped with the package (contracts/<name>.yaml →
 * dist/contracts/<name>.json and <name>.validators-{body,query}.cjs); none for a user-supplied spec.
 */
function buildCopies(specPath: string): { document: string; body: string; query: string } | null {
  const contractsDir = dirname(defaultSpecPath());
  if (dirname(resolve(specPath)) !== contractsDir) return null;
  const dir = join(contractsDir, '..', 'dist', 'contracts');
  const name = basename(specPath).replace(/\.ya?ml$/, '');
  return {
    document: join(dir, `${name}.json`),
    body: join(dir, `${name}.validators-body.cjs`),
    query: join(dir, `${name}.validators-query.cjs`),
  };
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
    writeFileSync(cache.document, JSON.stringify({ sha256, document: parseYaml(text) }));
    const sources = new Contract({ specPath, forBuild: true }).standaloneSources();
    const stamp = `\nmodule.exports.sha256 = ${JSON.stringify(sha256)};\n`;
    writeFileSync(cache.body, sources.body + stamp);
    writeFileSync(cache.query, sources.query + stamp);
    return cache.document;
  });
}

/** The package's own contracts/openapi.yaml, found from this module (works from mock/ and from dist/mock/). */
export function defaultSpecPath(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const candidate = join(dir, 'contracts', 'openapi.yaml');
    if (existsSync(candidate)) return candidate;
    dir = resolve(dir, '..');
  }
  throw new Error('contracts/openapi.yaml not found next to the package');
}

/** Deep copy with every `#/…` ref rewritten to `openapi.json#/…`. */
function absoluteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(absoluteRefs);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === '$ref' && typeof value === 'string' && value.startsWith('#/')
        ? `openapi.json${value}`
        : absoluteRefs(value);
  }
  return out;
}

/**
 * ajv is required only when something must be compiled here (a user-supplied spec, a stale build, response
 * validation, the build itself): the mock's own request validators come precompiled, and importing ajv and
 * ajv-formats up front would cost start-up time for nothing.
 */
const requireHere = createRequire(import.meta.url);

function newAjv(coerce: boolean, keepSource = false): Ajv2020 {
  const { Ajv2020: AjvClass } = requireHere('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const addFormats = requireHere('ajv-formats') as typeof import('ajv-formats');
  const ajv = new AjvClass({
    code: { source: keepSource },
    strict: false,
    allErrors: true,
    validateFormats: true,
    coerceTypes: coerce ? 'array' : false,
    useDefaults: coerce,
  });
  // ajv-formats is CommonJS: under NodeNext its function is the default export's `default`.
  addFormats.default(ajv);
  // OpenAPI keywords ajv does not know: accept them as annotations.
  for (const keyword of ['example', 'discriminator', 'xml', 'externalDocs']) ajv.addKeyword(keyword);
  return ajv;
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

/** State of one body's binding: whether numeric strings bind, where we are, and which paths were coerced. */
interface Binding {
  numericStrings: boolean;
  trail: string[];
  coerced: string[];
}

/** A JSON number as System.Text.Json reads it from a string (AllowReadingFromString, ASP.NET's web default). */
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Typed number/integer (possibly nullable) and nothing else: a string there would be a type error. */
function numericOnly(schema: Schema | undefined): boolean {
  const types = ([] as unknown[]).concat(schema?.type ?? []);
  return (
    types.some((t) => t === 'number' || t === 'integer') &&
    types.every((t) => t !== 'string' && t !== 'object')
  );
}

/** [Required] semantics: absent, null, or (for strings) empty or whitespace only. */
function missing(value: unknown): boolean {
  return value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * Copy `value` as ASP.NET's model binding sees it: object keys renamed to the declared spelling (case-insensitive;
 * `__proto__` keys dropped), required fields sent as null or blank dropped (so they are reported as missing, e.g.
 * "Merchant's orderId is required" for `"orderId": null`), and numeric strings in number fields read as numbers.
 */
function canonicalize(value: unknown, map: KeyMap, binding: Binding): unknown {
  if (Array.isArray(value)) {
    if (!map.items) return value;
    const items = map.items;
    let changed = false;
    const out = value.map((v, i) => {
      binding.trail.push(`[${i}]`);
      const c = canonicalize(v, items, binding);
      binding.trail.pop();
      if (c !== v) changed = true;
      return c;
    });
    return changed ? out : value;
  }
  if (value === null || typeof value !== 'object') return value;
  // Most clients already send the declared spelling: then the object is returned as it is, without a copy.
  let out: Record<string, unknown> | null = null;
  const entries = Object.entries(value);
  for (let i = 0; i < entries.length; i++) {
    const [key, v] = entries[i] as [string, unknown];
    const name = key === '__proto__' ? null : (map.names.get(key.toLowerCase()) ?? key);
    let bound: unknown = v;
    if (name !== null) {
      binding.trail.push(name);
      const child = map.children.get(name);
      if (child) bound = canonicalize(v, child, binding);
      else if (
        binding.numericStrings &&
        typeof v === 'string' &&
        map.numeric.has(name) &&
        JSON_NUMBER.test(v) &&
        Number.isFinite(Number(v))
      ) {
        bound = Number(v);
        binding.coerced.push(binding.trail.join('.').replaceAll('.[', '['));
      }
      binding.trail.pop();
    }
    const drop = name !== null && map.required.has(name) && missing(bound);
    if (out === null && (name !== key || bound !== v || drop)) {
      out = {};
      for (const [k, earlier] of entries.slice(0, i)) out[k] = earlier;
    }
    if (out !== null && name !== null && !drop) out[name] = bound;
  }
  return out ?? value;
}

function undeclared(value: unknown, map: KeyMap, prefix: string): string[] {
  if (Array.isArray(value))
    return map.items ? value.flatMap((v, i) => undeclared(v, map.items as KeyMap, `${prefix}[${i}]`)) : [];
  if (value === null || typeof value !== 'object' || map.names.size === 0) return [];
  const out: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    const child = map.children.get(key);
    if (!map.names.has(key.toLowerCase())) out.push(path);
    else if (child) out.push(...undeclared(v, child, path));
  }
  return out;
}

/** Messages the real sandbox was observed to send, by field; everything else follows ASP.NET's wording. */
const OBSERVED_REQUIRED_MESSAGES: Record<string, string> = {
  OrderId: "Merchant's orderId is required",
};

/**
 * ASP.NET stops collecting model errors at 200 (MvcOptions.MaxModelValidationErrors). Without a cap, a 1 MiB array of
 * wrong items drew a ~10 MB error body; the rest is summarized under `$`.
 */
export const MAX_FIELD_ERRORS = 200;

/** Turn ajv errors into the real API's ModelState shape: PascalCase dotted paths → messages. */
export function fieldErrors(errors: ErrorObject[], pascal = true): FieldErrors {
  const out: FieldErrors = {};
  let fields = 0;
  let truncated = false;
  const add = (field: string, message: string) => {
    // Own keys only: a field named `constructor` must not read Object.prototype.
    const list = Object.hasOwn(out, field) ? (out[field] as string[]) : [];
    if (list.length === 0) {
      if (fields >= MAX_FIELD_ERRORS) {
        truncated = true;
        return;
      }
      fields += 1;
    }
    if (!list.includes(message)) list.push(message);
    out[field] = list;
  };
  for (const error of errors) {
    // oneOf/anyOf wrappers repeat what their branches said.
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf' || error.keyword === 'if') continue;
    const segments = error.instancePath.split('/').filter(Boolean).map(unescapePointer);
    if (error.keyword === 'required') {
      const field = fieldName([...segments, String(error.params.missingProperty)], pascal);
      const observed = Object.hasOwn(OBSERVED_REQUIRED_MESSAGES, field)
        ? OBSERVED_REQUIRED_MESSAGES[field]
        : null;
      add(field, observed ?? `The ${lastName(field)} field is required.`);
      continue;
    }
    const field = segments.length === 0 ? '$' : fieldName(segments, pascal);
    add(field, describe(error, lastName(field)));
  }
  if (truncated) {
    const summary = `The maximum number of allowed model errors (${MAX_FIELD_ERRORS}) has been reached; fix these and resend to see the rest.`;
    out.$ = [...(Object.hasOwn(out, '$') ? (out.$ as string[]) : []), summary];
  }
  return out;
}

/** System.Text.Json's default MaxDepth, which the real API's JSON reader enforces. */
export const JSON_MAX_DEPTH = 64;

/**
 * Limits of the real API's JSON reader that JSON.parse does not apply, checked right after parsing and before anything
 * walks the body recursively (key binding, idempotency fingerprints, the journal): nesting deeper than JSON_MAX_DEPTH
 * (a 100 000-deep array overflowed the stack → 500 before) and numbers too large for a double,
 * which JSON.parse turns into ±Infinity (`1e400`; System.Text.Json rejects them). Iterative on purpose. Returns the
 * field errors (ModelState shape), or null when the body is within the limits.
 */
export function jsonLimitErrors(body: unknown): FieldErrors | null {
  // Nearly every body is within the limits: prove that with an allocation-free walk (its recursion stops at the depth
  // limit, so it cannot overflow) and build field names only when something is wrong.
  valuesLeft = JSON_MAX_VALUES;
  if (withinJsonLimits(body, 0)) return null;
  if (valuesLeft < 0) {
    return {
      $: [
        `The body has more than ${JSON_MAX_VALUES} values (fields, items, objects and arrays together); FlexFactor requests have a few dozen.`,
      ],
    };
  }
  return jsonLimitReport(body);
}

/**
 * Values a body may hold. Every later stage (schema validation, redaction for the journal, idempotency fingerprints)
 * walks the whole body, so a 1 MiB body of 80,000 keys held the event loop for over a second per request; real
 * requests have a few dozen values. An invented limit.
 */
export const JSON_MAX_VALUES = 10_000;
let valuesLeft = 0;

function withinJsonLimits(value: unknown, depth: number): boolean {
  if (--valuesLeft < 0) return false;
  if (typeof value === 'number') return Number.isFinite(value);
  if (value === null || typeof value !== 'object') return true;
  if (depth >= JSON_MAX_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!withinJsonLimits(value[i], depth + 1)) return false;
    return true;
  }
  for (const key in value) {
    if (Object.hasOwn(value, key) && !withinJsonLimits((value as Record<string, unknown>)[key], depth + 1))
      return false;
  }
  return true;
}

function jsonLimitReport(body: unknown): FieldErrors | null {
  interface Node {
    value: unknown;
    key: string;
    parent: Node | null;
    depth: number;
  }
  const pathOf = (node: Node): string[] => {
    const path: string[] = [];
    for (let n: Node | null = node; n?.parent; n = n.parent) path.unshift(n.key);
    return path;
  };
  const out: FieldErrors = {};
  let count = 0;
  const stack: Node[] = [{ value: body, key: '', parent: null, depth: 0 }];
  while (stack.length > 0 && count < MAX_FIELD_ERRORS) {
    const node = stack.pop() as Node;
    const { value } = node;
    if (typeof value === 'number' && !Number.isFinite(value)) {
      const field = fieldName(pathOf(node), true) || '$';
      out[field] = [`The ${lastName(field)} field is out of range: send a finite number.`];
      count += 1;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (node.depth >= JSON_MAX_DEPTH) {
      const field = fieldName(pathOf(node).slice(0, 3), true) || '$';
      out[field] = [`The JSON is nested deeper than ${JSON_MAX_DEPTH} levels (the real API's reader limit).`];
      count += 1;
      continue;
    }
    for (const [key, child] of Object.entries(value)) {
      stack.push({ value: child, key, parent: node, depth: node.depth + 1 });
    }
  }
  return count === 0 ? null : out;
}

function describe(error: ErrorObject, name: string): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type': {
      const types = ([] as unknown[]).concat(p.type).map(String);
      const wanted = types.filter((t) => t !== 'null').join(' or ');
      const hint = types.includes('integer')
        ? ' (a whole number, no quotes)'
        : types.includes('number')
          ? ' (no quotes)'
          : '';
      return `The ${name} field must be ${article(wanted)} ${wanted}${hint}.`;
    }
    case 'enum':
      return `The ${name} field must be one of: ${(p.allowedValues as unknown[]).map(String).join(', ')}.`;
    case 'format':
      // A GUID field fails ASP.NET's model binding, not validation: say what the binder wanted.
      if (p.format === 'uuid')
        return `The value of ${name} could not be converted to a GUID: send the id as returned by the API, e.g. e97b1ff1-4449-46da-bc6c-a76d23f16353.`;
      return `The field ${name} is invalid: expected ${article(String(p.format))} ${String(p.format)} value.`;
    case 'pattern':
      return `The field ${name} is invalid: it must match ${String(p.pattern)}.`;
    case 'minLength':
      return p.limit === 1
        ? `The ${name} field must not be empty.`
        : `The ${name} field must be at least ${String(p.limit)} characters long.`;
    case 'maxLength':
      return `The ${name} field must be at most ${String(p.limit)} characters long.`;
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum':
      return `The ${name} field must be ${String(p.comparison)} ${String(p.limit)}.`;
    case 'minItems':
    case 'maxItems':
      return `The ${name} field must have ${error.keyword === 'minItems' ? 'at least' : 'at most'} ${String(p.limit)} items.`;
    case 'additionalProperties':
      return `The field ${String(p.additionalProperty)} is not allowed in ${name}.`;
    case 'const':
      return `The ${name} field must be ${JSON.stringify(p.allowedValue)}.`;
    default:
      return `The field ${name} is invalid: ${error.message ?? error.keyword}.`;
  }
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

/** `['transaction','amount']` → `Transaction.Amount`; `['orderItems','0','sku']` → `OrderItems[0].Sku`. */
function fieldName(segments: string[], pascal: boolean): string {
  let out = '';
  for (const segment of segments) {
    if (/^\d+$/.test(segment)) out += `[${segment}]`;
    else out += (out ? '.' : '') + (pascal ? segment.charAt(0).toUpperCase() + segment.slice(1) : segment);
  }
  return out;
}

function lastName(field: string): string {
  const last = field.split('.').pop() ?? field;
  return last.replace(/\[\d+\]$/, '');
}
