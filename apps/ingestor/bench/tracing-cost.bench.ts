/**
 * The cost of tracing in the pipeline (issue 14): the same messages written into one Redis under
 * two key prefixes, chunk by chunk in alternation (the order flips every chunk, so both see the
 * same machine load): tracing off, and tracing on (a span per message, each carrying a producer's
 * `traceparent`, and a linked batch-write span per chunk) exporting OTLP/HTTP to a sink in this
 * process that answers 200 and keeps nothing. BENCH_TRACE_MESSAGES (default 100,000),
 * BENCH_TRACE_CHUNK (default 5,000), BENCH_ROUNDS (default 3). Prints msg/s of each per round and
 * the median ratio on / off. The off side is the code path of an ingestor without ENABLE_OTEL.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCacheClient } from '@org/cache-client';
import { startRedis } from '@org/cache-testkit';
import { parseTracingEnv, tracingSettingsOf } from '@org/service-kit';
import pino from 'pino';
import { expect, test } from 'vitest';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { startTracing } from '../src/tracing/start-tracing.js';
import { tracing } from '../src/tracing/state.js';
import { generateMessages } from '../test/data.js';

const MESSAGES = Number(process.env.BENCH_TRACE_MESSAGES ?? 100_000);
const CHUNK = Number(process.env.BENCH_TRACE_CHUNK ?? 5_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

test('tracing in the pipeline: msg/s on against off', async () => {
  const redis = await startRedis();
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  sink.listen(0, '127.0.0.1');
  await once(sink, 'listening');
  const handle = startTracing(
    tracingSettingsOf(
      parseTracingEnv({
        ENABLE_OTEL: 'true',
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`,
      }),
      'cache-ingestor',
    ),
  )!;
  const logger = pino({ level: 'silent' });
  const errors = { send: async () => {} };
  const ratios: number[] = [];
  try {
    const data = generateMessages(MESSAGES, Math.ceil(MESSAGES / 20), { seed: 7, perRawMessage: 4 });
    const messages = data.values.map((value, i) => ({
      value,
      offset: String(i),
      headers: {
        traceparent: Buffer.from(
          `00-${i.toString(16).padStart(32, '0').replace(/^0/, 'a')}-${(i + 1).toString(16).padStart(16, '0')}-01`,
        ),
      },
    }));
    for (let round = 0; round < ROUNDS; round++) {
      const variants = (['off', 'on'] as const).map((name) => {
        const client = createCacheClient({
          transport: 'redis',
          url: redis.url,
          keyPrefix: `tr${round}${name}:`,
        });
        const pipeline = new Pipeline({
          client,
          errors,
          maxMessageBytes: 1_048_576,
          maxFutureSkewMs: 300_000,
          retry: { initialDelayMs: 50, maxDelayMs: 500 },
          logger,
        });
        return { name, client, pipeline, ms: 0 };
      });
      tracing.on = false;
      for (const v of variants) await v.pipeline.process(messages.slice(0, 10)); // connect, load scripts
      for (let i = 0, k = 0; i < messages.length; i += CHUNK, k++) {
        const chunk = messages.slice(i, i + CHUNK);
        for (const v of k % 2 === 0 ? variants : [...variants].reverse()) {
          tracing.on = v.name === 'on';
          const t0 = performance.now();
          const result = await v.pipeline.process(chunk, { topic: 'bench', partition: 0 });
          // the export (JSON, HTTP) of the chunk's spans is part of what tracing costs: counted here
          if (v.name === 'on') await handle.flush();
          v.ms += performance.now() - t0;
          expect(result.read).toBe(chunk.length);
        }
      }
      const [off, on] = variants.map((v) => Math.round((messages.length * 1000) / v.ms)) as [number, number];
      ratios.push(on / off);
      console.info(
        `round ${round + 1}: tracing off ${off.toLocaleString('en-US')} msg/s, on ${on.toLocaleString('en-US')} msg/s, ratio ${(on / off).toFixed(3)}`,
      );
      await Promise.all(variants.map((v) => v.client.close()));
    }
    console.info(
      `tracing (chunks of ${CHUNK}, ${MESSAGES} messages, every message with a traceparent): median ratio on / off ${median(ratios).toFixed(3)}`,
    );
  } finally {
    await handle.shutdown();
    sink.close();
    await redis.stop();
  }
});
