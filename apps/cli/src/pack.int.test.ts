/**
 * `@org/cache-client` as users get it: `pnpm pack` of core and client, `npm install` of the two
 * tarballs into a fresh project (the registry only for ioredis and zod), then the package used
 * from ESM, from CommonJS and type-checked from TypeScript, with the memory transport.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'cache-client-pack-'));
const tarballs = join(work, 'tarballs');
const project = join(work, 'consumer');
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');

async function pack(dir: string): Promise<string> {
  const before = new Set(readdirSync(tarballs));
  await run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: join(root, dir) });
  const created = readdirSync(tarballs).find((f) => !before.has(f) && f.endsWith('.tgz'));
  if (!created) throw new Error(`pnpm pack in ${dir} wrote no tarball`);
  return join(tarballs, created);
}

async function tarList(file: string): Promise<string[]> {
  return (await run('tar', ['-tzf', file])).stdout.trim().split('\n');
}

async function tarPackageJson(file: string): Promise<Record<string, Record<string, string>>> {
  return JSON.parse((await run('tar', ['-xzOf', file, 'package/package.json'])).stdout);
}

let core: string;
let client: string;

beforeAll(async () => {
  mkdirSync(tarballs, { recursive: true });
  mkdirSync(project, { recursive: true });
  core = await pack('packages/core');
  client = await pack('packages/client');
  // Both tarballs as dependencies, and the override pins client's `@org/cache-core` to the core
  // tarball: npm never asks the registry for an @org package (nothing of ours is published there).
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      version: '0.0.0',
      dependencies: { '@org/cache-core': `file:${core}`, '@org/cache-client': `file:${client}` },
      overrides: { '@org/cache-core': '$@org/cache-core' },
    }),
  );
  const args = [
    'install',
    '--no-audit',
    '--no-fund',
    '--prefer-offline',
    '--no-package-lock',
    '--loglevel=error',
  ];
  await run('npm', [...args, '@types/node@24'], { cwd: project, timeout: 150_000 });
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed @org/cache-client', () => {
  it('ships the ESM, CJS and both type builds, the README, no sources or tests', async () => {
    const files = await tarList(client);
    for (const f of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts'])
      expect(files).toContain(`package/dist/${f}`);
    expect(files).toContain('package/README.md');
    expect(files.filter((f) => f.startsWith('package/src/') || /\.test\./.test(f))).toEqual([]);
    expect((await tarList(core)).filter((f) => f.startsWith('package/dist/index.'))).toHaveLength(6);
  });

  it('depends on the published version of core, not workspace:*', async () => {
    const manifest = await tarPackageJson(client);
    const coreVersion = JSON.parse(readFileSync(join(root, 'packages/core/package.json'), 'utf8')).version;
    expect(manifest.dependencies?.['@org/cache-core']).toBe(coreVersion);
    expect(JSON.stringify(manifest)).not.toContain('workspace:');
  });

  it('works from ESM', async () => {
    writeFileSync(
      join(project, 'esm.mjs'),
      `import { createCacheClient, CacheClient, NotFoundError, InvalidKeyError, ValidatedOutput, toReading } from '@org/cache-client';
import { ErrorCode } from '@org/cache-core';
{
  await using cache = createCacheClient({ transport: 'memory' });
  if (!(cache instanceof CacheClient)) throw new Error('not a CacheClient');
  const msg = ValidatedOutput.parse({ device_id: 'd1', timestamp: '2025-06-25T09:13:45', values: [1], index: 'T',
    metadata: { datatype_id: 't', datatype_name: 'Temperature', datatype_unit: 'C' } });
  await cache.upsertReadings([toReading(msg)]);
  const meta = await cache.getDeviceMetadata('d1');
  const kv = cache.forTenant('acme');
  await kv.set('k', { a: 1 }, { ttl: 60 });
  let code = null;
  try { await cache.getDeviceMetadata(''); } catch (e) { code = e instanceof InvalidKeyError ? e.code : 'wrong class'; }
  console.log(JSON.stringify({ name: meta.datatype_name, value: (await kv.get('k')).value, code,
    notFound: new NotFoundError('x').code === ErrorCode.KEY_NOT_FOUND }));
}
`,
    );
    const { stdout } = await run(process.execPath, ['esm.mjs'], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({
      name: 'Temperature',
      value: { a: 1 },
      code: 'CACHE_004',
      notFound: true,
    });
  });

  it('works from CommonJS', async () => {
    writeFileSync(
      join(project, 'cjs.cjs'),
      `const { createCacheClient, InvalidKeyError, isCacheError } = require('@org/cache-client');
const core = require('@org/cache-core');
(async () => {
  const cache = createCacheClient({ transport: 'memory' });
  await cache.forTenant('t').set('k', [1, 2]);
  let err;
  try { await cache.forTenant('bad tenant!'); } catch (e) { err = e; }
  const entry = await cache.forTenant('t').get('k');
  await cache.close();
  console.log(JSON.stringify({ value: entry.value, isCacheError: isCacheError(err), invalid: err instanceof InvalidKeyError,
    sameClass: err instanceof core.CacheError, resolved: require.resolve('@org/cache-client').endsWith('index.cjs') }));
})();
`,
    );
    const { stdout } = await run(process.execPath, ['cjs.cjs'], { cwd: project });
    expect(JSON.parse(stdout)).toEqual({
      value: [1, 2],
      isCacheError: true,
      invalid: true,
      sameClass: true,
      resolved: true,
    });
  });

  it('type-checks against the published types from ESM and CommonJS (tsc --noEmit)', async () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          lib: ['ES2023', 'ESNext.Disposable'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['typed.mts', 'typed.cts'],
      }),
    );
    writeFileSync(
      join(project, 'typed.mts'),
      `import {
  type CacheEntry,
  CacheError,
  type CreateCacheClientOptions,
  createCacheClient,
  type DeviceMetadata,
  type DevicePage,
  type HealthStatus,
  isCacheError,
  RateLimitError,
} from '@org/cache-client';

const options: CreateCacheClientOptions[] = [
  { transport: 'memory' },
  { transport: 'redis', url: 'redis://localhost:6379', keyPrefix: 'p:' },
  { transport: 'redis', clusterNodes: ['10.0.0.1:7000'] },
  { transport: 'http', baseUrl: 'http://localhost:8080', token: 't', timeoutMs: 5000, retries: 2 },
];
export async function main(): Promise<void> {
  await using cache = createCacheClient(options[0]!);
  const meta: DeviceMetadata | null = await cache.getDeviceMetadata('d');
  const page: DevicePage = await cache.listDevices({ limit: 10, cursor: null, pattern: 's*', sort: 'updated' });
  const health: HealthStatus = await cache.checkHealth();
  const entry: CacheEntry = await cache.forTenant('acme').set('k', { a: [1, 'x', null] }, { ttl: 10 });
  try {
    await cache.getReadings('d', 'T');
  } catch (error) {
    if (error instanceof RateLimitError) console.log(error.retryAfterSeconds);
    if (isCacheError(error)) console.log(error.code, error.retriable, error.status, error.details);
    if (error instanceof CacheError) console.log(error.code satisfies string);
  }
  console.log(meta?.datatype_name, page.next_cursor, health.status, entry.version);
  // @ts-expect-error: values must be JSON
  await cache.set('k', () => 1);
  // @ts-expect-error: unknown transport
  createCacheClient({ transport: 'carrier-pigeon' });
}
`,
    );
    writeFileSync(
      join(project, 'typed.cts'),
      `import cacheClient = require('@org/cache-client');
const cache: cacheClient.CacheClient = cacheClient.createCacheClient({ transport: 'memory', tenant: 'acme' });
export const pending: Promise<cacheClient.CacheEntry | null> = cache.get('k');
`,
    );
    const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project }).catch(
      (error: { stdout: string; stderr: string }) => error,
    );
    expect(`${result.stdout}${result.stderr}`).toBe('');
  });
});
