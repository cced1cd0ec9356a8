/**
 * The seed service's way, for comparison: per message, parse and validate, then await HSET of the
 * metadata hash and await EXPIRE, one message at a time; offsets committed once per batch.
 */
import type { RedisTransport } from '@org/cache-client/transports';
import { ValidatedOutput } from '@org/cache-core';
import type { Kafka } from 'kafkajs';

export async function runPerMessage(
  kafka: Kafka,
  redis: RedisTransport['redis'],
  topic: string,
  groupId: string,
  ttlSeconds: number,
) {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, sessionTimeout: 30_000 });
  let joinedAt = 0;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt ||= performance.now();
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch, commitOffsetsIfNecessary, heartbeat }) => {
      for (const message of batch.messages) {
        const parsed = ValidatedOutput.safeParse(JSON.parse(message.value!.toString()));
        if (!parsed.success || !parsed.data.metadata) continue;
        const m = parsed.data.metadata;
        const key = `seed:device:${parsed.data.device_id}:metadata`;
        await redis.hset(key, {
          datatype_id: m.datatype_id,
          datatype_name: m.datatype_name,
          datatype_unit: m.datatype_unit ?? '',
          persist: String(m.persist),
          last_updated: parsed.data.timestamp,
        });
        await redis.expire(key, ttlSeconds);
      }
      const next = (BigInt(batch.lastOffset()) + 1n).toString();
      await commitOffsetsIfNecessary({
        topics: [{ topic, partitions: [{ partition: batch.partition, offset: next }] }],
      });
      await heartbeat();
    },
  });
  return { consumer, joinedAt: () => joinedAt };
}
