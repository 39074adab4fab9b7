// Admin answers that can reach megabytes (the journal, its HAR log, an order's timeline, the inspector's backlog) are
// written a slice at a time: each slice is built from a few entries, written, and the next waits for the socket to
// drain and for the event loop to run other requests. Built whole, one 16 MB export held the event loop for half a
// second, and twenty clients that did not read held 300 MB of unsent text. A few exports run at once per server and
// one per connection (a pipelined second one would only wait, holding its slot); more are refused with 503103.

import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Request, Response } from 'express';
import { apiError } from '../errors/catalog.js';
import { redactStringsJson } from '../support/redact.js';

/** Exports written at once per server; each holds at most about one slice plus the socket's buffer unsent. */
export const MAX_EXPORTS = 4;
/** Characters of JSON text gathered before a slice is written. */
const SLICE_CHARS = 64 * 1024;
/** An export whose client reads nothing for this long is ended (its connection closed), freeing its slot. */
const STALL_MS = 30_000;

/**
 * An answer whose one large array is `items.map(item)`: `shell` is the answer with that array empty, under `key` (the
 * first `"key": []` in its JSON). The shell's strings and each item's strings pass the same text redaction as every
 * admin answer, so the bytes are those of the answer built whole.
 */
export class JsonExport<T> {
  constructor(
    readonly shell: object,
    readonly key: string,
    readonly items: T[],
    readonly item: (value: T) => unknown,
  ) {}
}

/** Which exports are being written: at most `max` at once, one per connection. */
export class ExportGate {
  #active = 0;
  readonly #sockets = new WeakSet<object>();

  constructor(readonly max = MAX_EXPORTS) {}

  /** Exports being written now. */
  get active(): number {
    return this.#active;
  }

  /** A slot for this request's connection, or 503103; the returned function gives it back (once). */
  admit(req: Request): () => void {
    const socket = req.socket;
    if (this.#sockets.has(socket) || this.#active >= this.max) {
      throw apiError('503103', {
        detail: this.#sockets.has(socket)
          ? 'This connection is still receiving an export: read it whole before asking for the next one.'
          : `${this.#active} admin exports are being sent already; retry after the Retry-After delay.`,
        headers: { 'Retry-After': '1' },
      });
    }
    this.#active += 1;
    this.#sockets.add(socket);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.#active -= 1;
      this.#sockets.delete(socket);
    };
  }
}

/** Send an export as a 200 JSON answer, in slices; the slot is given back when it ends or its client goes. */
export async function sendJsonExport<T>(
  req: Request,
  res: Response,
  answer: JsonExport<T>,
  gate: ExportGate,
): Promise<void> {
  // HEAD says what a GET would answer without the body, so the body is never made, and no export slot is taken.
  if (req.method === 'HEAD') {
    res.status(200).type('application/json; charset=utf-8').end();
    return;
  }
  const release = gate.admit(req);
  try {
    const whole = redactStringsJson(answer.shell);
    // Quotes inside a JSON string are escaped, so an unescaped `"key":[]` is an array, the first one this one.
    const marker = `${JSON.stringify(answer.key)}:[]`;
    const found = whole.indexOf(marker);
    if (found < 0) throw new Error(`export shell without an empty "${answer.key}" array`);
    const at = found + marker.length - 1;
    res.status(200).type('application/json; charset=utf-8');
    const done = await writeSlices(res, {
      head: whole.slice(0, at),
      tail: whole.slice(at),
      items: answer.items,
      text: (value) => redactStringsJson(answer.item(value)),
      stallMs: STALL_MS,
    });
    if (done) res.end();
  } catch (error) {
    // Nothing can be said in an answer already started: the client sees a cut connection, not a complete document.
    if (res.headersSent) res.destroy();
    else throw error;
  } finally {
    release();
  }
}

export interface Slices<T> {
  head: string;
  tail: string;
  /** Emptied as it is written: an entry sent is no longer held for this client. */
  items: (T | undefined)[];
  text: (value: T) => string;
  /** Without a read for this long, the response is destroyed (default: wait as long as it stays open). */
  stallMs?: number;
}

/**
 * Write `head`, the items' texts joined by commas, then `tail`, one slice at a time: after each slice the writer
 * waits for 'drain' when the socket holds more than its high-water mark, then for the next turn of the event loop. True when everything was written; false when the response closed (or stalled) first.
 */
export async function writeSlices<T>(res: Response, slices: Slices<T>): Promise<boolean> {
  const { items } = slices;
  let chunk = slices.head;
  let i = 0;
  for (;;) {
    while (chunk.length < SLICE_CHARS && i < items.length) {
      const value = items[i] as T;
      items[i] = undefined;
      chunk += (i === 0 ? '' : ',') + slices.text(value);
      i += 1;
    }
    if (i === items.length) chunk += slices.tail;
    if (!writable(res)) return false;
    const flowing = res.write(chunk);
    chunk = '';
    if (i === items.length) return true;
    if (!flowing && !(await drained(res, slices.stallMs))) return false;
    // A write the socket takes at once emits 'drain' on the next tick, before any other I/O: without a turn of the
    // event loop here, a client that reads fast would have the whole export written in one go.
    await nextTurn();
    if (!writable(res)) return false;
  }
}

function writable(res: Response): boolean {
  return !res.destroyed && !res.writableEnded && !res.socket?.destroyed;
}

/** True at 'drain'; false when the response closes first, or (destroying it) when it stalls for `stallMs`. */
function drained(res: Response, stallMs: number | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const finish = (ok: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      if (timer) clearTimeout(timer);
      resolve(ok);
    };
    const onDrain = () => finish(true);
    const onClose = () => finish(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
    if (stallMs !== undefined) {
      timer = setTimeout(() => {
        finish(false);
        res.destroy();
      }, stallMs);
      timer.unref();
    }
  });
}
