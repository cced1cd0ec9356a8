/**
 * The cost of waiting for a replica (`ReplicaWait`, on by default on Redis Cluster) per chunk: the
 * pipeline writes the same messages into a Cluster of 3 masters with a replica each, once with the
 * wait and once without (under two key prefixes), chunk by chunk in alternation (the order flips
 * every chunk), so both see the same machine load. BENCH_WAIT_MESSAGES (default 100,000),
 * BENCH_WAIT_CHUNK (default 5,000, the ingestor's INGEST_BATCH_MAX_MESSAGES), BENCH_ROUNDS
 * (default 3). Prints msg/s of each per round and the median ratio wait / no wait. Chunks go one
 * at a time here; the ingestor runs up to 4 partitions' chunks at once, which overlaps the waits.
 */
import { createCacheClient } from '@org/cache-client';
import { startRedisCluster } from '@org/cache-testkit';
import pino from 'pino';
import { expect, test } from 'vitest';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { generateMessages } from '../test/data.js';

const MESSAGES = Number(process.env.BENCH_WAIT_MESSAGES ?? 100_000);
const CHUNK = Number(process.env.BENCH_WAIT_CHUNK ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

test('replica wait on Redis Cluster: cost per chunk against no wait', async () => {
  const cluster = await startRedisCluster({ masters: 3, replicas: 1 });
  const logger = pino({ level: 'silent' });
  const errors = { send: async () => {} };
  const ratios: number[] = [];
  try {
    const data = generateMessages(MESSAGES, Math.ceil(MESSAGES / 20), { seed: 5, perRawMessage: 4 });
    const messages = data.values.map((value, i) => ({ value, offset: String(i) }));
    for (let round = 0; round < ROUNDS; round++) {
      const variants = (['wait', 'none'] as const).map((name) => {
        const client = createCacheClient({
          transport: 'redis',
          clusterNodes: cluster.nodes,
          keyPrefix: `rw${round}${name}:`,
        });
        const pipeline = new Pipeline({
          client,
          errors,
          maxMessageBytes: 1_048_576,
          maxFutureSkewMs: 300_000,
          retry: { initialDelayMs: 50, maxDelayMs: 500 },
          logger,
          replicaWait: name === 'wait' ? null : { replicas: 0, timeoutMs: 0 },
        });
        return { name, client, pipeline, ms: 0 };
      });
      for (const v of variants) await v.pipeline.process(messages.slice(0, 10)); // connect, load scripts
      for (let i = 0, k = 0; i < messages.length; i += CHUNK, k++) {
        const chunk = messages.slice(i, i + CHUNK);
        for (const v of k % 2 === 0 ? variants : [...variants].reverse()) {
          const t0 = performance.now();
          const result = await v.pipeline.process(chunk, { topic: 'bench', partition: 0 });
          v.ms += performance.now() - t0;
          expect(result.read).toBe(chunk.length);
        }
      }
      const [wait, none] = variants.map((v) => Math.round((messages.length * 1000) / v.ms)) as [
        number,
        number,
      ];
      ratios.push(wait / none);
      console.info(
        `round ${round + 1}: with replica wait ${wait.toLocaleString('en-US')} msg/s, without ${none.toLocaleString('en-US')} msg/s, ratio ${(wait / none).toFixed(3)}`,
      );
      await Promise.all(variants.map((v) => v.client.close()));
    }
    console.info(
      `replica wait (chunks of ${CHUNK}, ${MESSAGES} messages): median ratio wait / no wait ${median(ratios).toFixed(3)}`,
    );
  } finally {
    await cluster.stop();
  }
});
