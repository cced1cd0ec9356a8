import type { CacheClient } from '@org/cache-client';
import { classifyFailure } from '@org/cache-core';
import { credentialsRefused, type FatalIngestError } from './pipeline/fatal-error.js';

/** A device id no producer sends (control-free, within the limits): the probe reads nothing real. */
const PROBE_DEVICE_ID = '__cache-ingestor-credentials-check__';

/**
 * One read with the ingestor's Redis credentials at start, so a refused password stops the service
 * at once rather than at the first message. Resolves with the fatal error, or null when the read
 * worked or failed for another reason (Redis away: the pipeline's retries deal with that).
 */
export async function checkRedisCredentials(client: CacheClient): Promise<FatalIngestError | null> {
  try {
    await client.getDeviceMetadata(PROBE_DEVICE_ID);
    return null;
  } catch (error) {
    return classifyFailure(error) === 'fatal' ? credentialsRefused(error, 'redis') : null;
  }
}
