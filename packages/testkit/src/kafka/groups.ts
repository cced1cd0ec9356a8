/**
 * Group coordinator state machine (Kafka's classic protocol): a join barrier bounded by the
 * rebalance timeout, generations, a leader that computes the assignment, SyncGroup distribution,
 * session timeouts and the membership checks for offset commits. No wire format here; see group-apis.ts.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from './protocol.js';

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable';

export interface Protocol {
  name: string;
  metadata: Buffer;
}

export interface JoinRequest {
  groupId: string;
  memberId: string;
  clientId: string;
  clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocolType: string;
  protocols: Protocol[];
}

export interface JoinResult {
  error: number;
  generation: number;
  protocol: string;
  leader: string;
  memberId: string;
  /** Every member's metadata for the chosen protocol; only the leader gets it. */
  members: { memberId: string; metadata: Buffer }[];
}

export interface SyncResult {
  error: number;
  assignment: Buffer;
}

interface Member {
  readonly id: string;
  readonly clientId: string;
  readonly clientHost: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: Protocol[];
  assignment: Buffer;
  joining: ((r: JoinResult) => void) | null;
  syncing: ((r: SyncResult) => void) | null;
  expiry: NodeJS.Timeout | null;
}

export class Group {
  state: GroupState = 'Empty';
  generation = 0;
  protocolType: string | null = null;
  protocol: string | null = null;
  leader: string | null = null;
  readonly members = new Map<string, Member>();
  joinTimer: NodeJS.Timeout | null = null;
  constructor(readonly id: string) {}
}

const EMPTY = Buffer.alloc(0);

function sameProtocols(a: Protocol[], b: Protocol[]): boolean {
  return (
    a.length === b.length &&
    a.every((p, i) => {
      const q = b[i];
      return q !== undefined && p.name === q.name && p.metadata.equals(q.metadata);
    })
  );
}

export class GroupCoordinator {
  private readonly groups = new Map<string, Group>();

  constructor(private readonly limits: { minSessionTimeoutMs: number; maxSessionTimeoutMs: number }) {}

  get(groupId: string): Group | undefined {
    return this.groups.get(groupId);
  }
  all(): Group[] {
    return [...this.groups.values()];
  }
  private getOrCreate(groupId: string): Group {
    let group = this.groups.get(groupId);
    if (!group) {
      group = new Group(groupId);
      this.groups.set(groupId, group);
    }
    return group;
  }

  join(req: JoinRequest): JoinResult | Promise<JoinResult> {
    const fail = (error: number): JoinResult => ({
      error,
      generation: -1,
      protocol: '',
      leader: '',
      memberId: req.memberId,
      members: [],
    });
    if (req.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    const { minSessionTimeoutMs, maxSessionTimeoutMs } = this.limits;
    if (req.sessionTimeoutMs < minSessionTimeoutMs || req.sessionTimeoutMs > maxSessionTimeoutMs) {
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    const existing = this.groups.get(req.groupId);
    if (req.memberId !== '' && !existing?.members.has(req.memberId)) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const group = existing ?? this.getOrCreate(req.groupId);
    if (!this.supports(group, req.protocolType, req.protocols))
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

    let member = group.members.get(req.memberId);
    if (!member) {
      member = {
        id: `${req.clientId}-${randomUUID()}`,
        clientId: req.clientId,
        clientHost: req.clientHost,
        sessionTimeoutMs: req.sessionTimeoutMs,
        rebalanceTimeoutMs: req.rebalanceTimeoutMs,
        protocols: req.protocols,
        assignment: EMPTY,
        joining: null,
        syncing: null,
        expiry: null,
      };
      group.members.set(member.id, member);
      group.protocolType = req.protocolType;
      group.leader ??= member.id;
    } else {
      const unchanged = sameProtocols(member.protocols, req.protocols);
      const settled = group.state === 'CompletingRebalance' || group.state === 'Stable';
      if (settled && unchanged && (group.state === 'CompletingRebalance' || member.id !== group.leader)) {
        // A retried join with the same metadata: answer with the current generation.
        this.touch(group, member);
        return this.joinResult(group, member);
      }
      member.protocols = req.protocols;
      member.sessionTimeoutMs = req.sessionTimeoutMs;
      member.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
      member.joining?.(fail(ErrorCode.REBALANCE_IN_PROGRESS));
    }
    const joined = member;
    return new Promise<JoinResult>((resolve) => {
      joined.joining = resolve;
      if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
      else this.prepareRebalance(group);
    });
  }

  sync(groupId: string, generation: number, memberId: string, assignments: Map<string, Buffer>) {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    const fail = (error: number): SyncResult => ({ error, assignment: EMPTY });
    if (!group || !member) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (generation !== group.generation) return fail(ErrorCode.ILLEGAL_GENERATION);
    if (group.state === 'PreparingRebalance') return fail(ErrorCode.REBALANCE_IN_PROGRESS);
    this.touch(group, member);
    if (group.state === 'Stable') return { error: ErrorCode.NONE, assignment: member.assignment };
    return new Promise<SyncResult>((resolve) => {
      member.syncing = resolve;
      if (member.id !== group.leader) return;
      for (const m of group.members.values()) m.assignment = assignments.get(m.id) ?? EMPTY;
      group.state = 'Stable';
      for (const m of group.members.values()) {
        m.syncing?.({ error: ErrorCode.NONE, assignment: m.assignment });
        m.syncing = null;
      }
    });
  }

  heartbeat(groupId: string, generation: number, memberId: string): number {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generation !== group.generation) return ErrorCode.ILLEGAL_GENERATION;
    this.touch(group, member);
    return group.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : ErrorCode.NONE;
  }

  leave(groupId: string, memberId: string): number {
    const group = this.groups.get(groupId);
    const member = group?.members.get(memberId);
    if (!group || !member) return ErrorCode.UNKNOWN_MEMBER_ID;
    this.remove(group, member);
    return ErrorCode.NONE;
  }

  /** Checks an OffsetCommit against the group's membership; returns the error code to use. */
  checkCommit(groupId: string, generation: number, memberId: string): number {
    const group = this.groups.get(groupId);
    if (!group) {
      if (generation >= 0) return ErrorCode.ILLEGAL_GENERATION;
      this.getOrCreate(groupId); // a group that manages its own assignment (or an admin tool)
      return ErrorCode.NONE;
    }
    if (generation < 0 && group.state === 'Empty') return ErrorCode.NONE;
    const member = group.members.get(memberId);
    if (!member) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generation !== group.generation) return ErrorCode.ILLEGAL_GENERATION;
    if (group.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    this.touch(group, member);
    return ErrorCode.NONE;
  }

  /** Metadata of a member for the group's chosen protocol. */
  memberMetadata(group: Group, memberId: string): Buffer {
    return group.members.get(memberId)?.protocols.find((p) => p.name === group.protocol)?.metadata ?? EMPTY;
  }
  memberInfo(group: Group) {
    return [...group.members.values()].map((m) => ({
      memberId: m.id,
      clientId: m.clientId,
      clientHost: m.clientHost,
      assignment: m.assignment,
    }));
  }

  /** Stops every timer; pending joins and syncs are dropped. */
  close(): void {
    for (const g of this.groups.values()) {
      if (g.joinTimer) clearTimeout(g.joinTimer);
      for (const m of g.members.values()) if (m.expiry) clearTimeout(m.expiry);
    }
    this.groups.clear();
  }

  private supports(group: Group, protocolType: string, protocols: Protocol[]): boolean {
    if (protocolType === '' || protocols.length === 0) return false;
    if (group.members.size === 0) return true;
    if (group.protocolType !== protocolType) return false;
    return protocols.some((p) =>
      [...group.members.values()].every((m) => m.protocols.some((q) => q.name === p.name)),
    );
  }

  private touch(group: Group, member: Member): void {
    if (member.expiry) clearTimeout(member.expiry);
    member.expiry = setTimeout(() => {
      member.expiry = null;
      if (member.joining || member.syncing) this.touch(group, member);
      else if (group.members.get(member.id) === member) this.remove(group, member);
    }, member.sessionTimeoutMs);
    member.expiry.unref();
  }

  private remove(group: Group, member: Member): void {
    if (member.expiry) clearTimeout(member.expiry);
    group.members.delete(member.id);
    member.joining?.({ ...this.joinResult(group, member), error: ErrorCode.UNKNOWN_MEMBER_ID });
    member.syncing?.({ error: ErrorCode.UNKNOWN_MEMBER_ID, assignment: EMPTY });
    member.joining = member.syncing = null;
    if (group.leader === member.id) group.leader = group.members.keys().next().value ?? null;
    if (group.state === 'PreparingRebalance') this.maybeCompleteJoin(group);
    else if (group.state !== 'Empty') this.prepareRebalance(group);
  }

  private prepareRebalance(group: Group): void {
    for (const m of group.members.values()) {
      m.syncing?.({ error: ErrorCode.REBALANCE_IN_PROGRESS, assignment: EMPTY });
      m.syncing = null;
    }
    group.state = 'PreparingRebalance';
    if (!group.joinTimer) {
      const timeout = Math.max(0, ...[...group.members.values()].map((m) => m.rebalanceTimeoutMs));
      group.joinTimer = setTimeout(() => this.completeJoin(group), timeout);
      group.joinTimer.unref();
    }
    this.maybeCompleteJoin(group);
  }

  private maybeCompleteJoin(group: Group): void {
    if ([...group.members.values()].every((m) => m.joining)) this.completeJoin(group);
  }

  /** Ends the join barrier: members that did not rejoin are dropped, a new generation starts. */
  private completeJoin(group: Group): void {
    if (group.state !== 'PreparingRebalance') return;
    if (group.joinTimer) clearTimeout(group.joinTimer);
    group.joinTimer = null;
    for (const m of group.members.values()) {
      if (!m.joining) {
        if (m.expiry) clearTimeout(m.expiry);
        group.members.delete(m.id);
      }
    }
    group.generation++;
    if (group.members.size === 0) {
      group.state = 'Empty';
      group.protocol = group.leader = null;
      return;
    }
    if (!group.leader || !group.members.has(group.leader))
      group.leader = group.members.keys().next().value ?? null;
    group.protocol = this.selectProtocol(group);
    group.state = 'CompletingRebalance';
    for (const m of group.members.values()) {
      const reply = m.joining;
      m.joining = null;
      this.touch(group, m);
      reply?.(this.joinResult(group, m));
    }
  }

  private joinResult(group: Group, member: Member): JoinResult {
    const isLeader = member.id === group.leader;
    return {
      error: ErrorCode.NONE,
      generation: group.generation,
      protocol: group.protocol ?? '',
      leader: group.leader ?? '',
      memberId: member.id,
      members: isLeader
        ? [...group.members.keys()].map((id) => ({ memberId: id, metadata: this.memberMetadata(group, id) }))
        : [],
    };
  }

  /** Each member votes for its most preferred protocol that every member supports. */
  private selectProtocol(group: Group): string {
    const members = [...group.members.values()];
    const candidates = (members[0]?.protocols ?? [])
      .map((p) => p.name)
      .filter((name) => members.every((m) => m.protocols.some((p) => p.name === name)));
    const votes = new Map<string, number>();
    for (const m of members) {
      const choice = m.protocols.find((p) => candidates.includes(p.name))?.name;
      if (choice) votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best = candidates[0] ?? '';
    for (const c of candidates) if ((votes.get(c) ?? 0) > (votes.get(best) ?? 0)) best = c;
    return best;
  }
}
