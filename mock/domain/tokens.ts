// Bearer tokens: real HS256 JWTs with the claims observed on the sandbox, living exactly 600 s of virtual time.
// Signature checking is jose's; the claim checks (exp/nbf against the virtual clock) are ours, because the real
// tokens carry `iat` as a string of milliseconds, which generic JWT validators reject.
//
// The signing key is random per process unless the user asks for reproducible tokens: a key derived from something a
// client can read (the seed is in /__admin/health) would let anyone mint a token for any account with any expiry.

import { createHash, randomBytes } from 'node:crypto';
import { CompactSign } from 'jose/jws/compact/sign';
import { compactVerify } from 'jose/jws/compact/verify';
import { apiError } from '../errors/catalog.js';
import { ownCopy } from '../support/bounded.js';
import { registerSecret } from '../support/redact.js';
import type { MerchantAccount } from './accounts.js';
import type { VirtualClock } from './clock.js';
import type { DataSource } from './fake-data.js';

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
/** Byte budget of the verified-token cache (tokens and their claims). */
export const MAX_CACHED_BYTES = 4 * 1024 * 1024;
/** Issued tokens are about 700 characters; anything far longer is not one of ours and is refused unread. */
export const MAX_TOKEN_CHARS = 4096;
/** Three base64url parts without padding (an empty signature, `alg: none`, is left for the signature check to refuse). */
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/** What a cache entry costs besides the token's characters: the claims object and the map slot. */
const CACHE_ENTRY_OVERHEAD = 1024;

export interface TokenServiceOptions {
  seed: number;
  clock: VirtualClock;
  /**
   * A secret for the signing key (HS256 with SHA-256 of it): servers given the same key accept each other's tokens,
   * and a token is the same on every run with the same seed and clock. Default: a random key per process.
   */
  key?: string;
  /** Derive the key from the seed (tokens reproducible, and forgeable by anyone who knows the seed). */
  reproducible?: boolean;
}

export class TokenService {
  readonly #key: Uint8Array;
  readonly #clock: VirtualClock;
  /** Verified tokens → claims; the signature is checked once per token, expiry on every use. */
  readonly #verified = new Map<string, TokenClaims>();
  #cachedBytes = 0;

  constructor(options: TokenServiceOptions) {
    if (options.key !== undefined && options.key.length < 8)
      throw new RangeError('a token key must be at least 8 characters');
    this.#key =
      options.key !== undefined
        ? createHash('sha256').update(options.key).digest()
        : options.reproducible
          ? createHash('sha256').update(`flexfactor-mock-signing-key:${options.seed}`).digest()
          : randomBytes(32);
    this.#clock = options.clock;
  }

  /** Estimated bytes held by the verified-token cache (at most maxCachedBytes). */
  get cachedBytes(): number {
    return this.#cachedBytes;
  }

  get maxCachedBytes(): number {
    return MAX_CACHED_BYTES;
  }

  /** A token for the account, issued now (or at `issuedAtMs`, e.g. an already expired one for a provider state). */
  async issue(account: MerchantAccount, data: DataSource, issuedAtMs?: number): Promise<IssuedToken> {
    const nowMs = issuedAtMs ?? this.#clock.now();
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
    // Redacted wherever they turn up from now on, even cut out of the token or glued to other text: the signature is
    // what makes a payload (whose header anyone can put back) a working token.
    registerSecret(accessToken.slice(accessToken.lastIndexOf('.') + 1));
    registerSecret(refreshToken);
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
    if (token.length > MAX_TOKEN_CHARS) {
      throw apiError('401002', {
        detail: `The token is ${token.length} bytes; tokens from /v1/oauth2/token are under ${MAX_TOKEN_CHARS}.`,
      });
    }
    const cached = this.#verified.get(token);
    if (cached) return this.#checkTimes(cached);
    return this.#verifySignature(token).then((claims) => {
      this.#remember(token, claims);
      return this.#checkTimes(claims);
    });
  }

  /** Cache a verified token, evicting the oldest beyond the count or byte budget. */
  #remember(token: string, claims: TokenClaims): void {
    // The token is a slice of the Authorization header: keep a copy of its own, not the header behind it.
    const key = ownCopy(token);
    const cost = entryCost(key);
    while (
      this.#verified.size > 0 &&
      (this.#verified.size >= MAX_CACHED || this.#cachedBytes + cost > MAX_CACHED_BYTES)
    ) {
      const oldest = this.#verified.keys().next().value as string;
      this.#verified.delete(oldest);
      this.#cachedBytes -= entryCost(oldest);
    }
    this.#verified.set(key, claims);
    this.#cachedBytes += cost;
  }

  #checkTimes(claims: TokenClaims): TokenClaims {
    const nowS = this.#clock.now() / 1000;
    if (nowS >= claims.exp) throw apiError('401004');
    if (nowS < claims.nbf)
      throw apiError('401003', { detail: 'The token is not valid yet (nbf is in the future).' });
    return claims;
  }

  async #verifySignature(token: string): Promise<TokenClaims> {
    // Unpadded base64url only (the JWS compact form): jose's decoder also takes `=` padding and `+` `/`, which would
    // let several strings name one token.
    if (!JWS_COMPACT.test(token)) {
      throw apiError('401002', {
        detail:
          'A bearer token is a JWT: three base64url parts (A-Z, a-z, 0-9, - and _, no = padding) separated by dots.',
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
    // Only this server issues valid tokens, and it issues them for exactly 600 s: a signed token claiming anything
    // else (a key shared with --token-key, or a reproducible one, lets a client mint them) is refused.
    if (
      !Number.isFinite(claims.exp) ||
      !Number.isFinite(claims.nbf) ||
      claims.exp <= claims.nbf ||
      claims.exp - claims.nbf > TOKEN_LIFETIME_SECONDS
    ) {
      throw apiError('401003', {
        detail: `The token's lifetime (exp − nbf) is not the ${TOKEN_LIFETIME_SECONDS} s this server issues.`,
      });
    }
    // Keep only the claims we read: a token padded with large claims must not make the cache hold them.
    return {
      sub: String(claims.sub ?? ''),
      unique_name: String(claims.unique_name ?? ''),
      jti: String(claims.jti ?? ''),
      iat: String(claims.iat ?? ''),
      aud: TOKEN_AUDIENCE,
      'custom:mid': claims['custom:mid'],
      nbf: claims.nbf,
      exp: claims.exp,
      iss: TOKEN_ISSUER,
    };
  }
}

function entryCost(token: string): number {
  // The token's characters, plus its decoded claims (at most three quarters of them) and the entry itself.
  return token.length * 3 + CACHE_ENTRY_OVERHEAD;
}
