import { type Command, InvalidArgumentError } from 'commander';

/** `Examples:` help text, one `$ command  # what it does` per line. */
export function examples(lines: readonly (readonly [string, string])[]): string {
  const width = Math.max(...lines.map(([cmd]) => cmd.length));
  return `\nExamples:\n${lines.map(([cmd, what]) => `  $ ${cmd.padEnd(width)}  # ${what}`).join('\n')}\n`;
}

/** A commander argument parser for an integer in [min, max]. */
export const intOption =
  (min: number, max: number = Number.MAX_SAFE_INTEGER) =>
  (text: string): number => {
    const n = Number(text);
    if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        `must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}`,
      );
    }
    return n;
  };

/** The options of a command merged with the program's (global) ones. */
export const allOptions = <T>(cmd: Command): T => cmd.optsWithGlobals<T & Record<string, unknown>>();
