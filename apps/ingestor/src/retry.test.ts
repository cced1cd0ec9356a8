import { describe, expect, test } from 'vitest';
import { retryAfter } from './pipeline/dependency-retry.js';
import { AbortedError, backoffDelay, retry } from './retry.js';

describe('backoffDelay', () => {
  test('grows exponentially, is capped, and is jittered between half and all of the ceiling', () => {
    const o = { initialDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, o, () => 0.999999))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, o, () => 0))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
    const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(4, o)));
    expect(spread.size).toBeGreaterThan(10);
  });
});

describe('retry', () => {
  const fast = { initialDelayMs: 5, maxDelayMs: 20 };

  test('retries until the operation succeeds, reporting each failure and the recovery', async () => {
    let calls = 0;
    const failures: number[] = [];
    let recovered = 0;
    const result = await retry(
      async () => {
        if (++calls < 4) throw new Error(`down ${calls}`);
        return 'ok';
      },
      { ...fast, onRetry: (_e, n) => failures.push(n), onRecovered: (n) => (recovered = n) },
    );
    expect(result).toBe('ok');
    expect(failures).toEqual([1, 2, 3]);
    expect(recovered).toBe(3);
  });

  test('does not retry what is not retriable', async () => {
    let calls = 0;
    const op = async () => {
      calls++;
      throw new Error('bad input');
    };
    await expect(retry(op, { ...fast, isRetriable: () => false })).rejects.toThrow('bad input');
    expect(calls).toBe(1);
  });

  test('keeps calling keepAlive during long waits, and its failure ends the retry', async () => {
    let beats = 0;
    let calls = 0;
    const op = async () => {
      calls++;
      throw new Error('down');
    };
    const keepAlive = async () => {
      if (++beats === 3) throw new Error('rebalance');
    };
    await expect(
      retry(op, { initialDelayMs: 200, maxDelayMs: 200, keepAlive, keepAliveMs: 20, random: () => 1 }),
    ).rejects.toThrow('rebalance');
    expect(beats).toBe(3);
    expect(calls).toBe(1);
  });

  test('an abort ends the wait at once', async () => {
    const abort = new AbortController();
    const started = Date.now();
    setTimeout(() => abort.abort(), 30);
    await expect(
      retry(
        async () => {
          throw new Error('down');
        },
        { initialDelayMs: 10_000, maxDelayMs: 10_000, signal: abort.signal },
      ),
    ).rejects.toBeInstanceOf(AbortedError);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  test('gives up after giveUpAfterMs with the last error', async () => {
    await expect(
      retry(
        async () => {
          throw new Error('still down');
        },
        { ...fast, giveUpAfterMs: 60 },
      ),
    ).rejects.toThrow('still down');
  });
});

describe('retry and abort', () => {
  test('an abort also abandons the attempt in flight', async () => {
    const abort = new AbortController();
    const started = Date.now();
    setTimeout(() => abort.abort(), 30);
    const slow = () => new Promise<string>((resolve) => setTimeout(() => resolve('late'), 2_000));
    await expect(
      retry(slow, { initialDelayMs: 10, maxDelayMs: 10, signal: abort.signal }),
    ).rejects.toBeInstanceOf(AbortedError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('retry: delayFor', () => {
  test("the delay can follow the failure (a server's Retry-After), within the retry's loop", async () => {
    const waits: number[] = [];
    let attempts = 0;
    const result = await retry(
      async () => {
        attempts++;
        if (attempts < 3) throw Object.assign(new Error('busy'), { retryAfterSeconds: 0.05 });
        return 'done';
      },
      {
        initialDelayMs: 1,
        maxDelayMs: 2,
        delayFor: (error, backoff) => retryAfter(error, backoff),
        onRetry: (_e, _n, delay) => waits.push(delay),
      },
    );
    expect(result).toBe('done');
    expect(waits).toEqual([50, 50]);
    expect(retryAfter(new Error('x'), 7)).toBe(7);
    expect(retryAfter({ retryAfterSeconds: 3600 }, 7)).toBe(60_000);
  });
});
