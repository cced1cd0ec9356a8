import { createCacheClient } from '@org/cache-client';
import { fixtureLines } from '@org/cache-testkit';
import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { HealthState } from '../ops/health.js';
import { IngestorMetrics } from '../ops/metrics.js';
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

function setup() {
  const client = createCacheClient({ transport: 'memory' });
  const errors = new CollectingSink();
  const metrics = new IngestorMetrics({ defaultMetrics: false });
  const health = new HealthState();
  const pipeline = new Pipeline({
    client,
    errors,
    maxMessageBytes: 4096,
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
    expect(errors.records[9]).toMatchObject({ code: 'CACHE_007', message: { original_message: null } });
    expect(errors.records[10]).toMatchObject({ code: 'CACHE_008' });
    expect(await client.listIndexes('station_123')).toEqual(['H', 'T', 'W']);
    expect(await metrics.text()).toMatch(/ingestor_messages_invalid_total\{code="CACHE_008"\} 1/);
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
