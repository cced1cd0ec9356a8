/**
 * Property: whatever arrives (valid readings, arbitrary JSON documents, arbitrary bytes, readings
 * made hostile in one way each), the pipeline over a real Redis always finishes; every valid
 * message is reflected (the newest per device and index wins); every invalid one yields exactly
 * one error record, with the error_code of what was wrong with it.
 */
import { type CacheClient, createCacheClient } from '@org/cache-client';
import { INPUT_BOUNDS } from '@org/cache-core';
import { type RedisServer, startRedis } from '@org/cache-testkit';
import fc from 'fast-check';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { ErrorRecord } from './error-message.js';
import { type ErrorSink, Pipeline } from './pipeline.js';

const MAX_MESSAGE_BYTES = 64 * 1024;
const BASE_MS = Date.UTC(2025, 5, 25, 8, 0, 0);

let redis: RedisServer;
let client: CacheClient;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

/** Collects what the pipeline reports (the error sink is the pipeline's own interface). */
class CollectingSink implements ErrorSink {
  readonly records: ErrorRecord[] = [];
  async send(records: readonly ErrorRecord[]): Promise<void> {
    this.records.push(...records);
  }
}

interface Valid {
  device_id: string;
  index: string;
  /** Offset added to the message's own position to make every timestamp distinct. */
  secondsAhead: number;
  zone: 'Z' | '+00:00' | '';
  values: unknown[];
  labels: string[] | null;
  metadata: Record<string, unknown> | null;
}

const deviceId = fc.oneof(
  fc.constantFrom('d0', 'd1', 'd2', 'sensor/7', 'dev{tag}', 'glob*[a]?', 'é漢-1'),
  fc.stringMatching(/^[a-zA-Z0-9_:./{}*?[\]-]{1,24}$/),
);
const jsonish = fc.jsonValue({ maxDepth: 4 });
const validReading: fc.Arbitrary<Valid> = fc.record({
  device_id: deviceId,
  index: fc.constantFrom('T', 'U', 'P', '', 'x{y}'),
  secondsAhead: fc.integer({ min: 0, max: 1_000_000 }),
  zone: fc.constantFrom('Z' as const, '+00:00' as const, '' as const),
  values: fc.array(jsonish, { maxLength: 4 }),
  labels: fc.option(fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }), { nil: null }),
  metadata: fc.option(
    fc.record({
      datatype_id: fc.string({ maxLength: 8 }),
      datatype_name: fc.string({ maxLength: 8 }),
      datatype_unit: fc.option(fc.string({ maxLength: 4 }), { nil: null }),
      persist: fc.boolean(),
      battery_ok: jsonish,
    }),
    { nil: null },
  ),
});

/** The message text of a valid reading at `position` (every timestamp distinct). */
function encode(r: Valid, position: number, change: (m: Record<string, unknown>) => void = () => {}) {
  const ms = BASE_MS + r.secondsAhead * 1000 + position;
  const iso = new Date(ms).toISOString();
  const timestamp = r.zone === 'Z' ? iso : `${iso.slice(0, -1)}${r.zone}`;
  const message: Record<string, unknown> = {
    device_id: r.device_id,
    request_id: `req-${position}`,
    timestamp,
    index: r.index,
    values: r.values,
    labels: r.labels,
    display_names: null,
    metadata: r.metadata,
  };
  change(message);
  return { text: JSON.stringify(message), ms };
}

const nest = (depth: number) => JSON.parse(`${'['.repeat(depth)}0${']'.repeat(depth)}`);

/** Ways to make a valid reading hostile, each with the error_code it must get. */
const HOSTILE: { code: string; change: (m: Record<string, unknown>, n: number) => void }[] = [
  { code: 'value_too_deep', change: (m, n) => (m.values = [nest(INPUT_BOUNDS.maxValueDepth + n)]) },
  {
    code: 'too_many_metadata_keys',
    change: (m, n) => {
      const meta: Record<string, unknown> = { datatype_id: 'x', datatype_name: 'y' };
      for (let i = 0; i <= INPUT_BOUNDS.maxMetadataKeys + n; i++) meta[`k${i}`] = i;
      m.metadata = meta;
    },
  },
  {
    code: 'metadata_key_too_long',
    change: (m, n) =>
      (m.metadata = {
        datatype_id: 'x',
        datatype_name: 'y',
        ['k'.repeat(INPUT_BOUNDS.maxMetadataKeyLength + 1 + n)]: 1,
      }),
  },
  {
    code: 'metadata_value_too_large',
    change: (m, n) =>
      (m.metadata = {
        datatype_id: 'x',
        datatype_name: 'y',
        note: 'v'.repeat(INPUT_BOUNDS.maxMetadataValueBytes + n),
      }),
  },
  {
    code: 'timestamp_in_future',
    change: (m, n) => (m.timestamp = new Date(Date.now() + 3_600_000 * (1 + n)).toISOString()),
  },
  {
    code: 'id_too_long',
    change: (m, n) => (m.device_id = 'i'.repeat(INPUT_BOUNDS.deviceIdMaxLength + 1 + n)),
  },
  { code: 'index_too_long', change: (m, n) => (m.index = 'x'.repeat(INPUT_BOUNDS.indexMaxLength + 1 + n)) },
  { code: 'message_too_large', change: (m, n) => (m.values = ['m'.repeat(MAX_MESSAGE_BYTES + n)]) },
  {
    code: 'request_id_too_long',
    change: (m, n) => (m.request_id = 'r'.repeat(INPUT_BOUNDS.maxRequestIdLength + 1 + n)),
  },
];

type Input =
  | { kind: 'valid'; reading: Valid }
  | { kind: 'hostile'; reading: Valid; how: number; n: number }
  | { kind: 'json'; value: unknown }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'tombstone' };

const input: fc.Arbitrary<Input> = fc.oneof(
  { weight: 6, arbitrary: validReading.map((reading) => ({ kind: 'valid' as const, reading })) },
  {
    weight: 3,
    arbitrary: fc
      .record({ reading: validReading, how: fc.nat(HOSTILE.length - 1), n: fc.nat(50) })
      .map((h) => ({ kind: 'hostile' as const, ...h })),
  },
  {
    weight: 2,
    arbitrary: fc
      .jsonValue()
      .filter((v) => v === null || typeof v !== 'object' || Array.isArray(v) || !('device_id' in v))
      .map((value) => ({ kind: 'json' as const, value })),
  },
  {
    weight: 2,
    arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ kind: 'bytes' as const, bytes })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'tombstone' as const }) },
);

describe('Pipeline over real Redis, property-based', () => {
  test('always finishes; valid messages are reflected newest-wins; each invalid one has exactly one error record', {
    timeout: 120_000,
  }, async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(input, { minLength: 1, maxLength: 60, size: 'large' }),
        fc.integer({ min: 1, max: 25 }),
        async (inputs, chunkSize) => {
          const prefix = `prop${run++}:`;
          client = createCacheClient({ transport: 'redis', url: redis.url, keyPrefix: prefix });
          const errors = new CollectingSink();
          const pipeline = new Pipeline({
            client,
            errors,
            maxMessageBytes: MAX_MESSAGE_BYTES,
            maxFutureSkewMs: 300_000,
            retry: { initialDelayMs: 1, maxDelayMs: 5, giveUpAfterMs: 5_000 },
            logger: pino({ level: 'silent' }),
          });
          try {
            const values: (Buffer | string | null)[] = [];
            const newest = new Map<string, { ms: number; values: unknown }>();
            const invalid = new Map<number, string | null>(); // offset -> expected error_code (null: any)
            inputs.forEach((item, position) => {
              if (item.kind === 'valid') {
                const { text, ms } = encode(item.reading, position);
                values.push(text);
                const key = `${item.reading.device_id}\u0000${item.reading.index}`;
                const current = newest.get(key);
                if (!current || current.ms < ms) newest.set(key, { ms, values: JSON.parse(text).values });
              } else if (item.kind === 'hostile') {
                const hostile = HOSTILE[item.how]!;
                values.push(encode(item.reading, position, (m) => hostile.change(m, item.n)).text);
                invalid.set(position, hostile.code);
              } else if (item.kind === 'json') {
                values.push(JSON.stringify(item.value));
                invalid.set(position, null);
              } else if (item.kind === 'bytes') {
                values.push(Buffer.from(item.bytes));
                invalid.set(position, null);
              } else {
                values.push(null);
                invalid.set(position, 'tombstone');
              }
            });
            const totals = { read: 0, written: 0, stale: 0, invalid: 0 };
            for (let i = 0; i < values.length; i += chunkSize) {
              const chunk = values
                .slice(i, i + chunkSize)
                .map((value, j) => ({ value, offset: String(i + j) }));
              const r = await pipeline.process(chunk, { topic: 't', partition: 0 });
              totals.read += r.read;
              totals.written += r.written;
              totals.stale += r.stale;
              totals.invalid += r.invalid;
            }
            expect(totals.read).toBe(values.length);
            expect(totals.invalid).toBe(invalid.size);
            expect(totals.written + totals.stale).toBe(values.length - invalid.size);

            const offsets = errors.records.map((r) => Number(r.origin?.offset));
            expect(offsets.sort((a, b) => a - b)).toEqual([...invalid.keys()]);
            for (const record of errors.records) {
              const want = invalid.get(Number(record.origin!.offset));
              if (want != null) expect(record.message.error_code).toBe(want);
              else expect(['invalid_json', 'schema']).toContain(record.message.error_code);
            }

            const byDevice = new Map<string, Map<string, unknown>>();
            for (const [key, want] of newest) {
              const [device, index] = key.split('\u0000') as [string, string];
              if (!byDevice.has(device)) byDevice.set(device, new Map());
              byDevice.get(device)!.set(index, want.values);
            }
            for (const [device, indexes] of byDevice) {
              const stored = await client.getReadings(device);
              expect(stored.map((r) => r.index).sort()).toEqual([...indexes.keys()].sort());
              for (const r of stored) expect(r.values).toEqual(indexes.get(r.index));
            }
            const listed = await client.listDevices({ limit: 1000 });
            expect(listed.devices.map((d) => d.device_id).sort()).toEqual([...byDevice.keys()].sort());
          } finally {
            await client.close();
          }
        },
      ),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 120), interruptAfterTimeLimit: 60_000 },
    );
  });
});
