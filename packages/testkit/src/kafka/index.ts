export { KafkaBroker, type KafkaBrokerOptions, type TopicConfig } from './server.js';
export { type KafkaHandle, type StartKafkaOptions, startKafka } from './start.js';
