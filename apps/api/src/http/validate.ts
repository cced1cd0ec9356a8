import { ValidationError } from '@org/cache-core';
import type { Context } from 'hono';
import type { z } from 'zod';
import type { AppEnv } from './context.js';
import { validationErrorOf } from './errors.js';

/**
 * The JSON body of a request; 400 CACHE_007 when it is not JSON, or missing (unless `emptyAs` is
 * given: what an empty body means).
 */
export async function readJson(c: Context<AppEnv>, emptyAs?: unknown): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') {
    if (emptyAs !== undefined) return emptyAs;
    throw new ValidationError('the request needs a JSON body');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ValidationError('the request body is not valid JSON');
  }
}

/** Parses with a (prebuilt) zod schema; 400 CACHE_007 naming the bad fields. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw validationErrorOf(parsed.error, where);
  return parsed.data;
}

/** The JSON body, validated. */
export async function readBody<S extends z.ZodType>(c: Context<AppEnv>, schema: S): Promise<z.output<S>> {
  return parseWith(schema, await readJson(c), 'body');
}

/** The query string, validated. */
export function readQuery<S extends z.ZodType>(c: Context<AppEnv>, schema: S): z.output<S> {
  return parseWith(schema, c.req.query(), 'query');
}
