// Bounded collections: what keeps memory flat in long runs. Oldest entries go first.

/** Delete the oldest entries of a Map (insertion order) until it has room for one more under `limit`. */
export function evictOldest<K, V>(map: Map<K, V>, limit: number, onEvict?: (value: V, key: K) => void): void {
  while (map.size >= limit) {
    const first = map.entries().next();
    if (first.done) return;
    map.delete(first.value[0]);
    onEvict?.(first.value[1], first.value[0]);
  }
}

/** Where a budgeted entry lives: told to drop it when the budget evicts it. */
export interface LedgerOwner<K> {
  evict(key: K): void;
}

/**
 * A budget shared by many collections (every session's partitions): admitting an entry beyond `limit` evicts the
 * oldest admitted entry wherever it lives, through the owner given when it was admitted (one owner object per
 * collection, not a closure per entry).
 *
 * Admission order is kept in a queue of its own, not in a Map's insertion order: a Map that is always deleted from
 * the front keeps the deleted slots until it rehashes, and finding its first live entry walks over all of them, which
 * at a full budget costs more than anything else an evaluate does.
 */
export class Ledger<K extends object> {
  readonly limit: number;
  /** Byte budget over the sizes given to admit() (entries admitted without a size count 0). */
  readonly maxBytes: number;
  #bytes = 0;
  /** Sizes of live entries admitted with one. */
  readonly #sizes = new Map<K, number>();
  /** Live entries and the admission number each was admitted with. */
  readonly #live = new Map<K, number>();
  // The queue, oldest first from #head, as parallel arrays. An entry whose number is no longer its key's in #live
  // (forgotten, or admitted again later) is stale and skipped.
  #keys: K[] = [];
  #owners: LedgerOwner<K>[] = [];
  #numbers: number[] = [];
  #head = 0;
  #admissions = 0;

  constructor(limit: number, maxBytes = Number.POSITIVE_INFINITY) {
    this.limit = limit;
    this.maxBytes = maxBytes;
  }

  get size(): number {
    return this.#live.size;
  }

  /** Estimated bytes of the live entries (at most maxBytes). */
  get bytes(): number {
    return this.#bytes;
  }

  admit(key: K, owner: LedgerOwner<K>, bytes = 0): void {
    this.#live.delete(key);
    this.#release(key);
    while (
      (this.#live.size >= this.limit || (this.#live.size > 0 && this.#bytes + bytes > this.maxBytes)) &&
      this.#head < this.#keys.length
    )
      this.#evictOldest();
    const number = ++this.#admissions;
    this.#live.set(key, number);
    if (bytes > 0) {
      this.#sizes.set(key, bytes);
      this.#bytes += bytes;
    }
    this.#keys.push(key);
    this.#owners.push(owner);
    this.#numbers.push(number);
    this.#compact();
  }

  forget(key: K): void {
    this.#live.delete(key);
    this.#release(key);
    this.#compact();
  }

  #release(key: K): void {
    const bytes = this.#sizes.get(key);
    if (bytes === undefined) return;
    this.#sizes.delete(key);
    this.#bytes -= bytes;
  }

  #evictOldest(): void {
    const at = this.#head++;
    const key = this.#keys[at] as K;
    const owner = this.#owners[at] as LedgerOwner<K>;
    const live = this.#live.get(key) === this.#numbers[at];
    // Release the slot now: the queue must not keep an evicted entry reachable until the next compaction.
    this.#keys[at] = undefined as unknown as K;
    this.#owners[at] = undefined as unknown as LedgerOwner<K>;
    if (!live) return;
    this.#live.delete(key);
    this.#release(key);
    owner.evict(key);
  }

  /** Drop the consumed head, and stale entries once they outnumber the live ones: the queue stays O(limit). */
  #compact(): void {
    const pending = this.#keys.length - this.#head;
    if (pending > 2 * this.#live.size + 1024) {
      const keys: K[] = [];
      const owners: LedgerOwner<K>[] = [];
      const numbers: number[] = [];
      for (let i = this.#head; i < this.#keys.length; i++) {
        const key = this.#keys[i] as K;
        if (this.#live.get(key) !== this.#numbers[i]) continue;
        keys.push(key);
        owners.push(this.#owners[i] as LedgerOwner<K>);
        numbers.push(this.#numbers[i] as number);
      }
      this.#keys = keys;
      this.#owners = owners;
      this.#numbers = numbers;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#keys.length) {
      this.#keys = this.#keys.slice(this.#head);
      this.#owners = this.#owners.slice(this.#head);
      this.#numbers = this.#numbers.slice(this.#head);
      this.#head = 0;
    }
  }
}

/**
 * A string that shares no memory with its source. V8 answers `s.slice()` and other substring operations with a view
 * into the parent string, which then stays alive as long as the piece does: a stored 8 KB prefix of a 60 KB body would
 * keep all 60 KB. A JSON round trip always builds a new flat string (and keeps lone surrogates exactly).
 */
export function ownCopy(text: string): string {
  // Below V8's minimum sliced length (13) a substring is always a fresh copy.
  if (text.length < 13) return text;
  return JSON.parse(JSON.stringify(text)) as string;
}

/** Rough bytes a string costs in the heap (two-byte strings cost twice; the header is small enough to ignore here). */
export function stringBytes(text: string): number {
  return text.length * 2 + 16;
}
