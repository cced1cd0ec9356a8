import { createStyle, type Style, visibleLength } from './style.js';

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
  /** Right-align (numbers). */
  align?: 'left' | 'right';
  /** Colours the (already padded) cell text. */
  paint?: (text: string, row: T) => string;
}

/** Text of one cell: strings as they are, null/undefined as `-`, everything else as compact JSON. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'string') return value.replace(/[\r\n\t]+/g, ' ');
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return JSON.stringify(value) ?? String(value);
}

const pad = (text: string, width: number, align: 'left' | 'right') => {
  const fill = ' '.repeat(Math.max(0, width - visibleLength(text)));
  return align === 'right' ? fill + text : text + fill;
};

/** An aligned table with a header row; columns are separated by two spaces; no trailing blanks. */
export function renderTable<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  style: Style = createStyle(false),
): string {
  const cells = rows.map((row) => columns.map((c) => cellText(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => visibleLength(r[i]!))));
  const last = columns.length - 1;
  const line = (texts: string[], paint: (text: string, col: number) => string) =>
    texts
      .map((text, i) =>
        paint(
          i === last && columns[i]!.align !== 'right'
            ? text
            : pad(text, widths[i]!, columns[i]!.align ?? 'left'),
          i,
        ),
      )
      .join('  ')
      .trimEnd();
  const out = [
    line(
      columns.map((c) => c.header),
      (text) => style.bold(text),
    ),
  ];
  cells.forEach((texts, r) => {
    out.push(line(texts, (text, i) => columns[i]!.paint?.(text, rows[r]!) ?? text));
  });
  return out.join('\n');
}

/** `key  value` lines with the keys aligned (for one object: a device, an entry, statistics). */
export function renderKeyValue(
  pairs: readonly (readonly [string, unknown])[],
  style: Style = createStyle(false),
): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${style.bold(k.padEnd(width))}  ${cellText(v)}`.trimEnd()).join('\n');
}
