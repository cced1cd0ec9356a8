/** CreateTopics 0 and DeleteTopics 0. */
import { responseWriter } from './codec.js';
import { isValidTopicName } from './log.js';
import { type ApiHandler, ApiKey, type BrokerContext, ErrorCode, type Request } from './protocol.js';

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  assignments: number;
}

/** Validates and creates one topic the way a single-node Kafka would; returns the error code. */
export function createTopic(broker: BrokerContext, spec: TopicSpec): number {
  if (!isValidTopicName(spec.name)) return ErrorCode.INVALID_TOPIC_EXCEPTION;
  if (broker.topics.has(spec.name)) return ErrorCode.TOPIC_ALREADY_EXISTS;
  let partitions = spec.partitions;
  if (spec.assignments > 0) {
    if (partitions !== -1) return ErrorCode.INVALID_REQUEST;
    partitions = spec.assignments;
  } else {
    if (partitions === -1) partitions = broker.config.defaultPartitions;
    if (partitions <= 0) return ErrorCode.INVALID_PARTITIONS;
    if (spec.replicationFactor !== -1 && spec.replicationFactor !== 1)
      return ErrorCode.INVALID_REPLICATION_FACTOR;
  }
  broker.topics.create(spec.name, partitions);
  return ErrorCode.NONE;
}

export const createTopics: ApiHandler = {
  key: ApiKey.CreateTopics,
  minVersion: 0,
  maxVersion: 0,
  handle(broker: BrokerContext, req: Request) {
    const specs = req.body.array((r): TopicSpec => {
      const spec = {
        name: r.string(),
        partitions: r.int32(),
        replicationFactor: r.int16(),
        assignments: r.array((r) => [r.int32(), r.array((r) => r.int32())]).length,
      };
      r.array((r) => [r.string(), r.nullableString()]); // configs: accepted and ignored
      return spec;
    });
    req.body.int32(); // timeout_ms
    const counts = new Map<string, number>();
    for (const s of specs) counts.set(s.name, (counts.get(s.name) ?? 0) + 1);
    return responseWriter(req.header.correlationId).array(specs, (w, s) => {
      const error = (counts.get(s.name) ?? 0) > 1 ? ErrorCode.INVALID_REQUEST : createTopic(broker, s);
      w.string(s.name).int16(error);
    });
  },
};

export const deleteTopics: ApiHandler = {
  key: ApiKey.DeleteTopics,
  minVersion: 0,
  maxVersion: 0,
  handle(broker: BrokerContext, req: Request) {
    const names = req.body.array((r) => r.string());
    req.body.int32(); // timeout_ms
    return responseWriter(req.header.correlationId).array(names, (w, name) => {
      const deleted = broker.topics.delete(name);
      if (deleted) broker.offsets.forgetTopic(name);
      w.string(name).int16(deleted ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    });
  },
};
