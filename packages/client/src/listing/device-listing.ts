import { compileGlob, type DevicePage, type DeviceSummary, globLiteralPrefix, LIMITS } from '@org/cache-core';
import type { DeviceListQuery } from '../transport.js';
import { decodeCursor, encodeCursor, malformedCursor } from './cursor.js';

/** One bounded read of a device index; each backend implements it over its own structure. */
export interface DeviceIndexSource {
  /** Index entries older than this are expired; `updated_at` = expiry - ttl. */
  readonly ttlMs: number;
  /**
   * Reads up to `count` ids in lexicographic order, after `after` (exclusive) or from `prefix`,
   * never leaving `prefix`, skipping `offset` first. Returns how many ids it read, the last one,
   * and the live ones with their expiry (epoch ms) at or above `minExpiry`.
   */
  scanById(
    after: string | null,
    prefix: string,
    offset: number,
    count: number,
    minExpiry: number,
  ): Promise<{ examined: number; lastExamined: string; live: [string, number][] }>;
  /** Live entries, highest expiry first, from `maxExpiry` (inclusive), skipping `skip`. */
  scanByExpiry(
    maxExpiry: number,
    skip: number,
    count: number,
    minExpiry: number,
  ): Promise<[string, number][]>;
}

/** How many index entries one listing call may read when a filter can make pages sparse. */
export const LISTING_SCAN_BUDGET = 2_000;
/**
 * Matching steps one call may spend: a pattern's worst case is its token count times the text
 * length per entry (`compileGlob`), so a heavy pattern reads fewer entries per call and answers a
 * short page with a cursor. 2 M steps are about 5-15 ms of one core: the 512-character pattern
 * `*?*?…*Z` reads 15 ids of 256 characters per call, `sensor-*` 976.
 */
export const LISTING_MATCH_STEPS = 2_000_000;
/** Index entries `listFutureDevices` examines per call. */
export const FUTURE_SCAN_PER_CALL = 1_000;
const CHUNK = 500;

/**
 * Index entries one call may examine with a pattern of `patternTokens` tokens (0: no pattern)
 * over texts of at most `maxTextLength` characters; at least 1, so every call makes progress.
 */
export function scanBudget(limit: number, patternTokens: number, maxTextLength: number): number {
  const base = Math.max(LISTING_SCAN_BUDGET, limit * 2);
  if (patternTokens === 0) return base;
  return Math.max(1, Math.min(base, Math.floor(LISTING_MATCH_STEPS / (patternTokens * maxTextLength))));
}

/**
 * Cursor pagination over a device index, costing O(page) without a filter and at most
 * O(LISTING_SCAN_BUDGET) with a pattern or `updatedSince` (then a page may be short, with a cursor).
 */
export async function listDevicesFrom(
  source: DeviceIndexSource,
  query: DeviceListQuery,
): Promise<DevicePage> {
  const glob = query.pattern === null ? null : compileGlob(query.pattern);
  const match = glob === null ? null : { test: glob };
  const prefix = query.pattern === null ? '' : globLiteralPrefix(query.pattern);
  const minExpiry = query.updatedSince === null ? 0 : query.updatedSince + source.ttlMs;
  const filtered = match !== null || minExpiry > 0;
  const budget = scanBudget(query.limit, glob === null ? 0 : glob.tokens, LIMITS.deviceIdMaxLength);
  const cursor = query.cursor === null ? null : decodeCursor(query.cursor);
  if (cursor !== null && cursor.s !== query.sort) throw malformedCursor();
  const devices: DeviceSummary[] = [];
  const summary = (id: string, expiry: number): DeviceSummary => ({
    device_id: id,
    updated_at: new Date(expiry - source.ttlMs).toISOString(),
    expires_at: new Date(expiry).toISOString(),
  });
  let examined = 0;
  const chunkSize = () => Math.min(filtered ? CHUNK : query.limit - devices.length + 1, budget - examined);

  if (query.sort === 'id') {
    let after = cursor?.s === 'id' ? cursor.after : null;
    let offset = cursor ? 0 : query.offset;
    for (;;) {
      const count = chunkSize();
      const step = await source.scanById(after, prefix, offset, count, minExpiry);
      offset = 0;
      examined += step.examined;
      for (const [id, expiry] of step.live) {
        if (match !== null && !match.test(id)) continue;
        devices.push(summary(id, expiry));
        if (devices.length === query.limit)
          return { devices, next_cursor: encodeCursor({ s: 'id', after: id }) };
      }
      if (step.examined < count) return { devices, next_cursor: null };
      after = step.lastExamined;
      if (examined >= budget) return { devices, next_cursor: encodeCursor({ s: 'id', after }) };
    }
  }

  let score = cursor?.s === 'updated' ? cursor.score : Number.POSITIVE_INFINITY;
  let skip = cursor?.s === 'updated' ? cursor.skip : query.offset;
  for (;;) {
    const count = chunkSize();
    const rows = await source.scanByExpiry(score, skip, count, minExpiry);
    examined += rows.length;
    for (const [id, expiry] of rows) {
      if (expiry === score) skip++;
      else {
        score = expiry;
        skip = 1;
      }
      if (match !== null && !match.test(id)) continue;
      devices.push(summary(id, expiry));
      if (devices.length === query.limit)
        return { devices, next_cursor: encodeCursor({ s: 'updated', score, skip }) };
    }
    if (rows.length < count) return { devices, next_cursor: null };
    if (examined >= budget) return { devices, next_cursor: encodeCursor({ s: 'updated', score, skip }) };
  }
}
