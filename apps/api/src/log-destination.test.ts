import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BatchedDestination } from './log-destination.js';

describe('BatchedDestination', () => {
  it('writes every line, in order and intact, whatever their size and characters', () => {
    const dir = mkdtempSync(join(tmpdir(), 'log-destination-'));
    try {
      fc.assert(
        fc.property(
          fc.array(
            fc.oneof(
              fc.string({ unit: 'grapheme', maxLength: 300 }).map((s) => `${s}\n`),
              // past the 64 KiB buffer, and near its edge (multi-byte characters)
              fc.integer({ min: 20_000, max: 90_000 }).map((n) => `${'é'.repeat(n)}\n`),
              fc.constant('flush'),
            ),
            { maxLength: 60 },
          ),
          (steps) => {
            const file = join(dir, 'out.log');
            const fd = openSync(file, 'w');
            const destination = new BatchedDestination(fd, 60_000);
            let expected = '';
            for (const step of steps) {
              if (step === 'flush') destination.flushSync();
              else {
                destination.write(step);
                expected += step;
              }
            }
            destination.flushSync();
            closeSync(fd);
            expect(readFileSync(file, 'utf8')).toBe(expected);
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
