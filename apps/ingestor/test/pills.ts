/**
 * Poison pills: well-formed or not, each one hostile in its own way, with the `error_code` its
 * error record must carry; and good messages to put around them.
 */

export interface Pill {
  name: string;
  value: string;
  errorCode: string;
}

/** The largest message the tests let through (INGEST_MAX_MESSAGE_BYTES): the too-large pill is bigger. */
export const TEST_MAX_MESSAGE_BYTES = 128 * 1024;

const reading = (deviceId: string, fields: Record<string, unknown> = {}) =>
  JSON.stringify({
    device_id: deviceId,
    request_id: `req-${deviceId}`,
    timestamp: '2025-06-25T08:00:00',
    index: 'T',
    values: [1],
    labels: ['temperature'],
    ...fields,
  });

/** One pill of each kind the issue names; `tag` keeps the device ids of several runs apart. */
export function pills(tag: string): Pill[] {
  const manyKeys: Record<string, unknown> = { datatype_id: 'dt', datatype_name: 'Temperature' };
  for (let i = 0; i < 5000; i++) manyKeys[`extra_${i}`] = i;
  const deep = `${'['.repeat(9000)}1${']'.repeat(9000)}`;
  return [
    {
      name: 'values nested 9,000 deep',
      value: reading(`${tag}-deep`).replace('"values":[1]', `"values":[${deep}]`),
      errorCode: 'value_too_deep',
    },
    {
      name: 'metadata with 5,000 extra keys',
      value: reading(`${tag}-keys`, { metadata: manyKeys }),
      errorCode: 'too_many_metadata_keys',
    },
    {
      name: 'a far-future timestamp',
      value: reading(`${tag}-future`, { timestamp: '9999-12-31T23:59:59Z', values: [9999] }),
      errorCode: 'timestamp_in_future',
    },
    {
      name: 'an over-long device id',
      value: reading(`${tag}-${'x'.repeat(300)}`),
      errorCode: 'id_too_long',
    },
    {
      name: 'a too-large message',
      value: reading(`${tag}-large`, { values: ['y'.repeat(TEST_MAX_MESSAGE_BYTES)] }),
      errorCode: 'message_too_large',
    },
    { name: 'invalid JSON', value: `{"device_id": "${tag}-json", oops`, errorCode: 'invalid_json' },
  ];
}

export interface GoodMessages {
  values: string[];
  /** `device|index` -> the values[0] of its newest reading. */
  expected: Map<string, number>;
}

/**
 * `count` good messages over a few devices of `tag` (out of order now and then). The device of the
 * future pill (`<tag>-future`) gets readings too, so the test sees it is not frozen.
 */
export function goodMessages(tag: string, count: number, firstValue = 0): GoodMessages {
  const values: string[] = [];
  const newest = new Map<string, { ts: number; value: number }>();
  for (let i = 0; i < count; i++) {
    const device = i % 5 === 4 ? `${tag}-future` : `${tag}-good-${i % 4}`;
    const index = ['T', 'U', 'P'][i % 3]!;
    // Mostly increasing, every 7th one an hour late (it must lose to the newer ones).
    const ts = Date.UTC(2025, 5, 25, 8, 0, 0) + (i % 7 === 6 ? -3_600_000 : 0) + i * 1000;
    const value = firstValue + i;
    values.push(
      JSON.stringify({
        device_id: device,
        request_id: `req-${tag}-${i}`,
        timestamp: new Date(ts).toISOString().replace('Z', ''),
        index,
        values: [value],
        labels: null,
        metadata: { datatype_id: `dt-${index}`, datatype_name: index, persist: true, battery_ok: true },
      }),
    );
    const key = `${device}|${index}`;
    const current = newest.get(key);
    if (!current || current.ts < ts) newest.set(key, { ts, value });
  }
  return { values, expected: new Map([...newest].map(([k, v]) => [k, v.value])) };
}

/** Good messages with the pills spread between them; `pillAt` holds each pill's position. */
export function mixedStream(tag: string, goodCount: number) {
  const good = goodMessages(tag, goodCount);
  const bad = pills(tag);
  const values: string[] = [];
  const pillAt = new Map<number, Pill>();
  const every = Math.max(1, Math.floor(goodCount / (bad.length + 1)));
  let next = 0;
  good.values.forEach((v, i) => {
    values.push(v);
    if ((i + 1) % every === 0 && next < bad.length) {
      pillAt.set(values.length, bad[next]!);
      values.push(bad[next++]!.value);
    }
  });
  while (next < bad.length) {
    pillAt.set(values.length, bad[next]!);
    values.push(bad[next++]!.value);
  }
  return { values, pillAt, expected: good.expected };
}
