// Every relative link in README.md, CONTRIBUTING.md and docs/*.md reaches a file that exists, and every #anchor a
// heading of that file: moving a section must not leave a reader at a dead end.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, test } from 'node:test';
import { anchorOf, anchorsOf, DOC_FILES, relativeLinks } from './docs.js';

const FILES = [...DOC_FILES, ...(existsSync('CONTRIBUTING.md') ? ['CONTRIBUTING.md'] : [])];

describe('documentation links', { timeout: 60_000 }, () => {
  test('the anchor rule gives GitHub’s anchors', () => {
    assert.equal(anchorOf('Profiles: strict and lenient'), 'profiles-strict-and-lenient');
    assert.equal(anchorOf('Documented, observed, invented'), 'documented-observed-invented');
    assert.equal(anchorOf('`createApp()` and `startMock()`'), 'createapp-and-startmock');
    assert.deepEqual([...anchorsOf('# A\n```\n# not a heading\n```\n## A\n')], ['a', 'a-1']);
  });

  test('JSDoc examples (shipped in the .d.ts files) import the package by its public names, not internal paths', () => {
    const sources = ['mock', 'contracts'].flatMap((dir) =>
      readdirSync(dir, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => join(dir, f)),
    );
    const internal: string[] = [];
    let examples = 0;
    for (const file of sources) {
      for (const comment of readFileSync(file, 'utf8').match(/\/\*\*[\s\S]*?\*\//g) ?? []) {
        if (!comment.includes('@example')) continue;
        examples++;
        for (const m of comment.matchAll(/(?:from|import|require\()\s*'([^']+)'/g)) {
          const target = m[1] ?? '';
          if (target.startsWith('.') || target.startsWith('/') || target.includes('/dist/')) {
            internal.push(`${file}: ${target}`);
          }
        }
      }
    }
    assert.ok(examples >= 5, `found ${examples} examples`);
    assert.deepEqual(internal, [], 'use flexfactor-mock, flexfactor-mock/client, /webhooks or /pact');
  });

  test('the README links to the reference in docs/', () => {
    const targets = relativeLinks(readFileSync('README.md', 'utf8')).map((l) => l.target);
    assert.ok(targets.filter((t) => t.startsWith('docs/')).length >= 8, targets.join(' '));
  });

  for (const file of FILES) {
    test(`${file}: every relative link resolves`, () => {
      const broken: string[] = [];
      for (const { target, line } of relativeLinks(readFileSync(file, 'utf8'))) {
        const [path = '', anchor] = target.split('#');
        const resolved = path === '' ? file : normalize(join(dirname(file), decodeURIComponent(path)));
        if (!existsSync(resolved)) {
          broken.push(`${file}:${line}: ${target} (no such file ${resolved})`);
          continue;
        }
        if (anchor === undefined) continue;
        if (!resolved.endsWith('.md') || statSync(resolved).isDirectory()) {
          broken.push(`${file}:${line}: ${target} (an anchor into a file that is not Markdown)`);
          continue;
        }
        if (!anchorsOf(readFileSync(resolved, 'utf8')).has(anchor))
          broken.push(`${file}:${line}: ${target} (no heading #${anchor} in ${resolved})`);
      }
      assert.deepEqual(broken, []);
    });
  }
});
