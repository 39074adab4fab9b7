// Preloaded into a benchmarked server (`node --import ./bench/memory-stats.js …`): every second it writes where the
// process's memory is to MEMORY_STATS_FILE as one JSON object (replaced atomically), so a bench can tell live
// JavaScript from heap V8 keeps after collecting and from native memory. Reads only what Node already knows.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

const file = process.env.MEMORY_STATS_FILE;
const MB = 1024 * 1024;
const mb = (n) => Math.round((n / MB) * 10) / 10;

/** Fields of /proc/self/smaps_rollup (kB) that split RSS into anonymous and file-backed pages. */
function rollup() {
  try {
    const text = readFileSync('/proc/self/smaps_rollup', 'utf8');
    const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) / 1024;
    return { rss: field('Rss'), anonymous: field('Anonymous'), file: field('Rss') - field('Anonymous') };
  } catch {
    return {};
  }
}

if (file) {
  const write = () => {
    const usage = process.memoryUsage();
    const spaces = Object.fromEntries(
      getHeapSpaceStatistics().map((s) => [
        s.space_name,
        { size: mb(s.space_size), used: mb(s.space_used_size), physical: mb(s.physical_space_size) },
      ]),
    );
    const stats = {
      rss: mb(usage.rss),
      heapTotal: mb(usage.heapTotal),
      heapUsed: mb(usage.heapUsed),
      external: mb(usage.external),
      arrayBuffers: mb(usage.arrayBuffers),
      rollup: rollup(),
      spaces,
    };
    writeFileSync(`${file}.partial`, JSON.stringify(stats));
    renameSync(`${file}.partial`, file);
  };
  setInterval(write, 1000).unref();
}
