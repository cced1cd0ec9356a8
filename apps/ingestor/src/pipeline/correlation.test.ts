import { CORRELATION_ID_MAX_LENGTH, checkCorrelationId } from '@org/cache-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { messageCorrelationId } from './correlation.js';

const valid = (id: unknown) => {
  try {
    return checkCorrelationId(id) !== null;
  } catch {
    return false;
  }
};

/** Hostile request_ids: control characters, lone surrogates, empty, over-long, not strings. */
const hostile = fc.oneof(
  fc.string({ maxLength: 60, unit: 'binary' }),
  fc.string({ minLength: CORRELATION_ID_MAX_LENGTH - 1, maxLength: CORRELATION_ID_MAX_LENGTH + 2 }),
  fc.constantFrom('', 'a\nb', '\ud800x', '\u007f', '550e8400-e29b-41d4-a716-446655440000'),
  fc.anything(),
);
/** Kafka topic names: [a-zA-Z0-9._-], 1 to 249 characters. */
const topic = fc.stringMatching(/^[a-zA-Z0-9._-]{1,249}$/);

describe('messageCorrelationId', () => {
  it('keeps a valid request_id as it is', () => {
    expect(messageCorrelationId('req-1', { topic: 't', partition: 0, offset: '5' })).toBe('req-1');
  });

  it('replaces an invalid one by topic/partition@offset, or line:<n> in file mode; null without origin', () => {
    expect(messageCorrelationId('a\u0000b', { topic: 'iot', partition: 3, offset: '42' })).toBe('iot/3@42');
    expect(messageCorrelationId(null, { line: 7 })).toBe('line:7');
    expect(messageCorrelationId(undefined, {})).toBeNull();
  });

  it('hostile input: never throws, always a valid correlation id (or null without origin), the request_id when it is valid', () => {
    fc.assert(
      fc.property(
        hostile,
        fc.option(
          fc.record({
            topic,
            partition: fc.integer({ min: 0, max: 100_000 }),
            offset: fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String),
          }),
        ),
        fc.option(fc.integer({ min: 1, max: 10_000_000 })),
        (requestId, kafka, line) => {
          const id = messageCorrelationId(requestId, { ...(kafka ?? {}), line: line ?? undefined });
          if (valid(requestId)) expect(id).toBe(requestId);
          else if (kafka) expect(id).toBe(`${kafka.topic}/${kafka.partition}@${kafka.offset}`);
          else if (line !== null) expect(id).toBe(`line:${line}`);
          else expect(id).toBeNull();
          if (id !== null) expect(valid(id)).toBe(true);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
