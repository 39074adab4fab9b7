// Per-session isolation for shared servers (createApp({ isolateSessions: true }), `--isolate-sessions`): every
// session has a token derived from the admin token, so whoever holds the admin token can hand one worker the token
// of its own session and nothing else. Without isolation nothing here runs.

import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { ADMIN_PREFIX, ADMIN_TOKEN_HEADER } from '../admin/mount.js';
import { apiError } from '../errors/catalog.js';
import { evictOldest } from '../support/bounded.js';
import { registerSecret } from '../support/redact.js';

export const SESSION_TOKEN_HEADER = 'x-mock-session-token';

export class SessionAccess {
  readonly #key: string;
  /** session → its token, for the sessions seen lately (bounded: names come from requests). */
  readonly #tokens = new Map<string, Buffer>();

  constructor(adminToken: string) {
    if (!adminToken)
      throw new TypeError('isolateSessions needs an adminToken (the key session tokens derive from)');
    this.#key = adminToken;
    registerSecret(adminToken, { pinned: true });
  }

  /** The token of one session: HMAC-SHA256(admin token, session name), base64url. */
  tokenFor(session: string): string {
    const token = createHmac('sha256', this.#key)
      .update(`flexfactor-mock session\u0000${session}`)
      .digest('base64url');
    registerSecret(token);
    return token;
  }

  /** Whether `given` is the session's token (constant-time). */
  allows(session: string, given: string | undefined): boolean {
    if (!given) return false;
    let expected = this.#tokens.get(session);
    if (expected === undefined) {
      expected = Buffer.from(this.tokenFor(session));
      evictOldest(this.#tokens, 1_000);
      this.#tokens.set(session, expected);
    }
    const actual = Buffer.from(given);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }

  /** Whether `given` is the admin token (constant-time). */
  isAdmin(given: string | undefined): boolean {
    if (!given) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(this.#key);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /** The /v1 check: the session's own token or the admin token, else a 401040 error (returned, not thrown). */
  check(req: Request, session: string): unknown {
    if (req.path.startsWith(ADMIN_PREFIX)) return undefined; // the admin router decides per call
    if (this.allows(session, req.get(SESSION_TOKEN_HEADER)) || this.isAdmin(req.get(ADMIN_TOKEN_HEADER)))
      return undefined;
    return apiError('401040', { detail: `No valid token for session "${session}".` });
  }
}
