import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import { parseKeyRing } from './key-ring.js';

const b64 = () => randomBytes(32).toString('base64');
const hex = () => randomBytes(32).toString('hex');

describe('parseKeyRing', () => {
  it('reads id:key lists (first active) and JSON files', () => {
    const a = b64();
    const ring = parseKeyRing(`2026-11:${a}, 2026-10:${hex()}`);
    expect(ring.activeId).toBe('2026-11');
    expect([...ring.keys.keys()]).toEqual(['2026-11', '2026-10']);
    expect(Buffer.from(ring.keys.get('2026-11')!).toString('base64')).toBe(a);
    const file = parseKeyRing(JSON.stringify({ active: 'old', keys: { new: b64(), old: hex() } }));
    expect(file.activeId).toBe('old');
    expect(
      parseKeyRing(`k:${b64().replace(/=$/, '').replace(/\+/g, '-').replace(/\//g, '_')}`).activeId,
    ).toBe('k');
  });

  it.each([
    ['', 'empty'],
    ['k1', 'bad_entry'],
    [`k1:${randomBytes(16).toString('base64')}`, 'bad_key'],
    [`bad id:${b64()}`, 'bad_key_id'],
    [`k1:${b64()},k1:${b64()}`, 'duplicate_key_id'],
    [JSON.stringify({ active: 'x', keys: { k1: b64() } }), 'unknown_active_key'],
    ['{"keys": [1]}', 'bad_json'],
    ['{nope', 'bad_json'],
    ['x'.repeat(20_000), 'too_long'],
  ])('refuses %j (%s) without echoing key material', (text, reason) => {
    try {
      parseKeyRing(text);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).details.reason).toBe(reason);
      if (text.length > 10) expect((error as Error).message).not.toContain(text.slice(-20));
    }
  });

  it('hostile text is a ValidationError or a ring, nothing else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          fc.anything().map((v) => v as unknown as string),
        ),
        (text) => {
          try {
            const ring = parseKeyRing(text);
            expect(ring.keys.get(ring.activeId)?.length).toBe(32);
          } catch (error) {
            expect(error).toBeInstanceOf(ValidationError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
