import { z } from 'zod';

/** Shared defaults and zod helpers for the apps' `env.ts` files. */
export const DEFAULT_TTL_SECONDS = 86_400;
export const DEFAULT_KEY_PREFIX = '';

/** `true/false`, `1/0`, `yes/no`, `on/off` (any case). */
export const envBoolean = z
  .string()
  .trim()
  .toLowerCase()
  .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off']))
  .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === 'on');

/** A comma-separated list (blank items dropped). */
export const envList = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);

export interface HostPort {
  host: string;
  port: number;
}

/** `host:port` or `[v6]:port`; a missing port takes `defaultPort`. */
export function parseHostPort(text: string, defaultPort: number): HostPort {
  const m = /^\[([^\]]+)\](?::(\d+))?$|^([^:]+)(?::(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`not a host:port: ${JSON.stringify(text)}`);
  const host = m[1] ?? m[3]!;
  const port = Number(m[2] ?? m[4] ?? defaultPort);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new Error(`bad port in ${JSON.stringify(text)}`);
  return { host, port };
}

/** `host:port,host:port` as a zod type, for `REDIS_CLUSTER_NODES` and `KAFKA_BOOTSTRAP_SERVERS`. */
export const envHostPorts = (defaultPort: number) =>
  envList.transform((items, ctx) => {
    try {
      return items.map((item) => parseHostPort(item, defaultPort));
    } catch (error) {
      ctx.issues.push({ code: 'custom', message: (error as Error).message, input: items });
      return z.NEVER;
    }
  });

/** Formats zod issues of an env object as one line naming every bad variable. */
export function describeEnvIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`).join('; ');
}
