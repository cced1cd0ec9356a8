import { Writable } from 'node:stream';
import fc from 'fast-check';
import type { DestinationStream } from 'pino';
import { describe, expect, it } from 'vitest';
import { createServiceLogger, resolveLogFormat } from './logger.js';
import { formatLogLine } from './pretty-destination.js';

function capture(): { out: string[]; destination: DestinationStream } {
  const out: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      out.push(String(chunk));
      done();
    },
  });
  return { out, destination };
}

describe('createServiceLogger', () => {
  it('JSON: level names, ISO times, the service and pid on every line', () => {
    const { out, destination } = capture();
    const logger = createServiceLogger({ service: 'cache-test', level: 'info', format: 'json', destination });
    logger.warn({ port: 80 }, 'hello');
    logger.debug('not shown');
    expect(out).toHaveLength(1);
    const line = JSON.parse(out[0]!);
    expect(line).toEqual({
      level: 'warn',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      service: 'cache-test',
      pid: process.pid,
      port: 80,
      msg: 'hello',
    });
    expect(Math.abs(Date.parse(line.time) - Date.now())).toBeLessThan(60_000);
  });

  it('pretty: one readable line per entry, the same fields', () => {
    const { out, destination } = capture();
    const logger = createServiceLogger({
      service: 'cache-test',
      level: 'debug',
      format: 'pretty',
      destination,
    });
    logger.info({ url: 'http://x:1', backend: 'memory', tenants: ['a b'] }, 'listening');
    const err = new Error('boom');
    logger.error({ err }, 'failed');
    expect(out[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3}Z INFO {2}cache-test: listening url=http:\/\/x:1 backend=memory tenants=\["a b"\]\n$/,
    );
    expect(out[1]).toMatch(
      /^\S+ ERROR cache-test: failed err=\{"type":"Error","message":"boom"\}\n {4}Error: boom\n\s+at /,
    );
  });

  it('auto is pretty on a terminal and JSON elsewhere', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
    const { out, destination } = capture();
    createServiceLogger({ service: 's', level: 'info', destination, isTerminal: true }).info('x');
    expect(out[0]).toMatch(/ INFO {2}s: x\n$/);
  });
});

describe('formatLogLine', () => {
  it('hostile entries: one line, no control character, whatever the fields hold', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ unit: 'binary', maxLength: 20 }), fc.jsonValue()),
        fc.string({ unit: 'binary', maxLength: 200 }),
        (fields, msg) => {
          const text = formatLogLine(
            JSON.stringify({ ...fields, level: 'info', time: new Date().toISOString(), msg }),
          );
          expect(text).not.toMatch(/[\u0000-\u001f\u007f]/);
        },
      ),
      { numRuns: 500 },
    );
    expect(formatLogLine('not json\u0007')).toBe('not json\\u0007');
  });
});
