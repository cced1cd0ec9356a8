import { readFile } from 'node:fs/promises';
import type { CacheClient } from '@org/cache-client';
import { installValueCodec } from '@org/cache-client/value-codec';
import { attachCachePolicy, CachePolicySource, type KeyRing, parseKeyRing } from '@org/cache-core';
import type { ApiEnv } from './env.js';

/** The largest key ring or policy file read (a file is a setting: bounded like one). */
const MAX_SETTINGS_FILE_BYTES = 1024 * 1024;

async function readSettingsFile(variable: string, path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (Buffer.byteLength(text) > MAX_SETTINGS_FILE_BYTES) {
    throw new Error(`${variable}: ${path} is larger than ${MAX_SETTINGS_FILE_BYTES} bytes`);
  }
  return text;
}

/** The key ring of encryption at rest: `CACHE_ENCRYPTION_KEYS`, or the file `CACHE_ENCRYPTION_KEYS_FILE`. */
async function keyRingOf(env: ApiEnv): Promise<KeyRing | null> {
  if (env.CACHE_ENCRYPTION_KEYS) return env.CACHE_ENCRYPTION_KEYS;
  if (!env.CACHE_ENCRYPTION_KEYS_FILE) return null;
  const text = await readSettingsFile('CACHE_ENCRYPTION_KEYS_FILE', env.CACHE_ENCRYPTION_KEYS_FILE);
  try {
    return parseKeyRing(text.trim());
  } catch (error) {
    // parseKeyRing's messages never echo key material
    throw new Error(`CACHE_ENCRYPTION_KEYS_FILE: ${(error as Error).message}`);
  }
}

/**
 * The v2 write options on the API's client (memory or Redis): compression, encryption at rest with
 * the configured key ring, `strong` consistency and the cache-type policy file (re-read by
 * `POST /api/v2/cache/reload`). Throws, naming the setting, when a file cannot be used.
 */
export async function installKvCodec(client: CacheClient, env: ApiEnv): Promise<void> {
  const keyRing = await keyRingOf(env);
  if (env.CACHE_POLICY_FILE) {
    const file = env.CACHE_POLICY_FILE;
    try {
      attachCachePolicy(
        client.transport,
        await CachePolicySource.open(() => readSettingsFile('CACHE_POLICY_FILE', file)),
      );
    } catch (error) {
      const message = (error as Error).message;
      throw new Error(message.startsWith('CACHE_POLICY_FILE') ? message : `CACHE_POLICY_FILE: ${message}`);
    }
  }
  installValueCodec(client.transport, {
    keyRing,
    compressByDefault: env.CACHE_COMPRESS_BY_DEFAULT,
    compressionThreshold: env.CACHE_COMPRESSION_THRESHOLD,
    ...(env.CACHE_COMPRESSION ? { compressionAlgorithm: env.CACHE_COMPRESSION } : {}),
    encryptByDefault: env.CACHE_ENCRYPT_BY_DEFAULT,
    maxValueBytes: env.CACHE_MAX_VALUE_BYTES,
    strongWriteTimeoutMs: env.CACHE_STRONG_TIMEOUT_MS,
  });
}
