// `flexfactor-mock contract --any-case`: the contract with request keys accepted in the casings real clients send.
// The real API binds JSON keys case-insensitively (ASP.NET); the schemas name one spelling. A validator that reads
// the schemas literally (Prism's proxy with --errors) then rejects a correct request such as the sample client's
// `{ "appKey": … }`. This variant declares, for every property of every schema a request body reaches, the same
// property under its camelCase and PascalCase spellings too, and turns each `required` name into "one of its
// spellings". Response validation is unchanged in substance (aliases only add allowed names).

import { readFileSync, writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { defaultSpecPath } from '../contract/contract.js';
import { yaml } from '../support/yaml.js';

type Json = Record<string, unknown>;

const camel = (k: string) => k.charAt(0).toLowerCase() + k.slice(1);
const pascal = (k: string) => k.charAt(0).toUpperCase() + k.slice(1);
const spellings = (k: string) => [...new Set([k, camel(k), pascal(k)])];

/** The any-case variant of an OpenAPI document (a new object; the input is not changed). */
export function anyCaseContract(document: Json): Json {
  const doc = structuredClone(document) as Json;
  const schemas = ((doc.components as Json | undefined)?.schemas ?? {}) as Record<string, Json>;
  const done = new Set<Json>();
  const visit = (schema: unknown): void => {
    if (!schema || typeof schema !== 'object' || done.has(schema as Json)) return;
    const s = schema as Json;
    done.add(s);
    const ref = typeof s.$ref === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(s.$ref)?.[1] : undefined;
    if (ref && schemas[ref]) visit(schemas[ref]);
    for (const key of ['allOf', 'anyOf', 'oneOf', 'prefixItems'] as const) {
      if (Array.isArray(s[key])) for (const sub of s[key] as unknown[]) visit(sub);
    }
    for (const key of ['items', 'additionalProperties', 'not'] as const) visit(s[key]);
    const properties = s.properties as Record<string, unknown> | undefined;
    if (!properties) return;
    for (const value of Object.values(properties)) visit(value);
    for (const [name, value] of Object.entries(properties)) {
      for (const alias of spellings(name)) if (!(alias in properties)) properties[alias] = value;
    }
    if (Array.isArray(s.required) && s.required.length > 0) {
      const either = (s.required as string[]).map((name) => ({
        anyOf: spellings(name).map((alias) => ({ required: [alias] })),
      }));
      s.allOf = [...((s.allOf as unknown[]) ?? []), ...either];
      delete s.required;
    }
  };
  for (const item of Object.values((doc.paths ?? {}) as Record<string, Json>)) {
    for (const operation of Object.values(item)) {
      const content = ((operation as Json | null)?.requestBody as Json | undefined)?.content as
        | Record<string, Json>
        | undefined;
      for (const media of Object.values(content ?? {})) visit(media.schema);
    }
  }
  doc['x-flexfactor-key-binding'] =
    'case-insensitive (this variant also declares each request key in camelCase and PascalCase)';
  return doc;
}

/** `flexfactor-mock contract`. */
export function registerContractCommand(program: Command): void {
  program
    .command('contract')
    .description('print or write contracts/openapi.yaml (--any-case: request keys in any casing, for Prism)')
    .addOption(new Option('--any-case', 'declare every request key in camelCase and PascalCase as well'))
    .addOption(new Option('--out <file>', 'write to this file instead of stdout'))
    .action((options: { anyCase?: boolean; out?: string }) => {
      const text = readFileSync(defaultSpecPath(), 'utf8');
      const out = options.anyCase
        ? yaml().stringify(anyCaseContract(yaml().parse(text) as Json), { aliasDuplicateObjects: false })
        : text;
      if (options.out) writeFileSync(options.out, out);
      else process.stdout.write(out);
    });
}
