/** Wire handlers of the group coordinator: FindCoordinator 0, JoinGroup 1, SyncGroup 0, Heartbeat 0,
 * LeaveGroup 0, DescribeGroups 0, ListGroups 0. */
import { responseWriter } from './codec.js';
import { type ApiHandler, ApiKey, type BrokerContext, ErrorCode, type Request } from './protocol.js';

const v = (key: number, version: number, handle: ApiHandler['handle']): ApiHandler => ({
  key,
  minVersion: version,
  maxVersion: version,
  handle,
});

export const findCoordinator = v(ApiKey.FindCoordinator, 0, (broker: BrokerContext, req: Request) => {
  req.body.string(); // group id: this node coordinates every group
  return responseWriter(req.header.correlationId)
    .int16(ErrorCode.NONE)
    .int32(broker.nodeId)
    .string(broker.host)
    .int32(broker.port);
});

export const joinGroup = v(ApiKey.JoinGroup, 1, async (broker: BrokerContext, req: Request) => {
  const r = req.body;
  const result = await broker.groups.join({
    groupId: r.string(),
    sessionTimeoutMs: r.int32(),
    rebalanceTimeoutMs: r.int32(),
    memberId: r.string(),
    protocolType: r.string(),
    protocols: r.array((r) => ({ name: r.string(), metadata: r.bytes() })),
    clientId: req.header.clientId ?? '',
    clientHost: req.clientHost,
  });
  return responseWriter(req.header.correlationId)
    .int16(result.error)
    .int32(result.generation)
    .string(result.protocol)
    .string(result.leader)
    .string(result.memberId)
    .array(result.members, (w, m) => w.string(m.memberId).bytes(m.metadata));
});

export const syncGroup = v(ApiKey.SyncGroup, 0, async (broker: BrokerContext, req: Request) => {
  const r = req.body;
  const groupId = r.string();
  const generation = r.int32();
  const memberId = r.string();
  const assignments = new Map(r.array((r) => [r.string(), r.bytes()] as const));
  const result = await broker.groups.sync(groupId, generation, memberId, assignments);
  return responseWriter(req.header.correlationId).int16(result.error).bytes(result.assignment);
});

export const heartbeat = v(ApiKey.Heartbeat, 0, (broker: BrokerContext, req: Request) => {
  const r = req.body;
  const error = broker.groups.heartbeat(r.string(), r.int32(), r.string());
  return responseWriter(req.header.correlationId).int16(error);
});

export const leaveGroup = v(ApiKey.LeaveGroup, 0, (broker: BrokerContext, req: Request) => {
  const r = req.body;
  const error = broker.groups.leave(r.string(), r.string());
  return responseWriter(req.header.correlationId).int16(error);
});

export const describeGroups = v(ApiKey.DescribeGroups, 0, (broker: BrokerContext, req: Request) => {
  const ids = req.body.array((r) => r.string());
  return responseWriter(req.header.correlationId).array(ids, (w, id) => {
    const group = broker.groups.get(id);
    if (!group) {
      w.int16(ErrorCode.NONE).string(id).string('Dead').string('').string('').int32(0);
      return;
    }
    const stable = group.state === 'Stable';
    w.int16(ErrorCode.NONE)
      .string(id)
      .string(group.state)
      .string(group.protocolType ?? '')
      .string(stable ? (group.protocol ?? '') : '')
      .array(broker.groups.memberInfo(group), (w, m) => {
        w.string(m.memberId).string(m.clientId).string(`/${m.clientHost}`);
        w.bytes(stable ? broker.groups.memberMetadata(group, m.memberId) : Buffer.alloc(0));
        w.bytes(stable ? m.assignment : Buffer.alloc(0));
      });
  });
});

export const listGroups = v(ApiKey.ListGroups, 0, (broker: BrokerContext, req: Request) =>
  responseWriter(req.header.correlationId)
    .int16(ErrorCode.NONE)
    .array(broker.groups.all(), (w, g) => w.string(g.id).string(g.protocolType ?? '')),
);
