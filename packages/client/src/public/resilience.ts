/**
 * `@org/cache-client/resilience`: the fail-fast guard `createCacheClient` installs (circuit
 * breaker, retries with backoff), to inspect a client's state or guard a transport of your own.
 */
export {
  type BreakerState,
  CircuitBreaker,
  type CircuitBreakerOptions,
} from '../resilience/circuit-breaker.js';
export {
  Resilience,
  type ResilienceOptions,
  type ResilienceState,
  resilienceOf,
} from '../resilience/resilience.js';
export { backoffDelayMs, type RetryOptions } from '../resilience/retry-policy.js';
