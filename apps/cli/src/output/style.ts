/** ANSI styling that is a no-op when colour is off (not a TTY, `NO_COLOR`, `--no-color`). */
export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  red(text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

export function createStyle(enabled: boolean): Style {
  if (!enabled) {
    const plain = (text: string) => text;
    return { enabled, bold: plain, dim: plain, green: plain, yellow: plain, red: plain };
  }
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    red: wrap(31, 39),
  };
}

const ANSI = /\u001b\[[0-9;]*m/g;

/** Display width of a cell: escapes do not count. */
export const visibleLength = (text: string): number => text.replace(ANSI, '').length;
