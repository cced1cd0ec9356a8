/**
 * Device ids in sorted order for the memory transport: appends are O(1) and merged in on the next
 * read; removed ids stay until they are more than half the array, then are compacted away.
 */
export class SortedIds {
  #sorted: string[] = [];
  #pending: string[] = [];
  #removed = 0;

  add(id: string): void {
    this.#pending.push(id);
  }

  markRemoved(): void {
    this.#removed++;
  }

  /** The ids in order, some possibly removed (check the owner's map). */
  view(isLive: (id: string) => boolean): readonly string[] {
    if (this.#pending.length > 0 || this.#removed * 2 > this.#sorted.length) {
      const merged = [...this.#sorted, ...this.#pending].filter(isLive).sort();
      this.#sorted = merged.filter((id, i) => i === 0 || merged[i - 1] !== id);
      this.#pending = [];
      this.#removed = 0;
    }
    return this.#sorted;
  }

  /** First position whose id is greater than `after` (exclusive) or not less than `from`. */
  static lowerBound(ids: readonly string[], value: string, exclusive: boolean): number {
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const id = ids[mid]!;
      if (id < value || (exclusive && id === value)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
