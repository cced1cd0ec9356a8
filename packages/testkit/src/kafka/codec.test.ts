import { describe, expect, test } from 'vitest';
import { FrameDecoder, ProtocolError, Reader, readRequestHeader, responseWriter, Writer } from './codec.js';

const frame = (chunks: Buffer[]) => Buffer.concat(chunks);

describe('Writer and Reader', () => {
  test('round-trip every primitive', () => {
    const big = Buffer.alloc(4096, 7);
    const w = new Writer(8)
      .int8(-3)
      .bool(true)
      .int16(-300)
      .int32(123456789)
      .int64(2 ** 40 + 5)
      .string('héllo')
      .nullableString(null)
      .bytes(Buffer.from('abc'))
      .nullableBytes(null)
      .bytes(big)
      .array([1, 2, 3], (w, n) => w.int32(n));
    const all = frame(w.finish());
    expect(all.readInt32BE(0)).toBe(all.length - 4);
    const r = new Reader(all.subarray(4));
    expect([r.int8(), r.int8(), r.int16(), r.int32(), r.int64()]).toEqual([
      -3,
      1,
      -300,
      123456789,
      2 ** 40 + 5,
    ]);
    expect([r.string(), r.nullableString()]).toEqual(['héllo', null]);
    expect(r.bytes()).toEqual(Buffer.from('abc'));
    expect(r.nullableBytes()).toBeNull();
    expect(r.bytes()).toEqual(big);
    expect(r.array((r) => r.int32())).toEqual([1, 2, 3]);
    expect(r.remaining()).toBe(0);
  });

  test('large byte payloads are referenced, not copied', () => {
    const big = Buffer.alloc(100_000, 1);
    const chunks = responseWriter(42).int32(big.length).raw(big).int16(9).finish();
    expect(chunks).toContain(big);
    const all = frame(chunks);
    expect(all.readInt32BE(0)).toBe(4 + 4 + big.length + 2);
    expect(all.readInt32BE(4)).toBe(42);
  });

  test('truncated input and absurd array lengths throw ProtocolError', () => {
    expect(() => new Reader(Buffer.from([0, 5, 65])).string()).toThrow(ProtocolError);
    expect(() => new Reader(Buffer.from([0, 0])).int32()).toThrow(ProtocolError);
    expect(() => new Reader(Buffer.from([0x7f, 0, 0, 0])).array((r) => r.int8())).toThrow(ProtocolError);
    expect(() => new Reader(Buffer.from([0xff, 0xff])).string()).toThrow(ProtocolError);
  });

  test('request header v1', () => {
    const body = frame(
      new Writer().int16(3).int16(1).int32(77).nullableString('cli').int32(-1).finish(),
    ).subarray(4);
    const r = new Reader(body);
    expect(readRequestHeader(r)).toEqual({ apiKey: 3, apiVersion: 1, correlationId: 77, clientId: 'cli' });
    expect(r.int32()).toBe(-1);
  });
});

describe('FrameDecoder', () => {
  const sized = (payload: string) => {
    const b = Buffer.alloc(4 + payload.length);
    b.writeInt32BE(payload.length, 0);
    b.write(payload, 4);
    return b;
  };

  test('splits several frames in one chunk and reassembles frames split across chunks', () => {
    const d = new FrameDecoder();
    const stream = Buffer.concat([sized('one'), sized(''), sized('three'), sized('four')]);
    const out: string[] = [];
    let at = 0;
    for (const n of [2, 1, 5, 9, 3, 100]) {
      out.push(...d.push(stream.subarray(at, at + n)).map((f) => f.toString()));
      at += n;
    }
    expect(out).toEqual(['one', '', 'three', 'four']);
  });

  test('rejects negative and oversized frame sizes', () => {
    expect(() => new FrameDecoder().push(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(ProtocolError);
    expect(() => new FrameDecoder(10).push(sized('way too long'))).toThrow(ProtocolError);
  });
});
