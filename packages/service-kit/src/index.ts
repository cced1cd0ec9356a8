export {
  type CacheClientSettings,
  cacheClientOptions,
  clientSettingsOf,
  connectionErrorLog,
  createServiceCacheClient,
  outboxOf,
  type RedisConnectionSettings,
  type RedisTarget,
  redisTargetOf,
  type ServiceClientOptions,
} from './cache-client-factory.js';
export {
  LOG_FORMATS,
  LOG_LEVEL_NAMES,
  type LogFormat,
  type LogLevel,
  logFormatSetting,
  logLevelSetting,
} from './log-settings.js';
export { isoTimeField } from './log-time.js';
export { createServiceLogger, resolveLogFormat, type ServiceLoggerOptions } from './logger.js';
export { formatLogLine, type LineSink, PrettyDestination } from './pretty-destination.js';
export {
  COMMON_SETTING_NAMES,
  type CommonSettings,
  CommonSettingsSchema,
  checkCommonSettings,
  commonSettingsOf,
  commonSettingsShape,
  parseCommonSettings,
  presentVariables,
  SETTING_BOUNDS,
  SettingsError,
} from './settings.js';
export {
  parseTracingEnv,
  TRACES_SAMPLERS,
  type TracesSampler,
  type TracingEnv,
  type TracingSettings,
  tracingEnvShape,
  tracingSettingsOf,
} from './tracing/settings.js';
export {
  type ServiceTracingOptions,
  type StartTracingOptions,
  samplerOf,
  startServiceTracing,
  type TracingHandle,
  type TracingState,
} from './tracing/start-tracing.js';
