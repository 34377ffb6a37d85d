/** Redis for the queue: the URL, a connection BullMQ can use, and the checks a job queue needs. */
import { ErrorCodes, SweFlowError } from '@swe-flow/core';
import { Redis, type RedisOptions } from 'ioredis';

export interface QueueSettings {
  /** `redis://[user:password@]host:port[/db]` */
  url: string;
  /** Key prefix, so that two releases can share one Redis (default `swe-flow`). */
  prefix?: string;
}

export function redisOptions(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SweFlowError(ErrorCodes.USAGE, `--queue ${url} is not a URL; use redis://HOST:PORT[/DB]`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new SweFlowError(ErrorCodes.USAGE, `--queue ${url}: only redis:// and rediss:// URLs are supported`);
  const db = parsed.pathname && parsed.pathname !== '/' ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new SweFlowError(ErrorCodes.USAGE, `--queue ${url}: the database must be a number (redis://HOST:PORT/DB)`);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    db,
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
    // BullMQ's blocking commands must wait across Redis restarts rather than fail.
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(200 * times, 2000),
  };
}

/** A connection that reconnects by itself; its errors while Redis is away are expected, not reported. */
export function connect(url: string): Redis {
  const redis = new Redis(redisOptions(url));
  redis.on('error', () => {});
  return redis;
}

/**
 * Refuses a Redis that can evict keys: a job queue whose keys are evicted loses jobs silently. Also
 * fails fast with the reason when Redis cannot be reached.
 */
export async function checkRedis(url: string, timeoutMs = 5000): Promise<{ version: string; policy: string }> {
  const redis = new Redis({ ...redisOptions(url), maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true, connectTimeout: timeoutMs });
  redis.on('error', () => {}); // the failure is reported by connect() below
  try {
    await redis.connect().catch((error: Error) => {
      throw new SweFlowError(ErrorCodes.QUEUE_UNAVAILABLE, `cannot reach Redis at ${url} (${error.message}); start it (redis-server --maxmemory-policy noeviction) or fix --queue`);
    });
    const policy = await redis.config('GET', 'maxmemory-policy').then((r) => String((r as string[])[1] ?? ''), () => 'unknown');
    const info = await redis.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    if (policy !== 'noeviction' && policy !== 'unknown') {
      throw new SweFlowError(ErrorCodes.QUEUE_MISCONFIGURED, `Redis at ${url} has maxmemory-policy ${policy}: it may evict queue keys and lose jobs. Set it with \`redis-cli -u ${url} config set maxmemory-policy noeviction\` (and in redis.conf)`);
    }
    return { version, policy };
  } finally {
    redis.disconnect();
  }
}
