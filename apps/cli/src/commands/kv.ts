import type { CacheClient, CacheEntry } from '@org/cache-client';
import { type AppliedWriteOptions, appliedOptionsOf, LIMITS } from '@org/cache-core';
import { type Command, Option } from 'commander';
import { confirmOrAbort, type DestructiveOptions, requireConfirmable } from '../confirm.js';
import type { Context } from '../context.js';
import { NotFoundCliError } from '../errors.js';
import { renderKeyValue } from '../output/table.js';
import type { Runtime } from '../runtime.js';
import { readJsonValue } from '../value.js';
import { examples, intOption } from './shared.js';

interface TenantOptions {
  tenant?: string;
}
type DestructiveKvOptions = TenantOptions & DestructiveOptions;

const tenantOption = () =>
  new Option('-t, --tenant <id>', 'tenant of the key/value cache (default: "tenant" in the config)');
const destructive = (cmd: Command) =>
  cmd
    .option('-n, --dry-run', 'show what would be deleted, delete nothing')
    .option('-y, --yes', 'do not ask for confirmation (needed when stdin is not a terminal)');

const entryPairs = (tenant: string, e: CacheEntry): [string, unknown][] => [
  ['tenant', tenant],
  ['key', e.key],
  ['value', e.value],
  ['ttl', e.ttl === null ? 'never expires' : `${e.ttl} s`],
  ['created_at', e.created_at],
  ['expires_at', e.expires_at],
  ['version', e.version],
];

interface SetCommandOptions extends TenantOptions {
  ttl?: number;
  compress?: boolean;
  encrypt?: boolean;
  consistency?: 'strong' | 'eventual';
  cacheType?: string;
}

/** The `set` options of the flags given (absent flags: the server's and the policy's defaults). */
function setOptionsOf(opts: SetCommandOptions): Parameters<CacheClient['set']>[2] {
  const options: Record<string, unknown> = {};
  if (opts.ttl !== undefined) options.ttl = opts.ttl;
  if (opts.compress !== undefined) options.compression = opts.compress;
  if (opts.encrypt !== undefined) options.encryption = opts.encrypt;
  if (opts.consistency !== undefined) options.consistency = opts.consistency;
  if (opts.cacheType !== undefined) options.cacheType = opts.cacheType;
  return options;
}

const appliedPairs = (a: AppliedWriteOptions): [string, unknown][] => [
  ['compression', a.compression],
  ['encryption', a.key_id === null ? a.encryption : `${a.encryption} (key ${a.key_id})`],
  ['consistency', a.consistency],
  ...(a.replication
    ? [
        [
          'replication',
          a.replication.waited
            ? `${a.replication.acknowledged} of ${a.replication.replicas} replicas acknowledged`
            : 'no replicas: not waited',
        ] as [string, unknown],
      ]
    : []),
  ...(a.cache_type === null ? [] : [['cache_type', a.cache_type] as [string, unknown]]),
  ['stored_bytes', a.stored_bytes],
];

/** Escapes glob metacharacters so a key matches only itself. */
const literalGlob = (key: string) => key.replace(/[*?[\]\\]/g, '\\$&');

/** Every key of the tenant matching the glob (following the cursor). */
async function allKeys(client: CacheClient, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await client.listKeys(pattern, { limit: 1000, cursor });
    keys.push(...page.keys);
    cursor = page.next_cursor;
  } while (cursor);
  return keys;
}

async function keyExists(client: CacheClient, key: string): Promise<boolean> {
  const pattern = literalGlob(key);
  // Listing does not count as a read (no hit/miss in the tenant's statistics), so try it first;
  // a read settles it when the listing does not show the key.
  if (
    pattern.length <= LIMITS.patternMaxLength &&
    (await client.listKeys(pattern, { limit: 1 })).keys.length > 0
  ) {
    return true;
  }
  return (await client.get(key)) !== null;
}

/** The dry-run report: JSON for scripts, a summary (and the first keys) on stderr and stdout for people. */
function reportDryRun(
  ctx: Context,
  summary: Record<string, unknown>,
  keys: string[],
  text: string,
  count = keys.length,
): void {
  ctx.output.result({ dry_run: true, ...summary, would_delete: count, keys }, () => {
    const shown = keys.slice(0, 20);
    const more = keys.length > shown.length ? [`… and ${keys.length - shown.length} more`] : [];
    return [...shown, ...more].join('\n');
  });
  ctx.output.note(`dry run: ${text}; nothing was deleted`);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function registerKvCommands(program: Command, rt: Runtime): void {
  const kv = program
    .command('kv')
    .description(
      'the generic tenant-scoped key/value cache (get, set, del, invalidate, clear-tenant, keys, stats)',
    )
    .addHelpText(
      'after',
      examples([
        ['cache-cli kv set user:42 \'{"name":"Ada"}\' --tenant acme --ttl 600', 'store JSON for 10 minutes'],
        ['cache-cli kv get user:42 --tenant acme --json', 'the entry with ttl and version'],
        ['cache-cli kv invalidate "user:*" --tenant acme --dry-run', 'what a pattern delete would remove'],
        ['cache-cli kv clear-tenant --tenant acme --yes', 'delete all keys of a tenant, no prompt'],
      ]),
    );

  kv.command('get')
    .description('a value and its metadata (exit status 3 when the key does not exist)')
    .argument('<key>', 'the key')
    .addOption(tenantOption())
    .addHelpText(
      'after',
      examples([
        ['cache-cli kv get user:42 --tenant acme', 'entry as a table'],
        ['cache-cli kv get user:42 --tenant acme --json | jq .value', 'the value only'],
      ]),
    )
    .action(async (key: string, opts: TenantOptions, cmd: Command) => {
      const ctx = rt.context(cmd);
      const tenant = ctx.tenant(opts.tenant);
      const entry = await ctx.client().forTenant(tenant).get(key);
      if (!entry) throw new NotFoundCliError(`key ${JSON.stringify(key)} not found in tenant ${tenant}`);
      ctx.output.result(entry, () => renderKeyValue(entryPairs(tenant, entry), ctx.output.style));
    });

  kv.command('set')
    .description('store a JSON value (JSON text, @file, or @- for stdin)')
    .argument('<key>', 'the key')
    .argument('<value>', 'JSON ("text" needs its quotes), @path/to/file.json, or @- to read stdin')
    .addOption(tenantOption())
    .option(
      '--ttl <seconds>',
      "seconds until the entry expires; 0: never (default: the cache's default TTL)",
      intOption(0),
    )
    .option('--compress', 'compress the value when it reaches the threshold (the default)')
    .option('--no-compress', 'store the value uncompressed')
    .option('--encrypt', 'encrypt the value at rest (refused when the cache has no encryption key)')
    .addOption(
      new Option('--consistency <level>', 'strong: wait for a replica to acknowledge the write').choices([
        'strong',
        'eventual',
      ]),
    )
    .option(
      '--cache-type <name>',
      "a cache type of the server's policy file (its TTL and options as defaults)",
    )
    .addHelpText(
      'after',
      examples([
        ['cache-cli kv set greeting \'"hello"\' --tenant acme', 'a JSON string'],
        [
          'cache-cli kv set card \'{"last4":"1111"}\' --tenant acme --encrypt --consistency strong',
          'encrypted at rest, acknowledged by a replica',
        ],
        ['cache-cli kv set session:42 @session.json --tenant acme --cache-type session', "the policy's TTL"],
        ['cache-cli kv set limits \'{"rpm":600}\' --tenant acme --ttl 3600', 'an object for an hour'],
        ['cache-cli kv set config @config.json --tenant acme --ttl 0', 'from a file, never expires'],
        ["echo '[1,2,3]' | cache-cli kv set list @- --tenant acme", 'from stdin'],
      ]),
    )
    .action(async (key: string, valueArg: string, opts: SetCommandOptions, cmd: Command) => {
      const ctx = rt.context(cmd);
      const tenant = ctx.tenant(opts.tenant);
      const value = await readJsonValue(valueArg, ctx.io.stdin);
      const client = ctx.client().forTenant(tenant);
      const entry = await client.set(key, value, setOptionsOf(opts));
      const applied = appliedOptionsOf(entry);
      ctx.output.result(applied ? { ...entry, options: applied } : entry, () =>
        renderKeyValue(
          [...entryPairs(tenant, entry), ...(applied ? appliedPairs(applied) : [])],
          ctx.output.style,
        ),
      );
    });

  destructive(
    kv
      .command('del')
      .alias('delete')
      .description('delete one key (asks first; exit status 3 when the key does not exist)')
      .argument('<key>', 'the key')
      .addOption(tenantOption()),
  )
    .addHelpText(
      'after',
      examples([
        ['cache-cli kv del user:42 --tenant acme', 'asks before deleting'],
        ['cache-cli kv del user:42 --tenant acme --yes', 'in a script'],
        ['cache-cli kv del user:42 --tenant acme --dry-run', 'only say whether it exists'],
      ]),
    )
    .action(async (key: string, opts: DestructiveKvOptions, cmd: Command) => {
      const ctx = rt.context(cmd);
      const tenant = ctx.tenant(opts.tenant);
      requireConfirmable(ctx.io, opts, 'kv del');
      const client = ctx.client().forTenant(tenant);
      const notFound = () => new NotFoundCliError(`key ${JSON.stringify(key)} not found in tenant ${tenant}`);
      if (opts.dryRun) {
        if (!(await keyExists(client, key))) throw notFound();
        reportDryRun(
          ctx,
          { tenant, key },
          [key],
          `would delete key ${JSON.stringify(key)} of tenant ${tenant}`,
        );
        return;
      }
      if (!opts.yes) {
        if (!(await keyExists(client, key))) throw notFound();
        await confirmOrAbort(ctx.io, opts, `Delete key ${JSON.stringify(key)} of tenant ${tenant}?`);
      }
      const deleted = await client.delete(key);
      if (!deleted) throw notFound();
      ctx.output.result(
        { tenant, key, deleted: true },
        () => `deleted ${JSON.stringify(key)} (tenant ${tenant})`,
      );
    });

  destructive(
    kv
      .command('invalidate')
      .description(
        'delete every key of the tenant matching a glob (asks first; other tenants are never touched)',
      )
      .argument('<pattern>', 'glob on the key: *, ?, [a-z], \\ escapes')
      .addOption(tenantOption()),
  )
    .addHelpText(
      'after',
      examples([
        ['cache-cli kv invalidate "session:*" --tenant acme', 'asks, showing how many keys match'],
        ['cache-cli kv invalidate "session:*" --tenant acme --dry-run --json', 'the keys it would delete'],
        ['cache-cli kv invalidate "tmp:*" --tenant acme --yes', 'in a script'],
      ]),
    )
    .action(async (pattern: string, opts: DestructiveKvOptions, cmd: Command) => {
      const ctx = rt.context(cmd);
      const tenant = ctx.tenant(opts.tenant);
      requireConfirmable(ctx.io, opts, 'kv invalidate');
      const client = ctx.client().forTenant(tenant);
      if (opts.dryRun || !opts.yes) {
        const keys = await allKeys(client, pattern);
        const what = `${plural(keys.length, 'key')} matching ${JSON.stringify(pattern)} in tenant ${tenant}`;
        if (opts.dryRun) return reportDryRun(ctx, { tenant, pattern }, keys, `would delete ${what}`);
        if (keys.length === 0) {
          ctx.output.result(
            { tenant, pattern, deleted: 0 },
            () => `no keys match ${JSON.stringify(pattern)} (tenant ${tenant})`,
          );
          return;
        }
        await confirmOrAbort(ctx.io, opts, `Delete ${what}?`);
      }
      const deleted = await client.invalidate(pattern);
      ctx.output.result(
        { tenant, pattern, deleted },
        () => `deleted ${plural(deleted, 'key')} matching ${JSON.stringify(pattern)} (tenant ${tenant})`,
      );
    });

  destructive(
    kv
      .command('clear-tenant')
      .description('delete every key of one tenant (asks first)')
      .addOption(tenantOption()),
  )
    .addHelpText(
      'after',
      examples([
        ['cache-cli kv clear-tenant --tenant acme', 'asks, showing how many keys it holds'],
        ['cache-cli kv clear-tenant --tenant acme --dry-run', 'count only'],
        ['cache-cli kv clear-tenant --tenant acme --yes --json', 'in a script: {"tenant","deleted"}'],
      ]),
    )
    .action(async (opts: DestructiveKvOptions, cmd: Command) => {
      const ctx = rt.context(cmd);
      const tenant = ctx.tenant(opts.tenant);
      requireConfirmable(ctx.io, opts, 'kv clear-tenant');
      const client = ctx.client().forTenant(tenant);
      if (opts.dryRun || !opts.yes) {
        // The count comes from the tenant's statistics, the names from a listing.
        const [keys, stats] = await Promise.all([allKeys(client, '*'), client.stats()]);
        const count = Math.max(stats.keys, keys.length);
        const what = `all ${plural(count, 'key')} of tenant ${tenant}`;
        if (opts.dryRun) return reportDryRun(ctx, { tenant }, keys, `would delete ${what}`, count);
        await confirmOrAbort(ctx.io, opts, `Delete ${what}?`);
      }
      const deleted = await client.clearTenant();
      ctx.output.result({ tenant, deleted }, () => `deleted ${plural(deleted, 'key')} (tenant ${tenant})`);
    });

  kv.command('keys')
    .description('the live keys of a tenant matching a glob (default *)')
    .argument('[pattern]', 'glob on the key', '*')
    .addOption(tenantOption())
    .option('-l, --limit <n>', 'at most this many keys (default: all)', intOption(1))
    .addHelpText(
      'after',
      examples([
        ['cache-cli kv keys --tenant acme', 'every key'],
        ['cache-cli kv keys "user:*" --tenant acme --ndjson', 'one JSON string per line'],
      ]),
    )
    .action(async (pattern: string, opts: TenantOptions & { limit?: number }, cmd: Command) => {
      const ctx = rt.context(cmd);
      const tenant = ctx.tenant(opts.tenant);
      const client = ctx.client().forTenant(tenant);
      let keys: string[];
      if (opts.limit === undefined) keys = await allKeys(client, pattern);
      else {
        keys = [];
        let cursor: string | null = null;
        do {
          const page = await client.listKeys(pattern, {
            limit: Math.min(1000, opts.limit - keys.length),
            cursor,
          });
          keys.push(...page.keys);
          cursor = page.next_cursor;
        } while (cursor && keys.length < opts.limit);
        keys = keys.slice(0, opts.limit);
      }
      ctx.output.result(keys, () => (keys.length === 0 ? '(no keys)' : keys.join('\n')));
    });

  kv.command('stats')
    .description("a tenant's key count (and the hit rate the backend has counted)")
    .addOption(tenantOption())
    .addHelpText(
      'after',
      examples([['cache-cli kv stats --tenant acme --json', 'keys, hits, misses, hit_rate']]),
    )
    .action(async (opts: TenantOptions, cmd: Command) => {
      const ctx = rt.context(cmd);
      const tenant = ctx.tenant(opts.tenant);
      const stats = await ctx.client().forTenant(tenant).stats();
      ctx.output.result(stats, () =>
        renderKeyValue(
          [
            ['tenant', stats.tenant],
            ['keys', stats.keys],
            ['hits', stats.hits],
            ['misses', stats.misses],
            ['hit_rate', stats.hit_rate],
          ],
          ctx.output.style,
        ),
      );
    });
}
