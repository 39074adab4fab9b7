// Bearer tokens: real HS256 JWTs with the claims observed on the sandbox, living exactly 600 s of virtual time.
// Signature checking is jose's; the claim checks (exp/nbf against the virtual clock) are ours, because the real
// tokens carry `iat` as a string of milliseconds, which generic JWT validators reject.

import { createHash } from 'node:crypto';
import { CompactSign, compactVerify } from 'jose';
import { apiError } from './catalog.js';
import type { VirtualClock } from './clock.js';
import type { MerchantAccount } from './credentials.js';
import type { DataSource } from './data.js';

export const TOKEN_LIFETIME_SECONDS = 600;
export const TOKEN_ISSUER = 'Api-Client-Service';
export const TOKEN_AUDIENCE = [
  'payments',
  'orders',
  'merchants',
  'eligibility-sftp',
  'eligibility',
  'contact',
];

export interface TokenClaims {
  sub: string;
  unique_name: string;
  jti: string;
  iat: string;
  aud: string[];
  'custom:mid': string;
  nbf: number;
  exp: number;
  iss: string;
}

export interface IssuedToken {
  accessToken: string;
  refreshToken: string;
  /** Expiry in ms since the epoch, as the real API reports it. */
  expires: number;
  id: string;
}

const MAX_CACHED = 10_000;

export class TokenService {
  readonly #key: Uint8Array;
  readonly #clock: VirtualClock;
  /** Verified tokens → claims; the signature is checked once per token, expiry on every use. */
  readonly #verified = new Map<string, TokenClaims>();

  constructor(options: { seed: number; clock: VirtualClock; signingKey?: string }) {
    const secret = options.signingKey ?? `flexfactor-mock-signing-key:${options.seed}`;
    this.#key = createHash('sha256').update(secret).digest();
    this.#clock = options.clock;
  }

  async issue(account: MerchantAccount, data: DataSource): Promise<IssuedToken> {
    const nowMs = this.#clock.now();
    const nowS = Math.floor(nowMs / 1000);
    const id = data.uuid();
    const claims: TokenClaims = {
      sub: id,
      unique_name: id,
      jti: data.uuid(),
      iat: String(nowMs),
      aud: TOKEN_AUDIENCE,
      'custom:mid': account.mid,
      nbf: nowS,
      exp: nowS + TOKEN_LIFETIME_SECONDS,
      iss: TOKEN_ISSUER,
    };
    const accessToken = await new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .sign(this.#key);
    const refreshToken = `AQAAAAEAACcQAAAAE${Buffer.from(data.hex(64), 'hex').toString('base64')}`;
    // Observed: `expires` keeps the millisecond of `iat` (1712237348565 → 1712237948565), while `exp` is in seconds.
    return { accessToken, refreshToken, expires: nowMs + TOKEN_LIFETIME_SECONDS * 1000, id };
  }

  /**
   * Check an Authorization header value; returns the claims or throws a 401 catalog error. A token seen before is
   * answered synchronously (only its times are checked); a new one returns a promise while its signature is verified.
   */
  authenticate(header: string | undefined): TokenClaims | Promise<TokenClaims> {
    if (header === undefined || header.trim() === '') throw apiError('401001');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match?.[1]) {
      throw apiError('401002', { detail: 'The Authorization header must be "Bearer <accessToken>".' });
    }
    const token = match[1];
    const cached = this.#verified.get(token);
    if (cached) return this.#checkTimes(cached);
    return this.#verifySignature(token).then((claims) => {
      if (this.#verified.size >= MAX_CACHED) this.#verified.clear();
      this.#verified.set(token, claims);
      return this.#checkTimes(claims);
    });
  }

  #checkTimes(claims: TokenClaims): TokenClaims {
    const nowS = this.#clock.now() / 1000;
    if (nowS >= claims.exp) throw apiError('401004');
    if (nowS < claims.nbf)
      throw apiError('401003', { detail: 'The token is not valid yet (nbf is in the future).' });
    return claims;
  }

  async #verifySignature(token: string): Promise<TokenClaims> {
    if (token.split('.').length !== 3) {
      throw apiError('401002', {
        detail: 'A bearer token is a JWT: three base64url parts separated by dots.',
      });
    }
    let payload: Uint8Array;
    try {
      ({ payload } = await compactVerify(token, this.#key, { algorithms: ['HS256'] }));
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' || code === 'ERR_JOSE_ALG_NOT_ALLOWED') {
        throw apiError('401003');
      }
      throw apiError('401002', { detail: 'The token could not be decoded as a JWT.' });
    }
    let claims: Partial<TokenClaims>;
    try {
      claims = JSON.parse(new TextDecoder().decode(payload)) as Partial<TokenClaims>;
    } catch {
      throw apiError('401002', { detail: 'The token payload is not JSON.' });
    }
    if (
      typeof claims.exp !== 'number' ||
      typeof claims.nbf !== 'number' ||
      typeof claims['custom:mid'] !== 'string'
    ) {
      throw apiError('401003', { detail: 'The token lacks the exp, nbf or custom:mid claim.' });
    }
    return claims as TokenClaims;
  }
}
