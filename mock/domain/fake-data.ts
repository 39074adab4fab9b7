// Seeded fake data: GUIDs and trace ids from a small seeded generator, names and company data from a Faker seeded
// the same way, per (seed, test session), so the same seed and the same requests give byte-identical answers, and
// parallel sessions do not perturb each other.

import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { Faker } from '@faker-js/faker';

type FakerConstructor = new (options: { locale: Faker['rawDefinitions'] }) => Faker;
let english: { FakerClass: FakerConstructor; definitions: Faker['rawDefinitions'] } | undefined;

/**
 * Faker's English locale, loaded on first use: only partner calls need fake names, and loading it costs heap and
 * start-up time (the package root would load every locale, several times more of both). Synchronous through require(), which
 * loads ES modules on Node ≥ 20.19.
 */
function englishFaker(): NonNullable<typeof english> {
  if (!english) {
    const { faker } = createRequire(import.meta.url)('@faker-js/faker/locale/en') as { faker: Faker };
    english = { FakerClass: faker.constructor as FakerConstructor, definitions: faker.rawDefinitions };
  }
  return english;
}

/** Fixed reference date for Faker's relative dates, so fake dates do not depend on when the test runs. */
export const REFERENCE_DATE = '2026-01-01T00:00:00.000Z';

export class DataSource {
  readonly #seed: number[];
  #faker: Faker | undefined;
  // sfc32 state: GUIDs and hex ids come from this small generator (a tenth of the cost of Faker's, on every order).
  #a: number;
  #b: number;
  #c: number;
  #d: number;
  readonly #randomTraces: boolean;

  /**
   * `randomTraces`: trace ids are random instead of drawn from the stream. Processes sharing a store share the seed,
   * and an error answered outside a session's transaction (a 404, a refused body) draws from a stream that is not
   * synchronised between them: every process would hand out the same trace ids.
   */
  constructor(seed: number, stream: string, options: { randomTraces?: boolean } = {}) {
    this.#randomTraces = options.randomTraces === true;
    this.#seed = streamSeed(seed, stream);
    [this.#a, this.#b, this.#c, this.#d] = this.#seed as [number, number, number, number];
    for (let i = 0; i < 12; i++) this.#next();
  }

  /** Faker for fake names and values, seeded from the same stream; made on first use (most sessions never need it). */
  get faker(): Faker {
    if (!this.#faker) {
      const { FakerClass, definitions } = englishFaker();
      this.#faker = new FakerClass({ locale: definitions });
      this.#faker.seed(this.#seed);
      this.#faker.setDefaultRefDate(REFERENCE_DATE);
    }
    return this.#faker;
  }

  /** The generator's position, for a shared store to carry between processes (Faker's own stream is not included). */
  state(): [number, number, number, number] {
    return [this.#a, this.#b, this.#c, this.#d];
  }

  restore(state: readonly number[]): void {
    if (state.length !== 4 || !state.every((n) => Number.isInteger(n))) return;
    [this.#a, this.#b, this.#c, this.#d] = state as [number, number, number, number];
  }

  /** A lower-case v4 GUID, like the ids the real API returns. */
  uuid(): string {
    const h = this.#hex8() + this.#hex8() + this.#hex8() + this.#hex8();
    const variant = VARIANT[Number.parseInt(h.charAt(16), 16) & 3];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20)}`;
  }

  /** A W3C traceparent string, the form the real API puts in TraceId. */
  traceId(): string {
    if (this.#randomTraces)
      return `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
    return `00-${this.hex(32)}-${this.hex(16)}-01`;
  }

  /** Lower-case hex digits. */
  hex(length: number): string {
    let out = '';
    while (out.length < length) out += this.#hex8();
    return out.slice(0, length);
  }

  /** Short upper-case hex confirmation id (the examples show 6 to 8 characters). */
  confirmationId(): string {
    return this.#hex8().toUpperCase();
  }

  #hex8(): string {
    return this.#next().toString(16).padStart(8, '0');
  }

  /** The next 32-bit value of sfc32 (Chris Doty-Humphrey's small fast counting generator). */
  #next(): number {
    this.#d = (this.#d + 1) | 0;
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }
}

const VARIANT = ['8', '9', 'a', 'b'] as const;

function streamSeed(seed: number, stream: string): number[] {
  const digest = createHash('sha256').update(`${seed}\u0000${stream}`).digest();
  return [digest.readUInt32BE(0), digest.readUInt32BE(4), digest.readUInt32BE(8), digest.readUInt32BE(12)];
}
