/**
 * Wire codec for the (non-flexible) Kafka protocol: big-endian primitives, int16-length strings,
 * int32-length bytes and arrays, and the size-prefixed request/response framing.
 */

/** Thrown when a request is truncated or malformed; the connection is closed. */
export class ProtocolError extends Error {}

export class Reader {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  private need(n: number): number {
    const at = this.offset;
    if (at + n > this.buf.length) throw new ProtocolError(`truncated request: need ${n} bytes at ${at}`);
    this.offset = at + n;
    return at;
  }
  remaining(): number {
    return this.buf.length - this.offset;
  }
  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  /** int64 as a JS number (offsets and timestamps stay far below 2^53). */
  int64(): number {
    return Number(this.buf.readBigInt64BE(this.need(8)));
  }
  nullableString(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    const at = this.need(len);
    return this.buf.toString('utf8', at, at + len);
  }
  string(): string {
    const s = this.nullableString();
    if (s === null) throw new ProtocolError('unexpected null string');
    return s;
  }
  /** int32-length bytes; a view into the request buffer (no copy). */
  nullableBytes(): Buffer | null {
    const len = this.int32();
    if (len < 0) return null;
    const at = this.need(len);
    return this.buf.subarray(at, at + len);
  }
  bytes(): Buffer {
    return this.nullableBytes() ?? Buffer.alloc(0);
  }
  nullableArray<T>(item: (r: Reader) => T): T[] | null {
    const n = this.int32();
    if (n < 0) return null;
    if (n > this.remaining()) throw new ProtocolError(`array length ${n} exceeds request size`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }
  array<T>(item: (r: Reader) => T): T[] {
    return this.nullableArray(item) ?? [];
  }
}

const INLINE_LIMIT = 512;

/**
 * Builds one response frame. Large byte payloads (record batches) are kept as references
 * rather than copied, so a multi-megabyte fetch costs no extra copy before the socket.
 */
export class Writer {
  private readonly chunks: Buffer[] = [];
  private cur: Buffer;
  private pos: number;
  private flushed = 0;

  constructor(initial = 256) {
    this.cur = Buffer.allocUnsafe(Math.max(initial, 16));
    this.pos = 4; // room for the frame size
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.cur.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.cur.length * 2, this.pos + n));
    this.cur.copy(next, 0, 0, this.pos);
    this.cur = next;
  }
  int8(v: number): this {
    this.ensure(1);
    this.pos = this.cur.writeInt8(v, this.pos);
    return this;
  }
  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }
  int16(v: number): this {
    this.ensure(2);
    this.pos = this.cur.writeInt16BE(v, this.pos);
    return this;
  }
  int32(v: number): this {
    this.ensure(4);
    this.pos = this.cur.writeInt32BE(v, this.pos);
    return this;
  }
  int64(v: number | bigint): this {
    this.ensure(8);
    this.pos = this.cur.writeBigInt64BE(BigInt(v), this.pos);
    return this;
  }
  nullableString(s: string | null): this {
    if (s === null) return this.int16(-1);
    const len = Buffer.byteLength(s);
    this.int16(len);
    this.ensure(len);
    this.pos += this.cur.write(s, this.pos, 'utf8');
    return this;
  }
  string(s: string): this {
    return this.nullableString(s);
  }
  /** Appends raw bytes; big buffers are referenced, not copied. */
  raw(b: Buffer): this {
    if (b.length <= INLINE_LIMIT) {
      this.ensure(b.length);
      this.pos += b.copy(this.cur, this.pos);
      return this;
    }
    this.chunks.push(this.cur.subarray(0, this.pos));
    this.chunks.push(b);
    this.flushed += this.pos + b.length;
    this.cur = Buffer.allocUnsafe(256);
    this.pos = 0;
    return this;
  }
  nullableBytes(b: Buffer | null): this {
    if (b === null) return this.int32(-1);
    return this.int32(b.length).raw(b);
  }
  bytes(b: Buffer): this {
    return this.nullableBytes(b);
  }
  array<T>(items: readonly T[], item: (w: Writer, v: T) => void): this {
    this.int32(items.length);
    for (const v of items) item(this, v);
    return this;
  }

  /** The frame as buffers to write in order; the first 4 bytes hold the size of the rest. */
  finish(): Buffer[] {
    const chunks = [...this.chunks];
    if (this.pos > 0) chunks.push(this.cur.subarray(0, this.pos));
    const total = this.flushed + this.pos;
    const first = chunks[0];
    if (!first) throw new Error('empty frame');
    first.writeInt32BE(total - 4, 0);
    return chunks;
  }
}

/** Request header v1 (v2 for flexible requests adds tagged fields after client_id; we never parse those). */
export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export function readRequestHeader(r: Reader): RequestHeader {
  return { apiKey: r.int16(), apiVersion: r.int16(), correlationId: r.int32(), clientId: r.nullableString() };
}

/** Starts a response: frame size placeholder, then response header v0 (correlation id). */
export function responseWriter(correlationId: number, initial?: number): Writer {
  return new Writer(initial).int32(correlationId);
}

/**
 * Splits a byte stream into size-prefixed frames without concatenating more than needed.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private total = 0;

  constructor(private readonly maxFrame = 100 * 1024 * 1024) {}

  /** Feeds bytes; returns the complete frames (without their size prefix). */
  push(data: Buffer): Buffer[] {
    this.chunks.push(data);
    this.total += data.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.total < 4) break;
      const size = this.peekSize();
      if (size < 0 || size > this.maxFrame) throw new ProtocolError(`invalid frame size ${size}`);
      if (this.total < 4 + size) break;
      frames.push(this.take(4 + size).subarray(4));
    }
    return frames;
  }

  private peekSize(): number {
    const first = this.chunks[0];
    if (first && first.length >= 4) return first.readInt32BE(0);
    return this.take(4, true).readInt32BE(0);
  }

  /** Removes n bytes from the front (or only looks at them when peek is set). */
  private take(n: number, peek = false): Buffer {
    const first = this.chunks[0];
    let out: Buffer;
    if (first && first.length >= n) {
      out = first.subarray(0, n);
    } else {
      const all = Buffer.concat(this.chunks, this.total);
      this.chunks = [all];
      out = all.subarray(0, n);
    }
    if (!peek) {
      const head = this.chunks[0] as Buffer;
      if (head.length === n) this.chunks.shift();
      else this.chunks[0] = head.subarray(n);
      this.total -= n;
    }
    return out;
  }
}
