/**
 * kafkajs 2.2.4 re-armed a timer with a negative delay after every broker response, forever (Node
 * runs it after 1 ms and warns `TimeoutNegativeWarning`): a 1 ms wake-up loop per broker connection
 * of an idle ingestor (kafkajs#1704, #1751). `patches/kafkajs@2.2.4.patch` arms it only while a
 * request waits. Real kafkajs against the test broker; what is counted is the timers created.
 */
import { createHook } from 'node:async_hooks';
import { type KafkaHandle, startKafka } from '@org/cache-testkit';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { silentLogger, testConfig } from '../../test/helpers.js';
import { createKafka } from './kafka-client.js';

let kafka: KafkaHandle;
let producer: Producer;
/** Node's warnings from before the client connects (the first negative delay comes with its first answer). */
const warnings: string[] = [];
const onWarning = (w: Error) => warnings.push(w.name);
beforeAll(async () => {
  process.on('warning', onWarning);
  kafka = await startKafka();
  const config = testConfig({ KAFKA_BOOTSTRAP_SERVERS: kafka.brokers.join(',') });
  producer = createKafka(config.kafka, silentLogger).producer();
  await producer.connect();
});
afterAll(async () => {
  process.off('warning', onWarning);
  await producer?.disconnect();
  await kafka?.stop();
});

test('an idle kafkajs client arms no timer loop and never warns TimeoutNegativeWarning', async () => {
  let timeouts = 0;
  const hook = createHook({
    init: (_id, type) => {
      if (type === 'Timeout') timeouts++;
    },
  });
  try {
    await producer.send({ topic: 'queue-patch', messages: [{ value: 'one' }] });
    hook.enable();
    await new Promise((r) => setTimeout(r, 500)); // idle: unpatched, about one timer per ms and connection
    hook.disable();
    await producer.send({ topic: 'queue-patch', messages: [{ value: 'two' }] });
    await new Promise((r) => setImmediate(r));
  } finally {
    hook.disable();
  }
  expect(timeouts).toBeLessThan(20);
  expect(warnings).not.toContain('TimeoutNegativeWarning');
});
