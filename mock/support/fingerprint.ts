// Request fingerprints for idempotency: two bodies get the same fingerprint when they are the same JSON value, whatever
// the order of their object keys. It answers one question (is a request that reuses an idempotency key the same
// request?) for every request that carries a key, so it is computed without building anything: a 64-bit hash (two
// independent 32-bit lanes) where an object's members are summed, so their order cannot matter, and an array's items
// are chained, so theirs does. Writing key-sorted JSON and hashing it with SHA-256 made a fifth of all the memory a
// request allocated and cost more CPU than the body's schema validation (bench/RESULTS.md).
//
// Not a cryptographic hash: someone who wants two different bodies to meet can search for them (a birthday search over
// 64 bits, or a weakness of FNV). The worst they get is their own stored answer replayed for their own key.

// The two lanes of the value just hashed (module state, so no pair is allocated per value).
let laneA = 0;
let laneB = 0;

/** Type tags, so that 1, "1", [1] and {"1": …} never start alike. */
const TAG_NULL = 0x9e3779b1;
const TAG_TRUE = 0x85ebca77;
const TAG_FALSE = 0xc2b2ae3d;
const TAG_NUMBER = 0x27d4eb2f;
const TAG_STRING = 0x165667b1;
const TAG_ARRAY = 0xd3a2646c;
const TAG_OBJECT = 0xfd7046c5;
const TAG_OTHER = 0xb55a4f09;

/** murmur3's finalizer: every input bit affects every output bit. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Both lanes of a string: FNV-1a over its UTF-16 code units with two different starting points, then mixed. */
function hashString(text: string, tag: number): void {
  let a = 0x811c9dc5 ^ tag;
  let b = 0x050c5d1f ^ tag;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    a = Math.imul(a ^ unit, 0x01000193);
    b = Math.imul(b ^ unit, 0x01000197);
  }
  laneA = mix(a ^ text.length);
  laneB = mix(b + text.length);
}

function hashValue(value: unknown, depth: number): void {
  if (typeof value === 'string') {
    hashString(value, TAG_STRING);
    return;
  }
  if (value === null || value === undefined) {
    // A body parsed from JSON holds no undefined; like JSON inside arrays, it counts as null.
    laneA = TAG_NULL;
    laneB = mix(TAG_NULL);
    return;
  }
  if (typeof value === 'boolean') {
    laneA = value ? TAG_TRUE : TAG_FALSE;
    laneB = mix(laneA);
    return;
  }
  if (typeof value === 'number') {
    // Its shortest text (what JSON writes; -0 is "0"), hashed as strings are: mixing the two halves of the double
    // directly let a second number with the same print be solved for in under a second.
    hashString(String(value), TAG_NUMBER);
    return;
  }
  if (typeof value !== 'object' || depth > 256) {
    hashString(String(value), TAG_OTHER);
    return;
  }
  if (Array.isArray(value)) {
    let a = TAG_ARRAY ^ value.length;
    let b = TAG_ARRAY + value.length;
    for (let i = 0; i < value.length; i += 1) {
      hashValue(value[i], depth + 1);
      a = mix(Math.imul(a, 31) + laneA);
      b = mix(Math.imul(b, 37) ^ laneB);
    }
    laneA = mix(a);
    laneB = mix(b);
    return;
  }
  const object = value as Record<string, unknown>;
  let sumA = 0;
  let sumB = 0;
  let count = 0;
  for (const key in object) {
    if (!Object.hasOwn(object, key)) continue;
    hashString(key, TAG_OBJECT);
    const keyA = laneA;
    const keyB = laneB;
    hashValue(object[key], depth + 1);
    // A member is its key and value bound together (mixed), and the members are added: order-free.
    sumA = (sumA + mix(Math.imul(keyA, 0x2545f491) ^ laneA)) | 0;
    sumB = (sumB + mix(Math.imul(keyB, 0x6c8e9cf5) + laneB)) | 0;
    count += 1;
  }
  laneA = mix(sumA ^ TAG_OBJECT ^ count);
  laneB = mix(sumB + Math.imul(count, TAG_OBJECT));
}

/** 16 hex digits; equal for equal JSON values (object key order aside); different values that were not searched for meet by chance about once in 2⁶⁴. */
export function fingerprint(value: unknown): string {
  hashValue(value, 0);
  for (let i = 0; i < 8; i += 1) {
    DIGITS[7 - i] = HEX[(laneA >>> (4 * i)) & 15] as number;
    DIGITS[15 - i] = HEX[(laneB >>> (4 * i)) & 15] as number;
  }
  // One call makes one flat 16-character string: joining two halves would keep a rope of three objects in every
  // idempotency record for as long as the key is kept.
  return String.fromCharCode.apply(null, DIGITS);
}

const HEX = [...'0123456789abcdef'].map((digit) => digit.charCodeAt(0));
const DIGITS: number[] = new Array(16).fill(0);
