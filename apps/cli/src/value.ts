import { readFile } from 'node:fs/promises';
import type { JsonValue } from '@org/cache-core';
import { UsageError } from './errors.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The value of `kv set`: JSON text, `@path` (a JSON file) or `@-` (JSON on stdin). A bare word is
 * not JSON: strings must be quoted (`'"text"'`), so `true`, `42` and `"42"` stay distinct.
 */
export async function readJsonValue(arg: string, stdin: NodeJS.ReadableStream): Promise<JsonValue> {
  let text = arg;
  let source = 'value';
  if (arg.startsWith('@')) {
    const path = arg.slice(1);
    if (path === '') throw new UsageError('"@" needs a file name (or "@-" for stdin)');
    source = path === '-' ? 'stdin' : path;
    try {
      text = path === '-' ? await readAll(stdin) : await readFile(path, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read ${source}: ${(error as Error).message}`, { cause: error });
    }
  }
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    const hint = arg.startsWith('@') ? '' : ` (quote strings as JSON, e.g. '"text"')`;
    throw new UsageError(`${source} is not valid JSON: ${(error as Error).message}${hint}`, { cause: error });
  }
}
