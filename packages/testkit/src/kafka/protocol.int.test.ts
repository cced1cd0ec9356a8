/** Wire-level behaviour of the test broker itself, with a bare protocol client. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Reader, Writer } from './codec.js';
import { splitBatches } from './log.js';
import { ApiKey, ErrorCode } from './protocol.js';
import { KafkaBroker } from './server.js';
import { RawClient, recordBatch } from './testing.js';

let broker: KafkaBroker;
const clients: RawClient[] = [];

beforeAll(async () => {
  broker = await KafkaBroker.start({
    topics: [{ topic: 'three', partitions: 3 }, 'one'],
    defaultPartitions: 2,
  });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await broker.stop();
});

async function connect(): Promise<RawClient> {
  const c = await RawClient.connect(broker.port);
  clients.push(c);
  return c;
}

const batch = (...values: string[]) =>
  recordBatch(values.map((value, i) => ({ value, timestamp: 1_000 + i })));

function produceBody(topic: string, partition: number, records: Buffer, acks = 1) {
  return (w: Writer) =>
    w
      .nullableString(null)
      .int16(acks)
      .int32(1000)
      .array([topic], (w, t) => w.string(t).array([partition], (w, p) => w.int32(p).bytes(records)));
}

function fetchBody(
  topic: string,
  partition: number,
  offset: number,
  o: { wait?: number; min?: number; max?: number },
) {
  return (w: Writer) =>
    w
      .int32(-1)
      .int32(o.wait ?? 0)
      .int32(o.min ?? 1)
      .int32(10_000_000)
      .int8(0)
      .array([topic], (w, t) =>
        w.string(t).array([partition], (w, p) =>
          w
            .int32(p)
            .int64(offset)
            .int32(o.max ?? 1_000_000),
        ),
      );
}

function readFetch(r: Reader) {
  r.int32(); // throttle
  const topics = r.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => ({
      partition: r.int32(),
      error: r.int16(),
      highWatermark: r.int64(),
      lastStable: r.int64(),
      aborted: r.nullableArray((r) => [r.int64(), r.int64()]),
      records: r.nullableBytes(),
    })),
  }));
  const p = topics[0]?.partitions[0];
  if (!p) throw new Error('no partition in fetch response');
  const bases = splitBatches(p.records ?? Buffer.alloc(0)).map((v) =>
    Number(p.records?.readBigInt64BE(v.start)),
  );
  return { ...p, bases };
}

async function produce(c: RawClient, topic: string, partition: number, records: Buffer) {
  c.send(ApiKey.Produce, 3, 1, produceBody(topic, partition, records));
  const { body } = await c.next();
  const [t] = body.array((r) => ({
    name: r.string(),
    partitions: r.array((r) => ({
      partition: r.int32(),
      error: r.int16(),
      base: r.int64(),
      appendTime: r.int64(),
    })),
  }));
  expect(body.int32()).toBe(0); // throttle_time_ms
  return t?.partitions[0];
}

describe('ApiVersions', () => {
  test('v0-v2 advertise one version per API (ApiVersions itself 0-2)', async () => {
    const c = await connect();
    for (const version of [0, 1, 2]) {
      c.send(ApiKey.ApiVersions, version, 7 + version);
      const { correlationId, body } = await c.next();
      expect(correlationId).toBe(7 + version);
      expect(body.int16()).toBe(ErrorCode.NONE);
      const apis = body.array((r) => ({ key: r.int16(), min: r.int16(), max: r.int16() }));
      if (version > 0) expect(body.int32()).toBe(0);
      expect(body.remaining()).toBe(0);
      const versions = Object.fromEntries(apis.map((a) => [a.key, `${a.min}-${a.max}`]));
      expect(versions).toEqual({
        0: '3-3',
        1: '4-4',
        2: '1-1',
        3: '1-1',
        8: '2-2',
        9: '1-1',
        10: '0-0',
        11: '1-1',
        12: '0-0',
        13: '0-0',
        14: '0-0',
        15: '0-0',
        16: '0-0',
        18: '0-2',
        19: '0-0',
        20: '0-0',
      });
    }
  });

  test('an unknown version gets UNSUPPORTED_VERSION with a v0 body, and the connection stays usable', async () => {
    const c = await connect();
    c.send(ApiKey.ApiVersions, 3, 1, (w) => w.int8(0));
    const { body } = await c.next();
    expect(body.int16()).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(body.array((r) => [r.int16(), r.int16(), r.int16()])).toContainEqual([ApiKey.ApiVersions, 0, 2]);
    expect(body.remaining()).toBe(0);
    c.send(ApiKey.ApiVersions, 0, 2);
    expect((await c.next()).correlationId).toBe(2);
  });
});

describe('connections', () => {
  test('an unknown api key or version closes that connection only', async () => {
    const bad = await connect();
    bad.send(999, 0, 1);
    expect(await bad.waitClosed()).toBe(true);
    const old = await connect();
    old.send(ApiKey.Produce, 0, 1, produceBody('one', 0, batch('x')));
    expect(await old.waitClosed()).toBe(true);
    const good = await connect();
    good.send(ApiKey.ApiVersions, 0, 5);
    expect((await good.next()).correlationId).toBe(5);
  });

  test('a long-polling Fetch is answered before the requests sent after it', async () => {
    const c = await connect();
    const started = Date.now();
    c.send(
      ApiKey.Fetch,
      4,
      1,
      fetchBody('one', 0, broker.topics.partition('one', 0)?.endOffset ?? 0, { wait: 300 }),
    );
    c.send(ApiKey.Metadata, 1, 2, (w) => w.int32(-1));
    expect((await c.next()).correlationId).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect((await c.next()).correlationId).toBe(2);
  });

  test('acks=0 produce gets no response but is appended', async () => {
    const c = await connect();
    const log = broker.topics.partition('three', 2);
    const before = log?.endOffset ?? -1;
    c.send(ApiKey.Produce, 3, 1, produceBody('three', 2, batch('a', 'b'), 0));
    c.send(ApiKey.ApiVersions, 0, 2);
    expect((await c.next()).correlationId).toBe(2);
    expect(log?.endOffset).toBe(before + 2);
  });
});

describe('Produce and Fetch', () => {
  test('offsets advance by lastOffsetDelta + 1; fetch returns whole batches from the one holding the offset', async () => {
    await broker.createTopic('batches', 1);
    const c = await connect();
    expect(await produce(c, 'batches', 0, batch('a', 'b', 'c'))).toEqual({
      partition: 0,
      error: 0,
      base: 0,
      appendTime: -1,
    });
    expect(
      (await produce(c, 'batches', 0, Buffer.concat([batch('d', 'e', 'f'), batch('g', 'h', 'i')])))?.base,
    ).toBe(3);
    expect((await produce(c, 'batches', 0, batch('j')))?.base).toBe(9);

    c.send(ApiKey.Fetch, 4, 2, fetchBody('batches', 0, 4, { max: 1 }));
    const tiny = readFetch((await c.next()).body);
    expect(tiny).toMatchObject({ error: 0, highWatermark: 10, lastStable: 10, bases: [3] });
    expect(tiny.aborted).toEqual([]);

    c.send(ApiKey.Fetch, 4, 3, fetchBody('batches', 0, 0, { max: 1_000_000 }));
    expect(readFetch((await c.next()).body).bases).toEqual([0, 3, 6, 9]);

    c.send(ApiKey.Fetch, 4, 4, fetchBody('batches', 0, 10, {}));
    expect(readFetch((await c.next()).body)).toMatchObject({ error: 0, bases: [], records: Buffer.alloc(0) });
    c.send(ApiKey.Fetch, 4, 5, fetchBody('batches', 0, 11, {}));
    expect(readFetch((await c.next()).body).error).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);
    c.send(ApiKey.Fetch, 4, 6, fetchBody('batches', 7, 0, {}));
    expect(readFetch((await c.next()).body).error).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  test('a waiting Fetch returns as soon as data arrives', async () => {
    await broker.createTopic('wake', 1);
    const consumer = await connect();
    const producer = await connect();
    const started = Date.now();
    consumer.send(ApiKey.Fetch, 4, 1, fetchBody('wake', 0, 0, { wait: 5000 }));
    await new Promise((r) => setTimeout(r, 100));
    await produce(producer, 'wake', 0, batch('hello'));
    const res = readFetch((await consumer.next()).body);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(res.bases).toEqual([0]);
  });

  test('unknown topics and malformed record sets are rejected per partition', async () => {
    const c = await connect();
    expect((await produce(c, 'nope', 0, batch('x')))?.error).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect((await produce(c, 'three', 5, batch('x')))?.error).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const v1 = Buffer.from(batch('x'));
    v1.writeInt8(1, 16); // magic 1
    expect((await produce(c, 'three', 0, v1))?.error).toBe(ErrorCode.CORRUPT_MESSAGE);
    expect((await produce(c, 'three', 0, batch('x').subarray(0, 40)))?.error).toBe(ErrorCode.CORRUPT_MESSAGE);
  });
});

describe('Metadata and topic admin', () => {
  const metadata = async (c: RawClient, topics: string[] | null) => {
    c.send(ApiKey.Metadata, 1, 1, (w) => (topics ? w.array(topics, (w, t) => w.string(t)) : w.int32(-1)));
    const { body } = await c.next();
    const brokers = body.array((r) => ({
      id: r.int32(),
      host: r.string(),
      port: r.int32(),
      rack: r.nullableString(),
    }));
    const controller = body.int32();
    const list = body.array((r) => ({
      error: r.int16(),
      name: r.string(),
      internal: r.int8(),
      partitions: r.array((r) => ({
        error: r.int16(),
        id: r.int32(),
        leader: r.int32(),
        replicas: r.array((r) => r.int32()),
        isr: r.array((r) => r.int32()),
      })),
    }));
    return { brokers, controller, topics: list };
  };

  test('null lists all topics; a named unknown topic is auto-created; invalid names are refused', async () => {
    const c = await connect();
    const all = await metadata(c, null);
    expect(all.brokers).toEqual([{ id: 1, host: '127.0.0.1', port: broker.port, rack: null }]);
    expect(all.controller).toBe(1);
    expect(all.topics.find((t) => t.name === 'three')?.partitions).toEqual(
      [0, 1, 2].map((id) => ({ error: 0, id, leader: 1, replicas: [1], isr: [1] })),
    );
    const created = await metadata(c, ['auto-made', 'bad name!']);
    expect(created.topics.map((t) => [t.name, t.error, t.partitions.length])).toEqual([
      ['auto-made', 0, 2],
      ['bad name!', ErrorCode.INVALID_TOPIC_EXCEPTION, 0],
    ]);
    expect((await metadata(c, [])).topics).toEqual([]);
  });

  test('auto-create can be turned off', async () => {
    const strict = await KafkaBroker.start({ autoCreateTopics: false });
    const c = await RawClient.connect(strict.port);
    try {
      c.send(ApiKey.Metadata, 1, 1, (w) => w.array(['missing'], (w, t) => w.string(t)));
      const { body } = await c.next();
      body.array((r) => [r.int32(), r.string(), r.int32(), r.nullableString()]);
      body.int32();
      expect(body.array((r) => [r.int16(), r.string(), r.int8(), r.int32()])).toEqual([[3, 'missing', 0, 0]]);
      expect(strict.topics.has('missing')).toBe(false);
    } finally {
      c.close();
      await strict.stop();
    }
  });

  test('CreateTopics and DeleteTopics error codes', async () => {
    const c = await connect();
    const specs: [string, number, number][] = [
      ['fresh', 4, 1],
      ['three', 1, 1],
      ['bad/name', 1, 1],
      ['zero', 0, 1],
      ['replicated', 1, 3],
      ['defaulted', -1, -1],
    ];
    c.send(ApiKey.CreateTopics, 0, 1, (w) =>
      w
        .array(specs, (w, [name, partitions, rf]) =>
          w.string(name).int32(partitions).int16(rf).int32(0).int32(0),
        )
        .int32(1000),
    );
    const { body } = await c.next();
    expect(body.array((r) => [r.string(), r.int16()])).toEqual([
      ['fresh', 0],
      ['three', ErrorCode.TOPIC_ALREADY_EXISTS],
      ['bad/name', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['zero', ErrorCode.INVALID_PARTITIONS],
      ['replicated', ErrorCode.INVALID_REPLICATION_FACTOR],
      ['defaulted', 0],
    ]);
    expect(broker.topics.get('fresh')).toHaveLength(4);
    expect(broker.topics.get('defaulted')).toHaveLength(2);

    c.send(ApiKey.DeleteTopics, 0, 2, (w) => w.array(['fresh', 'never'], (w, t) => w.string(t)).int32(1000));
    expect((await c.next()).body.array((r) => [r.string(), r.int16()])).toEqual([
      ['fresh', 0],
      ['never', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
    ]);
    expect(broker.topics.has('fresh')).toBe(false);
  });
});

describe('ListOffsets', () => {
  test('earliest, latest and by timestamp (exact record inside an uncompressed batch)', async () => {
    await broker.createTopic('times', 1);
    const c = await connect();
    await produce(
      c,
      'times',
      0,
      recordBatch([0, 1, 2, 3].map((i) => ({ value: `v${i}`, timestamp: 10_000 + i * 100 }))),
    );
    await produce(c, 'times', 0, recordBatch([{ value: 'late', timestamp: 20_000 }]));
    const query = async (timestamp: number) => {
      c.send(ApiKey.ListOffsets, 1, 1, (w) =>
        w.int32(-1).array(['times'], (w, t) => w.string(t).array([0], (w, p) => w.int32(p).int64(timestamp))),
      );
      const [t] = (await c.next()).body.array((r) => ({
        name: r.string(),
        partitions: r.array((r) => ({
          partition: r.int32(),
          error: r.int16(),
          timestamp: r.int64(),
          offset: r.int64(),
        })),
      }));
      return t?.partitions[0];
    };
    expect(await query(-2)).toEqual({ partition: 0, error: 0, timestamp: -1, offset: 0 });
    expect(await query(-1)).toEqual({ partition: 0, error: 0, timestamp: -1, offset: 5 });
    expect(await query(10_150)).toEqual({ partition: 0, error: 0, timestamp: 10_200, offset: 2 });
    expect(await query(15_000)).toEqual({ partition: 0, error: 0, timestamp: 20_000, offset: 4 });
    expect(await query(30_000)).toEqual({ partition: 0, error: 0, timestamp: -1, offset: -1 });
  });
});
