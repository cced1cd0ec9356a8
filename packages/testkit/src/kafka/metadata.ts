/** ApiVersions (0-2) and Metadata (1). */
import { responseWriter } from './codec.js';
import { isValidTopicName } from './log.js';
import { type ApiHandler, ApiKey, type BrokerContext, ErrorCode, type Request } from './protocol.js';

export const apiVersions: ApiHandler = {
  key: ApiKey.ApiVersions,
  minVersion: 0,
  maxVersion: 2,
  handle(broker: BrokerContext, req: Request) {
    const version = req.header.apiVersion;
    const supported = version >= this.minVersion && version <= this.maxVersion;
    // KIP-511: an unknown version gets a v0 body with UNSUPPORTED_VERSION and the full list, so the
    // client (librdkafka sends v3 first) can retry with a version we know.
    const w = responseWriter(req.header.correlationId)
      .int16(supported ? ErrorCode.NONE : ErrorCode.UNSUPPORTED_VERSION)
      .array(broker.apis, (w, api) => w.int16(api.key).int16(api.minVersion).int16(api.maxVersion));
    if (supported && version >= 1) w.int32(0); // throttle_time_ms
    return w;
  },
};

export const metadata: ApiHandler = {
  key: ApiKey.Metadata,
  minVersion: 1,
  maxVersion: 1,
  handle(broker: BrokerContext, req: Request) {
    const requested = req.body.nullableArray((r) => r.string());
    const names = requested ?? broker.topics.names();
    if (requested && broker.config.autoCreateTopics) {
      for (const name of requested) {
        if (!broker.topics.has(name) && isValidTopicName(name)) {
          broker.topics.create(name, broker.config.defaultPartitions);
        }
      }
    }
    const node = broker.nodeId;
    return responseWriter(req.header.correlationId, 256 + names.length * 64)
      .array([node], (w) => w.int32(node).string(broker.host).int32(broker.port).nullableString(null))
      .int32(node) // controller_id
      .array(names, (w, name) => {
        const logs = broker.topics.get(name);
        if (!logs) {
          const error = isValidTopicName(name)
            ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
            : ErrorCode.INVALID_TOPIC_EXCEPTION;
          w.int16(error).string(name).bool(false).int32(0);
          return;
        }
        w.int16(ErrorCode.NONE).string(name).bool(false);
        w.array(logs, (w, log) => {
          w.int16(ErrorCode.NONE).int32(log.partition).int32(node);
          w.int32(1).int32(node); // replicas
          w.int32(1).int32(node); // isr
        });
      });
  },
};
