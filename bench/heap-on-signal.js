// Preloaded into a benchmarked server (`node --import ./bench/heap-on-signal.js …`): on SIGUSR2 it writes a heap
// snapshot into HEAP_SNAPSHOT_DIR (default: the working directory) and goes on serving.

import { mkdirSync, renameSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';

const dir = process.env.HEAP_SNAPSHOT_DIR ?? '.';
process.on('SIGUSR2', () => {
  mkdirSync(dir, { recursive: true });
  const name = `${dir}/${process.pid}-${Date.now()}.heapsnapshot`;
  // Renamed when complete, so a reader waiting for the name never reads half a file.
  renameSync(writeHeapSnapshot(`${name}.partial`), name);
});
