// The built-in scenario files are compiled once per process and shared by every mock of the same contract: a later
// mock gets the very same compiled scenarios, nothing one mock does reaches another through them, user files are
// still checked at start and reloaded on change, and the literal-body check the built-ins skip at run time holds for
// every one of them.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import request from 'supertest';
import { Contract } from '../mock/contract/contract.js';
import { responseContract } from '../mock/scenarios/body-check.js';
import { checkScenarioFolders } from '../mock/scenarios/index.js';
import { builtInScenarioDir, loadScenarioFolders } from '../mock/scenarios/loader.js';
import { tokenFor } from './helpers.js';
import { appWith, scenarioFolders } from './scenario-folders.js';

const folder = scenarioFolders('ffmock-sharing-');
const contract = new Contract();
const operations = [...contract.operations.values()].map((op) => ({
  id: op.id,
  method: op.method,
  path: op.path,
}));
const responses = responseContract(contract);

function load(dirs: string[], sharing?: { contractKey: string; trustBodies: boolean }) {
  return loadScenarioFolders(dirs, operations, new Map(), {}, responses, sharing);
}

describe('built-in scenarios shared within a process', { timeout: 120_000 }, () => {
  test('a second load of the built-in folder gets the same compiled scenarios, frozen', () => {
    const sharing = { contractKey: contract.fingerprint, trustBodies: true };
    const first = load([builtInScenarioDir()], sharing);
    const second = load([builtInScenarioDir()], sharing);
    assert.deepEqual(second.problems, []);
    assert.equal(second.scenarios.size, first.scenarios.size);
    for (const [name, scenario] of first.scenarios) assert.equal(second.scenarios.get(name), scenario, name);
    const timeout = second.scenarios.get('gateway-timeout');
    assert.ok(timeout && Object.isFrozen(timeout) && Object.isFrozen(timeout.definition.respond));

    // Another contract (or none to share by) compiles its own.
    const other = load([builtInScenarioDir()], { contractKey: 'another contract', trustBodies: false });
    assert.notEqual(other.scenarios.get('gateway-timeout'), timeout);
    assert.notEqual(load([builtInScenarioDir()]).scenarios.get('gateway-timeout'), timeout);
  });

  test('a shared built-in is what parsing its file gives, and its problems under another contract still name lines', () => {
    const shared = load([builtInScenarioDir()], { contractKey: contract.fingerprint, trustBodies: true });
    const parsed = load([builtInScenarioDir()]);
    assert.equal(shared.scenarios.size, parsed.scenarios.size);
    for (const [name, scenario] of parsed.scenarios) {
      const same = shared.scenarios.get(name);
      assert.deepEqual(same?.definition, scenario.definition, name);
      assert.deepEqual(same?.literalBody, scenario.literalBody, name);
    }

    // A contract without the operations the files name: the build's copy has no lines, so the file is parsed to say
    // where each problem is.
    const none = loadScenarioFolders([builtInScenarioDir()], [], new Map(), {}, undefined, {
      contractKey: 'no operations',
      trustBodies: false,
    });
    assert.ok(none.problems.length > 0);
    assert.ok(none.problems.every((p) => p.line > 1 && /\.yaml$/.test(p.file)));
    assert.ok(none.problems.some((p) => /no operation "evaluate"/.test(p.message)));
  });

  test("the built-in files' literal bodies fit the package's contract (why a mock may skip that check for them)", () => {
    const checked = checkScenarioFolders([builtInScenarioDir()]);
    assert.deepEqual(checked.problems, []);
    assert.equal(checked.valid, checked.files);
  });

  test('two mocks sharing the library keep their choices, counts and definitions apart', async () => {
    const a = appWith().app;
    const b = appWith().app;
    a.mock.scenarios?.useForSession('default', ['gateway-timeout']);
    const list = async (app: typeof a) =>
      (
        await request(app)
          .get('/v1/orders')
          .set('authorization', `Bearer ${await tokenFor(app, undefined, 'token-only')}`)
      ).status;
    assert.equal(await list(a), 504);
    assert.equal(await list(b), 200);
    assert.deepEqual(b.mock.scenarios?.sessionScenarios('default'), []);

    // What a mock hands out is its own copy: changing it changes nothing for the other mock.
    const shown = a.mock.scenarios?.get('gateway-timeout');
    assert.ok(shown?.definition.respond);
    shown.definition.respond.error = '502001';
    assert.equal(b.mock.scenarios?.get('gateway-timeout')?.definition.respond?.error, '504001');
    b.mock.scenarios?.useForSession('default', ['gateway-timeout']);
    assert.equal(await list(b), 504);
  });

  test('user files beside the shared built-ins are still checked at start and reloaded when they change', async () => {
    const dir = folder({
      'wrong-body.yaml':
        'description: a 200 whose body the contract does not allow.\nsource: invented\nmatch:\n  operation: getOrder\nrespond:\n  status: 200\n  body:\n    orderId: 7\n',
      'down.yaml': "description: down.\nsource: invented\nrespond:\n  error: '503001'\n",
    });
    const { app } = appWith({ scenarios: { dirs: [dir] } });
    const scenarios = app.mock.scenarios;
    assert.ok(scenarios);
    const problems = scenarios.problems();
    assert.equal(problems.length > 0, true);
    assert.ok(problems.every((p) => p.file === join(dir, 'wrong-body.yaml') && p.line > 1));
    assert.ok(scenarios.get('gateway-timeout'), 'the built-ins load beside them');

    const token = await tokenFor(app, undefined, 'token-only');
    const list = async () =>
      (
        await request(app)
          .get('/v1/orders')
          .set('authorization', `Bearer ${token}`)
          .set('x-mock-scenario', 'down')
      ).status;
    assert.equal(await list(), 503);
    // A different size, so the change is seen whatever the file system's time resolution.
    writeFileSync(
      join(dir, 'down.yaml'),
      "description: now a bad gateway instead.\nsource: invented\nrespond:\n  error: '502001'\n",
    );
    scenarios.reload();
    assert.equal(await list(), 502);
  });
});
