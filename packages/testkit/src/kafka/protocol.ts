/** API keys, error codes and the handler contract shared by the per-API files. */
import type { Reader, RequestHeader, Writer } from './codec.js';
import type { GroupCoordinator } from './groups.js';
import type { Topics } from './log.js';
import type { OffsetStore } from './offsets.js';

export const ApiKey = {
  Produce: 0,
  Fetch: 1,
  ListOffsets: 2,
  Metadata: 3,
  OffsetCommit: 8,
  OffsetFetch: 9,
  FindCoordinator: 10,
  JoinGroup: 11,
  Heartbeat: 12,
  LeaveGroup: 13,
  SyncGroup: 14,
  DescribeGroups: 15,
  ListGroups: 16,
  ApiVersions: 18,
  CreateTopics: 19,
  DeleteTopics: 20,
} as const;

export const ErrorCode = {
  NONE: 0,
  OFFSET_OUT_OF_RANGE: 1,
  CORRUPT_MESSAGE: 2,
  UNKNOWN_TOPIC_OR_PARTITION: 3,
  INVALID_TOPIC_EXCEPTION: 17,
  ILLEGAL_GENERATION: 22,
  INCONSISTENT_GROUP_PROTOCOL: 23,
  INVALID_GROUP_ID: 24,
  UNKNOWN_MEMBER_ID: 25,
  INVALID_SESSION_TIMEOUT: 26,
  REBALANCE_IN_PROGRESS: 27,
  UNSUPPORTED_VERSION: 35,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_REQUEST: 42,
} as const;

export interface BrokerConfig {
  /** Create unknown topics when Metadata names them (Kafka's auto.create.topics.enable). */
  autoCreateTopics: boolean;
  /** Partitions for auto-created topics and CreateTopics with num_partitions -1. */
  defaultPartitions: number;
  /** Kafka's group.min.session.timeout.ms / group.max.session.timeout.ms. */
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
}

/** What handlers may see of the broker. */
export interface BrokerContext {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly config: BrokerConfig;
  readonly topics: Topics;
  readonly groups: GroupCoordinator;
  readonly offsets: OffsetStore;
  readonly apis: readonly ApiHandler[];
}

export interface Request {
  readonly header: RequestHeader;
  /** Positioned at the start of the request body. */
  readonly body: Reader;
  readonly clientHost: string;
  /** Aborted when the connection closes or the broker stops. */
  readonly signal: AbortSignal;
}

/** A response frame, or null for no response at all (acks=0 produce). */
export type Response = Writer | null;

export interface ApiHandler {
  readonly key: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  handle(broker: BrokerContext, req: Request): Response | Promise<Response>;
}
