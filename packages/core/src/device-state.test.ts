import { describe, expect, it } from 'vitest';
import {
  decodeMetadataHash,
  encodeMetadataBody,
  encodeMetadataFields,
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

describe('device metadata encoding', () => {
  it('round-trips metadata through the seed hash layout, keeping extra key types', () => {
    const meta = metadataFromReading(r)!;
    const fields = encodeMetadataFields(meta);
    const hash: Record<string, string> = {};
    for (let i = 0; i < fields.length; i += 2) hash[fields[i]!] = fields[i + 1]!;
    expect(hash).toMatchObject({ datatype_unit: '', persist: 'false', last_updated: r.timestamp });
    expect(decodeMetadataHash('dev', hash)).toEqual(meta);
    expect(meta.additional_properties).toEqual({ channel_number: 1, source_sn_hex: '1234' });
  });

  it('encodes the fields but last_updated as one JSON array for the Lua write', () => {
    const meta = metadataFromReading(r)!;
    const body = JSON.parse(encodeMetadataBody(meta)) as string[];
    expect(body).not.toContain('last_updated');
    expect(['last_updated', r.timestamp, ...body]).toEqual(encodeMetadataFields(meta));
    expect(encodeMetadataBody({ ...meta, last_updated: '2030-01-01T00:00:00.000000Z' })).toBe(
      encodeMetadataBody(meta),
    );
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
