import { describe, expect, it } from 'vitest';
import { etagOf, matchesIfNoneMatch } from './etag.js';

describe('etag', () => {
  it('changes with any change of the body and is stable otherwise', () => {
    const body = JSON.stringify({ device_id: 'd', datatype_name: 'Température', values: [21.4] });
    expect(etagOf(body)).toBe(etagOf(`${body}`));
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(etagOf(body.replace('21.4', String(i))));
    expect(seen.size).toBe(20_000);
    expect(etagOf('ab')).not.toBe(etagOf('ba'));
  });

  it('matches If-None-Match lists, weak tags and *', () => {
    expect(matchesIfNoneMatch('"a", W/"b"', '"b"')).toBe(true);
    expect(matchesIfNoneMatch('"a"', 'W/"a"')).toBe(true);
    expect(matchesIfNoneMatch('*', '"x"')).toBe(true);
    expect(matchesIfNoneMatch('"a"', '"b"')).toBe(false);
    expect(matchesIfNoneMatch(undefined, '"b"')).toBe(false);
  });
});
