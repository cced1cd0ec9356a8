import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NEAR_CACHE_MAX_BYTES, NEAR_CACHE_MIN_BYTES, NearCache } from './near-cache.js';

/** A read whose answer the test releases by hand (no Redis here: the fetch is the test's own function). */
function deferredReads() {
  const pending: { ids: string[]; resolve: (v: string[]) => void; reject: (e: Error) => void }[] = [];
  const fetch = (ids: string[]) =>
    new Promise<string[]>((resolve, reject) => {
      pending.push({ ids, resolve, reject });
    });
  return { pending, fetch };
}

const sizeOf = (key: string, value: string) => 2 * (key.length + value.length);
const make = (maxBytes = 1024 * 1024) => {
  const cache = new NearCache<string>({ maxBytes }, sizeOf);
  cache.clear(true); // tracking on
  return cache;
};
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('NearCache', () => {
  it('serves a stored answer without reading again', async () => {
    const cache = make();
    const { pending, fetch } = deferredReads();
    const first = cache.getMany(['k1'], ['a'], fetch);
    pending[0]!.resolve(['v1']);
    expect(await first).toEqual(['v1']);
    expect(await cache.getMany(['k1'], ['a'], fetch)).toEqual(['v1']);
    expect(pending).toHaveLength(1);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, stores: 1, entries: 1 });
  });

  it('peek answers a hit synchronously and nothing else; its derived slot goes with the entry', async () => {
    const cache = make();
    const { pending, fetch } = deferredReads();
    expect(cache.peek('k1')).toBeUndefined(); // nothing stored: no read sent either
    const first = cache.getMany(['k1'], ['a'], fetch);
    expect(cache.peek('k1')).toBeUndefined(); // in flight is not a hit
    pending[0]!.resolve(['v1']);
    await first;
    const hit = cache.peek('k1')!;
    expect(hit.value).toBe('v1');
    hit.derived = 'serialized v1';
    expect(cache.peek('k1')!.derived).toBe('serialized v1');
    cache.invalidate('k1');
    expect(cache.peek('k1')).toBeUndefined();
    const again = cache.getMany(['k1'], ['a'], fetch);
    pending[1]!.resolve(['v2']);
    await again;
    expect(cache.peek('k1')).toMatchObject({ value: 'v2', derived: undefined }); // a new entry, a new slot
    cache.clear(true);
    expect(cache.peek('k1')).toBeUndefined();
    expect(pending).toHaveLength(2);
    expect(cache.stats()).toMatchObject({ hits: 3, stores: 2 });
  });

  it('peek does not answer an entry older than maxAgeMs', async () => {
    const cache = new NearCache<string>({ maxBytes: 1024 * 1024, maxAgeMs: 1 }, sizeOf);
    cache.clear(true);
    const { pending, fetch } = deferredReads();
    const first = cache.getMany(['k1'], ['a'], fetch);
    pending[0]!.resolve(['v1']);
    await first;
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(cache.peek('k1')).toBeUndefined();
  });

  it('concurrent misses of one key share one read', async () => {
    const cache = make();
    const { pending, fetch } = deferredReads();
    const answers = Array.from({ length: 5 }, () => cache.getMany(['k1', 'k2'], ['a', 'b'], fetch));
    expect(pending).toHaveLength(1);
    expect(pending[0]!.ids).toEqual(['a', 'b']);
    pending[0]!.resolve(['v1', 'v2']);
    for (const a of answers) expect(await a).toEqual(['v1', 'v2']);
    expect(cache.stats().shared).toBe(8);
  });

  it('does not store a read that was in flight when its key was invalidated, and new callers read again', async () => {
    const cache = make();
    const { pending, fetch } = deferredReads();
    const old = cache.getMany(['k1'], ['a'], fetch);
    cache.invalidate('k1');
    const fresh = cache.getMany(['k1'], ['a'], fetch);
    expect(pending).toHaveLength(2);
    pending[0]!.resolve(['old']);
    expect(await old).toEqual(['old']); // the caller overlapped the change: the old value is its answer
    pending[1]!.resolve(['new']);
    expect(await fresh).toEqual(['new']);
    expect(await cache.getMany(['k1'], ['a'], fetch)).toEqual(['new']);
    expect(pending).toHaveLength(2);
  });

  it('never answers a value older than one already served (a late reply of an earlier read)', async () => {
    const cache = make();
    const { pending, fetch } = deferredReads();
    const early = cache.getMany(['k1'], ['a'], fetch);
    cache.invalidate('k1');
    const later = cache.getMany(['k1'], ['a'], fetch);
    pending[1]!.resolve(['new']); // the later read answers first (a retried or redirected read)
    expect(await later).toEqual(['new']);
    cache.invalidate('k1'); // and is itself invalidated before the early one returns
    pending[0]!.resolve(['old']);
    expect(await early).toEqual(['new']);
  });

  it('stores nothing while tracking is off, and a clear drops reads in flight', async () => {
    const cache = new NearCache<string>({ maxBytes: 4096 }, sizeOf);
    const { pending, fetch } = deferredReads();
    const off = cache.getMany(['k1'], ['a'], fetch);
    pending[0]!.resolve(['v']);
    await off;
    expect(cache.stats().entries).toBe(0);
    cache.clear(true);
    const during = cache.getMany(['k1'], ['a'], fetch);
    cache.clear(true); // a connection dropped and came back while the read was out
    pending[1]!.resolve(['v']);
    await during;
    expect(cache.stats().entries).toBe(0);
  });

  it('stays within maxBytes under constant eviction; a key read every turn stays', async () => {
    const cache = make(NEAR_CACHE_MIN_BYTES);
    const fetch = async (ids: string[]) => ids.map((id) => `value-of-${id}`.padEnd(40, '.'));
    for (let i = 0; i < 200; i++) {
      await cache.getMany([`key-${i}`], [`${i}`], fetch);
      await cache.getMany(['key-0'], ['0'], fetch); // kept warm
      expect(cache.stats().bytes).toBeLessThanOrEqual(NEAR_CACHE_MIN_BYTES);
    }
    expect(cache.stats().evictions).toBeGreaterThan(150);
    expect(cache.has('key-0')).toBe(true);
    expect(cache.has('key-1')).toBe(false);
  });

  it('gives an entry read since the hand passed a second chance: the next unread one goes instead', async () => {
    const cache = make(NEAR_CACHE_MIN_BYTES); // 5 entries of 200 bytes fit
    const value = 'v'.repeat(98);
    for (let i = 0; i < 5; i++) await cache.getMany([`k${i}`], [`k${i}`], async () => [value]);
    expect(cache.stats().evictions).toBe(0);
    expect(cache.peek('k0')).toBeDefined(); // the oldest, read
    await cache.getMany(['k5'], ['k5'], async () => [value]);
    expect(cache.stats().evictions).toBe(1);
    expect(cache.has('k0')).toBe(true);
    expect(cache.has('k1')).toBe(false);
    // k0 lost its flag when it was spared: unread since, it is the next to go after k2..k4 are read
    for (const k of ['k2', 'k3', 'k4', 'k5']) cache.peek(k);
    await cache.getMany(['k6'], ['k6'], async () => [value]);
    expect(cache.has('k0')).toBe(false);
    expect(['k2', 'k3', 'k4', 'k5', 'k6'].every((k) => cache.has(k))).toBe(true);
  });

  it('under any mix of reads, hits and invalidations: bounded, and never a value older than the source', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            op: fc.constantFrom('read', 'read', 'peek', 'invalidate'),
            key: fc.integer({ min: 0, max: 30 }),
          }),
          { maxLength: 300 },
        ),
        async (steps) => {
          const cache = make(NEAR_CACHE_MIN_BYTES * 2);
          /** What the source holds now: a version per key (an invalidation is a write), its size varying with it. */
          const version = new Map<number, number>();
          const sourceValue = (k: number) => {
            const v = version.get(k) ?? 0;
            return `${k}:${v}:`.padEnd(((k * 37 + v * 11) % 300) + 1, '.');
          };
          for (const { op, key } of steps) {
            const k = `k${key}`;
            if (op === 'invalidate') {
              version.set(key, (version.get(key) ?? 0) + 1);
              cache.invalidate(k);
              continue;
            }
            if (op === 'peek') {
              const hit = cache.peek(k);
              // a hit is never an older version than the source's
              if (hit !== undefined) expect(hit.value).toBe(sourceValue(key));
              continue;
            }
            const [got] = await cache.getMany([k], [k], async () => [sourceValue(key)]);
            expect(got).toBe(sourceValue(key));
          }
          const stats = cache.stats();
          expect(stats.bytes).toBeLessThanOrEqual(NEAR_CACHE_MIN_BYTES * 2);
          expect(stats.bytes).toBeGreaterThanOrEqual(0);
          if (stats.entries === 0) expect(stats.bytes).toBe(0);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a failed read fails its callers and stores nothing', async () => {
    const cache = make();
    const { pending, fetch } = deferredReads();
    const a = cache.getMany(['k1'], ['a'], fetch);
    const b = cache.getMany(['k1'], ['a'], fetch);
    pending[0]!.reject(new Error('down'));
    await expect(a).rejects.toThrow('down');
    await expect(b).rejects.toThrow('down');
    await tick();
    expect(cache.stats().entries).toBe(0);
  });

  it('maxBytes and maxAgeMs are bounded (hostile values)', () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (maxBytes, maxAgeMs) => {
        const valid =
          Number.isSafeInteger(maxBytes) &&
          (maxBytes as number) >= NEAR_CACHE_MIN_BYTES &&
          (maxBytes as number) <= NEAR_CACHE_MAX_BYTES &&
          (maxAgeMs === undefined || (Number.isSafeInteger(maxAgeMs) && (maxAgeMs as number) >= 0));
        const build = () =>
          new NearCache<string>({ maxBytes: maxBytes as number, maxAgeMs: maxAgeMs as number }, sizeOf);
        if (valid) expect(build().maxBytes).toBe(maxBytes);
        else expect(build).toThrow(RangeError);
      }),
    );
    expect(() => new NearCache<string>({ maxBytes: NEAR_CACHE_MAX_BYTES + 1 }, sizeOf)).toThrow(RangeError);
    expect(() => new NearCache<string>({ maxBytes: 1023 }, sizeOf)).toThrow(RangeError);
  });
});
