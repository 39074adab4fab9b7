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
 * collection, not a closure per entry: an entry costs the budget one map slot).
 */
export class Ledger<K extends object> {
  readonly limit: number;
  readonly #entries = new Map<K, LedgerOwner<K>>();

  constructor(limit: number) {
    this.limit = limit;
  }

  get size(): number {
    return this.#entries.size;
  }

  admit(key: K, owner: LedgerOwner<K>): void {
    this.#entries.delete(key);
    evictOldest(this.#entries, this.limit, (from, oldest) => from.evict(oldest));
    this.#entries.set(key, owner);
  }

  forget(key: K): void {
    this.#entries.delete(key);
  }
}
