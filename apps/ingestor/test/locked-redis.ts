/** A real Redis that requires a password (set after start: the testkit's readiness PING needs none). */
import { createCacheClient } from '@org/cache-client';
import type { RedisTransport } from '@org/cache-client/transports';
import { type RedisServer, startRedis } from '@org/cache-testkit';

export const LOCKED_REDIS_PASSWORD = 'the-right-password';

export async function lockedRedis(): Promise<RedisServer> {
  const server = await startRedis();
  const admin = createCacheClient({ transport: 'redis', url: server.url });
  try {
    await (admin.transport as RedisTransport).redis.config('SET', 'requirepass', LOCKED_REDIS_PASSWORD);
  } finally {
    await admin.close().catch(() => {});
  }
  return server;
}
