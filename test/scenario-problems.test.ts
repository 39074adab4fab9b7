// Bad scenario files the user must be told about: every bad file named on the console at start and on reload (a
// bounded report, not the request log's rate limit), a scenario whose file failed named as such (not as a typo),
// and a literal body checked against the contract's response when the file is loaded.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import request from 'supertest';
import { ApiError } from '../mock/errors/catalog.js';
import { scenarioFileLabel } from '../mock/scenarios/file-label.js';
import { checkScenarioFolders } from '../mock/scenarios/index.js';
import { PROBLEMS_SHOWN_PER_FILE } from '../mock/scenarios/library.js';
import { evaluateBody, makeApp, tokenFor } from './helpers.js';
import { appWith, scenarioFolders } from './scenario-folders.js';

const run = promisify(execFile);
/** A temporary folder of scenario files, removed after the suite. */
const folder = scenarioFolders('ffmock-problems-');

/** A scenario file with `count` unknown properties: `count` problems, one per line. */
function manyProblems(count: number): string {
  const extra = Array.from({ length: count }, (_, i) => `typo${i}: 1`).join('\n');
  return `description: broken\nsource: invented\nfault: reset\n${extra}\n`;
}

describe('bad scenario files on the console', { timeout: 60_000 }, () => {
  test('every bad file is named at start, each with its first problems and a count of the rest', () => {
    // 4 bad files, 10 problems: more than the rate limit lets through of one kind of line.
    const dir = folder({
      'a-bad.yaml': manyProblems(7),
      'b-bad.yaml': manyProblems(1),
      'c-bad.yaml': manyProblems(1),
      'd-bad.yaml': manyProblems(1),
      'good.yaml': 'description: fine\nsource: invented\nfault: reset\n',
    });
    const { app, logs } = appWith({ scenarios: { dirs: [dir], builtIn: false } });
    assert.equal(app.mock.scenarios?.problems().length, 10);
    const skipped = logs.filter((l) => l.includes('scenario file skipped'));
    for (const name of ['a-bad', 'b-bad', 'c-bad', 'd-bad'])
      assert.ok(
        skipped.some((l) => l.includes(`${name}.yaml:`)),
        `${name}.yaml is named: ${skipped.join('\n')}`,
      );
    assert.equal(skipped.filter((l) => /a-bad\.yaml:\d+: /.test(l)).length, PROBLEMS_SHOWN_PER_FILE);
    assert.ok(
      skipped.some((l) =>
        l.includes(
          `… and ${7 - PROBLEMS_SHOWN_PER_FILE} more problem(s) in ${join(dir, 'a-bad.yaml')}; GET /__admin/scenarios lists them all`,
        ),
      ),
      skipped.join('\n'),
    );
    assert.ok(!logs.some((l) => l.includes('suppressed')), 'nothing about the files is suppressed');
  });

  test('a flood of problems stays a few lines per file', () => {
    const dir = folder({ 'flood.yaml': manyProblems(500) });
    const { app, logs } = appWith({ scenarios: { dirs: [dir], builtIn: false } });
    assert.equal(app.mock.scenarios?.problems().length, 500);
    assert.equal(logs.filter((l) => l.includes('flood.yaml')).length, PROBLEMS_SHOWN_PER_FILE + 1);
  });

  test('files that turn bad on reload are named, whatever was logged just before', () => {
    const dir = folder({ 'good.yaml': 'description: fine\nsource: invented\nfault: reset\n' });
    const { app, logs } = appWith({ scenarios: { dirs: [dir], builtIn: false } });
    const scenarios = app.mock.scenarios;
    assert.ok(scenarios);
    assert.deepEqual(scenarios.problems(), []);
    for (const name of ['p', 'q', 'r', 's', 't', 'u', 'v'])
      writeFileSync(join(dir, `${name}.yaml`), manyProblems(2));
    scenarios.reload();
    for (const name of ['p', 'q', 'r', 's', 't', 'u', 'v'])
      assert.ok(
        logs.some((l) => l.includes(`${name}.yaml:`)),
        `${name}.yaml is named on reload: ${logs.join('\n')}`,
      );
    const before = logs.length;
    scenarios.reload();
    assert.equal(logs.length, before, 'an unchanged bad file is not reported again');
  });
});

describe('naming a scenario whose file failed to load', { timeout: 60_000 }, () => {
  const dir = folder({
    'echo-order.yaml':
      'description: echo\nsource: invented\nmatch:\n  operation: getOrder\nrespnd:\n  status: 200\n',
  });

  test('the 400011 names the file and its first problem, not a typo', async () => {
    const { app } = appWith({ scenarios: { dirs: [dir] } });
    const token = await tokenFor(app);
    const res = await request(app)
      .get('/v1/orders/00000000-0000-0000-0000-000000000001')
      .set('authorization', `Bearer ${token}`)
      .set('x-mock-scenario', 'echo-order');
    assert.equal(res.status, 400);
    assert.equal(res.headers['x-mock-error-code'], '400011');
    const text = JSON.stringify(res.body);
    assert.match(text, /Scenario \\"echo-order\\" did not load: its file has problems, so it was skipped/);
    // Named as reports do, never by the absolute path of this machine: the answer may travel.
    assert.ok(text.includes(`${basename(dir)}/echo-order.yaml:1: a scenario must do something`), text);
    assert.ok(!text.includes(dir), text);
    assert.match(text, /and 1 more problem\(s\); GET \/__admin\/scenarios lists them all/);
    assert.match(text, /scenarios:check/);
    assert.doesNotMatch(text, /Unknown scenario/);
  });

  test('a server default naming it refuses the start with the same explanation', () => {
    assert.throws(
      () => makeApp({ scenarios: { dirs: [dir], defaults: ['echo-order'] } }),
      /Scenario "echo-order" did not load: .*echo-order\.yaml:1: a scenario must do something/,
    );
  });
});

describe('a user file that fails to load, named like a built-in scenario', { timeout: 60_000 }, () => {
  // bad-gateway is built in (every operation answers 502): the user's file of that name means to replace it.
  const broken = 'description: mine\nsource: invented\nrespond:\n  status: 200\n  bdy: {}\n';
  const order = '/v1/orders/00000000-0000-0000-0000-000000000001';

  async function named(app: Parameters<typeof tokenFor>[0], scenario: string) {
    return request(app)
      .get(order)
      .set('authorization', `Bearer ${await tokenFor(app)}`)
      .set('x-mock-scenario', scenario);
  }

  test("naming it answers 400011 with the user file's problem, not the built-in's 502", async () => {
    const dir = folder({ 'bad-gateway.yaml': broken });
    const { app, logs } = appWith({ scenarios: { dirs: [dir] } });
    const res = await named(app, 'bad-gateway');
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.headers['x-mock-error-code'], '400011');
    const text = JSON.stringify(res.body);
    assert.match(text, /Scenario \\"bad-gateway\\" did not load: its file has problems/);
    assert.ok(text.includes(`${basename(dir)}/bad-gateway.yaml:`), text);
    assert.match(text, /the built-in scenario \\"bad-gateway\\" is not used in its place while it is broken/);
    assert.ok(!text.includes(dir), text);
    assert.equal(app.mock.scenarios?.get('bad-gateway'), undefined, 'the built-in is not listed as loaded');
    assert.throws(
      () => app.mock.scenarios?.useForSession('s', ['bad-gateway']),
      (e: unknown) => e instanceof ApiError && e.code === '400011' && /did not load/.test(e.detail),
    );
    assert.ok(
      logs.some(
        (l) =>
          l.includes('scenario not used: the built-in scenario "bad-gateway" is not used while') &&
          l.includes(join(dir, 'bad-gateway.yaml')) &&
          l.includes('naming "bad-gateway" answers 400011 until the file is fixed'),
      ),
      logs.join('\n'),
    );
  });

  test('a file that is not even YAML shadows the built-in too (its name is its file name)', async () => {
    const dir = folder({ 'bad-gateway.yml': 'respond: [\n' });
    const { app } = appWith({ scenarios: { dirs: [dir] } });
    const res = await named(app, 'bad-gateway');
    assert.equal(res.headers['x-mock-error-code'], '400011', JSON.stringify(res.body));
    assert.ok(JSON.stringify(res.body).includes(`${basename(dir)}/bad-gateway.yml:`));
  });

  test('a server default naming it refuses the start instead of running the built-in', () => {
    const dir = folder({ 'bad-gateway.yaml': broken });
    assert.throws(
      () => makeApp({ scenarios: { dirs: [dir], defaults: ['bad-gateway'] } }),
      /Scenario "bad-gateway" did not load: .*bad-gateway\.yaml:\d+: .*the built-in scenario "bad-gateway" is not used/,
    );
  });

  test("on reload: breaking the file says so once, fixing it runs the user's scenario", async () => {
    const dir = folder({
      'bad-gateway.yaml': "description: mine\nsource: invented\nrespond:\n  error: '503001'\n",
    });
    const { app, logs } = appWith({ scenarios: { dirs: [dir] } });
    const scenarios = app.mock.scenarios;
    assert.ok(scenarios);
    assert.equal((await named(app, 'bad-gateway')).status, 503, 'the user file replaces the built-in');
    writeFileSync(join(dir, 'bad-gateway.yaml'), broken);
    scenarios.reload();
    const notUsed = () => logs.filter((l) => l.includes('scenario not used:')).length;
    assert.equal(notUsed(), 1, logs.join('\n'));
    assert.equal((await named(app, 'bad-gateway')).headers['x-mock-error-code'], '400011');
    scenarios.reload();
    assert.equal(notUsed(), 1, 'an unchanged broken file is not reported again');
    writeFileSync(
      join(dir, 'bad-gateway.yaml'),
      "description: mine\nsource: invented\nrespond:\n  error: '504001'\n",
    );
    scenarios.reload();
    assert.equal((await named(app, 'bad-gateway')).status, 504);
  });

  test("the same between two user folders: the later folder's broken file keeps the earlier one out", async () => {
    const first = folder({
      'mine.yaml': "description: first\nsource: invented\nrespond:\n  error: '503001'\n",
    });
    const second = folder({ 'mine.yaml': broken });
    const { app } = appWith({ scenarios: { dirs: [first, second], builtIn: false } });
    const text = JSON.stringify((await named(app, 'mine')).body);
    assert.match(
      text,
      new RegExp(`the scenario \\\\"mine\\\\" of ${basename(first)}/mine\\.yaml is not used`),
      text,
    );
    assert.ok(text.includes(`${basename(second)}/mine.yaml:`), text);
  });

  test('a broken file of a name no earlier folder has changes nothing else; the built-in is used without it', async () => {
    const dir = folder({ 'other.yaml': broken });
    const { app, logs } = appWith({ scenarios: { dirs: [dir] } });
    assert.equal((await named(app, 'bad-gateway')).status, 502);
    assert.ok(!logs.some((l) => l.includes('scenario not used:')), logs.join('\n'));
  });
});

describe('how an HTTP answer names a scenario file', { timeout: 60_000 }, () => {
  test("relative to the working directory inside it, else by its folder's name: never absolute", () => {
    assert.equal(scenarioFileLabel(join(process.cwd(), 'my', 'x.yaml'), []), 'my/x.yaml');
    const outside = join(tmpdir(), 'ffmock-label-folder');
    assert.equal(scenarioFileLabel(join(outside, 'x.yaml'), [outside]), 'ffmock-label-folder/x.yaml');
    assert.equal(scenarioFileLabel(join(outside, 'x.yaml'), []), 'x.yaml');
  });
});

describe('a literal body is checked against the contract when loaded', { timeout: 60_000 }, () => {
  const wrong =
    'description: a malformed order\nsource: invented\nmatch:\n  operation: getOrder\nrespond:\n  status: 200\n  body:\n    amount: not a number\n    status: weird\n    createdOn: 42\n';
  const dir = folder({
    'wrong-order.yaml': wrong,
    'wrong-file.yaml':
      'description: the same from a file\nsource: invented\nmatch:\n  operation: getOrder\nrespond:\n  status: 200\n  bodyFile: wrong.json\n',
    'wrong.json': '{"amount": "not a number"}',
    // Templated values are only known when rendered; the spread may supply every required field.
    'templated-order.yaml':
      "description: the order, its status from the query\nsource: invented\nmatch:\n  operation: getOrder\nrespond:\n  status: 200\n  body:\n    '...': '{{order}}'\n    statusName: '{{request.query.statusName}}'\n",
    'templated-wrong.yaml':
      "description: a literal beside a template\nsource: invented\nmatch:\n  operation: getOrder\nrespond:\n  status: 200\n  body:\n    '...': '{{order}}'\n    statusName: 42\n",
    // A status the contract does not declare is the scenario's own business.
    'teapot.yaml':
      'description: undeclared\nsource: invented\nmatch:\n  operation: getOrder\nrespond:\n  status: 418\n  body:\n    amount: not a number\n',
  });

  test('a mismatch is a file:line problem naming the field and what the contract expects; the file is skipped', () => {
    const { app, logs } = appWith({ scenarios: { dirs: [dir], builtIn: false } });
    const names = app.mock.scenarios?.list().map((s) => s.name);
    assert.deepEqual(names, ['teapot', 'templated-order']);
    const problems = app.mock.scenarios?.problems() ?? [];
    const of = (file: string) => problems.filter((p) => p.file.endsWith(file));
    const order = of('wrong-order.yaml');
    assert.ok(
      order.some(
        (p) =>
          p.line === 8 &&
          /body: amount: the contract expects an integer \(getOrder's HTTP 200/.test(p.message),
      ),
      JSON.stringify(order),
    );
    assert.ok(
      order.some((p) => p.line === 9 && /body: status: the contract expects one of 0, 1/.test(p.message)),
    );
    assert.ok(
      order.some((p) => p.line === 10 && /body: createdOn: the contract expects a string/.test(p.message)),
    );
    assert.ok(order.some((p) => /missing fields the contract requires: id, /.test(p.message)));
    assert.ok(
      order.every((p) => /fix the body, or answer a status the contract does not declare/.test(p.message)),
    );
    assert.ok(
      of('wrong-file.yaml').some(
        (p) =>
          p.line === 7 && /bodyFile wrong\.json: amount: the contract expects an integer/.test(p.message),
      ),
    );
    assert.ok(
      of('templated-wrong.yaml').some((p) =>
        /body: statusName: the contract expects a string/.test(p.message),
      ),
    );
    assert.ok(logs.some((l) => /wrong-order\.yaml:8: body: amount/.test(l)));
  });

  test('scenarios:check exits 1 with the same lines', async () => {
    await assert.rejects(
      run(process.execPath, ['--import', 'tsx', 'mock/cli.ts', 'scenarios:check', dir], { timeout: 30_000 }),
      (error: { code: number; stderr: string }) => {
        assert.equal(error.code, 1);
        assert.match(error.stderr, /wrong-order\.yaml:8: body: amount: the contract expects an integer/);
        return true;
      },
    );
    assert.equal(checkScenarioFolders([dir]).valid, 2);
  });

  test('a templated body that loaded answers as rendered', async () => {
    const { app } = appWith({ scenarios: { dirs: [dir], builtIn: false } });
    const token = await tokenFor(app);
    const created = await request(app)
      .post('/v1/evaluate')
      .set('authorization', `Bearer ${token}`)
      .send(evaluateBody({}));
    assert.equal(created.status, 200);
    const res = await request(app)
      .get(`/v1/orders/${created.body.orderSessionKey}?statusName=ONHOLD`)
      .set('authorization', `Bearer ${token}`)
      .set('x-mock-scenario', 'templated-order');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.statusName, 'ONHOLD');
  });

  for (const validateResponses of [true, false]) {
    test(`a rendered value the contract does not allow answers 500003 naming the scenario file (validateResponses ${validateResponses})`, async () => {
      const { app } = appWith({ validateResponses, scenarios: { dirs: [dir], builtIn: false } });
      const token = await tokenFor(app);
      const created = await request(app)
        .post('/v1/evaluate')
        .set('authorization', `Bearer ${token}`)
        .send(evaluateBody({}));
      const res = await request(app)
        .get(`/v1/orders/${created.body.orderSessionKey}?statusName=weird`)
        .set('authorization', `Bearer ${token}`)
        .set('x-mock-scenario', 'templated-order');
      assert.equal(res.status, 500);
      assert.equal(res.body.code, '500003', JSON.stringify(res.body));
      assert.ok(res.body.detail.includes(`(${basename(dir)}/templated-order.yaml)`), res.body.detail);
      assert.ok(!JSON.stringify(res.body).includes(dir), 'no absolute path of this machine in the answer');
      assert.match(res.body.detail, /This is not a bug in the mock/);
      assert.deepEqual(res.body.errors['scenario templated-order'], [
        'statusName must be equal to one of the allowed values',
      ]);
    });
  }
});

describe('statuses a scenario cannot answer with', { timeout: 60_000 }, () => {
  const dir = folder({
    'interim.yaml':
      'description: x\nsource: invented\nmatch:\n  operation: getOrder\nrespond:\n  status: 101\n',
    'no-content.yaml':
      'description: x\nsource: invented\nmatch:\n  operation: getOrder\nrespond:\n  status: 204\n  body:\n    a: 1\n',
    'not-modified.yaml':
      'description: x\nsource: invented\nmatch:\n  operation: getOrder\nrespond:\n  status: 304\n  body: text\n',
    'empty-204.yaml':
      'description: x\nsource: invented\nmatch:\n  operation: getOrder\nrespond:\n  status: 204\n',
  });

  test('a 1xx status, or a body with 204/304, is a file:line problem; a bodiless 204 loads', () => {
    const { app } = appWith({ scenarios: { dirs: [dir], builtIn: false } });
    assert.deepEqual(
      app.mock.scenarios?.list().map((s) => s.name),
      ['empty-204'],
    );
    const problems = (app.mock.scenarios?.problems() ?? []).map(
      (p) => `${basename(p.file)}:${p.line}: ${p.message}`,
    );
    assert.ok(problems.includes('interim.yaml:6: respond.status: must be >= 200'), problems.join('\n'));
    assert.ok(
      problems.includes(
        'no-content.yaml:8: a 204 answer has no body: remove it, or choose a status that carries one (200)',
      ),
      problems.join('\n'),
    );
    assert.ok(
      problems.some((p) => p.startsWith('not-modified.yaml:') && p.includes('a 304 answer has no body')),
      problems.join('\n'),
    );
  });
});
