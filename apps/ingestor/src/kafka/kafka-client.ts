import { Kafka, type LogEntry, logLevel } from 'kafkajs';
import type { IngestorConfig } from '../env.js';
import type { Logger } from '../logger.js';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose logs go through pino (kafkajs never logs message values). */
export function createKafka(config: IngestorConfig['kafka'], logger: Logger): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    logLevel: log.isLevelEnabled('debug') ? logLevel.DEBUG : logLevel.INFO,
    logCreator:
      () =>
      ({ namespace, level, log: entry }: LogEntry) => {
        const { message, timestamp: _t, logger: _l, ...rest } = entry;
        log[LEVELS[level] ?? 'info']({ namespace, ...rest }, message);
      },
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 10 },
  });
}
