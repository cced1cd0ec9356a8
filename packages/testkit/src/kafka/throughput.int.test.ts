/** 100,000 messages through kafkajs with large fetches: everything arrives, in order per partition. */
import { expect, test } from 'vitest';
import { startKafka } from './start.js';
import { consumer, kafkaClient, producer, uniqueName, waitFor } from './testing.js';

test('100k messages with multi-megabyte fetches', async () => {
  const topic = uniqueName('bulk');
  const kafka = await startKafka({ topics: [{ topic, partitions: 3 }] });
  const client = kafkaClient(kafka.brokers);
  const prod = producer(client);
  const cons = consumer(client, uniqueName('g'), { maxBytes: 20_000_000, maxBytesPerPartition: 5_000_000 });
  try {
    await prod.connect();
    const total = 100_000;
    const started = performance.now();
    const inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < total; i += 1000) {
      const messages = Array.from({ length: 1000 }, (_, j) => ({
        partition: (i + j) % 3,
        value: `${String(i + j).padStart(8, '0')}:${'x'.repeat(150)}`,
      }));
      inFlight.push(prod.send({ topic, messages }));
      if (inFlight.length >= 8) await Promise.all(inFlight.splice(0));
    }
    await Promise.all(inFlight);
    const produced = performance.now();

    const next = [0, 0, 0];
    let received = 0;
    let outOfOrder = 0;
    await cons.connect();
    await cons.subscribe({ topic, fromBeginning: true });
    await cons.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          if (Number(m.offset) !== next[batch.partition]) outOfOrder++;
          next[batch.partition] = Number(m.offset) + 1;
          received++;
        }
      },
    });
    await waitFor(() => received >= total, 60000, 'all messages');
    const consumed = performance.now();
    console.info(
      `produced ${total} in ${(produced - started).toFixed(0)} ms, consumed in ${(consumed - produced).toFixed(0)} ms`,
    );
    expect(received).toBe(total);
    expect(outOfOrder).toBe(0);
    expect(next.reduce((a, b) => a + b, 0)).toBe(total);
  } finally {
    await cons.disconnect();
    await prod.disconnect();
    await kafka.stop();
  }
}, 90000);
