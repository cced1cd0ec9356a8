import { type Reading, timestampFromMillis } from '@org/cache-core';

const BASE = Date.UTC(2025, 5, 25, 8, 0, 0);

/** A reading shaped like the fixtures, at `BASE + seconds`. */
export function makeReading(
  deviceId: string,
  index: string,
  seconds: number,
  value: unknown = seconds,
): Reading {
  return {
    device_id: deviceId,
    index,
    timestamp: timestampFromMillis(BASE + seconds * 1000),
    request_id: `req-${deviceId}-${seconds}`,
    values: [value],
    labels: [`${index}_label`],
    display_names: null,
    metadata: {
      datatype_id: `dt-${index}`,
      datatype_name: `Datatype ${index} @${seconds}`,
      datatype_unit: index === 'P' ? null : '°C',
      persist: true,
      channel_number: seconds,
    },
  };
}

/** Deterministic pseudo-random numbers (mulberry32), so a failing shuffle can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}
