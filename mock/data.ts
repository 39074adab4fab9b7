// Seeded fake data: GUIDs, trace ids and names come from a Faker seeded per (seed, test session), so the same
// seed and the same requests give byte-identical answers, and parallel sessions do not perturb each other.

import { createHash } from 'node:crypto';
import type { Faker } from '@faker-js/faker';
// The English locale entry alone: importing the package root would load every locale (~80 ms, ~25 MB at start-up).
import { faker as englishFaker } from '@faker-js/faker/locale/en';

const FakerClass = englishFaker.constructor as new (options: { locale: Faker['rawDefinitions'] }) => Faker;

/** Fixed reference date for Faker's relative dates, so fake dates do not depend on when the test runs. */
export const REFERENCE_DATE = '2026-01-01T00:00:00.000Z';

export class DataSource {
  readonly faker: Faker;

  constructor(seed: number, stream: string) {
    this.faker = new FakerClass({ locale: englishFaker.rawDefinitions });
    this.faker.seed(streamSeed(seed, stream));
    this.faker.setDefaultRefDate(REFERENCE_DATE);
  }

  /** A lower-case v4 GUID, like the ids the real API returns. */
  uuid(): string {
    return this.faker.string.uuid();
  }

  /** A W3C traceparent string, the form the real API puts in TraceId. */
  traceId(): string {
    return `00-${this.hex(32)}-${this.hex(16)}-01`;
  }

  hex(length: number): string {
    return this.faker.string.hexadecimal({ length, casing: 'lower', prefix: '' });
  }

  /** Short upper-case hex confirmation id (the examples show 6 to 8 characters). */
  confirmationId(): string {
    return this.faker.string.hexadecimal({ length: 8, casing: 'upper', prefix: '' });
  }
}

function streamSeed(seed: number, stream: string): number[] {
  const digest = createHash('sha256').update(`${seed}\u0000${stream}`).digest();
  return [digest.readUInt32BE(0), digest.readUInt32BE(4), digest.readUInt32BE(8), digest.readUInt32BE(12)];
}
