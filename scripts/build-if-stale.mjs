// `npm start` runs this first: build only when a source file (the inspector's UI files included) is newer than the
// build, so a built checkout starts in well under a second instead of re-running tsc every time. `npm run build` stays the explicit full build.
// Plain JavaScript on purpose: it must run before anything is compiled, without a TypeScript loader.

import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const BUILT = 'dist/mock/cli.js';
const SOURCES = ['mock', 'contracts', 'tsconfig.json', 'tsconfig.build.json', 'scripts/bundle-cli.mjs'];

function newest(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return /\.(ts|ya?ml|json|m?js|css|html)$/.test(path) ? stat.mtimeMs : 0;
  let latest = 0;
  for (const name of readdirSync(path)) latest = Math.max(latest, newest(join(path, name)));
  return latest;
}

function builtAt() {
  try {
    return statSync(BUILT).mtimeMs;
  } catch {
    return -1;
  }
}

const sourcesAt = Math.max(...SOURCES.map(newest));
if (builtAt() < sourcesAt) {
  process.stderr.write('sources changed since the last build: building (npm run build)…\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', 'build', '--silent'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
