// Temporary folders of scenario files and apps that load them, cleaned up when the test file's suites end.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import type { MockOptions } from '../mock/http/app.js';
import { makeApp } from './helpers.js';

/** A maker of temporary scenario folders (name → file text), all removed after the calling file's tests. */
export function scenarioFolders(prefix: string): (files: Record<string, string>) => string {
  const folders: string[] = [];
  after(() => {
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });
  return (files) => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    folders.push(dir);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  };
}

/** makeApp() whose scenario watchers are closed after the test that made it. */
export function appWith(options: MockOptions = {}) {
  const made = makeApp(options);
  after(() => made.app.mock.scenarios?.close());
  return made;
}
