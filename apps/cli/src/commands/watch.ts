import type { CacheEvent, CacheEventKind } from '@org/cache-core';
import { type Command, Option } from 'commander';
import { UsageError } from '../errors.js';
import type { Runtime } from '../runtime.js';
import { examples } from './shared.js';

interface WatchFlags {
  kinds?: string;
  tenant?: string;
  since?: string;
  limit?: string;
}

/** One line per event for people: time, operation, kind, key (tenant or indexes), id. */
export function eventLine(e: CacheEvent): string {
  const where =
    e.data.kind === 'kv'
      ? ` tenant=${e.data.tenant}`
      : e.data.kind === 'device' && (e.data.indexes?.length ?? 0) > 0
        ? ` indexes=${e.data.indexes!.join(',')}`
        : '';
  const correlation = e.correlation_id === null ? '' : ` correlation=${e.correlation_id}`;
  return `${e.data.timestamp} ${e.data.operation.padEnd(10)} ${e.data.kind.padEnd(6)} ${JSON.stringify(e.data.key)}${where}${correlation} id=${e.id}`;
}

const KINDS = new Set(['device', 'kv', 'cache']);

/** `cache-cli watch [pattern]`: follows the change events (Redis streams, or the API's SSE feed). */
export function registerWatchCommand(program: Command, rt: Runtime): void {
  program
    .command('watch')
    .argument('[pattern]', 'a glob over device ids and tenant keys (default: everything)')
    .description('follow the change events, one line per event (--json: one JSON event per line)')
    .addOption(new Option('--kinds <list>', 'device, kv, cache, comma-separated (default all)'))
    .addOption(
      new Option('-t, --tenant <id>', 'only this tenant\'s key events (default: "tenant" in the config)'),
    )
    .addOption(
      new Option(
        '--since <event-id>',
        'start after this event id; 0: from the oldest kept (default: new events)',
      ),
    )
    .addOption(new Option('--limit <n>', 'stop after n events (default: until interrupted)'))
    .addHelpText(
      'after',
      examples([
        ['cache-cli watch', 'every change from now on'],
        ["cache-cli watch 'gw-*' --kinds device", 'the devices whose id starts with gw-'],
        ['cache-cli watch --tenant acme --kinds kv --json', 'the tenant acme, one JSON event per line'],
        ['cache-cli watch --since 0 --limit 100 --json', 'the oldest 100 events kept'],
      ]),
    )
    .action(async (pattern: string | undefined, flags: WatchFlags, cmd: Command) => {
      const ctx = rt.context(cmd);
      const kinds = flags.kinds === undefined ? undefined : flags.kinds.split(',');
      if (kinds !== undefined && (kinds.length === 0 || kinds.some((k) => !KINDS.has(k)))) {
        throw new UsageError('--kinds takes device, kv and cache, comma-separated');
      }
      let limit = Number.POSITIVE_INFINITY;
      if (flags.limit !== undefined) {
        if (!/^[1-9][0-9]{0,8}$/.test(flags.limit)) throw new UsageError('--limit takes a positive integer');
        limit = Number(flags.limit);
      }
      const tenant = flags.tenant ?? ctx.config.tenant;
      const client = tenant === undefined ? ctx.client() : ctx.client().forTenant(tenant);
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let seen = 0;
      try {
        for await (const event of client.watch({
          kinds: kinds as CacheEventKind[] | undefined,
          pattern,
          tenant,
          since: flags.since === undefined ? undefined : flags.since === '0' ? null : flags.since,
          signal: controller.signal,
        })) {
          if (ctx.output.machine) ctx.output.record(event);
          else ctx.output.line(eventLine(event));
          if (++seen >= limit) break;
        }
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
