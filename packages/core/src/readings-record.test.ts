import { describe, expect, it } from 'vitest';
import type { Reading } from './models/device.js';
import {
  decodeReadingsRecord,
  encodeReadingsRecord,
  FINGERPRINT_WIDTH,
  RECORD_FIXED_HEAD,
  RECORD_METADATA_END,
} from './readings-record.js';

const t: Reading = {
  device_id: 'dev',
  index: 'T',
  timestamp: '2025-06-25T08:57:34.618082Z',
  request_id: 'req',
  values: [21.4],
  labels: ['T_int'],
  display_names: null,
  metadata: { datatype_id: 'id', datatype_name: 'Température', channel_number: 1 },
};
const u: Reading = {
  ...t,
  index: 'U',
  timestamp: '2025-06-25T08:50:00.000000Z',
  values: ['a\nb', { x: '\t' }],
  metadata: null,
};
const meta = { stamp: t.timestamp, fingerprint: 'abcdefghijklmnop' };

describe('readings record', () => {
  it('starts with the metadata stamp and fingerprint, the newest stamp and the sorted indexes', () => {
    const { record, oldestStamp } = encodeReadingsRecord([u, t], meta);
    const [head, ...lines] = record.split('\n');
    expect(head).toBe(`${t.timestamp}abcdefghijklmnop${t.timestamp}T\tU\t`);
    expect(RECORD_METADATA_END).toBe(27 + FINGERPRINT_WIDTH);
    expect(head!.indexOf('T\t')).toBe(RECORD_FIXED_HEAD);
    // The newest reading's line has no stamp of its own; older ones do.
    expect(lines).toEqual([
      `["req",[21.4],["T_int"],null,${JSON.stringify(t.metadata)}]`,
      `${u.timestamp}["req",["a\\nb",{"x":"\\t"}],["T_int"],null,null]`,
    ]);
    expect(oldestStamp).toBe(u.timestamp);
    expect(decodeReadingsRecord('dev', record)).toEqual([t, u]);
  });

  it('leaves the metadata part blank when the write carries none', () => {
    const { record } = encodeReadingsRecord([u], null);
    expect(record.slice(0, RECORD_METADATA_END).trim()).toBe('');
    expect(decodeReadingsRecord('dev', record)).toEqual([u]);
  });

  it('holds metadata alone, with no readings', () => {
    const { record, oldestStamp } = encodeReadingsRecord([], meta);
    expect(record).toBe(`${t.timestamp}abcdefghijklmnop${' '.repeat(27)}\n`);
    expect(oldestStamp).toBe('');
    expect(decodeReadingsRecord('dev', record)).toEqual([]);
    expect(decodeReadingsRecord('dev', null)).toEqual([]);
  });

  it('keeps the empty index apart from the others', () => {
    const empty: Reading = { ...t, index: '' };
    const { record } = encodeReadingsRecord([t, empty], null);
    expect(decodeReadingsRecord('dev', record).map((x) => x.index)).toEqual(['', 'T']);
  });
});
