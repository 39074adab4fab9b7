// The yaml package, loaded on first use: only the `contract` and `record` commands write YAML, and loading it
// (~70 files) before the server's first answer cost start-up time that `serve` never needed. Synchronous through
// require(), so callers stay synchronous.

import { createRequire } from 'node:module';

type Yaml = typeof import('yaml');

let loaded: Yaml | undefined;

export function yaml(): Yaml {
  loaded ??= createRequire(import.meta.url)('yaml') as Yaml;
  return loaded;
}
