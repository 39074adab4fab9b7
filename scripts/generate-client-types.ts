// Writes contracts/client/types.gen.ts: TypeScript types for every schema in contracts/openapi.yaml
// (components.schemas) and for each operation's query parameters, so the reference client never carries a second,
// hand-written copy of the API's shapes. Run: node --import tsx scripts/generate-client-types.ts
// (test/client.test.ts fails when the committed file differs from what this script generates).

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

type Schema = Record<string, unknown>;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SPEC_PATH = join(ROOT, 'contracts', 'openapi.yaml');
export const OUTPUT_PATH = join(ROOT, 'contracts', 'client', 'types.gen.ts');
const METHODS = ['get', 'post', 'put', 'delete', 'patch'] as const;

const HEADER = `// Generated from contracts/openapi.yaml by scripts/generate-client-types.ts: do not edit by hand.
// Regenerate with \`node --import tsx scripts/generate-client-types.ts\`; test/client.test.ts fails when stale.
// Request objects are closed here although the API tolerates unknown keys: the client sends what is declared.
`;

/** The generated module's text, formatted the way biome formats the repository. */
export function generateClientTypes(specPath = SPEC_PATH): string {
  const doc = parseYaml(readFileSync(specPath, 'utf8')) as Schema;
  const components = (doc.components ?? {}) as Schema;
  const schemas = (components.schemas ?? {}) as Record<string, Schema>;
  const parts: string[] = [HEADER];
  for (const [name, schema] of Object.entries(schemas)) parts.push(declaration(name, schema));
  for (const [operationId, params] of queryParameterSets(doc)) {
    const name = `${operationId.charAt(0).toUpperCase()}${operationId.slice(1)}Query`;
    const properties = Object.fromEntries(params.map((p) => [String(p.name), { ...(p.schema as Schema) }]));
    const docs = Object.fromEntries(params.map((p) => [String(p.name), p.description]));
    const required = params.filter((p) => p.required).map((p) => String(p.name));
    const withDocs = Object.fromEntries(
      Object.entries(properties).map(([k, v]) => [k, { ...v, description: docs[k] ?? v.description }]),
    );
    parts.push(
      declaration(name, {
        type: 'object',
        description: `Query parameters of the ${operationId} operation.`,
        properties: withDocs,
        required,
      }),
    );
  }
  return format(parts.join('\n'));
}

function declaration(name: string, schema: Schema): string {
  const comment = jsDoc(schema, '');
  if (isPlainObject(schema) && Object.keys((schema.properties as Schema) ?? {}).length > 0) {
    return `${comment}export interface ${name} ${objectBody(schema, '')}\n`;
  }
  return `${comment}export type ${name} = ${tsType(schema, '')};\n`;
}

/** An object schema that is not also nullable, so it can be an interface. */
function isPlainObject(schema: Schema): boolean {
  return schema.type === 'object' && !schema.$ref && !schema.oneOf && !schema.anyOf && !schema.allOf;
}

function tsType(schema: Schema, indent: string): string {
  if (typeof schema.$ref === 'string') return refName(schema.$ref);
  if (Array.isArray(schema.allOf))
    return (schema.allOf as Schema[]).map((s) => tsType(s, indent)).join(' & ');
  const alternatives = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (Array.isArray(alternatives)) return unique(alternatives.map((s) => tsType(s, indent))).join(' | ');
  const types = (Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []) as string[];
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) {
    const literals = schema.enum.map((v) => JSON.stringify(v));
    if (types.includes('null') && !schema.enum.includes(null)) literals.push('null');
    return unique(literals).join(' | ');
  }
  if (types.length === 0) return schema.properties ? objectType(schema, indent) : 'unknown';
  return unique(
    types.map((type) => {
      switch (type) {
        case 'string':
          return 'string';
        case 'integer':
        case 'number':
          return 'number';
        case 'boolean':
          return 'boolean';
        case 'null':
          return 'null';
        case 'array': {
          if (!schema.items) return 'unknown[]';
          const item = tsType(schema.items as Schema, indent);
          return /[|&]/.test(item) ? `(${item})[]` : `${item}[]`;
        }
        case 'object':
          return objectType(schema, indent);
        default:
          return 'unknown';
      }
    }),
  ).join(' | ');
}

function objectType(schema: Schema, indent: string): string {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  if (Object.keys(properties).length > 0) return objectBody(schema, indent);
  const extra = schema.additionalProperties;
  if (extra && typeof extra === 'object') return `Record<string, ${tsType(extra as Schema, indent)}>`;
  if (extra === false || schema.maxProperties === 0) return 'Record<string, never>';
  return 'Record<string, unknown>';
}

function objectBody(schema: Schema, indent: string): string {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  const inner = `${indent}  `;
  const lines = Object.entries(properties).map(([key, prop]) => {
    const optional = required.has(key) ? '' : '?';
    return `${jsDoc(prop, inner)}${inner}${propertyName(key)}${optional}: ${tsType(prop, inner)};`;
  });
  // Maps that also declare properties (none today) keep their extra keys typed loosely.
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    lines.push(`${inner}[key: string]: unknown;`);
  }
  return `{\n${lines.join('\n')}\n${indent}}`;
}

function jsDoc(schema: Schema, indent: string): string {
  const lines: string[] = [];
  if (typeof schema.description === 'string') lines.push(...schema.description.trim().split('\n'));
  const source = schema['x-flexfactor-source'];
  if (source === 'invented' || source === 'observed') lines.push(`(${source}: see contracts/openapi.yaml)`);
  if (typeof schema['x-flexfactor-strict'] === 'string') {
    lines.push(`(strict profile: ${String(schema['x-flexfactor-strict'])})`);
  }
  if (schema.deprecated === true) lines.push('@deprecated');
  if (lines.length === 0) return '';
  const safe = lines.map((l) => l.replaceAll('*/', '*\\/').trimEnd());
  if (safe.length === 1) return `${indent}/** ${safe[0]} */\n`;
  return `${indent}/**\n${safe.map((l) => `${indent} *${l ? ` ${l}` : ''}`).join('\n')}\n${indent} */\n`;
}

function refName(ref: string): string {
  const name = ref.split('/').pop() ?? 'unknown';
  if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`cannot name a type after $ref ${ref}`);
  return name;
}

function propertyName(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** operationId → the operation's query parameters (with `$ref`s to components.parameters resolved). */
function queryParameterSets(doc: Schema): [string, Schema[]][] {
  const components = (doc.components ?? {}) as Schema;
  const shared = (components.parameters ?? {}) as Record<string, Schema>;
  const deref = (p: Schema): Schema =>
    typeof p.$ref === 'string' ? (shared[String(p.$ref).split('/').pop() ?? ''] ?? p) : p;
  const out: [string, Schema[]][] = [];
  for (const item of Object.values((doc.paths ?? {}) as Record<string, Schema>)) {
    for (const method of METHODS) {
      const op = item[method] as Schema | undefined;
      if (!op) continue;
      const params = [...((item.parameters as Schema[]) ?? []), ...((op.parameters as Schema[]) ?? [])]
        .map(deref)
        .filter((p) => p.in === 'query');
      if (params.length === 0) continue;
      out.push([String(op.operationId), params]);
    }
  }
  return out;
}

/** Format with the repository's biome configuration, so `biome check` and the staleness test agree. */
function format(source: string): string {
  const biome = join(
    dirname(createRequire(import.meta.url).resolve('@biomejs/biome/package.json')),
    'bin',
    'biome',
  );
  const result = spawnSync(process.execPath, [biome, 'format', `--stdin-file-path=${OUTPUT_PATH}`], {
    cwd: ROOT,
    input: source,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`biome format failed: ${result.stderr || result.stdout}`);
  return result.stdout;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(OUTPUT_PATH, generateClientTypes());
  process.stdout.write(`wrote ${OUTPUT_PATH}\n`);
}
