import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNodeInfo } from './info-parse.js';

const MASTER = [
  '# Memory',
  'used_memory:1048576',
  'used_memory_human:1.00M',
  '',
  '# Replication',
  'role:master',
  'connected_slaves:2',
  'slave0:ip=10.0.0.2,port=6380,state=online,offset=900,lag=0',
  'slave1:ip=10.0.0.3,port=6381,state=online,offset=1000,lag=1',
  'master_repl_offset:1000',
].join('\r\n');

const REPLICA = [
  '# Replication',
  'role:slave',
  'master_host:10.0.0.1',
  'master_port:6379',
  'master_link_status:down',
  'master_repl_offset:700',
  '# Memory',
  'used_memory:2048',
].join('\n');

describe('parseNodeInfo', () => {
  it('reads a master’s memory, offset and replicas', () => {
    expect(parseNodeInfo(MASTER)).toEqual({
      role: 'master',
      usedMemoryBytes: 1_048_576,
      replOffset: 1000,
      replicas: [
        { address: '10.0.0.2:6380', offset: 900 },
        { address: '10.0.0.3:6381', offset: 1000 },
      ],
    });
  });

  it('reads a replica’s master and link state, in any section order', () => {
    expect(parseNodeInfo(REPLICA)).toEqual({
      role: 'replica',
      usedMemoryBytes: 2048,
      replOffset: 700,
      replicas: [],
      master: { address: '10.0.0.1:6379', linkUp: false },
    });
  });

  it('never throws on hostile text, and every number it answers is finite and not negative', () => {
    const line = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.constantFrom(
        'used_memory:-5',
        'used_memory:1e400',
        'slave0:ip=,port=',
        'slave0:=,=,',
        'role:slave',
        'master_repl_offset:NaN',
      ),
      fc
        .tuple(fc.constantFrom('slave0', 'slave1', 'used_memory', 'master_host'), fc.string())
        .map(([k, v]) => `${k}:${v}`),
    );
    fc.assert(
      fc.property(fc.array(line, { maxLength: 200 }), fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        const info = parseNodeInfo(lines.join(eol));
        for (const n of [info.usedMemoryBytes, info.replOffset, ...info.replicas.map((r) => r.offset)]) {
          expect(Number.isFinite(n)).toBe(true);
          expect(n).toBeGreaterThanOrEqual(0);
        }
        expect(info.replicas.length).toBeLessThanOrEqual(64);
      }),
      { numRuns: 1000 },
    );
  });
});
