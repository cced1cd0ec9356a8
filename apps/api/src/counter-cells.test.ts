import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CellCounter } from './counter-cells.js';

describe('counters counted in cells', () => {
  it('exports what the cells counted, once per increment, across scrapes', async () => {
    const registry = new Registry();
    const c = new CellCounter({
      name: 't_total',
      help: 'h',
      labelNames: ['k'] as const,
      registers: [registry],
    });
    const a = c.cell({ k: 'a' });
    const b = c.cell({ k: 'b' });
    a.inc();
    a.inc(2);
    expect(await registry.metrics()).toContain('t_total{k="a"} 3');
    expect(await registry.metrics()).not.toContain('k="b"'); // listed once counted, as before
    a.inc();
    b.inc(5);
    const text = await registry.metrics();
    expect(text).toContain('t_total{k="a"} 4');
    expect(text).toContain('t_total{k="b"} 5');
  });
});
