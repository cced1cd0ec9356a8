import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { readJsonValue } from './value.js';

const none = Readable.from([]);

describe('kv set values', () => {
  it('parses JSON text', async () => {
    expect(await readJsonValue('{"a":[1,true,null]}', none)).toEqual({ a: [1, true, null] });
    expect(await readJsonValue('"42"', none)).toBe('42');
    expect(await readJsonValue('42', none)).toBe(42);
  });

  it('reads @file and @- (stdin)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cache-cli-value-'));
    const path = join(dir, 'v.json');
    writeFileSync(path, '{"from":"file"}');
    expect(await readJsonValue(`@${path}`, none)).toEqual({ from: 'file' });
    expect(await readJsonValue('@-', Readable.from([Buffer.from('[1,'), Buffer.from('2]')]))).toEqual([1, 2]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('rejects non-JSON and unreadable files as usage errors', async () => {
    await expect(readJsonValue('hello', none)).rejects.toThrow(UsageError);
    await expect(readJsonValue('hello', none)).rejects.toThrow(/quote strings/);
    await expect(readJsonValue('@/nonexistent/file.json', none)).rejects.toThrow(/cannot read/);
    await expect(readJsonValue('@', none)).rejects.toThrow(UsageError);
  });
});
