import { describe, expect, it } from 'vitest';
import { codeBlocks, shellCommands, stripComment } from './readme-blocks.js';
import { expectSaneOutput } from './readme-expectations.js';
import { rewrite, skipReason } from './readme-rules.js';

describe('README blocks and commands', () => {
  it('finds fenced blocks with their language, flags and line', () => {
    const md = [
      '# t',
      '```sh no-test',
      'a',
      '```',
      '',
      '~~~ts',
      'const x = 1;',
      '~~~',
      '```',
      'diagram',
      '```',
    ].join('\n');
    expect(codeBlocks(md)).toEqual([
      { lang: 'sh', flags: ['no-test'], line: 2, text: 'a' },
      { lang: 'ts', flags: [], line: 6, text: 'const x = 1;' },
      { lang: '', flags: [], line: 9, text: 'diagram' },
    ]);
  });

  it('drops comments outside quotes and joins continuation lines', () => {
    expect(stripComment('curl \'a#b\' "c # d" # a comment')).toBe('curl \'a#b\' "c # d"');
    expect(stripComment('echo a#b')).toBe('echo a#b');
    expect(stripComment('# only a comment')).toBe('');
    const block = ['# heading', 'curl -X POST x \\', '  -d \'{"a":1}\'   # why', '', 'cache-cli list'].join(
      '\n',
    );
    expect(shellCommands(block, 10)).toEqual([
      { line: 11, text: 'curl -X POST x -d \'{"a":1}\'' },
      { line: 14, text: 'cache-cli list' },
    ]);
  });

  it('skips by rule, with a reason, and rewrites the README addresses', () => {
    expect(skipReason('docker compose up', [])).toMatch(/Docker/);
    expect(skipReason('ENABLE_OTEL=true docker compose up', [])).toMatch(/Docker/);
    expect(skipReason('REDIS_URL=x ./dev test', [])).toMatch(/whole suite/);
    expect(skipReason('cache-cli list', ['no-test'])).toMatch(/no-test/);
    expect(skipReason('cache-cli list', [])).toBeNull();
    const r = {
      apiUrl: 'http://127.0.0.1:4321',
      redisUrl: 'redis://127.0.0.1:7',
      backfillFile: '/tmp/b.ndjson',
      errorsFile: '/tmp/e.ndjson',
    };
    expect(rewrite('curl localhost:8080/x --api-url http://localhost:8080', r)).toBe(
      'curl 127.0.0.1:4321/x --api-url http://127.0.0.1:4321',
    );
    expect(rewrite('REDIS_URL=redis://localhost:6379 x --from-file my-backfill.ndjson', r)).toBe(
      'REDIS_URL=redis://127.0.0.1:7 x --from-file /tmp/b.ndjson',
    );
    expect(rewrite('x --from-file f/bad-messages.ndjson --errors bad.ndjson', r)).toBe(
      'x --from-file f/bad-messages.ndjson --errors /tmp/e.ndjson',
    );
  });

  it('refuses output the README does not promise', () => {
    expect(() =>
      expectSaneOutput('curl localhost:8080/api/devices', '{"error":{"code":"CACHE_001"}}'),
    ).toThrow();
    expect(() => expectSaneOutput('curl localhost:8080/api/devices', '<html>')).toThrow();
    expect(() => expectSaneOutput('cache-cli list', 'DEVICE_ID\n')).toThrow();
    expect(() => expectSaneOutput('cache-cli list', 'DEVICE_ID\n282c02424eed  2025-01-01\n')).not.toThrow();
  });
});
