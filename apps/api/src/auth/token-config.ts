import { hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { assertTenant, isCacheError } from '@org/cache-core';
import { z } from 'zod';
import { DEFAULT_TOKEN_SCOPES, Scope } from './scopes.js';

/** A static API token as the server keeps it: only the SHA-256 digest of the secret. */
export interface StaticToken {
  readonly serviceId: string;
  readonly digest: Buffer;
  readonly scopes: readonly Scope[];
  readonly tenants: readonly string[] | null;
}

export const MIN_TOKEN_LENGTH = 16;

const TenantName = z.string().refine(
  (t) => {
    try {
      assertTenant(t);
      return true;
    } catch (error) {
      if (isCacheError(error)) return false;
      throw error;
    }
  },
  { message: 'not a valid tenant id' },
);

/** One token of `API_TOKENS` (JSON form) or of the `API_TOKENS_FILE`. */
export const TokenEntry = z
  .object({
    service_id: z.string().min(1).max(128),
    /** The secret in clear (hashed on load, never kept). */
    token: z
      .string()
      .min(MIN_TOKEN_LENGTH, `a token must be at least ${MIN_TOKEN_LENGTH} characters long`)
      .optional(),
    /** Or its SHA-256, hex: `printf %s "$TOKEN" | sha256sum`. */
    token_sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits')
      .optional(),
    scopes: z.array(Scope).optional(),
    /** Tenants the token may touch; absent: any. */
    tenants: z.array(TenantName).nullish(),
  })
  .strict()
  .refine((t) => (t.token === undefined) !== (t.token_sha256 === undefined), {
    message: 'give exactly one of token and token_sha256',
  });
export type TokenEntry = z.input<typeof TokenEntry>;

const TokenList = z.array(TokenEntry);
/** A token file: `{"tokens": [...]}` (or a bare array). */
export const TokenFile = z.object({ tokens: TokenList }).strict();

/** SHA-256 of a secret (the one-shot `crypto.hash`: no Hash object per request). */
export function sha256(text: string): Buffer {
  return hash('sha256', text, 'buffer');
}

export function toStaticToken(entry: z.output<typeof TokenEntry>): StaticToken {
  return {
    serviceId: entry.service_id,
    digest: entry.token_sha256 ? Buffer.from(entry.token_sha256, 'hex') : sha256(entry.token!),
    scopes: entry.scopes ?? DEFAULT_TOKEN_SCOPES,
    tenants: entry.tenants ?? null,
  };
}

/**
 * `API_TOKENS`: either a JSON array of token entries, or a comma-separated list of
 * `service_id:token` (or `service_id:sha256:<hex>`), each with every scope but admin and any tenant.
 */
export function parseTokenList(text: string): StaticToken[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch {
      throw new Error('not valid JSON');
    }
    return parseEntries(json);
  }
  const entries = trimmed
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((item, i) => {
      const colon = item.indexOf(':');
      if (colon <= 0) throw new Error(`item ${i + 1} is not service_id:token`);
      const service_id = item.slice(0, colon);
      const secret = item.slice(colon + 1);
      return secret.startsWith('sha256:')
        ? { service_id, token_sha256: secret.slice(7) }
        : { service_id, token: secret };
    });
  return parseEntries(entries);
}

function parseEntries(input: unknown): StaticToken[] {
  const parsed = Array.isArray(input) ? TokenList.safeParse(input) : TokenFile.safeParse(input);
  if (!parsed.success) {
    // Name the entry and field, never the secret.
    const issue = parsed.error.issues[0]!;
    throw new Error(`${issue.path.join('.') || 'tokens'}: ${issue.message}`);
  }
  const data: z.output<typeof TokenList> | z.output<typeof TokenFile> = parsed.data;
  const list = Array.isArray(data) ? data : data.tokens;
  return list.map(toStaticToken);
}

/** Reads a token file (`{"tokens": [...]}` or `[...]`). */
export function readTokenFile(path: string): StaticToken[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not valid JSON`);
  }
  return parseEntries(json);
}
