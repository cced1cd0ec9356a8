import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { GroupCoordinator, type JoinRequest, type JoinResult, type SyncResult } from './groups.js';
import { ErrorCode } from './protocol.js';

const meta = (s: string) => Buffer.from(s);

function joinReq(memberId = '', over: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId: 'g',
    memberId,
    clientId: 'client',
    clientHost: '127.0.0.1',
    sessionTimeoutMs: 6000,
    rebalanceTimeoutMs: 10000,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: meta(`m-${memberId}`) }],
    ...over,
  };
}

/** Tracks a possibly pending result. */
function track<T>(p: T | Promise<T>) {
  const box: { value?: T } = {};
  void Promise.resolve(p).then((v) => {
    box.value = v;
  });
  return box;
}

let gc: GroupCoordinator;
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
  gc = new GroupCoordinator({ minSessionTimeoutMs: 6000, maxSessionTimeoutMs: 300000 });
});
afterEach(() => {
  gc.close();
  vi.useRealTimers();
});

/** One member joined and synced: generation 1, Stable. */
async function stableOne(): Promise<JoinResult> {
  const a = await gc.join(joinReq());
  await gc.sync('g', a.generation, a.memberId, new Map([[a.memberId, meta('A0')]]));
  return a;
}

describe('GroupCoordinator', () => {
  test('a first member gets an id, generation 1, leadership and its own metadata', async () => {
    const a = await gc.join(joinReq());
    expect(a).toMatchObject({ error: 0, generation: 1, protocol: 'range', leader: a.memberId });
    expect(a.memberId).toMatch(/^client-[0-9a-f-]{36}$/);
    expect(a.members).toEqual([{ memberId: a.memberId, metadata: meta('m-') }]);
    expect(gc.get('g')?.state).toBe('CompletingRebalance');
    const synced = await gc.sync('g', 1, a.memberId, new Map([[a.memberId, meta('A')]]));
    expect(synced).toEqual({ error: 0, assignment: meta('A') });
    expect(gc.get('g')?.state).toBe('Stable');
  });

  test('a second member starts a rebalance; the barrier waits for the first to rejoin', async () => {
    const a = await stableOne();
    const b = track(gc.join(joinReq('', { clientId: 'other' })));
    await settle();
    expect(b.value).toBeUndefined();
    expect(gc.heartbeat('g', 1, a.memberId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(await gc.sync('g', 1, a.memberId, new Map())).toMatchObject({
      error: ErrorCode.REBALANCE_IN_PROGRESS,
    });

    const a2 = await gc.join(joinReq(a.memberId));
    await settle();
    const b2 = b.value as JoinResult;
    expect(a2).toMatchObject({ error: 0, generation: 2, leader: a.memberId });
    expect(a2.members.map((m) => m.memberId).sort()).toEqual([a.memberId, b2.memberId].sort());
    expect(b2).toMatchObject({ error: 0, generation: 2, leader: a.memberId, members: [] });

    // The follower's SyncGroup waits for the leader's assignment.
    const bSync = track(gc.sync('g', 2, b2.memberId, new Map()));
    await settle();
    expect(bSync.value).toBeUndefined();
    const assignments = new Map([
      [a.memberId, meta('A')],
      [b2.memberId, meta('B')],
    ]);
    expect(await gc.sync('g', 2, a.memberId, assignments)).toEqual({ error: 0, assignment: meta('A') });
    await settle();
    expect(bSync.value).toEqual({ error: 0, assignment: meta('B') });
    expect(gc.heartbeat('g', 2, b2.memberId)).toBe(ErrorCode.NONE);
  });

  test('heartbeat errors: unknown group or member 25, stale generation 22', async () => {
    const a = await stableOne();
    expect(gc.heartbeat('nope', 1, a.memberId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(gc.heartbeat('g', 1, 'ghost')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(gc.heartbeat('g', 0, a.memberId)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await gc.sync('g', 5, a.memberId, new Map())).toMatchObject({
      error: ErrorCode.ILLEGAL_GENERATION,
    });
  });

  test('a member that stops heartbeating is evicted after its session timeout', async () => {
    const a = await stableOne();
    const b = track(gc.join(joinReq('', { clientId: 'b' })));
    await gc.join(joinReq(a.memberId));
    await settle();
    const bId = (b.value as JoinResult).memberId;
    await gc.sync('g', 2, a.memberId, new Map());
    // a keeps heartbeating, b goes silent.
    for (let t = 0; t < 5500; t += 500) {
      await vi.advanceTimersByTimeAsync(500);
      expect(gc.heartbeat('g', 2, a.memberId)).toBe(ErrorCode.NONE);
    }
    await vi.advanceTimersByTimeAsync(1000);
    expect(gc.get('g')?.members.has(bId)).toBe(false);
    expect(gc.heartbeat('g', 2, a.memberId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const a3 = await gc.join(joinReq(a.memberId));
    expect(a3).toMatchObject({ error: 0, generation: 3, leader: a.memberId });
    expect(a3.members).toHaveLength(1);
    expect(gc.heartbeat('g', 3, bId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  test('members that do not rejoin within the rebalance timeout are dropped from the new generation', async () => {
    const a = await stableOne();
    const b = track(gc.join(joinReq('', { clientId: 'b', rebalanceTimeoutMs: 3000 })));
    // a never rejoins but keeps heartbeating (so its session does not expire first).
    for (let t = 0; t < 9500; t += 500) {
      await vi.advanceTimersByTimeAsync(500);
      gc.heartbeat('g', 1, a.memberId);
    }
    expect(b.value).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1000);
    const joined = b.value as JoinResult;
    expect(joined).toMatchObject({ error: 0, generation: 2, leader: joined.memberId });
    expect(gc.get('g')?.members.has(a.memberId)).toBe(false);
  });

  test('LeaveGroup triggers a rebalance and forgets the member', async () => {
    const a = await stableOne();
    const b = track(gc.join(joinReq('', { clientId: 'b' })));
    await gc.join(joinReq(a.memberId));
    await settle();
    const bId = (b.value as JoinResult).memberId;
    await gc.sync('g', 2, a.memberId, new Map());
    expect(gc.leave('g', a.memberId)).toBe(ErrorCode.NONE);
    expect(gc.leave('g', a.memberId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(gc.heartbeat('g', 2, bId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    const b3 = await gc.join(joinReq(bId));
    expect(b3).toMatchObject({ generation: 3, leader: bId });
    expect(gc.leave('g', bId)).toBe(ErrorCode.NONE);
    expect(gc.get('g')).toMatchObject({ state: 'Empty', generation: 4 });
  });

  test('a pending follower sync is answered 27 when a new rebalance starts', async () => {
    const a = await stableOne();
    const b = track(gc.join(joinReq('', { clientId: 'b' })));
    await gc.join(joinReq(a.memberId));
    await settle();
    const bSync = track(gc.sync('g', 2, (b.value as JoinResult).memberId, new Map()));
    track(gc.join(joinReq('', { clientId: 'c' })));
    await settle();
    expect(bSync.value as SyncResult).toEqual({
      error: ErrorCode.REBALANCE_IN_PROGRESS,
      assignment: Buffer.alloc(0),
    });
  });

  test('join validation: 24, 25, 26, 23', async () => {
    expect((await gc.join(joinReq('', { groupId: '' }))).error).toBe(ErrorCode.INVALID_GROUP_ID);
    expect((await gc.join(joinReq('someone'))).error).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await gc.join(joinReq('', { sessionTimeoutMs: 1000 }))).error).toBe(
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
    await stableOne();
    const other = joinReq('', { protocols: [{ name: 'roundrobin', metadata: meta('x') }] });
    expect((await gc.join(other)).error).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await gc.join(joinReq('', { protocolType: 'connect' }))).error).toBe(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
  });

  test('a retried join with unchanged metadata returns the current generation without a rebalance', async () => {
    const a = await stableOne();
    const b = track(gc.join(joinReq('', { clientId: 'b' })));
    await gc.join(joinReq(a.memberId));
    await settle();
    const bId = (b.value as JoinResult).memberId;
    await gc.sync('g', 2, a.memberId, new Map());
    const again = await gc.join(joinReq(bId, { protocols: [{ name: 'range', metadata: meta('m-') }] }));
    expect(again).toMatchObject({ error: 0, generation: 2, memberId: bId, members: [] });
    expect(gc.get('g')?.state).toBe('Stable');
  });

  test('the protocol is chosen by vote among those every member supports', async () => {
    const both = [
      { name: 'roundrobin', metadata: meta('r') },
      { name: 'range', metadata: meta('g') },
    ];
    const a = await gc.join(joinReq('', { protocols: both }));
    expect(a.protocol).toBe('roundrobin');
    await gc.sync('g', 1, a.memberId, new Map());
    const b = track(gc.join(joinReq('', { protocols: [{ name: 'range', metadata: meta('g') }] })));
    const a2 = await gc.join(joinReq(a.memberId, { protocols: both }));
    await settle();
    expect(a2.protocol).toBe('range');
    expect((b.value as JoinResult).protocol).toBe('range');
  });

  test('offset commits are checked against membership', async () => {
    expect(gc.checkCommit('simple', -1, '')).toBe(ErrorCode.NONE);
    expect(gc.checkCommit('unknown', 3, 'x')).toBe(ErrorCode.ILLEGAL_GENERATION);
    const a = await gc.join(joinReq());
    expect(gc.checkCommit('g', 1, a.memberId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS); // awaiting sync
    await gc.sync('g', 1, a.memberId, new Map());
    expect(gc.checkCommit('g', 1, a.memberId)).toBe(ErrorCode.NONE);
    expect(gc.checkCommit('g', 0, a.memberId)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(gc.checkCommit('g', 1, 'ghost')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(gc.checkCommit('g', -1, '')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });
});
