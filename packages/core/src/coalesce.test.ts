import { describe, expect, it } from 'vitest';
import { coalesceReadings } from './coalesce.js';
import type { Reading } from './models/device.js';

const reading = (device_id: string, index: string, timestamp: string, value: number): Reading => ({
  device_id,
  index,
  timestamp,
  request_id: null,
  values: [value],
  labels: null,
  display_names: null,
  metadata: { datatype_id: index, datatype_name: `${index}-${value}`, datatype_unit: null, persist: true },
});

describe('coalesceReadings', () => {
  it('keeps the newest reading per device and index, whatever the order', () => {
    const batch = coalesceReadings([
      reading('a', 'T', '2025-01-01T00:00:02.000000Z', 2),
      reading('a', 'T', '2025-01-01T00:00:01.000000Z', 1),
      reading('a', 'U', '2025-01-01T00:00:00.000000Z', 9),
      reading('b', 'T', '2025-01-01T00:00:00.000000Z', 5),
    ]);
    expect(batch.superseded).toBe(1);
    const a = batch.devices.find((d) => d.deviceId === 'a')!;
    expect(a.readings.map((r) => [r.index, r.values[0]])).toEqual([
      ['T', 2],
      ['U', 9],
    ]);
    expect(a.metadata?.datatype_name).toBe('T-2');
    expect(a.metadata?.last_updated).toBe('2025-01-01T00:00:02.000000Z');
  });

  it('lets the later of two equal timestamps win (a replay is idempotent)', () => {
    const batch = coalesceReadings([
      reading('a', 'T', '2025-01-01T00:00:00.000000Z', 1),
      reading('a', 'T', '2025-01-01T00:00:00.000000Z', 2),
    ]);
    expect(batch.devices[0]!.readings[0]!.values).toEqual([2]);
  });
});
