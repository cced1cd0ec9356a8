import { describe, expect, it } from 'vitest';
import {
  STORED_READING_TS_END,
  STORED_READING_TS_START,
  decodeMetadataHash,
  decodeStoredReading,
  encodeMetadataFields,
  encodeStoredReading,
  metadataFromReading,
} from './device-state.js';
import type { Reading } from './models/device.js';

const r: Reading = {
  device_id: 'dev',
  index: 'T',
  timestamp: '2025-06-25T08:57:34.618082Z',
  request_id: 'req',
  values: [21.4],
  labels: ['T_int'],
  display_names: null,
  metadata: { datatype_id: 'id', datatype_name: 'Température', datatype_unit: null, persist: false, channel_number: 1, source_sn_hex: '1234' },
};

describe('device state encoding', () => {
  it('stores readings as compact JSON starting with the timestamp', () => {
    const raw = encodeStoredReading(r);
    expect(raw.slice(STORED_READING_TS_START - 1, STORED_READING_TS_END)).toBe(r.timestamp);
    expect(decodeStoredReading('dev', 'T', raw)).toEqual(r);
    expect(raw).not.toContain('display_names');
  });

  it('round-trips metadata through the seed hash layout, keeping extra key types', () => {
    const meta = metadataFromReading(r)!;
    const fields = encodeMetadataFields(meta);
    const hash: Record<string, string> = {};
    for (let i = 0; i < fields.length; i += 2) hash[fields[i]!] = fields[i + 1]!;
    expect(hash).toMatchObject({ datatype_unit: '', persist: 'false', last_updated: r.timestamp });
    expect(decodeMetadataHash('dev', hash)).toEqual(meta);
    expect(meta.additional_properties).toEqual({ channel_number: 1, source_sn_hex: '1234' });
  });

  it('reads seed-written hashes', () => {
    const meta = decodeMetadataHash('d', {
      datatype_id: 'x',
      datatype_name: 'X',
      datatype_unit: 'hPa',
      persist: 'True',
      last_updated: '2025-06-25T08:57:34.618082',
      note: 'plain text',
    });
    expect(meta).toMatchObject({ persist: true, datatype_unit: 'hPa', additional_properties: { note: 'plain text' } });
    expect(decodeMetadataHash('d', {})).toBeNull();
  });
});
