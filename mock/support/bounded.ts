// Bounded collections: what keeps memory flat in long runs. Oldest entries go first. And bounded text: what a field
// name, a warning or a log line built from a request may grow to.

/** The first `max` UTF-16 units of `text` (one fewer rather than half a surrogate pair), or `text` when it fits. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/** Delete the oldest entries of a Map (insertion order) until it has room for one more under `limit`. */
export function evictOldest<K, V>(map: Map<K, V>, limit: number, onEvict?: (value: V, key: K) => void): void {
  while (map.size >= limit) {
    const first = map.entries().next();
    if (first.done) return;
    map.delete(first.value[0]);
    onEvict?.(first.value[1], first.value[0]);
  }
}

/**
 * A Map for an index that lives under constant churn: at a full budget every new entry evicts an old one. V8 keeps a
 * deleted entry's slot until the table fills, then rehashes into a table twice as large unless half of its slots are
 * deleted ones, so 20,000 live entries under churn settle in 65,536 slots (1.8 MB) instead of 32,768 (0.9 MB). This
 * one copies its Map each time a quarter of its size has been deleted, which keeps the smaller table, for about four
 * insertions more per deletion. The Map methods a reader needs, except forEach; a copy replaces the Map inside, so a
 * loop over it must not delete from it (the store's loops never do).
 */
export class ChurnIndex<K, V> {
  #map = new Map<K, V>();
  #deleted = 0;

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    return this.#map.get(key);
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  set(key: K, value: V): this {
    this.#map.set(key, value);
    return this;
  }

  delete(key: K): boolean {
    if (!this.#map.delete(key)) return false;
    this.#deleted += 1;
    if (this.#deleted >= 1024 && this.#deleted * 4 >= this.#map.size) {
      this.#map = new Map(this.#map);
      this.#deleted = 0;
    }
    return true;
  }

  clear(): void {
    this.#map.clear();
    this.#deleted = 0;
  }

  keys(): MapIterator<K> {
    return this.#map.keys();
  }

  values(): MapIterator<V> {
    return this.#map.values();
  }

  entries(): MapIterator<[K, V]> {
    return this.#map.entries();
  }

  [Symbol.iterator](): MapIterator<[K, V]> {
    return this.#map.entries();
  }
}

/** Where a budgeted entry lives: told to drop it when the budget evicts it. */
export interface LedgerOwner<K> {
  evict(key: K): void;
}

/**
 * Where a ledger keeps an entry's position in its queue: on the entry itself, under this symbol. A Map from entry to
 * position costs about 46 bytes an entry at a full budget (three table slots and a share of the buckets); a field
 * costs 8 when the entry's object literal declares it (`[LEDGER_SLOT]: -1`, as the store's orders, cards and
 * idempotency records do), and an entry without it gets it when it is admitted. A position is trusted only when the
 * queue holds that very entry there, so a copy carrying another entry's position (an object spread) is not live, and
 * JSON never carries one. An entry belongs to one ledger at a time.
 */
export const LEDGER_SLOT: unique symbol = Symbol('ledger position');

/** An entry that may carry its ledger position. */
export interface Slotted {
  [LEDGER_SLOT]?: number;
}

/**
 * A budget shared by many collections (every session's partitions): admitting an entry beyond `limit` evicts the
 * oldest admitted entry wherever it lives, through the owner given when it was admitted (one owner object per
 * collection, not a closure per entry).
 *
 * Admission order is kept in a queue of its own, not in a Map's insertion order: a Map that is always deleted from
 * the front keeps the deleted slots until it rehashes, and finding its first live entry walks over all of them, which
 * at a full budget costs more than anything else an evaluate does. Each live entry carries its queue position
 * (LEDGER_SLOT), so a ledger holds no hash table at all.
 */
export class Ledger<K extends object> {
  readonly limit: number;
  /** Byte budget over the sizes given to admit() (entries admitted without a size count 0). */
  readonly maxBytes: number;
  #bytes = 0;
  #count = 0;
  // The queue, oldest first from #head, as parallel arrays. A slot of an entry that was forgotten, evicted or admitted
  // again later is emptied (undefined) and skipped.
  #keys: (K | undefined)[] = [];
  #owners: (LedgerOwner<K> | undefined)[] = [];
  #sizes: number[] = [];
  #head = 0;
  /** The position of the queue's first slot: positions outlive the slots dropped from the front. */
  #base = 0;

  constructor(limit: number, maxBytes = Number.POSITIVE_INFINITY) {
    this.limit = limit;
    this.maxBytes = maxBytes;
  }

  get size(): number {
    return this.#count;
  }

  /** Estimated bytes of the live entries (at most maxBytes). */
  get bytes(): number {
    return this.#bytes;
  }

  admit(key: K, owner: LedgerOwner<K>, bytes = 0): void {
    const at = this.#index(key);
    if (at >= 0) this.#empty(at);
    while (
      (this.#count >= this.limit || (this.#count > 0 && this.#bytes + bytes > this.maxBytes)) &&
      this.#head < this.#keys.length
    )
      this.#evictOldest();
    (key as Slotted)[LEDGER_SLOT] = this.#base + this.#keys.length;
    this.#count += 1;
    this.#bytes += bytes;
    this.#keys.push(key);
    this.#owners.push(owner);
    this.#sizes.push(bytes);
    this.#compact();
  }

  /**
   * Count a live entry at a new size, after it grew or shrank in place (an order that was refunded, an idempotency
   * record that kept its response). It keeps its place in the queue while the total stays within the budget; when it
   * would not, it is admitted again as the newest, so what makes room is the oldest entries. An entry that grew past
   * the whole budget is evicted itself, through its owner: a new entry is kept alone however large (one request made
   * it), but growth has no such bound. An entry that is not live (forgotten, evicted, never admitted) is left alone.
   */
  resize(key: K, bytes: number): void {
    const at = this.#index(key);
    if (at < 0) return;
    const old = this.#sizes[at] as number;
    const owner = this.#owners[at] as LedgerOwner<K>;
    if (bytes > this.maxBytes) {
      this.#empty(at);
      this.#compact();
      owner.evict(key);
    } else if (this.#bytes - old + bytes <= this.maxBytes) {
      this.#sizes[at] = bytes;
      this.#bytes += bytes - old;
    } else this.admit(key, owner, bytes);
  }

  forget(key: K): void {
    const at = this.#index(key);
    if (at < 0) return;
    this.#empty(at);
    this.#compact();
  }

  /** The queue index of a live entry, or -1. */
  #index(key: K): number {
    const position = (key as Slotted)[LEDGER_SLOT];
    if (typeof position !== 'number') return -1;
    const at = position - this.#base;
    return at >= this.#head && at < this.#keys.length && this.#keys[at] === key ? at : -1;
  }

  /** Take the live entry at `at` out of the count and the byte total; its queue slot is emptied. */
  #empty(at: number): void {
    (this.#keys[at] as Slotted)[LEDGER_SLOT] = -1;
    this.#keys[at] = undefined;
    this.#owners[at] = undefined;
    this.#count -= 1;
    this.#bytes -= this.#sizes[at] as number;
  }

  #evictOldest(): void {
    const at = this.#head++;
    const key = this.#keys[at];
    const owner = this.#owners[at];
    if (key === undefined || owner === undefined) return;
    this.#empty(at);
    owner.evict(key);
  }

  /** Drop the consumed head, and emptied slots once they outnumber the live ones: the queue stays O(limit). */
  #compact(): void {
    const pending = this.#keys.length - this.#head;
    if (pending > 2 * this.#count + 1024) {
      const keys: K[] = [];
      const owners: LedgerOwner<K>[] = [];
      const sizes: number[] = [];
      // Every slot left is re-numbered from 0 (no old position survives), so positions stay small integers.
      for (let i = this.#head; i < this.#keys.length; i++) {
        const key = this.#keys[i];
        if (key === undefined) continue;
        (key as Slotted)[LEDGER_SLOT] = keys.length;
        keys.push(key);
        owners.push(this.#owners[i] as LedgerOwner<K>);
        sizes.push(this.#sizes[i] as number);
      }
      this.#keys = keys;
      this.#owners = owners;
      this.#sizes = sizes;
      this.#head = 0;
      this.#base = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#keys.length) {
      this.#keys = this.#keys.slice(this.#head);
      this.#owners = this.#owners.slice(this.#head);
      this.#sizes = this.#sizes.slice(this.#head);
      this.#base += this.#head;
      this.#head = 0;
    }
  }
}

/** What StringPool and RecordPool share: a Map bounded by count (it starts over when full) and by the length of its keys. */
class BoundedPool<V> {
  readonly #pool = new Map<string, V>();
  readonly #limit: number;
  readonly #maxKeyLength: number;

  constructor(limit: number, maxKeyLength: number) {
    this.#limit = limit;
    this.#maxKeyLength = maxKeyLength;
  }

  get size(): number {
    return this.#pool.size;
  }

  /**
   * The value pooled under `key`, or `make(own)` pooled under `own`, a copy of the key that shares no memory with the
   * caller's text; undefined when the key is too long to pool.
   */
  take(key: string, make: (own: string) => V): V | undefined {
    if (key.length > this.#maxKeyLength) return undefined;
    const known = this.#pool.get(key);
    if (known !== undefined) return known;
    if (this.#pool.size >= this.#limit) this.#pool.clear();
    const own = ownCopy(key);
    const value = make(own);
    this.#pool.set(own, value);
    return value;
  }
}

/**
 * One copy of each short string that kept entries repeat (a client's fixture names, cities, e-mail addresses: every
 * order a test suite creates tends to carry the same ones), instead of one copy per entry. Bounded: past `limit`
 * distinct strings it starts over, which costs only the sharing, never correctness.
 */
export class StringPool {
  readonly #pool: BoundedPool<string>;

  constructor(limit = 4096, maxLength = 64) {
    this.#pool = new BoundedPool(limit, maxLength);
  }

  get size(): number {
    return this.#pool.size;
  }

  /** The pooled copy of `text` (it becomes the pooled copy when it is new); anything else and long strings pass through. */
  share<T extends string | null>(text: T): T {
    if (typeof text !== 'string') return text;
    // The pooled copy is its own key: one string per distinct text.
    return (this.#pool.take(text, (own) => own) ?? text) as T;
  }
}

/** The pool kept entries share (orders, vaulted cards), one per process: bounded like any pool. */
export const KEPT_STRINGS = new StringPool();

/**
 * One frozen copy of each small record that kept entries repeat (an order's address, its card summary: a test suite's
 * fixtures give thousands of orders the same ones), keyed by the caller's text for its fields. Bounded like
 * StringPool: past `limit` distinct records it starts over. Frozen, because every entry that holds one shares it.
 */
export class RecordPool<T extends object> {
  readonly #pool: BoundedPool<Readonly<T>>;

  /** At most `limit` records, each under a key of at most `maxKeyLength` characters: under a megabyte in all. */
  constructor(limit = 1024, maxKeyLength = 256) {
    this.#pool = new BoundedPool(limit, maxKeyLength);
  }

  get size(): number {
    return this.#pool.size;
  }

  /**
   * The pooled record with this key, or `record` frozen and pooled under it; `record` itself, not frozen, when the key
   * is too long to pool (long values are not what fixtures repeat, and they must not fill the pool).
   */
  share(key: string, record: T): T {
    return (this.#pool.take(key, () => Object.freeze(record)) ?? record) as T;
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

/** Where flat() stores the character it read. */
const READ = { last: 0 };

/**
 * `text` as one flat string, for text kept a long time that nothing else flattens (a Map key is flattened when it is
 * hashed). V8 builds JSON.stringify's result, and any long concatenation, as a rope: a tree of parts, 401 bytes instead
 * of 258 for a 229-character JSON text. Reading a character makes V8 flatten a rope in place, and the next collection
 * drops its parts; the read is stored so that an optimizing compiler cannot leave it out.
 */
export function flat(text: string): string {
  READ.last = text.charCodeAt(0);
  return text;
}

/** Rough bytes a string costs in the heap (two-byte strings cost twice; the header is small enough to ignore here). */
export function stringBytes(text: string): number {
  return text.length * 2 + 16;
}

// What valueBytes() counts besides strings, measured with `node --expose-gc` on 64-bit Node 20 (no pointer compression)
// for values JSON.parse builds, by heapUsed after a collection (bench/value-bytes.ts): each constant is at or above
// the worst shape found, so that a client choosing the shape cannot make an entry cost more than its estimate.
/** An object: its header and in-object slack (56), and a hidden class (80) when its keys make a shape of its own. */
const OBJECT_BYTES = 96;
/**
 * A property besides its key and value: a dictionary-mode object (past about a thousand properties, or after a
 * delete) pays 24 bytes an entry at a load as low as 1/3 (70 measured), a fast one a slot and a descriptor.
 */
const PROPERTY_BYTES = 80;
/** An array: its header (32) and its backing store's (16). */
const ARRAY_BYTES = 64;
/** An element: an 8-byte slot, with room for the slack of an array grown by push(). */
const ELEMENT_BYTES = 16;
/** A number held in an object or a mixed array: a boxed double (an array of numbers only keeps them unboxed). */
const NUMBER_BYTES = 16;
/** Deeper than JSON bodies may nest (the reader refuses beyond 64), plus the levels that hold a body. */
const MAX_DEPTH = 128;

/**
 * Estimated heap bytes of a JSON-like value (what a request body parses into): its strings, and every object, array,
 * property and element by the constants above. At or above what V8 holds for any shape of the value, within about
 * 2x for shapes a client chooses to be expensive (unique keys, thousands of tiny items); values that share their
 * keys' hidden classes with many others (a test fixture's records) cost less than estimated, up to about 10x for an
 * object of many small fields. A value nested deeper than MAX_DEPTH is counted from its JSON text instead.
 */
export function valueBytes(value: unknown, depth = 0): number {
  if (typeof value === 'string') return stringBytes(value);
  if (typeof value === 'number') return NUMBER_BYTES;
  if (value === null || typeof value !== 'object') return 0;
  if (depth >= MAX_DEPTH) return deepBytes(value);
  if (Array.isArray(value)) {
    let bytes = ARRAY_BYTES + value.length * ELEMENT_BYTES;
    let numbers = 0;
    for (const item of value) {
      if (typeof item === 'number') numbers += 1;
      else bytes += valueBytes(item, depth + 1);
    }
    // An array of numbers only holds them in its own slots (small integers or unboxed doubles).
    return numbers === value.length ? bytes : bytes + numbers * NUMBER_BYTES;
  }
  let bytes = OBJECT_BYTES;
  const record = value as Record<string, unknown>;
  for (const key in record) {
    const item = record[key];
    // Most values are strings (headers, a response's fields): counted here rather than in a call of their own.
    bytes +=
      PROPERTY_BYTES +
      stringBytes(key) +
      (typeof item === 'string' ? stringBytes(item) : valueBytes(item, depth + 1));
  }
  return bytes;
}

/**
 * What nothing this deep should reach: its JSON text's length at the most a character of JSON costs (`{}` 64 bytes
 * with its slot). A value with no JSON text (a cycle) counts as one object.
 */
function deepBytes(value: object): number {
  try {
    return (JSON.stringify(value)?.length ?? 0) * 32;
  } catch {
    return OBJECT_BYTES;
  }
}
