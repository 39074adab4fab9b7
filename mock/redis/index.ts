// Opening a shared store: connect to Redis, and agree with the other processes on the token signing key (the first
// process to start draws it; every later one reads it), so a token issued by one process is accepted by all.

import { randomBytes } from 'node:crypto';
import { connectRedis, isRedisUrl, type RedisLike, safeStoreUrl } from './connection.js';
import { STORAGE_FORMAT } from './scripts.js';

export { isRedisUrl, safeStoreUrl } from './connection.js';
export { JournalMirror } from './journal-mirror.js';
export { type SharedSessionExtras, SharedStore } from './shared-store.js';

/** Key names start with this unless told otherwise: several mocks can share one Redis under different prefixes. */
export const DEFAULT_STORE_PREFIX = 'ffmock:';
/** The environment variable a store URL may come from when --store is not given. */
export const STORE_ENV = 'FLEXFACTOR_MOCK_STORE';

/** A connected Redis for createApp({ shared }). */
export interface SharedConnection {
  redis: RedisLike;
  prefix: string;
  /** The token signing key every process sharing this prefix uses. */
  tokenKey: string;
  /** Where it points, without a password. */
  url: string;
  close(): Promise<void>;
}

export async function openSharedStore(url: string, prefix = DEFAULT_STORE_PREFIX): Promise<SharedConnection> {
  if (!isRedisUrl(url)) {
    throw new Error(
      `--store takes redis://host:port/db (or rediss://…); got ${JSON.stringify(safeStoreUrl(url))}`,
    );
  }
  if (!/^[\w.:-]{0,64}$/.test(prefix)) {
    throw new Error('--store-prefix takes up to 64 letters, digits, dots, colons, underscores or dashes');
  }
  const redis = await connectRedis(url);
  const keyName = `${prefix}token-key`;
  const formatName = `${prefix}format`;
  let tokenKey: string;
  let format: string | null;
  try {
    format = await redis.get(formatName);
    // Sessions without a mark were written by a version from before the marks.
    if (format === null && (await redis.exists(`${prefix}sessions`)) > 0) format = '1';
    else {
      await redis.set(formatName, STORAGE_FORMAT, 'NX');
      format = await redis.get(formatName);
    }
    await redis.set(keyName, randomBytes(32).toString('base64url'), 'NX');
    const stored = await redis.get(keyName);
    if (stored === null) throw new Error('the token key vanished as it was written');
    tokenKey = stored;
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `cannot use Redis at ${safeStoreUrl(url)}: ${String((error as Error)?.message ?? error)}`,
    );
  }
  if (format !== null && format !== STORAGE_FORMAT) {
    redis.disconnect();
    throw new Error(
      `the shared store under the prefix "${prefix}" holds data in storage form ${format}, written by another ` +
        `version of flexfactor-mock; this version reads and writes form ${STORAGE_FORMAT}. Run every process that ` +
        'shares a store on the same version, or give this one a prefix of its own (--store-prefix, storePrefix), ' +
        'or delete the keys under the old prefix once no process uses them.',
    );
  }
  // After a restart that lost Redis's data, put the key and the mark back (every process holds the same ones), so a
  // process started later still agrees with the running ones.
  redis.on('ready', () => {
    void redis.set(keyName, tokenKey, 'NX').catch(() => undefined);
    void redis.set(formatName, STORAGE_FORMAT, 'NX').catch(() => undefined);
  });
  return {
    redis,
    prefix,
    tokenKey,
    url: safeStoreUrl(url),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
