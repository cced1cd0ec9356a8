import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The ingestor's Prometheus metrics, on a registry of its own (two ingestors in one process stay apart). */
export class IngestorMetrics {
  readonly registry = new Registry();
  readonly consumed = new Counter({
    name: 'ingestor_messages_consumed_total',
    help: 'Messages read from Kafka or a file, good or bad',
    registers: [this.registry],
  });
  readonly written = new Counter({
    name: 'ingestor_readings_written_total',
    help: 'Readings that became the latest state of their device and index',
    registers: [this.registry],
  });
  readonly stale = new Counter({
    name: 'ingestor_readings_stale_total',
    help: 'Readings skipped because a newer one for the same device and index was in the batch or in Redis (a sample is logged, at most one line per 10 s)',
    registers: [this.registry],
  });
  readonly invalid = new Counter({
    name: 'ingestor_messages_invalid_total',
    help: "Messages sent to the error topic, by cache error code and reason (the error record's error_code)",
    labelNames: ['code', 'reason'] as const,
    registers: [this.registry],
  });
  readonly isolationWrites = new Counter({
    name: 'ingestor_isolation_writes_total',
    help: 'Extra cache writes made to isolate the readings the cache refused for good (batch split in halves)',
    registers: [this.registry],
  });
  readonly retries = new Counter({
    name: 'ingestor_retries_total',
    help: 'Failed attempts that were retried, by dependency (redis, error_topic)',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });
  readonly commits = new Counter({
    name: 'ingestor_offset_commits_total',
    help: 'Offset commits after Redis acknowledged a batch',
    registers: [this.registry],
  });
  readonly batchSeconds = new Histogram({
    name: 'ingestor_batch_duration_seconds',
    help: 'Time to process one batch (decode, validate, write, report errors), retries included',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly redisSeconds = new Histogram({
    name: 'ingestor_redis_write_duration_seconds',
    help: 'Time of one successful batched Redis write',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly batchSize = new Histogram({
    name: 'ingestor_batch_messages',
    help: 'Messages per processed batch',
    buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000, 25000],
    registers: [this.registry],
  });
  readonly lag = new Gauge({
    name: 'ingestor_consumer_lag',
    help: 'Messages behind the high watermark, per partition, after the last committed batch',
    labelNames: ['topic', 'partition'] as const,
    registers: [this.registry],
  });
  readonly degraded = new Gauge({
    name: 'ingestor_dependency_down',
    help: '1 while writes to a dependency (redis, error_topic) are failing and being retried',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** Partitions this instance no longer owns should not report a stale lag. */
  forgetLag(topic: string, partitions: readonly number[]): void {
    for (const p of partitions) this.lag.remove({ topic, partition: String(p) });
  }
}
