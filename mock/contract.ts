// contracts/openapi.yaml, loaded once: per-operation request validators (compiled at start-up), response
// validators (compiled on first use, only when response validation is on) and the case-insensitive key maps
// that mimic ASP.NET's model binding.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

type Schema = Record<string, unknown>;
type HttpMethod = 'get' | 'post' | 'put' | 'delete' | 'patch';
const METHODS: HttpMethod[] = ['get', 'post', 'put', 'delete', 'patch'];

export type SecurityKind = 'bearer' | 'tokenization' | 'none';

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
  /** Rename keys case-insensitively to the spelling the schema declares, then validate. */
  checkBody(body: unknown): { value: unknown; errors: FieldErrors | null };
  /** Coerce and validate query parameters (numbers, arrays); returns the coerced object. */
  checkQuery(query: Record<string, unknown>): { value: Record<string, unknown>; errors: FieldErrors | null };
  /** Dotted paths of body fields the schema does not declare (the real API ignores them silently). */
  unknownFields(body: unknown): string[];
}

/** Key map tree: lower-cased key → declared key, and the map for each declared key's value. */
interface KeyMap {
  names: Map<string, string>;
  children: Map<string, KeyMap>;
  items: KeyMap | null;
}

export interface ContractOptions {
  /** Path to the OpenAPI document; default: contracts/openapi.yaml of this package. */
  specPath?: string;
}

export class Contract {
  readonly document: Schema;
  readonly operations = new Map<string, CompiledOperation>();
  readonly #ajv: Ajv2020;
  readonly #queryAjv: Ajv2020;
  readonly #responseValidators = new Map<string, ValidateFunction | null>();

  constructor(options: ContractOptions = {}) {
    const specPath = options.specPath ?? defaultSpecPath();
    this.document = parseYaml(readFileSync(specPath, 'utf8')) as Schema;
    // Schemas are compiled one by one, so their document-relative refs must name the document.
    const absolute = absoluteRefs(this.document) as Schema;
    const components = (absolute.components ?? {}) as Schema;
    this.#ajv = newAjv(false);
    this.#ajv.addSchema({ $id: 'openapi.json', components });
    this.#queryAjv = newAjv(true);
    this.#queryAjv.addSchema({ $id: 'openapi.json', components });
    this.#compiledFrom = absolute;
    this.#compileOperations();
  }

  readonly #compiledFrom: Schema;

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
    const validate = this.#ajv.getSchema(`openapi.json#/components/schemas/${name}`);
    if (!validate) return [`no component schema ${name}`];
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message ?? e.keyword}`);
  }

  #compileOperations(): void {
    const paths = (this.#compiledFrom.paths ?? {}) as Record<string, Schema>;
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
    const security = securityKind(op, this.document);
    const requestBody = this.#deref(op.requestBody as Schema | undefined);
    const content = (requestBody?.content ?? {}) as Record<string, Schema>;
    const jsonType = Object.keys(content).find((t) => /json/i.test(t));
    const multipartType = Object.keys(content).find((t) => /multipart/i.test(t));
    const bodySchema = jsonType ? (content[jsonType]?.schema as Schema | undefined) : undefined;
    const bodyValidator = bodySchema ? this.#ajv.compile(bodySchema) : null;
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
    const queryValidator = this.#queryAjv.compile(querySchema);
    const queryNames = new Map(queryParams.map((p) => [String(p.name).toLowerCase(), String(p.name)]));

    return {
      id,
      method,
      path,
      expressPath: path.replace(/\{([^}]+)\}/g, ':$1'),
      security,
      bodyType: jsonType ? 'json' : multipartType ? 'multipart' : null,
      bodyRequired: Boolean(requestBody?.required),
      checkBody(body) {
        if (!bodyValidator || !keyMap) return { value: body, errors: null };
        const value = canonicalize(body, keyMap);
        if (bodyValidator(value)) return { value, errors: null };
        return { value, errors: fieldErrors(bodyValidator.errors ?? []) };
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
        if (queryValidator(value)) return { value, errors: null };
        return { value, errors: fieldErrors(queryValidator.errors ?? [], false) };
      },
    };
  }

  #compileResponse(operationId: string, status: number): ValidateFunction | null {
    const op = this.operation(operationId);
    const raw = ((this.#compiledFrom.paths as Record<string, Schema>)[op.path] as Schema)[
      op.method
    ] as Schema;
    const responses = (raw.responses ?? {}) as Record<string, Schema>;
    const response = this.#deref(
      responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default,
    );
    if (!response) return null;
    const content = (response.content ?? {}) as Record<string, Schema>;
    const media = Object.keys(content).find((t) => /json/i.test(t));
    const schema = media ? (content[media]?.schema as Schema | undefined) : undefined;
    // A response without a JSON body (e.g. an empty 200) accepts only an empty object or nothing.
    return this.#ajv.compile(schema ?? { type: ['object', 'null'], maxProperties: 0 });
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
          this.#compiledFrom,
        ) as Schema | undefined;
    }
    return current;
  }

  #keyMap(node: Schema, depth: number): KeyMap {
    const map: KeyMap = { names: new Map(), children: new Map(), items: null };
    if (depth > 12) return map;
    const schema = this.#deref(node) ?? {};
    for (const [name, propSchema] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) {
      map.names.set(name.toLowerCase(), name);
      const child = this.#keyMap(propSchema, depth + 1);
      if (child.names.size > 0 || child.items) map.children.set(name, child);
    }
    for (const sub of ['allOf', 'oneOf', 'anyOf'].flatMap((k) => (schema[k] as Schema[] | undefined) ?? [])) {
      const nested = this.#keyMap(sub, depth + 1);
      for (const [k, v] of nested.names) map.names.set(k, v);
      for (const [k, v] of nested.children) map.children.set(k, v);
      map.items ??= nested.items;
    }
    if (schema.items) {
      const items = this.#keyMap(schema.items as Schema, depth + 1);
      if (items.names.size > 0) map.items = items;
    }
    return map;
  }
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

function newAjv(coerce: boolean): Ajv2020 {
  const ajv = new Ajv2020({
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
  return names.some((n) => schemes[n]?.type === 'http') ? 'bearer' : 'tokenization';
}

/** Copy `value`, renaming object keys to the declared spelling (case-insensitive); `__proto__` keys are dropped. */
function canonicalize(value: unknown, map: KeyMap): unknown {
  if (Array.isArray(value)) return map.items ? value.map((v) => canonicalize(v, map.items as KeyMap)) : value;
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '__proto__') continue;
    const name = map.names.get(key.toLowerCase()) ?? key;
    const child = map.children.get(name);
    out[name] = child ? canonicalize(v, child) : v;
  }
  return out;
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

/** Turn ajv errors into the real API's ModelState shape: PascalCase dotted paths → messages. */
export function fieldErrors(errors: ErrorObject[], pascal = true): FieldErrors {
  const out: FieldErrors = {};
  const add = (field: string, message: string) => {
    const list = out[field] ?? [];
    if (!list.includes(message)) list.push(message);
    out[field] = list;
  };
  for (const error of errors) {
    // oneOf/anyOf wrappers repeat what their branches said.
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf' || error.keyword === 'if') continue;
    const segments = error.instancePath.split('/').filter(Boolean).map(unescapePointer);
    if (error.keyword === 'required') {
      const field = fieldName([...segments, String(error.params.missingProperty)], pascal);
      add(field, OBSERVED_REQUIRED_MESSAGES[field] ?? `The ${lastName(field)} field is required.`);
      continue;
    }
    const field = segments.length === 0 ? '$' : fieldName(segments, pascal);
    add(field, describe(error, lastName(field)));
  }
  return out;
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
