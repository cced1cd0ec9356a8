import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CacheClient } from '@org/cache-client';
import { type Reading, toReading, ValidatedOutput } from '@org/cache-core';

const DEMO_FILE = join('demo', 'devices.ndjson');

/** `apps/api/demo/devices.ndjson`, found from wherever this code was bundled (src/, dist/, dist/bin/). */
export function demoDataPath(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, DEMO_FILE);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return null;
}

/** The sample devices: the `ValidatedOutput` lines of the demo file, as readings. */
export function demoReadings(path = demoDataPath()): Reading[] {
  if (path === null) throw new Error(`cannot find ${DEMO_FILE}`);
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => toReading(ValidatedOutput.parse(JSON.parse(line))));
}

/** Writes the sample devices; returns how many devices the cache now holds. */
export async function loadDemoData(client: CacheClient, path?: string): Promise<number> {
  await client.upsertReadings(demoReadings(path));
  return (await client.getCacheInfo()).total_devices;
}
