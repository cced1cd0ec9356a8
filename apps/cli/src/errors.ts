import { CacheError, ErrorCode } from '@org/cache-core';

/** The process exit codes of `cache-cli`. */
export const ExitCode = {
  OK: 0,
  /** The command failed: backend unreachable, refused, timed out, an unexpected error. */
  FAILURE: 1,
  /** Bad usage: unknown command or option, a bad argument, a bad config file, a refused confirmation. */
  USAGE: 2,
  /** The device, reading or key does not exist. */
  NOT_FOUND: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error the CLI raises on purpose, with the exit code it ends the process with. */
export class CliError extends Error {
  override readonly name: string = 'CliError';
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = ExitCode.FAILURE, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}

export class UsageError extends CliError {
  override readonly name = 'UsageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.USAGE, options);
  }
}

export class NotFoundCliError extends CliError {
  override readonly name = 'NotFoundCliError';
  constructor(message: string) {
    super(message, ExitCode.NOT_FOUND);
  }
}

const USAGE_CODES = new Set<string>([ErrorCode.INVALID_KEY, ErrorCode.INVALID_INPUT]);
const NOT_FOUND_CODES = new Set<string>([ErrorCode.KEY_NOT_FOUND, ErrorCode.KEY_EXPIRED]);

/** Maps any thrown value to an exit code: cache codes first (not found → 3, bad id/input → 2), else 1. */
export function exitCodeOf(error: unknown): ExitCode {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof CacheError) {
    if (NOT_FOUND_CODES.has(error.code)) return ExitCode.NOT_FOUND;
    if (USAGE_CODES.has(error.code)) return ExitCode.USAGE;
  }
  return ExitCode.FAILURE;
}

/** One line for stderr (`cache-cli: message [CODE]`); with `verbose`, the stack, details and causes follow. */
export function formatError(error: unknown, verbose = false): string {
  const line = `cache-cli: ${oneLine(error)}`;
  if (!verbose) return line;
  const parts = [line];
  let current: unknown = error;
  let depth = 0;
  while (current !== undefined && current !== null && depth < 5) {
    if (current instanceof Error) {
      if (depth > 0) parts.push(`caused by: ${current.name}: ${current.message}`);
      if (current instanceof CacheError && Object.keys(current.details).length > 0) {
        parts.push(`details: ${JSON.stringify(current.details)}`);
      }
      if (current.stack) parts.push(current.stack);
      current = current.cause;
    } else {
      parts.push(`caused by: ${String(current)}`);
      current = undefined;
    }
    depth++;
  }
  return parts.join('\n');
}

function oneLine(error: unknown): string {
  if (error instanceof CacheError) return `${firstLine(error.message)} [${error.code}]`;
  if (error instanceof Error) return firstLine(error.message) || error.name;
  return firstLine(String(error));
}

const firstLine = (text: string): string => text.split('\n')[0]!.trim();
