import { createInterface } from 'node:readline';
import type { Io } from './context.js';
import { CliError, ExitCode, UsageError } from './errors.js';

export interface DestructiveOptions {
  yes?: boolean;
  dryRun?: boolean;
}

/**
 * Called before a destructive command connects: without `--yes` or `--dry-run` it needs a person at
 * a terminal to answer the prompt; otherwise it refuses (exit 2) rather than guess.
 */
export function requireConfirmable(io: Io, opts: DestructiveOptions, command: string): void {
  if (opts.yes || opts.dryRun) return;
  if (io.stdin.isTTY !== true) {
    throw new UsageError(
      `refusing to run "${command}" without confirmation: stdin is not a terminal (pass --yes to confirm, or --dry-run to preview)`,
    );
  }
}

/** Asks a yes/no question on stderr and reads the answer from stdin; anything but y/yes is no. */
export async function ask(io: Io, question: string): Promise<boolean> {
  io.stderr.write(`${question} [y/N] `);
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    const answer = await new Promise<string | null>((resolve) => {
      rl.once('line', (line) => resolve(line));
      rl.once('close', () => resolve(null));
    });
    if (answer === null) io.stderr.write('\n');
    return answer !== null && /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}

/** Prompts unless `--yes`; a "no" ends the command with exit 1 and nothing changed. */
export async function confirmOrAbort(io: Io, opts: DestructiveOptions, question: string): Promise<void> {
  if (opts.yes) return;
  if (!(await ask(io, question))) throw new CliError('aborted: nothing was deleted', ExitCode.FAILURE);
}
