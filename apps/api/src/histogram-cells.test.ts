import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CellHistogram } from './histogram-cells.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const LABELS = [
  { method: 'GET', route: '/api/devices/{device_id}' },
  { method: 'POST', route: '/api/devices/readings' },
  { method: 'GET', route: '/health' },
];

describe('CellHistogram', () => {
  it('exposes exactly what a prom-client Histogram with the same observations exposes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: LABELS.length - 1 }),
            fc.oneof(
              fc.double({ min: 0, max: 10, noNaN: true }),
              fc.constantFrom(...BUCKETS), // on a bound: counted in that bucket (le is "less or equal")
            ),
          ),
          { maxLength: 200 },
        ),
        async (observations) => {
          const theirs = new Registry();
          const ours = new Registry();
          const reference = new Histogram({
            name: 'h',
            help: 'help',
            labelNames: ['method', 'route'],
            buckets: BUCKETS,
            registers: [theirs],
          });
          const cells = new CellHistogram({
            name: 'h',
            help: 'help',
            labelNames: ['method', 'route'],
            buckets: BUCKETS,
            registers: [ours],
          });
          const bound = LABELS.map((labels) => cells.cell(labels));
          for (const labels of LABELS) reference.zero(labels);
          for (const [which, value] of observations) {
            reference.observe(LABELS[which]!, value);
            bound[which]!.observe(value);
          }
          // sums are added in the same order, so even the floating-point text is the same
          expect(await ours.metrics()).toBe(await theirs.metrics());
          ours.resetMetrics();
          theirs.resetMetrics();
          for (const labels of LABELS) reference.zero(labels);
          expect(await ours.metrics()).toBe(await theirs.metrics());
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses buckets that are not finite or not distinct', () => {
    const make = (buckets: number[]) => () =>
      new CellHistogram({ name: 'x', help: 'x', labelNames: [], buckets, registers: [] });
    expect(make([1, Number.POSITIVE_INFINITY])).toThrow(RangeError);
    expect(make([1, 1])).toThrow(RangeError);
    expect(make([2, 1])).not.toThrow();
  });
});
