// Generated, never copied: the lists in scenarios/scenario.schema.json come from the contract and the code's tables
// (scripts/scenario-schema.ts, run by `npm run docs`), and every transport fault of mock/scenarios/faults.ts is shown
// by a library scenario. A new endpoint, error code, test card or fault then needs no edit to the schema.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { Contract } from '../mock/contract/contract.js';
import { FATE_KINDS, TEST_CARD_DETAILS } from '../mock/domain/outcomes.js';
import { ERROR_CATALOG } from '../mock/errors/catalog.js';
import { FAULTS } from '../mock/scenarios/faults.js';
import type { ScenarioFile } from '../mock/scenarios/types.js';
import { contractOperationIds, renderSchema, SCHEMA_FILE } from '../scripts/scenario-schema.js';
import { contractRequestExamples } from './request-examples.js';

const LIBRARY = readdirSync('scenarios')
  .filter((file) => file.endsWith('.yaml'))
  .map((file) => ({ file, definition: parse(readFileSync(`scenarios/${file}`, 'utf8')) as ScenarioFile }));

describe('generated lists', { timeout: 60_000 }, () => {
  test('scenarios/scenario.schema.json is up to date (run npm run docs to refresh it)', () => {
    const text = readFileSync(SCHEMA_FILE, 'utf8');
    assert.equal(text, renderSchema(text), `${SCHEMA_FILE} is stale: run npm run docs`);
  });

  test('the schema lists every operation, error code, test card, fate and fault of the code', () => {
    const schema = JSON.parse(readFileSync(SCHEMA_FILE, 'utf8'));
    assert.deepEqual(schema.definitions.operationId.enum, contractOperationIds());
    assert.deepEqual(schema.definitions.errorCode.enum, Object.keys(ERROR_CATALOG));
    assert.deepEqual(schema.definitions.testCard.enum, Object.keys(TEST_CARD_DETAILS));
    assert.deepEqual(schema.definitions.state.properties.fate.properties.kind.enum, FATE_KINDS);
    assert.deepEqual(schema.definitions.fault.then.enum, Object.keys(FAULTS));
    assert.deepEqual(schema.definitions.fault.properties.type.enum, Object.keys(FAULTS));
    assert.deepEqual(
      schema.definitions.exampleExpect.properties.fault.enum,
      Object.values(FAULTS).map((row) => row.clientSees),
    );
    for (const row of Object.values(FAULTS)) {
      for (const option of Object.keys(row.options)) {
        assert.ok(schema.definitions.fault.properties[option], `the schema has no fault option ${option}`);
      }
    }
  });

  test('every operation with a JSON request body has a request example in the contract (the tests send it)', () => {
    const examples = contractRequestExamples();
    const missing = [...new Contract().operations.values()]
      .filter((op) => op.bodyType === 'json' && !examples.has(op.id))
      .map((op) => op.id);
    assert.deepEqual(missing, [], 'add a non-empty request example under requestBody.content.*.examples');
    assert.ok(examples.size >= 13);
  });

  test('every fault is shown by a library scenario whose example expects what a client sees', () => {
    for (const [name, row] of Object.entries(FAULTS)) {
      const showing = LIBRARY.filter(({ definition: d }) => {
        const type = typeof d.fault === 'string' ? d.fault : d.fault?.type;
        return type === name && d.example?.expect.fault === row.clientSees;
      });
      assert.ok(showing.length > 0, `no library scenario with fault ${name} expecting ${row.clientSees}`);
    }
  });

  test('every fault but hang has a writer (without one the engine would leave the request open)', () => {
    for (const [name, row] of Object.entries(FAULTS)) {
      if (name === 'hang') continue;
      assert.equal(typeof (row as { write?: unknown }).write, 'function', `${name} has no writer`);
    }
  });
});
