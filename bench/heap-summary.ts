// What a V8 heap snapshot holds, by constructor: count and self size, largest first. A first look at the retainers
// (self size, not retained size: a Map's entries show up under the objects and strings they hold).
// `node --import tsx bench/heap-summary.ts file.heapsnapshot [--top n]`; bench/soak.ts --heap-snapshot uses it too.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  nodes: number[];
  strings: string[];
}

export function heapSummary(path: string, top: number): string {
  const snap = JSON.parse(readFileSync(path, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = snap.snapshot.meta.node_types[0];
  const groups = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt] as number] as string;
    const bytes = snap.nodes[i + sizeAt] as number;
    // Objects and closures by constructor name; strings, arrays and code by their type.
    const key =
      type === 'object' || type === 'closure'
        ? `${snap.strings[snap.nodes[i + nameAt] as number]} (${type})`
        : `(${type})`;
    const group = groups.get(key) ?? { count: 0, bytes: 0 };
    group.count += 1;
    group.bytes += bytes;
    groups.set(key, group);
    total += bytes;
  }
  const rows = [...groups.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, top);
  return [
    `heap snapshot ${path}: ${(total / 1048576).toFixed(1)} MB in ${snap.nodes.length / width} objects`,
    '',
    '| constructor / type | count | self MB | share |',
    '| --- | ---: | ---: | ---: |',
    ...rows.map(
      ([key, g]) =>
        `| ${key.replaceAll('|', '\\|')} | ${g.count} | ${(g.bytes / 1048576).toFixed(2)} | ${((100 * g.bytes) / total).toFixed(1)} % |`,
    ),
    '',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: 'string', default: '30' } },
  });
  if (!positionals[0]) throw new Error('give a .heapsnapshot file');
  process.stdout.write(heapSummary(positionals[0], Number(values.top)));
}
