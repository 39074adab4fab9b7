// This package's own package.json (name, version, optional peers), found from this module: the same code runs from
// mock/ under tsx and from dist/mock/ in the installed package, where a static JSON import would point elsewhere.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  name: string;
  version: string;
  peerDependencies: Record<string, string>;
}

let cached: PackageInfo | undefined;

export function packageInfo(): PackageInfo {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const json = JSON.parse(readFileSync(file, 'utf8')) as Partial<PackageInfo>;
      if (json.name === 'flexfactor-mock') {
        cached = {
          name: json.name,
          version: json.version ?? '0.0.0',
          peerDependencies: json.peerDependencies ?? {},
        };
        return cached;
      }
    }
    dir = dirname(dir);
  }
  throw new Error('package.json of flexfactor-mock not found next to the package');
}
