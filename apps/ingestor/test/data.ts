/** Synthetic ValidatedOutput streams: many devices, several indexes, some readings out of order. */

export interface Generated {
  /** Message values, in production order. */
  values: string[];
  /** Kafka keys (the device id), one per value. */
  keys: string[];
  /** Newest reading per `device|index`: its values[0] and its normalized timestamp. */
  expected: Map<string, { value: number; timestamp: string }>;
}

const INDEXES = ['T', 'U', 'P', 'B'];
const BASE = Date.UTC(2025, 5, 25, 8, 0, 0);

/** A reproducible pseudo-random generator (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` messages over `devices` devices and 4 indexes. With `perRawMessage: 4` a device's raw
 * message yields its 4 readings (one per index) in a row, sharing timestamp and request_id, as the
 * upstream parser publishes them; with 1 (default) each message is a random device and index.
 * Raw messages have distinct timestamps; about `outOfOrder` of them are older than one already
 * sent for their device (late or replayed), so arrival order and timestamp order differ.
 */
export function generateMessages(
  count: number,
  devices: number,
  options: { outOfOrder?: number; seed?: number; perRawMessage?: 1 | 4 } = {},
): Generated {
  const random = seeded(options.seed ?? 42);
  const outOfOrder = options.outOfOrder ?? 0.1;
  const perRaw = options.perRawMessage ?? 1;
  const values: string[] = [];
  const keys: string[] = [];
  const expected = new Map<string, { value: number; timestamp: string }>();
  const used = new Set<number>();
  for (let raw = 0; values.length < count; raw++) {
    const device = `dev-${Math.floor(random() * devices)
      .toString()
      .padStart(6, '0')}`;
    // Timestamps (µs) advance 1 ms per raw message; late ones go back up to 10 s. All distinct.
    let us = (BASE + raw) * 1000;
    if (random() < outOfOrder) us -= 1 + Math.floor(random() * 10_000_000);
    while (used.has(us)) us--;
    used.add(us);
    const iso = new Date(Math.floor(us / 1000)).toISOString();
    const stamp = `${iso.slice(0, 23)}${String(us % 1000).padStart(3, '0')}`; // zone-less, like Python's isoformat()
    const normalized = `${stamp}Z`;
    const indexes = perRaw === 4 ? INDEXES : [INDEXES[Math.floor(random() * INDEXES.length)]!];
    for (const index of indexes) {
      if (values.length === count) break;
      const value = values.length;
      values.push(
        JSON.stringify({
          request_id: `req-${raw}`,
          timestamp: stamp,
          device_id: device,
          values: [value],
          labels: [`${index}_label`],
          display_names: null,
          index,
          metadata: {
            datatype_id: `dt-${index}`,
            datatype_name: `Datatype ${index}`,
            datatype_unit: index === 'P' ? null : 'unit',
            persist: true,
            datatype_category: 'M',
            battery_ok: true,
          },
        }),
      );
      keys.push(device);
      const key = `${device}|${index}`;
      const current = expected.get(key);
      if (!current || current.timestamp <= normalized) expected.set(key, { value, timestamp: normalized });
    }
  }
  return { values, keys, expected };
}
