// The Redis connection of a shared store: ioredis, loaded only when a store URL is given (an in-memory mock never
// loads it), failing fast while Redis is away (no offline queue: a request answers 503100 at once instead of
// waiting) and reconnecting by itself.

import { createRequire } from 'node:module';

/** The part of an ioredis client the shared store uses, with its scripts defined on it. */
export interface RedisLike {
  defineCommand(name: string, definition: { numberOfKeys: number; lua: string }): void;
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
  hset(key: string, ...fieldsAndValues: string[]): Promise<number>;
  hdel(key: string, ...fields: string[]): Promise<number>;
  hsetnx(key: string, field: string, value: string): Promise<number>;
  lrange(key: string, start: number, stop: number): Promise<string[]>;
  incr(key: string): Promise<number>;
  hgetall(key: string): Promise<Record<string, string>>;
  zrangebyscore(key: string, min: string, max: string, ...rest: (string | number)[]): Promise<string[]>;
  set(key: string, value: string, ...rest: string[]): Promise<string | null>;
  get(key: string): Promise<string | null>;
  exists(...keys: string[]): Promise<number>;
  xadd(key: string, ...args: string[]): Promise<string | null>;
  xread(...args: (string | number)[]): Promise<[string, [string, string[]][]][] | null>;
  xrevrange(
    key: string,
    end: string,
    start: string,
    ...rest: (string | number)[]
  ): Promise<[string, string[]][]>;
  zrange(key: string, start: number, stop: number): Promise<string[]>;
  duplicate(): RedisLike;
  quit(): Promise<unknown>;
  disconnect(): void;
  connect(): Promise<void>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  status: string;
  // The shared store's scripts (defineCommand adds them at run time).
  ffSync(...args: string[]): Promise<unknown>;
  ffAcquire(...args: string[]): Promise<unknown>;
  ffRelease(...args: string[]): Promise<unknown>;
  ffCommit(...args: string[]): Promise<unknown>;
  ffReset(...args: string[]): Promise<unknown>;
  ffClockAdvance(...args: string[]): Promise<unknown>;
}

/** A store URL as the CLI and startMock() take it: redis:// or rediss://, with an optional /db. */
export function isRedisUrl(url: string): boolean {
  return /^rediss?:\/\/[^\s]+$/i.test(url);
}

/** The URL without its password, for messages. */
export function safeStoreUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis://…';
  }
}

/**
 * Connect, and wait until Redis answers (bounded): a mock started against a Redis that is not there exits with a
 * message instead of serving 503s from its first request.
 */
export async function connectRedis(
  url: string,
  options: { connectTimeoutMs?: number } = {},
): Promise<RedisLike> {
  const ioredis = createRequire(import.meta.url)('ioredis') as {
    default: new (url: string, options: Record<string, unknown>) => RedisLike;
  };
  const Redis = ioredis.default;
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 3_000,
    connectTimeout: options.connectTimeoutMs ?? 5_000,
    // Reconnect forever, at most a second apart: a restarted Redis is found again without a restart of the mock.
    retryStrategy: (times: number) => Math.min(50 * times, 1_000),
  });
  // ioredis reports connection errors as events too; without a listener Node would print each one.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    throw new Error(
      `cannot reach Redis at ${safeStoreUrl(url)}: ${String((error as Error)?.message ?? error)}`,
    );
  }
  return client;
}
