/** Group coordinator and offset APIs on the wire, with a bare protocol client. */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiKey, ErrorCode } from './protocol.js';
import { KafkaBroker } from './server.js';
import { RawClient } from './testing.js';

let broker: KafkaBroker;
let c: RawClient;

beforeAll(async () => {
  broker = await KafkaBroker.start({ topics: [{ topic: 'three', partitions: 3 }] });
  c = await RawClient.connect(broker.port);
});
afterAll(async () => {
  c.close();
  await broker.stop();
});

describe('group APIs on the wire', () => {
  test('find, join, sync, heartbeat, commit, fetch, describe, list, leave', async () => {
    const group = 'wire-group';
    c.send(ApiKey.FindCoordinator, 0, 1, (w) => w.string(group));
    const fc = (await c.next()).body;
    expect([fc.int16(), fc.int32(), fc.string(), fc.int32()]).toEqual([0, 1, '127.0.0.1', broker.port]);

    c.send(ApiKey.JoinGroup, 1, 2, (w) =>
      w
        .string(group)
        .int32(6000)
        .int32(5000)
        .string('')
        .string('consumer')
        .array(['range'], (w, name) => w.string(name).bytes(Buffer.from('meta'))),
    );
    const jr = (await c.next()).body;
    const join = {
      error: jr.int16(),
      generation: jr.int32(),
      protocol: jr.string(),
      leader: jr.string(),
      memberId: jr.string(),
      members: jr.array((r) => [r.string(), r.bytes().toString()]),
    };
    expect(join).toMatchObject({ error: 0, generation: 1, protocol: 'range', leader: join.memberId });
    expect(join.members).toEqual([[join.memberId, 'meta']]);

    c.send(ApiKey.SyncGroup, 0, 3, (w) =>
      w
        .string(group)
        .int32(1)
        .string(join.memberId)
        .array([join.memberId], (w, id) => w.string(id).bytes(Buffer.from('assigned'))),
    );
    const sr = (await c.next()).body;
    expect([sr.int16(), sr.bytes().toString()]).toEqual([0, 'assigned']);

    const heartbeat = async (generation: number, memberId: string) => {
      c.send(ApiKey.Heartbeat, 0, 4, (w) => w.string(group).int32(generation).string(memberId));
      return (await c.next()).body.int16();
    };
    expect(await heartbeat(1, join.memberId)).toBe(0);
    expect(await heartbeat(2, join.memberId)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await heartbeat(1, 'ghost')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);

    c.send(ApiKey.OffsetCommit, 2, 5, (w) =>
      w
        .string(group)
        .int32(1)
        .string(join.memberId)
        .int64(-1)
        .array(['three', 'nope'], (w, t) =>
          w.string(t).array([0], (w, p) => w.int32(p).int64(17).nullableString('md')),
        ),
    );
    expect((await c.next()).body.array((r) => [r.string(), r.array((r) => [r.int32(), r.int16()])])).toEqual([
      ['three', [[0, 0]]],
      ['nope', [[0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]],
    ]);

    c.send(ApiKey.OffsetFetch, 1, 6, (w) =>
      w.string(group).array(['three'], (w, t) => w.string(t).array([0, 1], (w, p) => w.int32(p))),
    );
    expect(
      (await c.next()).body.array((r) => [
        r.string(),
        r.array((r) => [r.int32(), r.int64(), r.nullableString(), r.int16()]),
      ]),
    ).toEqual([
      [
        'three',
        [
          [0, 17, 'md', 0],
          [1, -1, '', 0],
        ],
      ],
    ]);

    c.send(ApiKey.DescribeGroups, 0, 7, (w) => w.array([group, 'no-such-group'], (w, g) => w.string(g)));
    const described = (await c.next()).body.array((r) => ({
      error: r.int16(),
      id: r.string(),
      state: r.string(),
      protocolType: r.string(),
      protocol: r.string(),
      members: r.array((r) => [
        r.string(),
        r.string(),
        r.string(),
        r.bytes().toString(),
        r.bytes().toString(),
      ]),
    }));
    expect(described).toEqual([
      {
        error: 0,
        id: group,
        state: 'Stable',
        protocolType: 'consumer',
        protocol: 'range',
        members: [[join.memberId, 'raw-test', '/127.0.0.1', 'meta', 'assigned']],
      },
      { error: 0, id: 'no-such-group', state: 'Dead', protocolType: '', protocol: '', members: [] },
    ]);

    c.send(ApiKey.ListGroups, 0, 8);
    const lg = (await c.next()).body;
    expect(lg.int16()).toBe(0);
    expect(lg.array((r) => [r.string(), r.string()])).toContainEqual([group, 'consumer']);

    c.send(ApiKey.LeaveGroup, 0, 9, (w) => w.string(group).string(join.memberId));
    expect((await c.next()).body.int16()).toBe(0);
    expect(await heartbeat(1, join.memberId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});
