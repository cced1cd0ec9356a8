import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ValidatedOutput } from './validated-output.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../testkit/fixtures/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim().length > 0);

describe('ValidatedOutput', () => {
  it('accepts every fixture line', () => {
    for (const line of fixture('validated-output.ndjson')) {
      const parsed = ValidatedOutput.safeParse(JSON.parse(line));
      expect(parsed.success, line).toBe(true);
    }
  });

  it('normalizes timestamps, aliases label and keeps unknown metadata keys', () => {
    const parsed = ValidatedOutput.parse({
      device_id: 'station_123',
      request_id: 'r1',
      timestamp: '2025-06-25T09:13:45',
      values: [25.5],
      label: ['temperature'],
      index: 'T',
      metadata: { datatype_id: 't', datatype_name: 'Temperature', datatype_unit: null, battery_ok: true },
    });
    expect(parsed.timestamp).toBe('2025-06-25T09:13:45.000000Z');
    expect(parsed.labels).toEqual(['temperature']);
    expect(parsed.display_names).toBeNull();
    expect(parsed.metadata).toEqual({
      datatype_id: 't',
      datatype_name: 'Temperature',
      datatype_unit: null,
      persist: true,
      battery_ok: true,
    });
  });

  it('rejects every bad fixture line with a reason', () => {
    const lines = fixture('bad-messages.ndjson');
    expect(lines.length).toBe(9);
    for (const line of lines) {
      let input: unknown;
      try {
        input = JSON.parse(line);
      } catch {
        continue; // not JSON: the decoder's job
      }
      const parsed = ValidatedOutput.safeParse(input);
      expect(parsed.success, line).toBe(false);
      expect(parsed.error?.issues[0]?.message.length, line).toBeGreaterThan(0);
    }
  });

  it('defaults a missing index to the empty string', () => {
    const parsed = ValidatedOutput.parse({ device_id: 'd', timestamp: '2025-06-25T09:13:45Z', values: [] });
    expect(parsed.index).toBe('');
    expect(parsed.request_id).toBeNull();
  });
});
