import { describe, expect, it } from 'vitest';
import { Output } from './output.js';
import { Progress } from './progress.js';
import { createStyle, visibleLength } from './style.js';
import { cellText, renderKeyValue, renderTable } from './table.js';

const sink = (isTTY = false) => {
  const chunks: string[] = [];
  return { isTTY, chunks, write: (text: string) => chunks.push(text), text: () => chunks.join('') };
};

describe('tables', () => {
  it('aligns columns under a header, right-aligns numbers, trims line ends', () => {
    const rows = [
      { id: 'a', n: 5, v: [1, 2] },
      { id: 'long-id', n: 12345, v: null },
    ];
    const text = renderTable(
      [
        { header: 'ID', value: (r) => r.id },
        { header: 'N', value: (r) => r.n, align: 'right' },
        { header: 'VALUES', value: (r) => r.v },
      ],
      rows,
    );
    expect(text.split('\n')).toEqual([
      'ID           N  VALUES',
      'a            5  [1,2]',
      'long-id  12345  -',
    ]);
  });

  it('ignores colour escapes when measuring', () => {
    const style = createStyle(true);
    const text = renderTable(
      [
        { header: 'S', value: (r: { s: string }) => r.s, paint: (t) => style.green(t) },
        { header: 'X', value: () => 'x' },
      ],
      [{ s: 'ok' }],
      style,
    );
    expect(text).toContain('\u001b[32mok\u001b[39m');
    expect(visibleLength(text.split('\n')[1]!)).toBe('ok  x'.length);
  });

  it('renders key/value pairs and cells', () => {
    expect(
      renderKeyValue([
        ['a', 1],
        ['long', 'x'],
      ]),
    ).toBe('a     1\nlong  x');
    expect(cellText(undefined)).toBe('-');
    expect(cellText('a\nb')).toBe('a b');
    expect(cellText({ a: 1 })).toBe('{"a":1}');
  });
});

describe('Output', () => {
  it('prints JSON, NDJSON or the table; notes go to stderr in table mode only', () => {
    const value = [{ a: 1 }, { a: 2 }];
    for (const [mode, expected] of [
      ['json', `${JSON.stringify(value, null, 2)}\n`],
      ['ndjson', '{"a":1}\n{"a":2}\n'],
      ['table', 'TABLE\n'],
    ] as const) {
      const out = sink();
      const err = sink();
      const output = new Output(mode, createStyle(false), out, err);
      output.result(value, () => 'TABLE');
      output.note('a hint');
      expect(out.text()).toBe(expected);
      expect(err.text()).toBe(mode === 'table' ? 'a hint\n' : '');
    }
  });
});

describe('Progress', () => {
  it('draws on a terminal, at most once per interval, and erases itself', () => {
    const err = sink(true);
    const progress = new Progress(err, 'listing devices', { intervalMs: 100 });
    progress.update(100, 1, 1_000);
    progress.update(200, 2, 1_050); // too soon
    progress.update(1234, 3, 1_200);
    progress.done();
    expect(err.chunks).toEqual([
      '\r\u001b[Klisting devices… 100 (page 1)',
      '\r\u001b[Klisting devices… 1,234 (page 3)',
      '\r\u001b[K',
    ]);
  });

  it('stays silent when stderr is not a terminal', () => {
    const err = sink(false);
    const progress = new Progress(err, 'listing devices');
    progress.update(1, 1);
    progress.done();
    expect(err.chunks).toEqual([]);
  });
});
