// The lists in scenarios/scenario.schema.json that the code already holds: operationIds (contracts/openapi.yaml), the
// error codes (mock/errors/catalog.ts), the test cards and fate kinds (mock/domain/outcomes.ts) and the transport
// faults (mock/scenarios/faults.ts). The rest of the schema is written by hand; `npm run docs` rewrites only these values
// in place, so a new endpoint, error code, card or fault never means editing the schema. A test fails when the
// file is out of date.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { parseDocument, parse as parseYaml } from 'yaml';
import { FATE_KINDS, TEST_CARD_DETAILS } from '../mock/domain/outcomes.js';
import { ERROR_CATALOG } from '../mock/errors/catalog.js';
import { FAULTS } from '../mock/scenarios/faults.js';

export const SCHEMA_FILE = 'scenarios/scenario.schema.json';
const CONTRACT_FILE = 'contracts/openapi.yaml';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every operationId under `paths` of the contract, in the contract's order (webhooks are not requests). */
export function contractOperationIds(file = CONTRACT_FILE): string[] {
  const doc = parseYaml(readFileSync(file, 'utf8')) as { paths?: Record<string, Record<string, unknown>> };
  const ids: string[] = [];
  for (const item of Object.values(doc.paths ?? {})) {
    for (const [method, operation] of Object.entries(item)) {
      const id = (operation as { operationId?: unknown } | null)?.operationId;
      if (METHODS.includes(method) && typeof id === 'string') ids.push(id);
    }
  }
  return ids;
}

function orList(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}

/** Each generated value by its path in the schema. */
export function generatedValues(): [path: string[], value: unknown][] {
  const faults = Object.entries(FAULTS);
  const names = faults.map(([name]) => name);
  const options: Record<string, unknown> = {};
  for (const [name, row] of faults) {
    for (const [key, option] of Object.entries(row.options)) {
      options[key] = { ...option, description: `${name}: ${option.description}` };
    }
  }
  return [
    [['definitions', 'operationId', 'enum'], contractOperationIds()],
    [['definitions', 'errorCode', 'enum'], Object.keys(ERROR_CATALOG)],
    [['definitions', 'testCard', 'enum'], Object.keys(TEST_CARD_DETAILS)],
    [['definitions', 'state', 'properties', 'fate', 'properties', 'kind', 'enum'], [...FATE_KINDS]],
    [
      ['definitions', 'fault', 'description'],
      `A transport fault: ${orList(names)} (or an object with type and options).`,
    ],
    [['definitions', 'fault', 'then', 'enum'], names],
    [
      ['definitions', 'fault', 'properties'],
      {
        type: {
          enum: names,
          description: faults.map(([name, row]) => `${name}: ${row.does}.`).join(' '),
        },
        ...options,
      },
    ],
    [
      ['definitions', 'exampleExpect', 'properties', 'fault', 'enum'],
      faults.map(([, row]) => row.clientSees),
    ],
  ];
}

const BIOME = join(
  dirname(createRequire(import.meta.url).resolve('@biomejs/biome/package.json')),
  'bin',
  'biome',
);

/** `text` (the schema as written) with every generated value replaced, formatted as `npm run format` would. */
export function renderSchema(text: string): string {
  const doc = parseDocument(text);
  const edits = generatedValues().map(([path, value]) => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    if (!node?.range) throw new Error(`${SCHEMA_FILE} has no ${path.join('.')} to generate`);
    return { from: node.range[0], to: node.range[1], text: JSON.stringify(value) };
  });
  let out = text;
  for (const edit of edits.sort((a, b) => b.from - a.from)) {
    out = `${out.slice(0, edit.from)}${edit.text}${out.slice(edit.to)}`;
  }
  return execFileSync(process.execPath, [BIOME, 'format', `--stdin-file-path=${SCHEMA_FILE}`], {
    input: out,
    encoding: 'utf8',
  });
}

if (process.argv[1]?.endsWith('scenario-schema.ts')) {
  const current = readFileSync(SCHEMA_FILE, 'utf8');
  const next = renderSchema(current);
  if (next !== current) {
    writeFileSync(SCHEMA_FILE, next);
    process.stdout.write(`${SCHEMA_FILE}: generated lists updated\n`);
  }
}
