// Hot reload: watch the scenario folders (and their direct subfolders, where side files live) and call back once
// per burst of changes, after a short debounce. Editors often write a file in several steps (truncate, write, rename).

import { type FSWatcher, readdirSync, watch } from 'node:fs';
import { join, resolve } from 'node:path';

export const RELOAD_DEBOUNCE_MS = 60;

export interface FolderWatcher {
  close(): void;
}

export function watchFolders(
  dirs: readonly string[],
  onChange: () => void,
  debounceMs = RELOAD_DEBOUNCE_MS,
): FolderWatcher {
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | null = null;
  let closed = false;

  const fire = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      if (closed) return;
      refresh();
      onChange();
    }, debounceMs);
  };

  const add = (dir: string) => {
    if (watchers.has(dir)) return;
    try {
      // Not persistent: an app built in a test must not keep the process alive (the CLI's listening server does).
      const watcher = watch(dir, { persistent: false }, fire);
      watcher.on('error', () => {
        watcher.close();
        watchers.delete(dir);
      });
      watchers.set(dir, watcher);
    } catch {
      // A folder that does not exist (yet) is reported by the loader, not here.
    }
  };

  /** Watch every folder and its direct subfolders (a subfolder created later is picked up on the next event). */
  const refresh = () => {
    for (const dir of dirs) {
      const folder = resolve(dir);
      add(folder);
      try {
        for (const entry of readdirSync(folder, { withFileTypes: true })) {
          if (entry.isDirectory()) add(join(folder, entry.name));
        }
      } catch {
        // Missing folder: nothing to watch below it.
      }
    }
  };

  refresh();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      for (const watcher of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
