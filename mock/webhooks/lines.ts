// The deliveries in line for their receiver URL: each URL gets its deliveries one at a time, in the order they were put
// in line. A line is a list of the deliveries themselves, not a chain of promises: a delivery dropped from the kept
// list leaves its line at once (O(1)), so a line never holds more than the dispatcher keeps, and a dropped delivery
// costs nothing later (a promise chain kept every dropped delivery, its payload and a closure until its turn came).

import type { WebhookDelivery } from './types.js';

interface Waiting {
  delivery: WebhookDelivery;
  line: Line;
  prev: Waiting | null;
  next: Waiting | null;
  /** Settles the promise push() returned. */
  done: () => void;
}

interface Line {
  url: string;
  head: Waiting | null;
  tail: Waiting | null;
}

export class UrlLines {
  readonly #run: (delivery: WebhookDelivery) => Promise<void>;
  /** Lines with a delivery running or waiting, by URL. */
  readonly #lines = new Map<string, Line>();
  readonly #waiting = new Map<WebhookDelivery, Waiting>();

  /** `run` makes one attempt of a delivery; it must never reject. */
  constructor(run: (delivery: WebhookDelivery) => Promise<void>) {
    this.#run = run;
  }

  /** Deliveries waiting in a line (not those running). */
  get waiting(): number {
    return this.#waiting.size;
  }

  /** Put a delivery at the end of its URL's line; the promise settles once it ran, or left the line (remove). */
  push(delivery: WebhookDelivery): Promise<void> {
    return new Promise<void>((done) => {
      let line = this.#lines.get(delivery.url);
      const start = line === undefined;
      if (!line) {
        line = { url: delivery.url, head: null, tail: null };
        this.#lines.set(delivery.url, line);
      }
      const node: Waiting = { delivery, line, prev: line.tail, next: null, done };
      if (line.tail) line.tail.next = node;
      else line.head = node;
      line.tail = node;
      this.#waiting.set(delivery, node);
      // Started after the caller's job, as a promise chain would: an attempt never runs inside the pump that queued it.
      if (start) queueMicrotask(() => void this.#drain(line));
    });
  }

  /** Take a waiting delivery out of its line (its promise settles); false when it is not waiting (or is running). */
  remove(delivery: WebhookDelivery): boolean {
    const node = this.#waiting.get(delivery);
    if (!node) return false;
    this.#unlink(node);
    node.done();
    return true;
  }

  #unlink(node: Waiting): void {
    this.#waiting.delete(node.delivery);
    const { line } = node;
    if (node.prev) node.prev.next = node.next;
    else line.head = node.next;
    if (node.next) node.next.prev = node.prev;
    else line.tail = node.prev;
    node.prev = null;
    node.next = null;
  }

  /** Run the line's deliveries one after the other until it is empty; the line stays registered while it runs. */
  async #drain(line: Line): Promise<void> {
    for (let node = line.head; node; node = line.head) {
      this.#unlink(node);
      try {
        await this.#run(node.delivery);
      } finally {
        node.done();
      }
    }
    this.#lines.delete(line.url);
  }
}
