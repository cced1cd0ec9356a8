import { describe, expect, it } from 'vitest';
import {
  decodeMetadataHash,
  decodeReadingsBlob,
  encodeMetadataFields,
  encodeReadingsBlob,
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
  metadata: {
    datatype_id: 'id',
    datatype_name: 'Température',
    datatype_unit: null,
    persist: false,
    channel_number: 1,
    source_sn_hex: '1234',
  },
};

describe('device state encoding', () => {
  it('stores the readings of a device as a head of timestamps and indexes, then compact JSON bodies', () => {
    const u: Reading = {
      ...r,
      index: 'U',
      timestamp: '2025-06-25T08:50:00.000000Z',
      values: ['a\nb', { x: '\t' }],
      metadata: null,
    };
    const blob = encodeReadingsBlob([r, u]);
    expect(blob.split('\n')[0]).toBe(`${r.timestamp}T\t${u.timestamp}U\t`);
    expect(blob.split('\n')).toHaveLength(3);
    expect(blob).not.toContain('display_names');
    expect(decodeReadingsBlob('dev', blob)).toEqual([r, u]);
    expect(decodeReadingsBlob('dev', null)).toEqual([]);
  });

  it('keeps the empty index apart from the others', () => {
    const empty: Reading = { ...r, index: '' };
    expect(decodeReadingsBlob('dev', encodeReadingsBlob([empty, r])).map((x) => x.index)).toEqual(['', 'T']);
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
    expect(meta).toMatchObject({
      persist: true,
      datatype_unit: 'hPa',
      additional_properties: { note: 'plain text' },
    });
    expect(decodeMetadataHash('d', {})).toBeNull();
  });
});
