#!/usr/bin/env node
/**
 * Runs the in-process Kafka test broker as a standalone process (tests and local experiments only).
 *   kafka-broker [--port 19092] [--host 127.0.0.1] [--topic name[:partitions]]... [--partitions 1]
 *                [--no-auto-create] [--retention-bytes N] [--verbose]
 */
import { parseArgs } from 'node:util';
import { KafkaBroker, type TopicConfig } from '../src/kafka/server.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '9092' },
    host: { type: 'string', default: '127.0.0.1' },
    'advertised-host': { type: 'string' },
    topic: { type: 'string', multiple: true, default: [] },
    partitions: { type: 'string', default: '1' },
    'no-auto-create': { type: 'boolean', default: false },
    'retention-bytes': { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});

const topics: TopicConfig[] = values.topic.map((spec) => {
  const [topic = '', partitions] = spec.split(':');
  return partitions ? { topic, partitions: Number(partitions) } : topic;
});

const broker = await KafkaBroker.start({
  host: values.host,
  port: Number(values.port),
  advertisedHost: values['advertised-host'],
  defaultPartitions: Number(values.partitions),
  autoCreateTopics: !values['no-auto-create'],
  retentionBytes: values['retention-bytes'] ? Number(values['retention-bytes']) : undefined,
  topics,
  log: values.verbose ? (line) => console.error(line) : undefined,
});
console.log(`Kafka test broker listening on ${broker.brokers[0]} (port ${broker.port})`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping`);
  await broker.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
