import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ask, confirmOrAbort, requireConfirmable } from './confirm.js';
import type { Io } from './context.js';
import { readEnv } from './env.js';
import { CliError, UsageError } from './errors.js';

function io(isTTY: boolean, answer: string | null): Io & { prompt: () => string } {
  const stdin = Object.assign(new PassThrough(), { isTTY });
  if (answer !== null) stdin.end(answer);
  else stdin.end();
  const err: string[] = [];
  return {
    stdin,
    stdout: { write: () => true },
    stderr: { write: (text: string) => err.push(text) },
    env: readEnv({ HOME: '/tmp' }),
    prompt: () => err.join(''),
  };
}

describe('confirmation', () => {
  it('refuses without a terminal unless --yes or --dry-run', () => {
    expect(() => requireConfirmable(io(false, null), {}, 'kv del')).toThrow(UsageError);
    expect(() => requireConfirmable(io(false, null), {}, 'kv del')).toThrow(/refusing to run "kv del"/);
    expect(() => requireConfirmable(io(false, null), { yes: true }, 'kv del')).not.toThrow();
    expect(() => requireConfirmable(io(false, null), { dryRun: true }, 'kv del')).not.toThrow();
    expect(() => requireConfirmable(io(true, null), {}, 'kv del')).not.toThrow();
  });

  it('asks on stderr and accepts only y or yes', async () => {
    const yes = io(true, 'y\n');
    expect(await ask(yes, 'Delete?')).toBe(true);
    expect(yes.prompt()).toBe('Delete? [y/N] ');
    expect(await ask(io(true, 'YES\n'), 'Delete?')).toBe(true);
    expect(await ask(io(true, 'n\n'), 'Delete?')).toBe(false);
    expect(await ask(io(true, '\n'), 'Delete?')).toBe(false);
    expect(await ask(io(true, null), 'Delete?')).toBe(false);
  });

  it('aborts with exit 1 on no, and does not ask with --yes', async () => {
    await expect(confirmOrAbort(io(true, 'n\n'), {}, 'Delete?')).rejects.toThrow(CliError);
    const quiet = io(true, null);
    await confirmOrAbort(quiet, { yes: true }, 'Delete?');
    expect(quiet.prompt()).toBe('');
  });
});
