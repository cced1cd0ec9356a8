/** Capped exponential backoff with jitter, for Redis writes and error-topic produces. */

export interface BackoffOptions {
  initialDelayMs: number;
  maxDelayMs: number;
}

export interface RetryOptions extends BackoffOptions {
  /** Aborting ends the wait at once with an AbortedError (graceful shutdown). */
  signal?: AbortSignal;
  /** Called while waiting, every `keepAliveMs` at most (Kafka heartbeats); its failure ends the retry. */
  keepAlive?: () => Promise<void>;
  keepAliveMs?: number;
  /** Default: everything is retried. */
  isRetriable?: (error: unknown) => boolean;
  /** Before each wait: the failure, how many attempts failed so far, and the delay chosen. */
  onRetry?: (error: unknown, failures: number, delayMs: number) => void;
  /** After a success that followed failures. */
  onRecovered?: (failures: number) => void;
  /** The delay to wait after `error`, given the backoff's choice (e.g. honour a server's Retry-After). */
  delayFor?: (error: unknown, backoffMs: number) => number;
  /** Stop retrying once failures have lasted this long (ms) and rethrow the last error; default never. */
  giveUpAfterMs?: number;
  /** For tests: a source of numbers in [0, 1). */
  random?: () => number;
}

export class AbortedError extends Error {
  override readonly name = 'AbortedError';
  constructor() {
    super('aborted');
  }
}

/**
 * Delay before retry number `failures` (1-based): exponential from `initialDelayMs`, capped at
 * `maxDelayMs`, with "equal jitter" (between half and all of it) so instances do not retry in step.
 */
export function backoffDelay(
  failures: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(failures - 1, 30));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** Waits `ms`, calling keepAlive every `keepAliveMs`; rejects with AbortedError when signal aborts. */
export async function waitAlive(
  ms: number,
  options: Pick<RetryOptions, 'signal' | 'keepAlive' | 'keepAliveMs'> = {},
): Promise<void> {
  const step = options.keepAlive ? (options.keepAliveMs ?? 1_000) : ms;
  const until = Date.now() + ms;
  for (;;) {
    if (options.signal?.aborted) throw new AbortedError();
    const left = until - Date.now();
    if (left <= 0) return;
    await sleep(Math.min(step, left), options.signal);
    if (options.keepAlive) await options.keepAlive();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Runs `op` until it succeeds, waiting a capped, jittered, growing delay between failures. */
export async function retry<T>(op: () => Promise<T>, options: RetryOptions): Promise<T> {
  let failures = 0;
  let firstFailure = 0;
  for (;;) {
    if (options.signal?.aborted) throw new AbortedError();
    try {
      const result = await untilAborted(op(), options.signal);
      if (failures > 0) options.onRecovered?.(failures);
      return result;
    } catch (error) {
      if (error instanceof AbortedError || (options.isRetriable && !options.isRetriable(error))) throw error;
      failures++;
      if (failures === 1) firstFailure = Date.now();
      if (options.giveUpAfterMs !== undefined && Date.now() - firstFailure >= options.giveUpAfterMs)
        throw error;
      const backoff = backoffDelay(failures, options, options.random);
      const delay = options.delayFor ? options.delayFor(error, backoff) : backoff;
      options.onRetry?.(error, failures, delay);
      await waitAlive(delay, options);
    }
  }
}

/**
 * The attempt in flight is abandoned on abort (a Redis command may take seconds to fail while the
 * connection is down): its outcome no longer matters, as nothing after it is committed.
 */
function untilAborted<T>(attempt: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return attempt;
  if (signal.aborted) {
    attempt.catch(() => {});
    return Promise.reject(new AbortedError());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      attempt.catch(() => {});
      reject(new AbortedError());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    attempt.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
