import type { CacheInfo, HealthStatus } from '@org/cache-core';
import type { Command } from 'commander';
import { describeTarget } from '../context.js';
import { ExitCode } from '../errors.js';
import { renderKeyValue } from '../output/table.js';
import type { Runtime } from '../runtime.js';
import { examples } from './shared.js';

/** `12.3 MiB` */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

const infoPairs = (i: CacheInfo): [string, unknown][] => [
  ['backend', i.backend],
  ['server_version', i.server_version],
  ['nodes', i.nodes],
  ['total_devices', i.total_devices],
  ['kv_entries', i.kv_entries],
  ['memory_usage', `${formatBytes(i.memory_usage_bytes)} (${i.memory_usage_bytes} bytes)`],
  ['oldest_entry', i.oldest_entry_timestamp],
  ['newest_entry', i.newest_entry_timestamp],
  ['ttl_seconds', i.ttl_seconds],
  ['expired_pending', i.expired_pending],
  ['key_prefix', i.key_prefix === '' ? '(none)' : i.key_prefix],
];

export function registerStatusCommands(program: Command, rt: Runtime): void {
  program
    .command('info')
    .description('cache statistics: devices, tenant keys, memory, oldest and newest entries, TTL')
    .addHelpText(
      'after',
      examples([
        ['cache-cli info', 'statistics as a table'],
        ['cache-cli info --json | jq .total_devices', 'one number, for scripts'],
      ]),
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = rt.context(cmd);
      const info = await ctx.client().getCacheInfo();
      ctx.output.result(info, () => renderKeyValue(infoPairs(info), ctx.output.style));
    });

  program
    .command('health')
    .description('whether the cache answers (exit status 1 when it is unhealthy)')
    .addHelpText(
      'after',
      examples([
        ['cache-cli health', 'status, latency and backend'],
        ['cache-cli health --json', 'the health document'],
        ['cache-cli health >/dev/null || echo down', 'as a probe: exit 0 healthy or degraded, 1 unhealthy'],
      ]),
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = rt.context(cmd);
      const out = ctx.output;
      const health: HealthStatus = await ctx.client().checkHealth();
      const paint =
        health.status === 'healthy'
          ? out.style.green
          : health.status === 'degraded'
            ? out.style.yellow
            : out.style.red;
      out.result(health, () =>
        renderKeyValue(
          [
            ['status', paint(health.status)],
            ['message', health.message],
            ['backend', health.backend],
            ['latency_ms', health.latency_ms],
            ['target', describeTarget(ctx.target())],
            ['timestamp', health.timestamp],
          ],
          out.style,
        ),
      );
      if (health.status === 'unhealthy') rt.exitCode = ExitCode.FAILURE;
    });
}
