import { describe, expect, test } from 'vitest';
import {
  InvalidRecordsError,
  isValidTopicName,
  PartitionLog,
  readVarint,
  splitBatches,
  Topics,
} from './log.js';
import { crc32c, recordBatch } from './testing.js';

const batch = (n: number, t0 = 1000) =>
  recordBatch(Array.from({ length: n }, (_, i) => ({ value: `v${i}`, timestamp: t0 + i })));

/** CRC-32C covers attributes..end of the batch (offset 21 on), not the base offset. */
const crcOk = (b: Buffer) => b.readUInt32BE(17) === crc32c(b.subarray(21));

describe('PartitionLog', () => {
  test('assigns offsets by rewriting only the base offset; the CRC stays valid', () => {
    const log = new PartitionLog('t', 0);
    const first = batch(3);
    const second = Buffer.from(batch(2));
    const original = Buffer.from(second);
    expect(log.append(first)).toBe(0);
    expect(log.append(second)).toBe(3);
    expect(log.endOffset).toBe(5);
    const [stored] = log.read(3, 1);
    expect(stored?.readBigInt64BE(0)).toBe(3n);
    expect(stored?.subarray(8)).toEqual(original.subarray(8));
    expect(stored && crcOk(stored)).toBe(true);
  });

  test('a record set with several batches; invalid sets are refused whole', () => {
    const log = new PartitionLog('t', 0);
    expect(log.append(Buffer.concat([batch(2), batch(4)]))).toBe(0);
    expect(log.endOffset).toBe(6);
    const magic1 = Buffer.from(batch(1));
    magic1.writeInt8(1, 16);
    expect(() => log.append(Buffer.concat([batch(1), magic1]))).toThrow(InvalidRecordsError);
    expect(() => log.append(batch(1).subarray(0, 30))).toThrow(InvalidRecordsError);
    expect(log.endOffset).toBe(6);
  });

  test('read returns whole batches from the one holding the offset, within maxBytes but at least one', () => {
    const log = new PartitionLog('t', 0);
    const sizes = [batch(3), batch(3), batch(3)].map((b) => {
      log.append(b);
      return b.length;
    });
    const bases = (bs: Buffer[]) => bs.map((b) => Number(b.readBigInt64BE(0)));
    expect(bases(log.read(4, 1))).toEqual([3]);
    expect(bases(log.read(4, (sizes[1] ?? 0) + (sizes[2] ?? 0)))).toEqual([3, 6]);
    expect(bases(log.read(0, 1_000_000))).toEqual([0, 3, 6]);
    expect(log.read(4, 1, false)).toEqual([]);
    expect(log.read(9, 1_000_000)).toEqual([]);
  });

  test('offsetForTimestamp finds the first record at or after a time', () => {
    const log = new PartitionLog('t', 0);
    log.append(batch(4, 100)); // 100..103
    log.append(batch(2, 500)); // 500..501
    expect(log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: 100 });
    expect(log.offsetForTimestamp(102)).toEqual({ offset: 2, timestamp: 102 });
    expect(log.offsetForTimestamp(200)).toEqual({ offset: 4, timestamp: 500 });
    expect(log.offsetForTimestamp(600)).toBeNull();
  });

  test('retentionBytes drops the oldest batches and advances the log start', () => {
    const size = batch(2).length;
    const log = new PartitionLog('t', 0, size * 3);
    for (let i = 0; i < 4; i++) log.append(batch(2));
    expect(log.logStartOffset).toBe(4);
    expect(log.endOffset).toBe(8);
    expect(log.read(2, 1_000_000)).toEqual([]);
    expect(log.read(4, 1_000_000).map((b) => Number(b.readBigInt64BE(0)))).toEqual([4, 6]);
  });

  test('listeners hear appends until they unsubscribe', () => {
    const log = new PartitionLog('t', 0);
    let calls = 0;
    const off = log.onAppend(() => calls++);
    log.append(batch(1));
    off();
    log.append(batch(1));
    expect(calls).toBe(1);
  });
});

test('splitBatches reads boundaries and header fields', () => {
  const views = splitBatches(Buffer.concat([batch(2, 10), batch(5, 20)]));
  expect(views.map((v) => [v.lastOffsetDelta, v.maxTimestamp])).toEqual([
    [1, 11],
    [4, 24],
  ]);
});

test('readVarint decodes zig-zag varints', () => {
  const cur = { at: 0 };
  const buf = Buffer.from([0x00, 0x01, 0x02, 0xac, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f]);
  expect([0, 1, 2, 3, 4].map(() => readVarint(buf, cur))).toEqual([0, -1, 1, 150, -2147483648]);
});

test('topic names and the topic table', () => {
  expect(['ok.name_1-x', 'a'.repeat(249)].every(isValidTopicName)).toBe(true);
  expect(['', '.', '..', 'has space', 'a/b', 'a'.repeat(250)].some(isValidTopicName)).toBe(false);
  const topics = new Topics();
  topics.create('x', 2);
  expect(topics.partition('x', 1)?.partition).toBe(1);
  expect(topics.partition('x', 2)).toBeUndefined();
  expect(topics.delete('x')).toBe(true);
  expect(topics.names()).toEqual([]);
});
