/** ListOffsets 1 (earliest -2, latest -1, by timestamp), OffsetCommit 2, OffsetFetch 1. */
import { responseWriter } from './codec.js';
import { type ApiHandler, ApiKey, type BrokerContext, ErrorCode, type Request } from './protocol.js';

export interface CommittedOffset {
  offset: number;
  metadata: string | null;
}

/** Committed offsets: group -> topic -> partition. */
export class OffsetStore {
  private readonly byGroup = new Map<string, Map<string, Map<number, CommittedOffset>>>();

  commit(groupId: string, topic: string, partition: number, committed: CommittedOffset): void {
    let topics = this.byGroup.get(groupId);
    if (!topics) {
      topics = new Map();
      this.byGroup.set(groupId, topics);
    }
    let partitions = topics.get(topic);
    if (!partitions) {
      partitions = new Map();
      topics.set(topic, partitions);
    }
    partitions.set(partition, committed);
  }

  committed(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.byGroup.get(groupId)?.get(topic)?.get(partition);
  }

  /** Forgets the committed offsets of a deleted topic. */
  forgetTopic(topic: string): void {
    for (const topics of this.byGroup.values()) topics.delete(topic);
  }
}

const EARLIEST = -2;
const LATEST = -1;

export const listOffsets: ApiHandler = {
  key: ApiKey.ListOffsets,
  minVersion: 1,
  maxVersion: 1,
  handle(broker: BrokerContext, req: Request) {
    const r = req.body;
    r.int32(); // replica_id
    const topics = r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({ partition: r.int32(), timestamp: r.int64() })),
    }));
    return responseWriter(req.header.correlationId).array(topics, (w, t) =>
      w.string(t.name).array(t.partitions, (w, p) => {
        const log = broker.topics.partition(t.name, p.partition);
        w.int32(p.partition);
        if (!log) {
          w.int16(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).int64(-1).int64(-1);
        } else if (p.timestamp === EARLIEST) {
          w.int16(ErrorCode.NONE).int64(-1).int64(log.logStartOffset);
        } else if (p.timestamp === LATEST) {
          w.int16(ErrorCode.NONE).int64(-1).int64(log.endOffset);
        } else {
          const found = log.offsetForTimestamp(p.timestamp);
          w.int16(ErrorCode.NONE)
            .int64(found?.timestamp ?? -1)
            .int64(found?.offset ?? -1);
        }
      }),
    );
  },
};

export const offsetCommit: ApiHandler = {
  key: ApiKey.OffsetCommit,
  minVersion: 2,
  maxVersion: 2,
  handle(broker: BrokerContext, req: Request) {
    const r = req.body;
    const groupId = r.string();
    const generation = r.int32();
    const memberId = r.string();
    r.int64(); // retention_time_ms: offsets are kept for the broker's lifetime
    const topics = r.array((r) => ({
      name: r.string(),
      partitions: r.array((r) => ({ partition: r.int32(), offset: r.int64(), metadata: r.nullableString() })),
    }));
    const groupError = broker.groups.checkCommit(groupId, generation, memberId);
    return responseWriter(req.header.correlationId).array(topics, (w, t) =>
      w.string(t.name).array(t.partitions, (w, p) => {
        let error: number = groupError;
        if (error === ErrorCode.NONE && !broker.topics.partition(t.name, p.partition)) {
          error = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        }
        if (error === ErrorCode.NONE) {
          broker.offsets.commit(groupId, t.name, p.partition, { offset: p.offset, metadata: p.metadata });
        }
        w.int32(p.partition).int16(error);
      }),
    );
  },
};

export const offsetFetch: ApiHandler = {
  key: ApiKey.OffsetFetch,
  minVersion: 1,
  maxVersion: 1,
  handle(broker: BrokerContext, req: Request) {
    const r = req.body;
    const groupId = r.string();
    const topics = r.array((r) => ({ name: r.string(), partitions: r.array((r) => r.int32()) }));
    return responseWriter(req.header.correlationId).array(topics, (w, t) =>
      w.string(t.name).array(t.partitions, (w, partition) => {
        const committed = broker.offsets.committed(groupId, t.name, partition);
        w.int32(partition)
          .int64(committed?.offset ?? -1)
          .nullableString(committed ? committed.metadata : '')
          .int16(ErrorCode.NONE);
      }),
    );
  },
};
