// The deliveries waiting for their next attempt, earliest due first (ties: creation order), as a binary heap that
// knows each delivery's place: taking what is due, rescheduling and dropping one all cost O(log n), so a clock move
// that makes thousands of deliveries due never sorts or scans every pending delivery once per attempt.

import type { WebhookDelivery } from './types.js';

interface Slot {
  delivery: WebhookDelivery;
  at: number;
  seq: number;
}

export class DueQueue {
  readonly #heap: Slot[] = [];
  readonly #index = new Map<WebhookDelivery, number>();

  get size(): number {
    return this.#heap.length;
  }

  /** Put a delivery in line for `at` (moving it if it is already in line); `seq` orders equal times. */
  set(delivery: WebhookDelivery, at: number, seq: number): void {
    this.delete(delivery);
    const slot = { delivery, at, seq };
    this.#heap.push(slot);
    this.#index.set(delivery, this.#heap.length - 1);
    this.#up(this.#heap.length - 1);
  }

  delete(delivery: WebhookDelivery): void {
    const i = this.#index.get(delivery);
    if (i === undefined) return;
    this.#index.delete(delivery);
    const last = this.#heap.pop() as Slot;
    if (i === this.#heap.length) return;
    this.#heap[i] = last;
    this.#index.set(last.delivery, i);
    this.#down(i);
    this.#up(i);
  }

  /** Whether some delivery is due at or before `now`. */
  hasDue(now: number): boolean {
    const top = this.#heap[0];
    return top !== undefined && top.at <= now;
  }

  /** Take the earliest delivery due at or before `now`, or undefined when none is. */
  takeDue(now: number): WebhookDelivery | undefined {
    const top = this.#heap[0];
    if (top === undefined || top.at > now) return undefined;
    this.delete(top.delivery);
    return top.delivery;
  }

  #before(a: Slot, b: Slot): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #swap(i: number, j: number): void {
    const a = this.#heap[i] as Slot;
    const b = this.#heap[j] as Slot;
    this.#heap[i] = b;
    this.#heap[j] = a;
    this.#index.set(b.delivery, i);
    this.#index.set(a.delivery, j);
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(this.#heap[i] as Slot, this.#heap[parent] as Slot)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(i: number): void {
    const n = this.#heap.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let first = i;
      if (left < n && this.#before(this.#heap[left] as Slot, this.#heap[first] as Slot)) first = left;
      if (right < n && this.#before(this.#heap[right] as Slot, this.#heap[first] as Slot)) first = right;
      if (first === i) return;
      this.#swap(i, first);
      i = first;
    }
  }
}
