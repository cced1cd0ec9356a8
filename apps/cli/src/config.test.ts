import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { Context, describeTarget, resolveTarget } from './context.js';
import { readEnv } from './env.js';
import { UsageError } from './errors.js';

const dir = mkdtempSync(join(tmpdir(), 'cache-cli-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('readEnv', () => {
  it('puts the config under XDG_CONFIG_HOME, else ~/.config', () => {
    expect(readEnv({ XDG_CONFIG_HOME: '/x', HOME: '/h' }).configPath).toBe('/x/cache-cli/config.json');
    expect(readEnv({ HOME: '/h' }).configPath).toBe('/h/.config/cache-cli/config.json');
    // A relative XDG_CONFIG_HOME is invalid per the spec and ignored.
    expect(readEnv({ XDG_CONFIG_HOME: 'rel', HOME: '/h' }).configPath).toBe(
      '/h/.config/cache-cli/config.json',
    );
    expect(readEnv({ CACHE_CLI_CONFIG: '/etc/c.json', HOME: '/h' }).configPath).toBe('/etc/c.json');
  });

  it('treats blank variables as unset and reads NO_COLOR', () => {
    const env = readEnv({ CACHE_API_URL: ' ', REDIS_URL: 'redis://r:6379', NO_COLOR: '1', HOME: '/h' });
    expect(env.apiUrl).toBeUndefined();
    expect(env.redisUrl).toBe('redis://r:6379');
    expect(env.noColor).toBe(true);
    expect(readEnv({ NO_COLOR: '', HOME: '/h' }).noColor).toBe(false);
  });
});

describe('loadConfig', () => {
  it('is empty when the file does not exist', () => {
    expect(loadConfig(join(dir, 'missing.json'))).toMatchObject({ exists: false, config: {} });
  });

  it('reads the settings', () => {
    const path = file('ok.json', JSON.stringify({ apiUrl: 'http://api:8080', tenant: 'acme', limit: 50 }));
    expect(loadConfig(path).config).toEqual({ apiUrl: 'http://api:8080', tenant: 'acme', limit: 50 });
  });

  it('rejects bad JSON, unknown keys and bad values as usage errors naming the file', () => {
    for (const [name, text, message] of [
      ['bad.json', '{', /not valid JSON/],
      ['unknown.json', '{"apiurl":"http://x"}', /apiurl/],
      ['value.json', '{"limit":0}', /limit/],
      ['url.json', '{"apiUrl":"ftp://x"}', /apiUrl/],
    ] as const) {
      const path = file(name, text);
      expect(() => loadConfig(path)).toThrow(UsageError);
      expect(() => loadConfig(path)).toThrow(message);
      expect(() => loadConfig(path)).toThrow(path);
    }
  });
});

describe('resolveTarget', () => {
  const env = readEnv({ HOME: '/h' });

  it('defaults to the API on localhost:8080', () => {
    expect(resolveTarget({}, env, {})).toMatchObject({
      kind: 'http',
      baseUrl: 'http://localhost:8080',
      source: 'default',
    });
  });

  it('prefers flags, then the environment, then the config file', () => {
    const config = { apiUrl: 'http://from-config:1', token: 'config-token' };
    const withEnv = readEnv({ HOME: '/h', REDIS_URL: 'redis://from-env:6379', CACHE_API_TOKEN: 'env-token' });
    expect(resolveTarget({}, env, config)).toMatchObject({
      kind: 'http',
      source: 'config apiUrl',
      token: 'config-token',
    });
    expect(resolveTarget({}, withEnv, config)).toMatchObject({ kind: 'redis', url: 'redis://from-env:6379' });
    expect(resolveTarget({ apiUrl: 'http://flag:2' }, withEnv, config)).toMatchObject({
      kind: 'http',
      baseUrl: 'http://flag:2',
      token: 'env-token',
    });
    expect(resolveTarget({ apiUrl: 'http://flag:2', token: 'flag-token' }, withEnv, config)).toMatchObject({
      token: 'flag-token',
    });
  });

  it('prefers the API URL over a Redis URL at the same level', () => {
    const both = readEnv({ HOME: '/h', REDIS_URL: 'redis://r:1', CACHE_API_URL: 'http://a:1' });
    expect(resolveTarget({}, both, {})).toMatchObject({ kind: 'http', source: 'CACHE_API_URL' });
  });

  it('rejects both flags and URLs of the wrong kind', () => {
    expect(() => resolveTarget({ apiUrl: 'http://a', redisUrl: 'redis://b' }, env, {})).toThrow(UsageError);
    expect(() => resolveTarget({ apiUrl: 'redis://a' }, env, {})).toThrow(/--api-url must be an http/);
    expect(() => resolveTarget({ redisUrl: 'http://a' }, env, {})).toThrow(/--redis-url must be a redis/);
  });

  it('never shows a password', () => {
    const target = resolveTarget({ redisUrl: 'redis://:s3cret@db:6379/0' }, env, {});
    expect(describeTarget(target)).toBe('Redis redis://:***@db:6379/0');
  });
});

describe('output settings', () => {
  const io = (isTTY: boolean, noColor = false) => ({
    stdout: { isTTY, write: () => true },
    stderr: { isTTY, write: () => true },
    stdin: process.stdin,
    env: { ...readEnv({ HOME: dir }), noColor, configPath: join(dir, 'none.json') },
  });

  it('colours only tables on a terminal without NO_COLOR or --no-color', () => {
    expect(new Context({}, io(true)).output.style.enabled).toBe(true);
    expect(new Context({}, io(false)).output.style.enabled).toBe(false);
    expect(new Context({}, io(true, true)).output.style.enabled).toBe(false);
    expect(new Context({ color: false }, io(true)).output.style.enabled).toBe(false);
    expect(new Context({ json: true }, io(true)).output.style.enabled).toBe(false);
  });

  it('takes the mode from the flags, else the config file', () => {
    const path = file('ndjson.json', '{"output":"ndjson"}');
    expect(new Context({ config: path }, io(false)).output.mode).toBe('ndjson');
    expect(new Context({ config: path, json: true }, io(false)).output.mode).toBe('json');
    expect(() => new Context({ json: true, ndjson: true }, io(false))).toThrow(UsageError);
  });
});
