/** Compares the device state in the cache with the newest reading per device and index of a generated stream. */
import type { CacheClient } from '@org/cache-client';
import type { Generated } from './data.js';

const INDEXES = ['B', 'P', 'T', 'U'];

/**
 * Reads every device of `data` (readings and metadata) and lists where the cache differs from the
 * newest reading per device and index (value and timestamp) or the metadata's `last_updated` from
 * the device's newest reading. `checked` counts the device/index pairs compared.
 */
export async function compareWithExpected(
  devices: CacheClient,
  data: Generated,
): Promise<{ checked: number; mismatches: string[] }> {
  const ids = [...new Set(data.keys)].sort();
  const mismatches: string[] = [];
  let checked = 0;
  for (let i = 0; i < ids.length; i += 500) {
    const slice = ids.slice(i, i + 500);
    const [readings, metadata] = await Promise.all([
      Promise.all(slice.map((id) => devices.getReadings(id))),
      devices.getDeviceMetadataMany(slice),
    ]);
    slice.forEach((id, j) => {
      let newest = '';
      for (const index of INDEXES) {
        const want = data.expected.get(`${id}|${index}`);
        const got = readings[j]!.find((r) => r.index === index);
        if (want && want.timestamp > newest) newest = want.timestamp;
        if (!want && !got) continue;
        checked++;
        if (got?.values[0] !== want?.value || got?.timestamp !== want?.timestamp) {
          mismatches.push(
            `${id}|${index}: want ${JSON.stringify(want)} got ${got?.timestamp} ${JSON.stringify(got?.values)}`,
          );
        }
      }
      if (metadata[j]?.last_updated !== newest)
        mismatches.push(`${id} metadata: want ${newest} got ${metadata[j]?.last_updated}`);
    });
  }
  return { checked, mismatches };
}
