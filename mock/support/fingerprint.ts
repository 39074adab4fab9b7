// Request fingerprints for idempotency: two bodies get the same fingerprint when they are the same JSON value, whatever
// the order of their object keys. It answers one question — is a request that reuses an idempotency key the same
// request? — so it needs no cryptographic strength, only a negligible chance that two different bodies meet: 64 bits
// from two independent 32-bit lanes. It is computed on every idempotent call, so it builds no strings and sorts no
// keys: object members are hashed one by one and summed (addition does not care about order), array items are
// chained in order. That is several times cheaper than hashing a key-sorted JSON text.

// Type tags keep `"1"` from meeting `1`, `[]` from meeting `{}`, and so on.
const STRING = 0x3c6ef372;
const NUMBER = 0x5be0cd19;
const TRUE = 0x1f83d9ab;
const FALSE = 0x9b05688c;
const NULL = 0x510e527f;
const ARRAY = 0x6a09e667;
const OBJECT = 0xbb67ae85;
const OTHER = 0xa54ff53a;

// The two lanes of the last value hashed (results of a recursive call are read from here, so no tuple is allocated).
let lane1 = 0;
let lane2 = 0;

/** Murmur3's finalizer: spreads every input bit over the whole word. */
function mix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
}

function hashString(text: string, tag: number): void {
  let h1 = tag ^ text.length;
  let h2 = Math.imul(tag, 0x9e3779b1) ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul((h2 << 5) | (h2 >>> 27), 0x5bd1e995) ^ c;
  }
  lane1 = mix(h1);
  lane2 = mix(h2 ^ 0x2545f491);
}

function hashValue(value: unknown): void {
  if (typeof value === 'string') hashString(value, STRING);
  else if (typeof value === 'number') hashString(String(value), NUMBER);
  else if (typeof value === 'boolean') {
    lane1 = value ? TRUE : FALSE;
    lane2 = mix(lane1);
  } else if (Array.isArray(value)) hashArray(value);
  else if (value !== null && typeof value === 'object') hashObject(value as Record<string, unknown>);
  else if (value !== null && value !== undefined) hashString(String(value), OTHER);
  else {
    // null, and undefined (JSON has no word for it; bodies parsed from JSON have none) counted as null.
    lane1 = NULL;
    lane2 = mix(NULL);
  }
}

function hashArray(items: unknown[]): void {
  let h1 = ARRAY ^ items.length;
  let h2 = mix(ARRAY) ^ items.length;
  for (let i = 0; i < items.length; i++) {
    hashValue(items[i]);
    h1 = mix(Math.imul(h1, 0x01000193) ^ lane1);
    h2 = mix((Math.imul(h2, 0x5bd1e995) + lane2) | 0);
  }
  lane1 = h1;
  lane2 = h2;
}

function hashObject(object: Record<string, unknown>): void {
  let sum1 = 0;
  let sum2 = 0;
  let count = 0;
  for (const key in object) {
    if (!Object.hasOwn(object, key)) continue;
    hashString(key, OBJECT);
    const key1 = lane1;
    const key2 = lane2;
    hashValue(object[key]);
    // One member = its key and value bound together; members are summed, so their order does not count.
    sum1 = (sum1 + mix(key1 ^ Math.imul(lane1, 0x9e3779b1))) | 0;
    sum2 = (sum2 + mix((key2 + Math.imul(lane2, 0x7feb352d)) | 0)) | 0;
    count++;
  }
  lane1 = mix(sum1 ^ OBJECT ^ count);
  lane2 = mix((sum2 + Math.imul(OBJECT, count + 1)) | 0);
}

/** 16 hex digits; equal for equal JSON values (object key order aside), different otherwise but for a 2⁻⁶⁴ chance. */
export function fingerprint(value: unknown): string {
  hashValue(value);
  return (lane1 >>> 0).toString(16).padStart(8, '0') + (lane2 >>> 0).toString(16).padStart(8, '0');
}
