import { InvalidKeyError, NotFoundError, UnavailableError, ValidationError } from '@org/cache-core';
import { describe, expect, it } from 'vitest';
import { CliError, ExitCode, exitCodeOf, formatError, NotFoundCliError, UsageError } from './errors.js';

describe('exit codes', () => {
  it('maps cache error codes: not found 3, bad id or input 2, anything else 1', () => {
    expect(exitCodeOf(new NotFoundError('x'))).toBe(ExitCode.NOT_FOUND);
    expect(exitCodeOf(new InvalidKeyError('x'))).toBe(ExitCode.USAGE);
    expect(exitCodeOf(new ValidationError('x'))).toBe(ExitCode.USAGE);
    expect(exitCodeOf(new UnavailableError('x'))).toBe(ExitCode.FAILURE);
    expect(exitCodeOf(new Error('x'))).toBe(ExitCode.FAILURE);
    expect(exitCodeOf('a string')).toBe(ExitCode.FAILURE);
  });

  it('keeps the code of CLI errors', () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(2);
    expect(exitCodeOf(new NotFoundCliError('x'))).toBe(3);
    expect(exitCodeOf(new CliError('x'))).toBe(1);
  });
});

describe('formatError', () => {
  it('is one line with the code, without a stack', () => {
    const error = new UnavailableError('Redis is unavailable (get)\nsecond line', {
      cause: new Error('ECONNREFUSED'),
    });
    expect(formatError(error)).toBe('cache-cli: Redis is unavailable (get) [CACHE_006]');
  });

  it('adds details, the stack and the causes with verbose', () => {
    const error = new UnavailableError('down', {
      cause: new Error('ECONNREFUSED'),
      details: { operation: 'get' },
    });
    const text = formatError(error, true);
    expect(text.split('\n')[0]).toBe('cache-cli: down [CACHE_006]');
    expect(text).toContain('details: {"operation":"get"}');
    expect(text).toContain('caused by: Error: ECONNREFUSED');
    expect(text).toMatch(/\n\s+at /);
  });
});
