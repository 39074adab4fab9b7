// Hostile scenario files and hostile requests against scenarios, over a real socket: oversized files, alias bombs,
// catastrophic regular expressions, body files outside their folder, and header templates fed control characters.
// A bad file is reported with file:line and skipped; it never takes the server down or blocks it.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkScenarioFolders } from '../mock/scenarios/index.js';
import { evaluateBody } from './helpers.js';
import { type Live, startLive } from './hostile-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'hostile-scenarios-'));
const outside = mkdtempSync(join(tmpdir(), 'hostile-outside-'));
after(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

function scenario(name: string, text: string): void {
  writeFileSync(join(dir, `${name}.yaml`), text);
}

const ok = (extra = '') =>
  `description: fine\nsource: invented\n${extra}respond:\n  status: 200\n  body: { ok: true }\n`;

// The files, written before the server first loads the folder.
scenario('good', ok());
scenario(
  'huge',
  `description: "${'a'.repeat(10 * 1024 * 1024)}"\nsource: invented\nrespond:\n  status: 200\n`,
);
scenario(
  'alias-bomb',
  [
    'a: &a ["x","x","x","x","x","x","x","x","x","x"]',
    ...Array.from({ length: 8 }, (_, i) => {
      const prev = String.fromCharCode(97 + i);
      const next = String.fromCharCode(98 + i);
      return `${next}: &${next} [*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev},*${prev}]`;
    }),
    'description: bomb',
    'source: invented',
    'respond: { status: 200 }',
  ].join('\n'),
);
scenario(
  'redos',
  "description: catastrophic\nsource: invented\nmatch:\n  operation: evaluate\n  body:\n    orderId: { matches: '^(a+)+$' }\nrespond:\n  status: 418\n  body: { matched: true }\n",
);
scenario(
  'backref',
  "description: x\nsource: invented\nmatch:\n  body:\n    orderId: { matches: '^(a)\\1$' }\nrespond:\n  status: 200\n",
);
scenario(
  'lookahead',
  "description: x\nsource: invented\nmatch:\n  headers:\n    x-a: { matches: '^(?=a)' }\nrespond:\n  status: 200\n",
);
const passwd = `${'../'.repeat(12)}etc/passwd`;
scenario('escape', `description: x\nsource: invented\nrespond:\n  status: 200\n  bodyFile: ${passwd}\n`);
scenario('absolute', 'description: x\nsource: invented\nrespond:\n  status: 200\n  bodyFile: /etc/passwd\n');
writeFileSync(join(outside, 'secret.json'), '{"secret":true}');
symlinkSync(join(outside, 'secret.json'), join(dir, 'link.json'));
scenario('symlink', 'description: x\nsource: invented\nrespond:\n  status: 200\n  bodyFile: link.json\n');
symlinkSync('/dev/zero', join(dir, 'zero.txt'));
scenario('devzero', 'description: x\nsource: invented\nrespond:\n  status: 200\n  bodyFile: zero.txt\n');
execFileSync('mkfifo', [join(dir, 'pipe.txt')]);
scenario('fifo', 'description: x\nsource: invented\nrespond:\n  status: 200\n  bodyFile: pipe.txt\n');
writeFileSync(join(dir, 'big.txt'), 'b'.repeat(2 * 1024 * 1024));
scenario('bigbody', 'description: x\nsource: invented\nrespond:\n  status: 200\n  bodyFile: big.txt\n');
mkdirSync(join(dir, 'bodies'));
writeFileSync(join(dir, 'bodies', 'inside.json'), '{"inside":true}');
scenario(
  'inside',
  'description: x\nsource: invented\nrespond:\n  status: 200\n  bodyFile: bodies/inside.json\n',
);
scenario(
  'echo-header',
  "description: x\nsource: invented\nmatch:\n  operation: evaluate\nrespond:\n  status: 418\n  headers:\n    x-echo: '{{request.body.orderId}}'\n  body: { ok: true }\n",
);
scenario(
  'static-crlf',
  'description: x\nsource: invented\nrespond:\n  status: 200\n  headers:\n    x-bad: "a\\r\\nSet-Cookie: x=1"\n',
);
scenario(
  'proto',
  'description: x\nsource: invented\n__proto__: { polluted: true }\nrespond:\n  status: 200\n',
);

// One flow map of 40,000 keys (389 KB, under the size cap): the yaml package's own duplicate-key check took 8 s on it.
scenario(
  'wide-map',
  `description: x\nsource: invented\nrespond: { status: 200, body: {${Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`).join(',')}} }\n`,
);
// The same, as a block sequence whose items start with a tab: `-\t` opens an item like `- ` does.
scenario(
  'tabbed-items',
  `description: x\nsource: invented\nrespond:\n  status: 200\n  body:\n${'-\tx\n'.repeat(25_000)}`,
);
scenario(
  'duplicate-keys',
  'description: x\nsource: invented\nrespond:\n  status: 200\n  body:\n    a: 1\n    b: 2\n    a: 3\n',
);

describe('hostile scenario files', { timeout: 60_000 }, () => {
  let live: Live;
  let auth: Record<string, string> = {};
  let problems: { file: string; line: number; message: string }[] = [];
  const problemFor = (name: string) => problems.filter((p) => p.file.endsWith(`${name}.yaml`));

  before(async () => {
    live = await startLive({ scenarios: { dirs: [dir], builtIn: false } });
    const res = await live.call('GET', '/__admin/scenarios');
    assert.equal(res.status, 200, res.text);
    problems = res.body.problems as typeof problems;
    auth = { authorization: `Bearer ${await live.token()}` };
  });
  after(() => live.close());

  test('a 10 MB file is refused with its size and the limit, and the server keeps serving', async () => {
    const [problem] = problemFor('huge');
    assert.ok(problem, JSON.stringify(problems));
    assert.match(problem.message, /1 MiB/);
    assert.equal(problem.line, 1);
    const res = await live.call('GET', '/v1/orders', { headers: { ...auth, 'x-mock-scenario': 'good' } });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { ok: true });
  });

  test('scenarios:check reports the oversized file instead of aborting', () => {
    const result = checkScenarioFolders([dir]);
    assert.ok(result.problems.some((p) => p.file.endsWith('huge.yaml') && /1 MiB/.test(p.message)));
    assert.ok(result.valid >= 2);
  });

  test('a file with more keys and items than any scenario needs is refused before it is parsed', () => {
    const [problem] = problemFor('wide-map');
    assert.ok(problem, JSON.stringify(problems));
    assert.match(
      problem.message,
      /has \d+ keys and items .*the limit is 20000: put a large body in a JSON bodyFile/,
    );
  });

  test('items opened by a tab count as items', () => {
    const [problem] = problemFor('tabbed-items');
    assert.ok(problem, JSON.stringify(problems));
    assert.match(problem.message, /keys and items .*the limit is 20000/);
  });

  test('a key repeated in one mapping is reported with its line', () => {
    const [problem] = problemFor('duplicate-keys');
    assert.ok(problem, JSON.stringify(problems));
    assert.match(problem.message, /Map keys must be unique \("a"\)/);
    assert.equal(problem.line, 8);
  });

  test('an alias bomb is refused', () => {
    assert.ok(problemFor('alias-bomb').length > 0, JSON.stringify(problems));
  });

  test('backreferences and lookaround are explained at load time, with the line', () => {
    const [backref] = problemFor('backref');
    assert.ok(backref, JSON.stringify(problems));
    assert.match(backref.message, /backreference/i);
    assert.equal(backref.line, 5);
    const [look] = problemFor('lookahead');
    assert.ok(look);
    assert.match(look.message, /lookahead|lookaround/i);
  });

  test('a catastrophic pattern does not block the server', { timeout: 20_000 }, async () => {
    const token = await live.token();
    const hostile = live.call('POST', '/v1/evaluate', {
      headers: { authorization: `Bearer ${token}`, 'x-mock-scenario': 'redos' },
      body: evaluateBody({ orderId: `${'a'.repeat(40)}!` }),
    });
    const health = await live.call('GET', '/__admin/health');
    assert.equal(health.status, 200);
    const res = await hostile;
    assert.notEqual(res.body?.matched, true);
    const matching = await live.call('POST', '/v1/evaluate', {
      headers: { authorization: `Bearer ${token}`, 'x-mock-scenario': 'redos' },
      body: evaluateBody({ orderId: 'aaaa' }),
    });
    assert.deepEqual(matching.body, { matched: true });
  });

  for (const name of ['escape', 'absolute', 'symlink', 'devzero', 'fifo', 'bigbody']) {
    test(`bodyFile ${name}: refused at load with the reason, never served`, async () => {
      const [problem] = problemFor(name);
      assert.ok(problem, `${name}: ${JSON.stringify(problems)}`);
      assert.match(problem.message, /relative|folder|regular file|MiB/, JSON.stringify(problem));
      const res = await live.call('GET', '/v1/orders', { headers: { ...auth, 'x-mock-scenario': name } });
      assert.equal(res.status, 400);
      assert.equal(res.body.code, '400011');
      assert.doesNotMatch(res.text, /root:/);
    });
  }

  test('a bodyFile in a subfolder of the scenario folder is served', async () => {
    const res = await live.call('GET', '/v1/orders', { headers: { ...auth, 'x-mock-scenario': 'inside' } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { inside: true });
  });

  test('a static header value with CR/LF is refused at load', () => {
    const [problem] = problemFor('static-crlf');
    assert.ok(problem, JSON.stringify(problems));
    assert.match(problem.message, /header/i);
  });

  test('templated header values with CR/LF or non-ASCII are made safe, not a 500', async () => {
    const token = await live.token();
    for (const orderId of ['a\r\nSet-Cookie: pwned=1', 'caf\u00e9-\u2713-\u{1F600}', 'x\u0000y']) {
      const res = await live.call('POST', '/v1/evaluate', {
        headers: { authorization: `Bearer ${token}`, 'x-mock-scenario': 'echo-header' },
        body: evaluateBody({ orderId }),
      });
      assert.equal(res.status, 418, res.text);
      assert.equal(res.headers.get('set-cookie'), null);
      const echoed = res.headers.get('x-echo') ?? '';
      assert.match(echoed, /^[\x20-\x7e]*$/);
    }
  });

  test('__proto__ in a scenario file pollutes nothing', async () => {
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const health = await live.call('GET', '/__admin/health');
    assert.equal(health.status, 200);
  });
});
