import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { StaleReadingLog } from './stale-log.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

const sample = (device_id: string) => ({ device_id, index: 'T', timestamp: '9999-12-31T23:59:59.000000Z' });

describe('StaleReadingLog', () => {
  test('one line per interval at most, naming a device and index, with the count since the last line', () => {
    const { lines, logger } = capture();
    let now = 1_000_000;
    const log = new StaleReadingLog(logger, { intervalMs: 10_000, now: () => now });
    log.record(2, [sample('a'), sample('b')]);
    for (let i = 0; i < 100; i++) {
      now += 50;
      log.record(3, [sample('c')]);
    }
    expect(lines).toHaveLength(1);
    now += 10_000;
    log.record(1, [sample('d')]);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ device_id: 'a', index: 'T', stale: 2, suppressed: 1 });
    expect(lines[1]).toMatchObject({ device_id: 'd', stale: 301, suppressed: 300 });
  });

  test('nothing stale, nothing logged; stale without samples is counted for the next line', () => {
    const { lines, logger } = capture();
    const log = new StaleReadingLog(logger, { now: () => 0 });
    log.record(0, [sample('a')]);
    log.record(5, []);
    expect(lines).toHaveLength(0);
    log.record(1, [sample('b')]);
    expect(lines[0]).toMatchObject({ device_id: 'b', stale: 6 });
  });
});
