/**
 * The ingestor's configuration: the only module that reads the environment. Every variable is
 * validated with zod; one bad value stops the process at start with one message naming them all.
 *
 * The settings every app shares come from `@org/service-kit` (the same names, bounds, defaults
 * and rules in the API): REDIS_URL, REDIS_CLUSTER_NODES (not with REDIS_URL), REDIS_PASSWORD,
 * REDIS_METADATA_TTL, KEY_PREFIX, LOG_LEVEL, LOG_FORMAT, OUTBOX_ENABLED, OUTBOX_MAX_LENGTH,
 * OUTBOX_MAX_AGE_SECONDS. The ingestor adds the seed's REDIS_HOST/REDIS_PORT/REDIS_DB (used when
 * neither REDIS_URL nor REDIS_CLUSTER_NODES is set) and its Kafka, batch and ops settings.
 */
import {
  DEFAULT_MAX_FUTURE_SKEW_MS,
  describeEnvIssues,
  envHostPorts,
  INPUT_BOUNDS,
  MAX_FUTURE_SKEW_SETTING_SECONDS,
} from '@org/cache-core';
import {
  type CacheClientSettings,
  type CommonSettings,
  checkCommonSettings,
  clientSettingsOf,
  commonSettingsOf,
  commonSettingsShape,
  type LogFormat,
  type LogLevel,
  presentVariables,
  type TracingSettings,
  tracingEnvShape,
  tracingSettingsOf,
} from '@org/service-kit';
import { z } from 'zod';

export type { LogFormat, LogLevel } from '@org/service-kit';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const hostPorts = (defaultPort: number) =>
  envHostPorts(defaultPort).refine((list) => list.length > 0, 'must name at least one host:port');

/** Raw variables, names and defaults as the seed service had them, plus the new ones. */
const EnvSchema = z
  .object({
    ...commonSettingsShape,
    ...tracingEnvShape,
    KAFKA_BOOTSTRAP_SERVERS: hostPorts(9092).default([{ host: 'kafka', port: 9092 }]),
    KAFKA_VALIDATED_DATA_TOPIC: z.string().trim().min(1).default('iot_validated_data'),
    KAFKA_ERROR_TOPIC: z.string().trim().min(1).default('iot_errors'),
    KAFKA_CONSUMER_GROUP_ID: z.string().trim().min(1).default('cache_service_group'),
    KAFKA_CLIENT_ID: z.string().trim().min(1).default('cache-ingestor'),
    /** Longest the broker holds a fetch open when there is nothing to read (seconds). */
    KAFKA_CONSUMER_POLL_TIMEOUT_S: z.coerce.number().positive().max(60).default(1.0),
    /** Where a consumer group without committed offsets starts. */
    KAFKA_AUTO_OFFSET_RESET: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['earliest', 'latest']))
      .default('earliest'),
    KAFKA_SESSION_TIMEOUT_MS: int(1_000, 300_000).default(30_000),
    KAFKA_HEARTBEAT_INTERVAL_MS: int(100, 60_000).default(3_000),
    KAFKA_FETCH_MIN_BYTES: int(1, 100 * 1024 * 1024).default(1),
    KAFKA_FETCH_MAX_BYTES: int(1024, 512 * 1024 * 1024).default(16 * 1024 * 1024),
    KAFKA_FETCH_MAX_BYTES_PER_PARTITION: int(1024, 512 * 1024 * 1024).default(4 * 1024 * 1024),
    KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY: int(1, 64).default(4),
    REDIS_HOST: z.string().trim().min(1).default('redis'),
    REDIS_PORT: int(1, 65_535).default(6379),
    REDIS_DB: int(0, 15).default(0),
    /** Replicas that must acknowledge each chunk (Redis WAIT) before its offsets are committed; default 1 on Cluster, 0 standalone. */
    REDIS_WAIT_REPLICAS: int(0, 5).optional(),
    /** Longest wait for them (ms); past it the chunk is committed anyway and a shortfall is logged. */
    REDIS_WAIT_TIMEOUT_MS: int(1, 60_000).default(1_000),
    /** Messages written to Redis (and committed) together; a Kafka batch is split into such chunks. */
    INGEST_BATCH_MAX_MESSAGES: int(1, 100_000).default(5_000),
    /** Larger message values go to the error topic unread; at most core's bound (a reading checks it too). */
    INGEST_MAX_MESSAGE_BYTES: int(64, INPUT_BOUNDS.maxMessageBytes).default(INPUT_BOUNDS.maxMessageBytes),
    /** Readings stamped more than this many seconds ahead of the ingestor's clock go to the error topic. */
    MAX_FUTURE_SKEW: int(0, MAX_FUTURE_SKEW_SETTING_SECONDS).default(DEFAULT_MAX_FUTURE_SKEW_MS / 1000),
    RETRY_INITIAL_DELAY_MS: int(1, 60_000).default(200),
    RETRY_MAX_DELAY_MS: int(1, 300_000).default(5_000),
    /** Port of /health/live, /health/ready and /metrics; 0 picks a free port (logged). */
    HEALTH_PORT: int(0, 65_535).default(9464),
    HEALTH_HOST: z.string().trim().min(1).default('0.0.0.0'),
    /** Bearer token for `--from-file … --api-url` (the CLI's name for it). */
    CACHE_API_TOKEN: z.string().optional(),
  })
  .superRefine((env, ctx) => {
    checkCommonSettings(env, ctx);
    if (env.KAFKA_HEARTBEAT_INTERVAL_MS * 3 > env.KAFKA_SESSION_TIMEOUT_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_HEARTBEAT_INTERVAL_MS'],
        message: 'must be at most a third of KAFKA_SESSION_TIMEOUT_MS',
      });
    }
    if (env.RETRY_INITIAL_DELAY_MS > env.RETRY_MAX_DELAY_MS) {
      ctx.addIssue({
        code: 'custom',
        path: ['RETRY_MAX_DELAY_MS'],
        message: 'must be >= RETRY_INITIAL_DELAY_MS',
      });
    }
  });

export interface IngestorConfig {
  kafka: {
    brokers: string[];
    clientId: string;
    topic: string;
    errorTopic: string;
    groupId: string;
    fromBeginning: boolean;
    maxWaitTimeMs: number;
    sessionTimeoutMs: number;
    heartbeatIntervalMs: number;
    minBytes: number;
    maxBytes: number;
    maxBytesPerPartition: number;
    partitionsConsumedConcurrently: number;
  };
  /** Where Redis is (REDIS_CLUSTER_NODES, REDIS_URL, else REDIS_HOST/PORT/DB), key prefix, TTL, outbox. */
  redis: CacheClientSettings;
  batch: { maxMessages: number; maxMessageBytes: number };
  /** Clock-skew policy: how far into the future a reading may be stamped (ms). */
  bounds: { maxFutureSkewMs: number };
  retry: { initialDelayMs: number; maxDelayMs: number };
  /** Replica acknowledgement per chunk (unset replicas: the default for the deployment). */
  redisWait: { replicas?: number; timeoutMs: number };
  health: { host: string; port: number };
  /** Token for the REST API when the file mode writes through it. */
  apiToken?: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** The settings every app shares, parsed as every app parses them. */
  settings: CommonSettings;
  /** OpenTelemetry traces (off unless ENABLE_OTEL=true). */
  tracing: TracingSettings;
}

/** A configuration problem: the message names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const hostPort = (h: { host: string; port: number }) =>
  h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`;

/** Reads and validates the configuration (from `process.env` unless given another map). */
export function loadConfig(source: Record<string, string | undefined> = process.env): IngestorConfig {
  // A blank variable (`REDIS_PASSWORD=` in a compose file) means "not set", as in every app.
  const parsed = EnvSchema.safeParse(presentVariables(source, Object.keys(EnvSchema.shape)));
  if (!parsed.success) throw new ConfigError(`invalid configuration: ${describeEnvIssues(parsed.error)}`);
  const e = parsed.data;
  // Neither REDIS_URL nor REDIS_CLUSTER_NODES: the seed's REDIS_HOST/REDIS_PORT/REDIS_DB.
  const legacy = {
    url: `redis://${hostPort({ host: e.REDIS_HOST, port: e.REDIS_PORT })}/${e.REDIS_DB}`,
    password: e.REDIS_PASSWORD,
  };
  return {
    kafka: {
      brokers: e.KAFKA_BOOTSTRAP_SERVERS.map(hostPort),
      clientId: e.KAFKA_CLIENT_ID,
      topic: e.KAFKA_VALIDATED_DATA_TOPIC,
      errorTopic: e.KAFKA_ERROR_TOPIC,
      groupId: e.KAFKA_CONSUMER_GROUP_ID,
      fromBeginning: e.KAFKA_AUTO_OFFSET_RESET === 'earliest',
      maxWaitTimeMs: Math.round(e.KAFKA_CONSUMER_POLL_TIMEOUT_S * 1000),
      sessionTimeoutMs: e.KAFKA_SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: e.KAFKA_HEARTBEAT_INTERVAL_MS,
      minBytes: e.KAFKA_FETCH_MIN_BYTES,
      maxBytes: e.KAFKA_FETCH_MAX_BYTES,
      maxBytesPerPartition: e.KAFKA_FETCH_MAX_BYTES_PER_PARTITION,
      partitionsConsumedConcurrently: e.KAFKA_PARTITIONS_CONSUMED_CONCURRENTLY,
    },
    redis: clientSettingsOf(e, legacy),
    batch: { maxMessages: e.INGEST_BATCH_MAX_MESSAGES, maxMessageBytes: e.INGEST_MAX_MESSAGE_BYTES },
    bounds: { maxFutureSkewMs: e.MAX_FUTURE_SKEW * 1000 },
    retry: { initialDelayMs: e.RETRY_INITIAL_DELAY_MS, maxDelayMs: e.RETRY_MAX_DELAY_MS },
    redisWait: {
      ...(e.REDIS_WAIT_REPLICAS === undefined ? {} : { replicas: e.REDIS_WAIT_REPLICAS }),
      timeoutMs: e.REDIS_WAIT_TIMEOUT_MS,
    },
    health: { host: e.HEALTH_HOST, port: e.HEALTH_PORT },
    apiToken: e.CACHE_API_TOKEN,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    settings: commonSettingsOf(e),
    tracing: tracingSettingsOf(e, 'cache-ingestor'),
  };
}
