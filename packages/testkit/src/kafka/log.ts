/**
 * Topic and partition storage. Record batches (magic 2) are kept as opaque byte ranges: only the
 * base offset (the first 8 bytes, outside the CRC-32C) is rewritten on append.
 */

/** Record batch header layout (KIP-98). */
const BATCH_LENGTH = 8;
const MAGIC = 16;
const ATTRIBUTES = 21;
const LAST_OFFSET_DELTA = 23;
const FIRST_TIMESTAMP = 27;
const MAX_TIMESTAMP = 35;
const RECORDS_COUNT = 57;
const HEADER_SIZE = 61;

export class InvalidRecordsError extends Error {}

interface BatchView {
  start: number;
  end: number;
  lastOffsetDelta: number;
  maxTimestamp: number;
}

/** Checks a record set and returns its batch boundaries, or throws InvalidRecordsError. */
export function splitBatches(records: Buffer): BatchView[] {
  const out: BatchView[] = [];
  let at = 0;
  while (at < records.length) {
    if (records.length - at < HEADER_SIZE) throw new InvalidRecordsError('truncated record batch header');
    const end = at + 12 + records.readInt32BE(at + BATCH_LENGTH);
    if (end > records.length || end < at + HEADER_SIZE) throw new InvalidRecordsError('bad batch length');
    const magic = records.readInt8(at + MAGIC);
    if (magic !== 2) throw new InvalidRecordsError(`unsupported message format (magic ${magic})`);
    const lastOffsetDelta = records.readInt32BE(at + LAST_OFFSET_DELTA);
    if (lastOffsetDelta < 0) throw new InvalidRecordsError('negative lastOffsetDelta');
    const maxTimestamp = Number(records.readBigInt64BE(at + MAX_TIMESTAMP));
    out.push({ start: at, end, lastOffsetDelta, maxTimestamp });
    at = end;
  }
  return out;
}

export class PartitionLog {
  private readonly batches: Buffer[] = [];
  private readonly bases: number[] = [];
  private readonly maxTimestamps: number[] = [];
  private readonly listeners = new Set<() => void>();
  private bytes = 0;
  /** First offset still stored (advances when retentionBytes drops old batches). */
  logStartOffset = 0;
  /** Log end offset; equal to the high watermark on a single node. */
  endOffset = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** Drop the oldest batches once the partition holds more than this (Kafka's retention.bytes). */
    private readonly retentionBytes = Number.POSITIVE_INFINITY,
  ) {}

  /** Appends a record set; returns the base offset assigned to its first batch. */
  append(records: Buffer): number {
    const views = splitBatches(records);
    const base = this.endOffset;
    for (const v of views) {
      const batch = records.subarray(v.start, v.end);
      batch.writeBigInt64BE(BigInt(this.endOffset), 0);
      this.batches.push(batch);
      this.bases.push(this.endOffset);
      this.maxTimestamps.push(v.maxTimestamp);
      this.endOffset += v.lastOffsetDelta + 1;
      this.bytes += batch.length;
    }
    if (this.bytes > this.retentionBytes) this.trim();
    if (views.length > 0) for (const l of this.listeners) l();
    return base;
  }

  /** Drops old batches down to 90% of retentionBytes (in one splice, so appends stay cheap). */
  private trim(): void {
    let drop = 0;
    while (drop < this.batches.length - 1 && this.bytes > this.retentionBytes * 0.9) {
      this.bytes -= (this.batches[drop] as Buffer).length;
      drop++;
    }
    this.batches.splice(0, drop);
    this.bases.splice(0, drop);
    this.maxTimestamps.splice(0, drop);
    this.logStartOffset = this.bases[0] ?? this.endOffset;
  }

  /** Wakes everything waiting for appends (used when the topic is deleted). */
  wake(): void {
    for (const l of this.listeners) l();
  }

  /** Calls fn after every append until the returned function is called. */
  onAppend(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Index of the batch containing offset (offset must be in [logStartOffset, endOffset)). */
  private indexOf(offset: number): number {
    let lo = 0;
    let hi = this.bases.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.bases[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Whole batches starting with the one that contains offset, up to maxBytes; the first batch is
   * returned even when it is larger unless atLeastOne is false.
   */
  read(offset: number, maxBytes: number, atLeastOne = true): Buffer[] {
    if (offset < this.logStartOffset || offset >= this.endOffset) return [];
    const out: Buffer[] = [];
    let bytes = 0;
    for (let i = this.indexOf(offset); i < this.batches.length; i++) {
      const b = this.batches[i] as Buffer;
      if (bytes + b.length > maxBytes && (out.length > 0 || !atLeastOne)) break;
      out.push(b);
      bytes += b.length;
    }
    return out;
  }

  /** Earliest offset whose record timestamp is >= ts, with that timestamp; null when there is none. */
  offsetForTimestamp(ts: number): { offset: number; timestamp: number } | null {
    for (let i = 0; i < this.batches.length; i++) {
      const maxTs = this.maxTimestamps[i] as number;
      if (maxTs < ts) continue;
      const batch = this.batches[i] as Buffer;
      return findInBatch(batch, ts) ?? { offset: this.bases[i] as number, timestamp: maxTs };
    }
    return null;
  }
}

/** Exact lookup inside an uncompressed CreateTime batch; null when the batch cannot be read cheaply. */
function findInBatch(batch: Buffer, ts: number): { offset: number; timestamp: number } | null {
  const attributes = batch.readInt16BE(ATTRIBUTES);
  if ((attributes & 0x07) !== 0 || (attributes & 0x08) !== 0) return null;
  const baseOffset = Number(batch.readBigInt64BE(0));
  const firstTimestamp = Number(batch.readBigInt64BE(FIRST_TIMESTAMP));
  const count = batch.readInt32BE(RECORDS_COUNT);
  const cur = { at: HEADER_SIZE };
  for (let i = 0; i < count && cur.at < batch.length; i++) {
    const length = readVarint(batch, cur);
    const next = cur.at + length;
    cur.at += 1; // record attributes
    const timestamp = firstTimestamp + readVarint(batch, cur);
    const offsetDelta = readVarint(batch, cur);
    if (timestamp >= ts) return { offset: baseOffset + offsetDelta, timestamp };
    cur.at = next;
  }
  return null;
}

/** Zig-zag varint/varlong as a JS number. */
export function readVarint(buf: Buffer, cur: { at: number }): number {
  let value = 0;
  let factor = 1;
  for (;;) {
    const byte = buf[cur.at++];
    if (byte === undefined) throw new InvalidRecordsError('truncated varint');
    value += (byte & 0x7f) * factor;
    if ((byte & 0x80) === 0) break;
    factor *= 128;
  }
  return value % 2 === 0 ? value / 2 : -(value + 1) / 2;
}

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

export function isValidTopicName(name: string): boolean {
  return TOPIC_NAME.test(name) && name !== '.' && name !== '..';
}

/** All topics of the broker, by name, each an array of partitions. */
export class Topics {
  private readonly byName = new Map<string, PartitionLog[]>();

  constructor(private readonly retentionBytes = Number.POSITIVE_INFINITY) {}

  names(): string[] {
    return [...this.byName.keys()];
  }
  has(name: string): boolean {
    return this.byName.has(name);
  }
  get(name: string): PartitionLog[] | undefined {
    return this.byName.get(name);
  }
  partition(name: string, partition: number): PartitionLog | undefined {
    return this.byName.get(name)?.[partition];
  }
  create(name: string, partitions: number): PartitionLog[] {
    const logs = Array.from({ length: partitions }, (_, i) => new PartitionLog(name, i, this.retentionBytes));
    this.byName.set(name, logs);
    return logs;
  }
  delete(name: string): boolean {
    const logs = this.byName.get(name);
    this.byName.delete(name);
    for (const log of logs ?? []) log.wake();
    return logs !== undefined;
  }
}
