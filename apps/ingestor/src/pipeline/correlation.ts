import { CORRELATION_ID_MAX_LENGTH } from '@org/cache-core';

const CONTROL = /[\u0000-\u001f\u007f]/;
const SURROGATE = /[\ud800-\udfff]/;
/** Slow (unicode mode): only run when SURROGATE found one. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Where a message came from: Kafka (topic, partition, offset) or a file line. */
export interface MessageOrigin {
  topic?: string;
  partition?: number;
  offset?: string;
  line?: number;
}

/**
 * The correlation id of a message, carried by the change events of the device changes it caused:
 * its `request_id` when that is a valid correlation id (1 to 1,024 characters, no control
 * characters, no unpaired surrogates: core's `checkCorrelationId` bounds), else one made from its
 * origin, `<topic>/<partition>@<offset>` (Kafka topic names cannot hold `/` or `@`) or
 * `line:<n>` in file mode; null when it has neither. A bad request_id never costs the reading.
 */
export function messageCorrelationId(requestId: unknown, origin: MessageOrigin): string | null {
  if (
    typeof requestId === 'string' &&
    requestId.length > 0 &&
    requestId.length <= CORRELATION_ID_MAX_LENGTH &&
    !CONTROL.test(requestId) &&
    !(SURROGATE.test(requestId) && LONE_SURROGATE.test(requestId))
  ) {
    return requestId;
  }
  if (origin.topic !== undefined && origin.offset !== undefined)
    return `${origin.topic}/${origin.partition ?? 0}@${origin.offset}`;
  if (origin.line !== undefined) return `line:${origin.line}`;
  return null;
}
