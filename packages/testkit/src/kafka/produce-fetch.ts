/** Produce (3) and Fetch (4, long-polling on max_wait_ms / min_bytes). */
import { responseWriter } from './codec.js';
import { InvalidRecordsError, type PartitionLog } from './log.js';
import { type ApiHandler, ApiKey, type BrokerContext, ErrorCode, type Request } from './protocol.js';

interface ProducePartition {
  partition: number;
  records: Buffer | null;
  error: number;
  baseOffset: number;
}

export const produce: ApiHandler = {
  key: ApiKey.Produce,
  minVersion: 3,
  maxVersion: 3,
  handle(broker: BrokerContext, req: Request) {
    const r = req.body;
    r.nullableString(); // transactional_id: transactions are not supported (InitProducerId is not offered)
    const acks = r.int16();
    r.int32(); // timeout_ms: appends are synchronous
    const topics = r.array((r) => ({
      name: r.string(),
      partitions: r.array(
        (r): ProducePartition => ({
          partition: r.int32(),
          records: r.nullableBytes(),
          error: ErrorCode.NONE,
          baseOffset: -1,
        }),
      ),
    }));
    for (const t of topics) {
      for (const p of t.partitions) {
        const log = broker.topics.partition(t.name, p.partition);
        if (!log) {
          p.error = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          continue;
        }
        try {
          p.baseOffset = p.records ? log.append(p.records) : log.endOffset;
        } catch (e) {
          if (!(e instanceof InvalidRecordsError)) throw e;
          p.error = ErrorCode.CORRUPT_MESSAGE;
        }
      }
    }
    if (acks === 0) return null;
    return responseWriter(req.header.correlationId)
      .array(topics, (w, t) =>
        w.string(t.name).array(t.partitions, (w, p) => {
          w.int32(p.partition).int16(p.error).int64(p.baseOffset).int64(-1); // log_append_time: CreateTime
        }),
      )
      .int32(0); // throttle_time_ms
  },
};

interface FetchPartition {
  partition: number;
  offset: number;
  maxBytes: number;
}

interface FetchTopic {
  name: string;
  partitions: FetchPartition[];
}

interface PartitionResult {
  partition: number;
  error: number;
  highWatermark: number;
  batches: Buffer[];
  size: number;
}

/** Reads every requested partition once; `bytes` is the total record bytes found. */
function collect(broker: BrokerContext, topics: FetchTopic[], maxBytes: number) {
  let bytes = 0;
  let errors = 0;
  const results = topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p): PartitionResult => {
      const log = broker.topics.partition(t.name, p.partition);
      if (!log) {
        errors++;
        return {
          partition: p.partition,
          error: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          highWatermark: -1,
          batches: [],
          size: 0,
        };
      }
      const result: PartitionResult = {
        partition: p.partition,
        error: ErrorCode.NONE,
        highWatermark: log.endOffset,
        batches: [],
        size: 0,
      };
      if (p.offset < log.logStartOffset || p.offset > log.endOffset) {
        errors++;
        result.error = ErrorCode.OFFSET_OUT_OF_RANGE;
        return result;
      }
      // Respect the partition limit and what is left of the response limit, but the first batch
      // of the response is always returned whole so a consumer can make progress.
      const limit = Math.min(p.maxBytes, maxBytes - bytes);
      result.batches = log.read(p.offset, limit, bytes === 0);
      for (const b of result.batches) result.size += b.length;
      bytes += result.size;
      return result;
    }),
  }));
  return { results, bytes, errors };
}

/** Resolves after the next append to any of logs, after ms, or when signal aborts. */
function nextAppend(logs: PartitionLog[], ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribe: (() => void)[] = [];
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      for (const u of unsubscribe) u();
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
    for (const log of logs) unsubscribe.push(log.onAppend(done));
    if (signal.aborted) done();
  });
}

export const fetch: ApiHandler = {
  key: ApiKey.Fetch,
  minVersion: 4,
  maxVersion: 4,
  async handle(broker: BrokerContext, req: Request) {
    const r = req.body;
    r.int32(); // replica_id
    const maxWaitMs = r.int32();
    const minBytes = r.int32();
    const maxBytes = r.int32();
    r.int8(); // isolation_level: without transactions everything is committed
    const topics = r.array(
      (r): FetchTopic => ({
        name: r.string(),
        partitions: r.array((r) => ({ partition: r.int32(), offset: r.int64(), maxBytes: r.int32() })),
      }),
    );

    const deadline = Date.now() + maxWaitMs;
    let found = collect(broker, topics, maxBytes);
    while (found.errors === 0 && found.bytes < minBytes && !req.signal.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      const logs: PartitionLog[] = [];
      for (const t of topics) {
        for (const p of t.partitions) {
          const log = broker.topics.partition(t.name, p.partition);
          if (log) logs.push(log);
        }
      }
      await nextAppend(logs, left, req.signal);
      found = collect(broker, topics, maxBytes);
    }

    return responseWriter(req.header.correlationId, 256)
      .int32(0) // throttle_time_ms
      .array(found.results, (w, t) =>
        w.string(t.name).array(t.partitions, (w, p) => {
          w.int32(p.partition).int16(p.error).int64(p.highWatermark);
          w.int64(p.highWatermark); // last_stable_offset
          w.int32(0); // aborted_transactions: none
          w.int32(p.size);
          for (const b of p.batches) w.raw(b);
        }),
      );
  },
};
