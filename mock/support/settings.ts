// The settings createApp() derives from its options once; parts receive them read-only.

import type { Compat } from '../domain/compat.js';

export type Profile = 'strict' | 'lenient';

export interface Settings {
  profile: Profile;
  seed: number;
  /** Body size limit in bytes. */
  bodyLimit: number;
  /** How long a CAPTUREREQUIRED order waits for /capture before it auto-voids (ms of virtual time). */
  captureWindowMs: number;
  /** Check every response against contracts/openapi.yaml; a violation becomes a 500002 error. */
  validateResponses: boolean;
  /** Which generation of the real API's request rules applies by default (mock/domain/compat.ts). */
  compat: Compat;
}
