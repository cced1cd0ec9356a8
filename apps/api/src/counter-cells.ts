import { Counter, type CounterConfiguration } from 'prom-client';

/** The increments of one label set, counted in a plain field until prom-client collects them. */
export class CounterCell {
  pending = 0;

  inc(n = 1): void {
    this.pending += n;
  }
}

/**
 * A prom-client Counter whose label sets are counted in cells: the hot path adds to a number (no
 * label hashing or validation per increment) and each scrape hands the sums to the Counter in
 * its `collect` hook, so the exposition is exactly a plain Counter's.
 */
export class CellCounter<T extends string> {
  readonly counter: Counter<T>;
  readonly #cells: { cell: CounterCell; labels: Partial<Record<T, string>> }[] = [];

  constructor(config: Omit<CounterConfiguration<T>, 'collect'>) {
    const cells = this.#cells;
    this.counter = new Counter({
      ...config,
      collect() {
        for (const { cell, labels } of cells) {
          if (cell.pending === 0) continue;
          this.inc(labels, cell.pending);
          cell.pending = 0;
        }
      },
    });
  }

  /** A new cell for a label set (the caller keeps it; one cell per label set). */
  cell(labels: Partial<Record<T, string>>): CounterCell {
    const cell = new CounterCell();
    this.#cells.push({ cell, labels });
    return cell;
  }
}
