/** Helpers for the Kafka tests (not exported from the package). */
import { randomBytes } from 'node:crypto';
import { createConnection, type Socket } from 'node:net';
import {
  type Consumer,
  type ConsumerConfig,
  Kafka,
  type KafkaConfig,
  logLevel,
  Partitioners,
  type Producer,
} from 'kafkajs';
import { FrameDecoder, Reader, Writer } from './codec.js';

/** A topic or group name unique to this test run, so the suite can run against a shared cluster. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export function kafkaClient(brokers: string[], config: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({
    brokers,
    clientId: 'testkit-kafka-tests',
    logLevel: logLevel.NOTHING,
    retry: { initialRetryTime: 100, retries: 8 },
    ...config,
  });
}

export function producer(kafka: Kafka): Producer {
  return kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
}

/** Short timeouts so rebalances and evictions happen within seconds (6000 is Kafka's minimum). */
export function consumer(kafka: Kafka, groupId: string, config: Partial<ConsumerConfig> = {}): Consumer {
  return kafka.consumer({
    groupId,
    sessionTimeout: 6000,
    rebalanceTimeout: 10000,
    heartbeatInterval: 500,
    maxWaitTimeInMs: 100,
    retry: { initialRetryTime: 100, retries: 8 },
    ...config,
  });
}

/** Polls until fn returns a truthy value (or throws the last failure after timeoutMs). */
export async function waitFor<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 15000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** CRC-32C (Castagnoli), as used by record batches. */
export function crc32c(buf: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of buf) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function varint(n: number): Buffer {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
  return Buffer.from(out);
}

/** An uncompressed magic-2 record batch with base offset 0 and a valid CRC. */
export function recordBatch(records: { value: string; timestamp: number }[]): Buffer {
  const first = records[0]?.timestamp ?? 0;
  const body = records.map((r, i) => {
    const value = Buffer.from(r.value);
    const rec = Buffer.concat([
      Buffer.from([0]), // attributes
      varint(r.timestamp - first),
      varint(i),
      varint(-1), // null key
      varint(value.length),
      value,
      varint(0), // headers
    ]);
    return Buffer.concat([varint(rec.length), rec]);
  });
  const afterCrc = Buffer.alloc(40);
  afterCrc.writeInt16BE(0, 0); // attributes: no compression, CreateTime
  afterCrc.writeInt32BE(records.length - 1, 2); // lastOffsetDelta
  afterCrc.writeBigInt64BE(BigInt(first), 6);
  afterCrc.writeBigInt64BE(BigInt(Math.max(first, ...records.map((r) => r.timestamp))), 14);
  afterCrc.writeBigInt64BE(-1n, 22); // producerId
  afterCrc.writeInt16BE(-1, 30); // producerEpoch
  afterCrc.writeInt32BE(-1, 32); // baseSequence
  afterCrc.writeInt32BE(records.length, 36);
  const crced = Buffer.concat([afterCrc, ...body]);
  const head = Buffer.alloc(21);
  head.writeBigInt64BE(0n, 0);
  head.writeInt32BE(9 + crced.length, 8); // batchLength: from partitionLeaderEpoch to the end
  head.writeInt32BE(0, 12); // partitionLeaderEpoch
  head.writeInt8(2, 16); // magic
  head.writeUInt32BE(crc32c(crced), 17);
  return Buffer.concat([head, crced]);
}

/** A bare protocol client: sends request frames and reads response frames in arrival order. */
export class RawClient {
  private readonly frames: Buffer[] = [];
  private readonly decoder = new FrameDecoder();
  private wake: (() => void) | null = null;
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.frames.push(...this.decoder.push(d));
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(apiKey: number, version: number, correlationId: number, body: (w: Writer) => void = () => {}): void {
    const w = new Writer().int16(apiKey).int16(version).int32(correlationId).nullableString('raw-test');
    body(w);
    for (const chunk of w.finish()) this.socket.write(chunk);
  }

  /** The next response: its correlation id and a reader over its body. */
  async next(timeoutMs = 5000): Promise<{ correlationId: number; body: Reader }> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.closed) throw new Error('connection closed');
      if (Date.now() > deadline) throw new Error('no response');
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 20);
      });
    }
    const body = new Reader(this.frames.shift() as Buffer);
    return { correlationId: body.int32(), body };
  }

  /** Resolves true when the broker closes the connection within timeoutMs. */
  async waitClosed(timeoutMs = 2000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  close(): void {
    this.socket.destroy();
  }
}
