/**
 * The v2 write options as deployed: env → startApi over a real Redis with a key ring and a policy
 * file. An encrypted write leaves no plaintext in Redis and reads back; without keys it is a 400.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisServer, startRedis } from '@org/cache-testkit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from './env.js';
import { createLogger } from './logger.js';
import { type RunningApi, startApi } from './server.js';

const SECRET = 'plaintext-that-must-never-reach-redis';

/** Every byte Redis holds, as text (strings, hashes, sorted sets, streams). */
async function everything(redis: Redis): Promise<string> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      if (type === 'string') out.push((await redis.getBuffer(key))?.toString('latin1') ?? '');
      else if (type === 'hash') out.push(JSON.stringify(await redis.hgetall(key)));
      else if (type === 'zset') out.push(JSON.stringify(await redis.zrange(key, 0, -1)));
      else if (type === 'stream') out.push(JSON.stringify(await redis.xrange(key, '-', '+')));
    }
  } while (cursor !== '0');
  return out.join('\n');
}

describe('v2 write options from the env (real Redis)', () => {
  let server: RedisServer;
  let raw: Redis;
  let dir: string;
  const apis: RunningApi[] = [];

  beforeAll(async () => {
    server = await startRedis();
    raw = new Redis(server.url);
    dir = await mkdtemp(join(tmpdir(), 'kv-codec-'));
  });
  afterAll(async () => {
    for (const api of apis) await api.close();
    raw?.disconnect();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function api(env: Record<string, string>): Promise<RunningApi> {
    const running = await startApi(
      loadEnv({ REDIS_URL: server.url, API_PORT: '0', API_HOST: '127.0.0.1', ...env }),
      createLogger('silent'),
    );
    apis.push(running);
    return running;
  }

  const put = (base: string, key: string, body: unknown) =>
    fetch(`${base}/api/v2/cache/${key}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-tenant-id': 'acme' },
      body: JSON.stringify(body),
    });

  it('encrypts with CACHE_ENCRYPTION_KEYS_FILE and the policy file: no plaintext in Redis, the value reads back', async () => {
    const keys = join(dir, 'keys');
    await writeFile(keys, `k1:${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    const policy = join(dir, 'policy.json');
    await writeFile(
      policy,
      JSON.stringify({ services: { acme: { cache_types: { secrets: { ttl: 120, encryption: true } } } } }),
    );
    const { url } = await api({
      KEY_PREFIX: 'enc:',
      CACHE_ENCRYPTION_KEYS_FILE: keys,
      CACHE_POLICY_FILE: policy,
    });

    const explicit = await put(url, 'a', {
      cache_request: { key: 'a', value: { s: SECRET }, ttl: 60, options: { encryption: true } },
    });
    expect(explicit.status, await explicit.clone().text()).toBe(201);
    const byPolicy = await put(url, 'b', {
      cache_request: { key: 'b', value: SECRET, options: { cache_type: 'secrets' } },
    });
    expect(byPolicy.status, await byPolicy.clone().text()).toBe(201);
    expect(((await byPolicy.json()) as { metadata: { options: unknown } }).metadata.options).toMatchObject({
      encryption: 'aes-256-gcm',
      key_id: 'k1',
      cache_type: 'secrets',
    });

    expect(await everything(raw)).not.toContain(SECRET);
    const read = await fetch(`${url}/api/v2/cache/a`, { headers: { 'x-tenant-id': 'acme' } });
    expect(JSON.stringify(await read.json())).toContain(SECRET);
  });

  it('without a key ring, asking for encryption is a 400 and nothing is written', async () => {
    const { url } = await api({ KEY_PREFIX: 'plain:' });
    const refused = await put(url, 'c', {
      cache_request: { key: 'c', value: SECRET, options: { encryption: true } },
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('CACHE_007');
    const read = await fetch(`${url}/api/v2/cache/c`, { headers: { 'x-tenant-id': 'acme' } });
    expect(read.status).toBe(404);
  });

  it('a bad key ring stops the start naming the variable, never echoing the key', () => {
    const secret = 'not-a-valid-key-material-0123456789';
    expect(() => loadEnv({ CACHE_ENCRYPTION_KEYS: `k1:${secret}` })).toThrow(/CACHE_ENCRYPTION_KEYS/);
    try {
      loadEnv({ CACHE_ENCRYPTION_KEYS: `k1:${secret}` });
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
    expect(() => loadEnv({ CACHE_ENCRYPT_BY_DEFAULT: 'true' })).toThrow(/CACHE_ENCRYPT_BY_DEFAULT/);
  });
});
