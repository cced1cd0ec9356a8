import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger.js';
import { AccessLog } from './access-log.js';

/** A destination that keeps what it is given. */
function capture() {
  const lines: string[] = [];
  return { lines, stream: { write: (line: string) => void lines.push(line) } };
}

const SAFE_ID = fc.stringMatching(/^[A-Za-z0-9._:/@+=-]{1,128}$/);

describe('AccessLog', () => {
  it("writes byte for byte the line pino's log.info writes with the same fields", () => {
    const { lines, stream } = capture();
    const logger = createLogger('info', stream, 'json');
    fc.assert(
      fc.property(
        fc.record({
          method: fc.constantFrom('GET', 'POST', 'DELETE'),
          route: fc.constantFrom('/api/devices/{device_id}', '/api/v2/cache/{key}', '/health'),
          requestId: SAFE_ID,
          correlationId: SAFE_ID,
          status: fc.integer({ min: 100, max: 599 }),
          ms: fc.double({ min: 0, max: 1e6, noNaN: true }),
          // hostile on purpose: quotes, backslashes, control characters, lone surrogates, unicode
          principal: fc.option(fc.string({ unit: 'binary', maxLength: 40 }), { nil: undefined }),
          tenant: fc.option(fc.string({ unit: 'grapheme', maxLength: 40 }), { nil: undefined }),
          clientClosed: fc.boolean(),
        }),
        (f) => {
          const child = logger.child({ method: f.method, route: f.route });
          lines.length = 0;
          new AccessLog(child).write(f);
          const line: Record<string, unknown> = {
            request_id: f.requestId,
            correlation_id: f.correlationId,
            status: f.status,
            ms: f.ms,
          };
          if (f.principal !== undefined) line.principal = f.principal;
          if (f.tenant !== undefined) line.tenant = f.tenant;
          if (f.clientClosed) line.client_closed = true;
          child.info(line, f.clientClosed ? 'client closed' : 'request');
          expect(lines).toHaveLength(2);
          const [ours, theirs] = lines as [string, string];
          // the same except, perhaps, the millisecond of the time field
          const time = /,"time":"[^"]+"/;
          expect(ours.replace(time, '')).toBe(theirs.replace(time, ''));
          expect(JSON.parse(ours)).toMatchObject({ level: 'info', service: 'cache-api', status: f.status });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('follows the level: nothing is written above info', () => {
    const { stream } = capture();
    const access = new AccessLog(createLogger('warn', stream, 'json').child({ method: 'GET', route: '/x' }));
    expect(access.enabled).toBe(false);
  });
});
