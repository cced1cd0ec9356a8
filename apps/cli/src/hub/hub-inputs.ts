import type { KeyObject } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import {
  assertGlob,
  assertTenant,
  CONTROL_BOUNDS,
  ConfigUpdate,
  ControlAction,
  OPERATOR_KEY_MAX_BYTES,
  OperatorKeyError,
  operatorPrivateKeyFromPem,
} from '@org/cache-core';
import { UsageError } from '../errors.js';

/**
 * Everything `cache-cli hub` reads from the operator, checked before anything is sent: NATS URLs,
 * the subject prefix, the action's tenant and pattern (core's rules, as the hub checks them), the
 * key file and the config file (bounded sizes, regular files only).
 */

export const MAX_NATS_SERVERS = 16;
const NATS_URL = /^(nats|tls):\/\/[^\s,]+$/;

/** `nats://host:port` or `tls://…`, comma-separated, at most 16 (the API's `NATS_URL` without ws://). */
export function natsServersOf(text: string, source: string): string[] {
  const servers = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (servers.length === 0 || servers.length > MAX_NATS_SERVERS) {
    throw new UsageError(`${source} takes 1 to ${MAX_NATS_SERVERS} nats:// or tls:// URLs, comma-separated`);
  }
  for (const server of servers) {
    let valid = server.length <= 512 && NATS_URL.test(server);
    if (valid) {
      try {
        valid = new URL(server).hostname.length > 0;
      } catch {
        valid = false;
      }
    }
    if (!valid) throw new UsageError(`${source} must be nats://host:port or tls://host:port URLs`);
  }
  return servers;
}

/** A NATS URL safe to print: no user or password. */
export function redactNatsUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

const SUBJECT_PREFIX = /^([A-Za-z0-9_-]+\.)*$/;

/** The API's `NATS_SUBJECT_PREFIX` rule: tokens of `A-Za-z0-9_-`, each followed by a dot, ≤ 64 characters. */
export function subjectPrefixOf(text: string, source: string): string {
  if (text.length > 64 || !SUBJECT_PREFIX.test(text)) {
    throw new UsageError(
      `${source} must be tokens of A-Z a-z 0-9 _ - each followed by a dot (like "prod."), at most 64 characters`,
    );
  }
  return text;
}

/** Reads a regular file of at most `maxBytes` (checked on the open file: a FIFO or /dev/zero is refused). */
export function readBoundedFile(
  path: string,
  maxBytes: number,
  what: string,
): { bytes: Buffer; mode: number } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new UsageError(`cannot read the ${what} ${JSON.stringify(path)} (${code})`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UsageError(`the ${what} ${JSON.stringify(path)} is not a regular file`);
    if (stat.size > maxBytes) {
      throw new UsageError(`the ${what} ${JSON.stringify(path)} is over ${maxBytes} bytes`);
    }
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
      if (length > maxBytes)
        throw new UsageError(`the ${what} ${JSON.stringify(path)} is over ${maxBytes} bytes`);
    }
    return { bytes: buffer.subarray(0, length), mode: stat.mode & 0o777 };
  } finally {
    closeSync(fd);
  }
}

/** The operator's Ed25519 private key from a PEM file (PKCS8); a wrong key type is a usage error. */
export function readOperatorKey(path: string): { key: KeyObject; mode: number } {
  const { bytes, mode } = readBoundedFile(path, OPERATOR_KEY_MAX_BYTES, 'key file');
  try {
    return { key: operatorPrivateKeyFromPem(bytes.toString('utf8')), mode };
  } catch (error) {
    if (error instanceof OperatorKeyError)
      throw new UsageError(`--key ${JSON.stringify(path)}: ${error.message}`);
    throw error;
  }
}

export type HubActionName = 'invalidate' | 'clear-tenant' | 'flush' | 'reload';

/**
 * The `control.cache.action` data of a command line, with the tenant and pattern checked by core's
 * rules (`assertTenant`, `assertGlob`: an invalid one throws a usage error, exit 2), then by the
 * hub's own schema, so what is sent is what the hub accepts.
 */
export function controlActionOf(
  name: HubActionName,
  args: { tenant?: string; pattern?: string },
): ControlAction {
  const tenant = () => {
    if (args.tenant === undefined) throw new UsageError(`hub send ${name} needs --tenant <id>`);
    return assertTenant(args.tenant);
  };
  const data =
    name === 'invalidate'
      ? { action: 'invalidate' as const, tenant: tenant(), pattern: assertGlob(args.pattern) }
      : name === 'clear-tenant'
        ? { action: 'clear_tenant' as const, tenant: tenant() }
        : name === 'flush'
          ? { action: 'flush' as const }
          : { action: 'reload' as const };
  const parsed = ControlAction.safeParse(data);
  if (!parsed.success) throw new UsageError(`not a valid ${name} action`);
  return parsed.data;
}

/** A `config.cache.update` from a JSON file (≤ 64 KiB), checked by the hub's schema (`ConfigUpdate`). */
export function readConfigUpdate(path: string): ConfigUpdate {
  const { bytes } = readBoundedFile(path, CONTROL_BOUNDS.maxBodyBytes - 64, 'config file');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new UsageError(`the config file ${JSON.stringify(path)} is not UTF-8 JSON`);
  }
  const parsed = ConfigUpdate.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? ` at ${issue.path.map(String).join('.').slice(0, 200)}` : '';
    throw new UsageError(
      `the config file ${JSON.stringify(path)} is not a cache config update${where}: ${issue.message.slice(0, 200)} (shape: {default_ttl?, services?: {<tenant|*>: {cache_types: {<type>: {ttl, consistency}}}}})`,
    );
  }
  return parsed.data;
}
