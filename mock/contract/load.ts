// Loading a contract: the OpenAPI document (from the build's JSON copy while it matches the YAML), the build's
// precompiled validators, and ajv itself, required only when something must be compiled at run time.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import type { Schema } from './binding.js';

export type Precompiled = Record<'body' | 'query', Record<string, ValidateFunction>>;

/** The name a request validator is exported under in the build's standalone code. */
export function exportName(operationId: string, kind: 'body' | 'query'): string {
  return `${operationId}_${kind}`;
}

/**
 * Parse an OpenAPI document, every `#/…` ref made absolute (absoluteRefs). YAML parsing is the slowest step of
 * start-up, so the build leaves a JSON copy of that result in dist/contracts/ keyed by the YAML's SHA-256; the copy is
 * used only while it matches the YAML byte for byte.
 */
export function loadDocument(specPath: string): { document: Schema; sha256: string } {
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
  return { document: absoluteRefs(parseYaml(text)) as Schema, sha256 };
}

/** yaml is loaded only when needed, to keep it out of start-up: on a cache miss, and by the build. */
export function parseYaml(text: string): unknown {
  return (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);
}

/** The build's standalone validators, if present and generated from this exact document. */
export function loadPrecompiled(specPath: string, sha256: string): Precompiled | null {
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
export function buildCopies(specPath: string): { document: string; body: string; query: string } | null {
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
export function absoluteRefs(node: unknown): unknown {
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
export const requireHere = createRequire(import.meta.url);

export function newAjv(coerce: boolean, keepSource = false): Ajv2020 {
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
