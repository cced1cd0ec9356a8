import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compileErrors, validate } from '@readme/openapi-parser';
import openapiTS, { astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';
import { API_VERSION } from './app.js';
import { buildOpenApi } from './openapi.js';
import { API_ROUTES } from './route-table/table.js';

const document = () => buildOpenApi(API_ROUTES, API_VERSION);

describe('the OpenAPI document', () => {
  it('passes a third-party OpenAPI 3.1 validator', async () => {
    // validate() dereferences in place: give it its own copy.
    const result = await validate(structuredClone(document()) as never);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
  });

  it('holds every $ref it points to (no $defs outside components)', () => {
    const text = JSON.stringify(document());
    expect(text).not.toContain('#/$defs/');
    const schemas = (document().components as { schemas: Record<string, unknown> }).schemas;
    for (const [, name] of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      expect(schemas[name!], name).toBeDefined();
    }
  });

  it('generates a TypeScript client (openapi-typescript) that type-checks with tsc', async () => {
    const ast = await openapiTS(document() as never);
    const types = astToString(ast);
    expect(types).toContain('"/api/devices/{device_id}"');
    const dir = await mkdtemp(join(tmpdir(), 'openapi-client-'));
    try {
      await writeFile(join(dir, 'api.d.ts'), types);
      // A consumer of the generated types: a path, its parameters and its 200 body must be usable.
      await writeFile(
        join(dir, 'use.ts'),
        [
          "import type { paths, components } from './api.js';",
          "type Get = paths['/api/devices/{device_id}']['get'];",
          "export type DeviceId = Get['parameters']['path']['device_id'];",
          "export type Metadata = Get['responses'][200]['content']['application/json'];",
          "export const id: DeviceId = 'gw-01';",
          'export const unit = (m: Metadata): string | null => m.datatype_unit;',
          "export type Entry = components['schemas']['V2Entry'];",
          "export type Flush = NonNullable<paths['/api/v2/cache/flush']['post']['requestBody']>['content']['application/json'];",
          "export const all: Flush = { scope: 'all' };",
          '',
        ].join('\n'),
      );
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
      const args = [
        '--noEmit',
        '--strict',
        '--module',
        'nodenext',
        '--target',
        'es2022',
        '--skipLibCheck',
        'false',
      ];
      const run = promisify(execFile);
      const { stdout } = await run(process.execPath, [
        tsc,
        ...args,
        join(dir, 'use.ts'),
        join(dir, 'api.d.ts'),
      ]).catch((error: { stdout?: string }) => ({ stdout: `tsc failed:\n${error.stdout ?? String(error)}` }));
      expect(stdout).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
