// Responses held open on purpose: a hook answered 'handled' and wrote nothing (a `hang` fault, which never answers).
// Shutdown ends these at once; waiting for them would only wait for the grace timer.

import type { ServerResponse } from 'node:http';

const held = new WeakSet<ServerResponse>();
const whenHeld = new WeakMap<ServerResponse, () => void>();

/** The pipeline: a hook took the response over. Untouched (nothing written, socket open) means it is held. */
export function noteHandled(res: ServerResponse): void {
  if (res.headersSent || res.writableEnded || res.socket?.destroyed !== false) return;
  held.add(res);
  const run = whenHeld.get(res);
  whenHeld.delete(res);
  run?.();
}

/** Run `end` now if `res` is held, or when it becomes held. */
export function onHeld(res: ServerResponse, end: () => void): void {
  if (held.has(res)) end();
  else whenHeld.set(res, end);
}
