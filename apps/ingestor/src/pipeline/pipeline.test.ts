import { Writable } from 'node:stream';
import { createCacheClient } from '@org/cache-client';
import { fixtureLines } from '@org/cache-testkit';
import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { HealthState } from '../ops/health.js';
import { IngestorMetrics } from '../ops/metrics.js';
import { StaleReadingLog } from '../ops/stale-log.js';
import type { ErrorRecord } from './error-message.js';
import { type ErrorSink, Pipeline } from './pipeline.js';

const logger = pino({ level: 'silent' });

class CollectingSink implements ErrorSink {
  readonly records: ErrorRecord[] = [];
  failuresLeft = 0;
  onCall: () => void = () => {};
  async send(records: readonly ErrorRecord[]): Promise<void> {
    this.onCall();
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw new Error('error topic unavailable');
    }
    this.records.push(...records);
  }
}

function setup(staleLog?: StaleReadingLog) {
  const client = createCacheClient({ transport: 'memory' });
  const errors = new CollectingSink();
  const metrics = new IngestorMetrics({ defaultMetrics: false });
  const health = new HealthState();
  const pipeline = new Pipeline({
    staleLog,
    client,
    errors,
    maxMessageBytes: 4096,
    maxFutureSkewMs: 300_000,
    retry: { initialDelayMs: 1, maxDelayMs: 5 },
    logger,
    metrics,
    health,
  });
  return { client, errors, metrics, health, pipeline };
}

describe('Pipeline', () => {
  test('the fixtures end as the expected state: newest reading per device and index, by timestamp', async () => {
    const { client, pipeline } = setup();
    const result = await pipeline.process(
      fixtureLines('validated-output.ndjson').map((value) => ({ value })),
    );
    expect(result).toEqual({ read: 9, written: 8, stale: 1, invalid: 0 });
    const [t] = await client.getReadings('282c02424eed', 'T');
    expect(t).toMatchObject({ values: [21.4], timestamp: '2025-06-25T08:57:34.618082Z' });
    expect(await client.listIndexes('282c02424eed')).toEqual(['P', 'T', 'U']);
    expect(await client.getReadings('gw-lyon-01/port-3', 'S')).toMatchObject([
      { timestamp: '2025-06-25T08:00:00.250000Z' },
    ]);
    const meta = await client.getDeviceMetadata('station_123');
    // Same timestamp for T, H and W: the last one of the batch wins, as a replay would.
    expect(meta).toMatchObject({
      datatype_unit: 'km/h',
      persist: true,
      last_updated: '2025-06-25T09:13:45.000000Z',
    });
  });

  test('an older reading in a later batch does not overwrite a newer one', async () => {
    const { client, pipeline } = setup();
    const lines = fixtureLines('validated-output.ndjson');
    await pipeline.process([{ value: lines[0]! }]);
    const result = await pipeline.process([{ value: lines[7]! }]); // 08:50, older than 08:57
    expect(result).toEqual({ read: 1, written: 0, stale: 1, invalid: 0 });
    expect((await client.getReadings('282c02424eed', 'T'))[0]?.values).toEqual([21.4]);
  });

  test('bad messages become one error record each, with origin, and the good ones around them are written', async () => {
    const { client, errors, pipeline, metrics } = setup();
    const good = fixtureLines('validated-output.ndjson');
    const bad = fixtureLines('bad-messages.ndjson');
    const mixed = [...bad.flatMap((v, i) => [v, good[i]!]), null, 'x'.repeat(5000)];
    const messages = mixed.map((value, i) => ({
      value: value === null ? null : Buffer.from(value),
      offset: String(i),
    }));
    const result = await pipeline.process(messages, { topic: 'iot_validated_data', partition: 0 });
    expect(result).toEqual({ read: 20, written: 8, stale: 1, invalid: 11 });
    expect(errors.records).toHaveLength(11);
    const offsets = errors.records.map((r) => Number(r.origin?.offset));
    expect(offsets).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 19]);
    for (const r of errors.records)
      expect(r.message).toMatchObject({ service: 'cache_service', error: expect.any(String) });
    expect(errors.records[9]).toMatchObject({
      code: 'CACHE_007',
      message: { original_message: null, error_code: 'tombstone' },
    });
    expect(errors.records[10]).toMatchObject({
      code: 'CACHE_008',
      message: { error_code: 'message_too_large' },
    });
    expect(errors.records.slice(0, 9).map((r) => r.message.error_code)).toEqual([
      'invalid_json',
      ...Array(8).fill('schema'),
    ]);
    expect(await client.listIndexes('station_123')).toEqual(['H', 'T', 'W']);
    expect(await metrics.text()).toMatch(
      /ingestor_messages_invalid_total\{code="CACHE_008",reason="message_too_large"\} 1/,
    );
  });

  test('an error sink that fails is retried until it takes the records; health is degraded meanwhile', async () => {
    const { errors, pipeline, health } = setup();
    errors.failuresLeft = 3;
    const states: string[] = [];
    errors.onCall = () => states.push(health.report().status);
    await pipeline.process([{ value: 'not json' }]);
    expect(errors.records).toHaveLength(1);
    expect(states).toEqual(['healthy', 'degraded', 'degraded', 'degraded']);
    expect(health.report().status).toBe('healthy');
  });
});

describe('Pipeline: skew and stale readings', () => {
  const at = (device: string, timestamp: string, value: number) =>
    JSON.stringify({ device_id: device, timestamp, index: 'T', values: [value] });

  test('a reading stamped in the future is an error record (timestamp_in_future) and does not freeze its device', async () => {
    const { client, errors, pipeline } = setup();
    const r = await pipeline.process([
      { value: at('dev', '2025-06-25T08:00:00', 1) },
      { value: at('dev', '9999-12-31T23:59:59Z', 2) },
      { value: at('dev', '2025-06-25T09:00:00', 3) },
    ]);
    // 08:00 loses to 09:00 in the batch (stale); 9999 never reaches the cache.
    expect(r).toEqual({ read: 3, written: 1, stale: 1, invalid: 1 });
    expect(errors.records.map((e) => e.message.error_code)).toEqual(['timestamp_in_future']);
    expect((await client.getReadings('dev', 'T'))[0]).toMatchObject({
      values: [3],
      timestamp: '2025-06-25T09:00:00.000000Z',
    });
    expect((await client.listFutureDevices()).devices).toEqual([]);
  });

  test('stale readings are counted, and sampled in the log at most once per interval, naming device and index', async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    });
    let now = 0;
    const staleLog = new StaleReadingLog(pino({ level: 'info' }, sink), {
      intervalMs: 10_000,
      now: () => now,
    });
    const { pipeline, metrics } = setup(staleLog);
    await pipeline.process([{ value: at('frozen', '2025-06-25T09:00:00', 1) }]);
    await pipeline.process([{ value: at('frozen', '2025-06-25T08:00:00', 2) }]);
    now = 1_000;
    await pipeline.process([{ value: at('frozen', '2025-06-25T08:01:00', 3) }]);
    await pipeline.process([{ value: at('frozen', '2025-06-25T08:02:00', 4) }]);
    now = 11_000;
    await pipeline.process([{ value: at('frozen', '2025-06-25T08:03:00', 5) }]);
    const logged = lines.filter(
      (l) => l.msg === 'stale reading skipped: the cache holds a newer one for this device and index',
    );
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({ device_id: 'frozen', index: 'T', stale: 1, suppressed: 0 });
    expect(logged[1]).toMatchObject({ device_id: 'frozen', index: 'T', stale: 3, suppressed: 2 });
    expect(await metrics.text()).toContain('ingestor_readings_stale_total 4');
  });
});
