import type { GlobMatcher } from '@org/cache-core';

/**
 * The texts a pattern matches, matched `perSlice` at a time with a turn of the event loop between
 * slices: a heavy pattern over many long keys (a ZSCAN reply can hold every entry of a small zset)
 * never holds the loop for long. `perSlice` comes from `scanBudget`, so a slice is a bounded
 * number of matching steps.
 */
export async function matchInSlices(
  texts: readonly string[],
  match: GlobMatcher,
  perSlice: number,
): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < texts.length; i++) {
    if (i > 0 && i % perSlice === 0) await new Promise((resolve) => setImmediate(resolve));
    if (match(texts[i]!)) out.push(texts[i]!);
  }
  return out;
}
