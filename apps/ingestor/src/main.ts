/**
 * cache-ingestor: consumes `iot_validated_data` into Redis (the service), or replays an NDJSON
 * file through the same pipeline (`--from-file <path|->`).
 */
import { parseArgs } from 'node:util';
import { type Ingestor, SHUTDOWN_BUDGET_MS, startIngestor } from './app.js';
import { ConfigError, type IngestorConfig, loadConfig } from './env.js';
import { EXIT_CONFIG } from './exit-codes.js';
import { replayFile } from './file-mode.js';
import { createLogger } from './logger.js';
import { FatalIngestError } from './pipeline/fatal-error.js';
import { parseErrorCodes } from './replay/error-records.js';
import { replayErrorFile } from './replay/replay-file.js';
import { replayErrorTopic } from './replay/replay-topic.js';
import { AbortedError } from './retry.js';
import { startTracing } from './tracing/start-tracing.js';

const USAGE = `Usage:
  cache-ingestor                              consume Kafka into Redis (configured by env)
  cache-ingestor --from-file <path|-> [--errors <file>] [--api-url <url>]
                                              replay NDJSON ValidatedOutput lines into Redis
                                              (or through the REST API), print a summary, exit
  cache-ingestor --replay-errors [--from-file <path|->] [--error-code <code>]...
                 [--errors <file>] [--api-url <url>]
                                              re-ingest the original messages of error records:
                                              from KAFKA_ERROR_TOPIC (beginning to its current
                                              end), or from an NDJSON file of error records
Options:
  --from-file <path|->  NDJSON input ("-" reads stdin): ValidatedOutput lines, or error
                        records with --replay-errors
  --errors <file>       write bad lines as NDJSON error messages here (default: stderr)
  --api-url <url>       write through the cache REST API instead of Redis
                        (token from CACHE_API_TOKEN)
  --replay-errors       replay error records (see above); idempotent (latest wins)
  --error-code <code>   only records with this error_code (repeatable), e.g.
                        timestamp_in_future, write_failed, value_too_deep
  -h, --help            show this help
Environment: KAFKA_BOOTSTRAP_SERVERS, KAFKA_VALIDATED_DATA_TOPIC, KAFKA_ERROR_TOPIC,
  KAFKA_CONSUMER_GROUP_ID, REDIS_URL or REDIS_HOST/REDIS_PORT/REDIS_DB/REDIS_PASSWORD,
  REDIS_CLUSTER_NODES, REDIS_METADATA_TTL, KEY_PREFIX, MAX_FUTURE_SKEW, HEALTH_PORT,
  LOG_LEVEL, … (see README.md)
`;

/** Exit codes: 0 done, 1 failure at run time, 2 bad usage or configuration (credentials refused included). */
async function main(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    process.stderr.write(`cache-ingestor: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.apiUrl !== undefined && args.fromFile === undefined && !args.replayErrors) {
    process.stderr.write('cache-ingestor: --api-url needs --from-file or --replay-errors\n');
    return 2;
  }
  if (args.errors !== undefined && args.fromFile === undefined) {
    process.stderr.write('cache-ingestor: --errors needs --from-file\n');
    return 2;
  }
  if (args.errorCodes.length > 0 && !args.replayErrors) {
    process.stderr.write('cache-ingestor: --error-code needs --replay-errors\n');
    return 2;
  }
  let codes: ReadonlySet<string> | null;
  try {
    codes = parseErrorCodes(args.errorCodes);
  } catch (error) {
    process.stderr.write(`cache-ingestor: ${(error as Error).message}\n`);
    return 2;
  }
  if (args.apiUrl !== undefined && !/^https?:\/\/[^/]/.test(args.apiUrl)) {
    process.stderr.write(
      `cache-ingestor: --api-url must be an http(s) URL, got ${JSON.stringify(args.apiUrl)}\n`,
    );
    return 2;
  }
  let config: IngestorConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`cache-ingestor: ${error.message}\n`);
    return 2;
  }
  if (args.replayErrors) {
    return args.fromFile === undefined
      ? replayErrorTopic(config, { codes, apiUrl: args.apiUrl })
      : replayErrorFile(config, { path: args.fromFile, codes, errorsPath: args.errors, apiUrl: args.apiUrl });
  }
  if (args.fromFile !== undefined) {
    return replayFile(config, { path: args.fromFile, errorsPath: args.errors, apiUrl: args.apiUrl });
  }
  return runService(config);
}

function parse(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    options: {
      'from-file': { type: 'string' },
      errors: { type: 'string' },
      'api-url': { type: 'string' },
      'replay-errors': { type: 'boolean' },
      'error-code': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  return {
    fromFile: values['from-file'],
    errors: values.errors,
    apiUrl: values['api-url'],
    replayErrors: values['replay-errors'] ?? false,
    errorCodes: values['error-code'] ?? [],
    help: values.help ?? false,
  };
}

async function runService(config: IngestorConfig): Promise<number> {
  const logger = createLogger(config.logLevel, 1, config.logFormat);
  const tracing = startTracing(config.tracing);
  if (tracing) logger.info('tracing on (OpenTelemetry, OTLP/HTTP)');
  let exitCode = 0;
  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });
  let starting: Promise<Ingestor> | undefined;
  let stopping = false;
  async function shutdown(reason: string) {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down');
    const hard = setTimeout(() => {
      logger.error({ budgetMs: SHUTDOWN_BUDGET_MS }, 'shutdown took too long; exiting now');
      finish(1);
    }, SHUTDOWN_BUDGET_MS - 500);
    const ingestor = await starting?.catch(() => undefined);
    await ingestor?.stop();
    await tracing?.shutdown();
    clearTimeout(hard);
    finish(exitCode);
  }
  // Signals are handled from the start: a SIGTERM during start-up is a graceful stop too.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting without waiting');
        finish(130);
      } else void shutdown(signal);
    });
  }
  starting = startIngestor(config, {
    logger,
    onFatal: (error) => {
      if (error instanceof FatalIngestError) {
        logger.fatal({ setting: error.setting, err: error.message }, `stopping: ${error.message}`);
        exitCode = EXIT_CONFIG;
      } else {
        logger.fatal({ err: error.message }, 'Kafka consumer stopped for good; exiting');
        exitCode = 1;
      }
      void shutdown('fatal');
    },
  });
  let ingestor: Ingestor;
  try {
    ingestor = await starting;
  } catch (error) {
    logger.fatal({ err: error instanceof Error ? error.message : String(error) }, 'cannot start');
    return 1;
  }
  ingestor.started.catch((error: unknown) => {
    if (error instanceof AbortedError || stopping) return; // stopped first (a signal, a fatal error)
    logger.fatal({ err: String(error) }, 'cannot start consuming');
    exitCode = 1;
    void shutdown('start failed');
  });
  return finished;
}

// kafkajs 2.2.4 schedules its request-queue check with a negative delay on Node >= 23 (harmless:
// it runs at once); Node warns about it on every run. Other warnings are printed as usual.
process.removeAllListeners('warning');
process.on('warning', (warning) => {
  if (warning.name !== 'TimeoutNegativeWarning')
    process.stderr.write(`(node:${process.pid}) ${warning.name}: ${warning.message}\n`);
});

main(process.argv.slice(2)).then(
  (code) => {
    // Let pino flush, then exit even if a socket is still closing.
    setTimeout(() => process.exit(code), 50).unref();
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `cache-ingestor: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
