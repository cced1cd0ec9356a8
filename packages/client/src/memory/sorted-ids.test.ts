import { describe, expect, it } from 'vitest';
import { SortedIds } from './sorted-ids.js';

describe('SortedIds', () => {
  it('merges appended ids in order without duplicates and drops removed ones', () => {
    const ids = new SortedIds();
    const live = new Set(['c', 'a', 'b']);
    for (const id of ['c', 'a', 'b', 'a']) ids.add(id);
    expect(ids.view((id) => live.has(id))).toEqual(['a', 'b', 'c']);
    live.delete('b');
    ids.markRemoved();
    ids.markRemoved();
    expect(ids.view((id) => live.has(id))).toEqual(['a', 'c']);
  });

  it('finds bounds for exclusive and inclusive starts', () => {
    const sorted = ['a', 'b', 'b2', 'c'];
    expect(SortedIds.lowerBound(sorted, 'b', false)).toBe(1);
    expect(SortedIds.lowerBound(sorted, 'b', true)).toBe(2);
    expect(SortedIds.lowerBound(sorted, 'z', true)).toBe(4);
  });
});
