export * from './conformance/client-conformance.js';
export {
  kvOptionsSuite,
  type MakeCodecClient,
  realisticValue,
  writeWithOptions,
} from './conformance/kv-options-suite.js';
export { dockerEngineAvailable } from './docker.js';
export { fixtureLines, fixturePath, fixtureReadings } from './fixtures.js';
export * from './kafka/index.js';
export { type NatsServer, startNats } from './nats/index.js';
export { freePort } from './ports.js';
export { type Failover, killMaster, type PauseMode, pauseRedis } from './redis/redis-faults.js';
export { RedisProcess, waitForPing } from './redis/redis-process.js';
export { type RedisServer, type StartRedisOptions, startRedis } from './redis/start-redis.js';
export {
  type RedisClusterServer,
  type StartRedisClusterOptions,
  startRedisCluster,
} from './redis/start-redis-cluster.js';
export { type ReplicatedRedisServer, startReplicatedRedis } from './redis/start-replicated-redis.js';
