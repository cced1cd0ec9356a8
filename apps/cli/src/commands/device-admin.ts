import { type FutureDevicePage, normalizeTimestamp } from '@org/cache-core';
import { type Command, InvalidArgumentError } from 'commander';
import { confirmOrAbort, type DestructiveOptions, requireConfirmable } from '../confirm.js';
import { NotFoundCliError } from '../errors.js';
import { type Column, renderKeyValue, renderTable } from '../output/table.js';
import type { Runtime } from '../runtime.js';
import { examples, intOption } from './shared.js';

type FutureDevice = FutureDevicePage['devices'][number];

const FUTURE_COLUMNS: Column<FutureDevice>[] = [
  { header: 'DEVICE_ID', value: (d) => d.device_id },
  { header: 'NEWEST_TIMESTAMP', value: (d) => d.newest_timestamp },
];

/** A commander parser for `--after`: any ISO 8601 date-time, normalized (zone-less means UTC). */
function isoOption(text: string): string {
  const normalized = normalizeTimestamp(text);
  if (normalized === null) throw new InvalidArgumentError('must be an ISO 8601 date-time');
  return normalized;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * `cache-cli devices reset|future`: the admin operations for state poisoned by a reading stamped in
 * the future (API scope `devices:admin`, or straight on Redis).
 */
export function registerDeviceAdminCommands(program: Command, rt: Runtime): void {
  const devices = program
    .command('devices')
    .description('admin operations on devices: find the ones stamped in the future, reset one')
    .addHelpText(
      'after',
      examples([
        ['cache-cli devices future', 'devices whose newest reading is ahead of the clock'],
        ['cache-cli devices reset sensor-7 --dry-run', 'what a reset would remove'],
        ['cache-cli devices reset sensor-7 --yes', 'remove it, no prompt'],
      ]),
    );

  devices
    .command('reset')
    .description("remove a device's metadata, readings and index entries (asks first; exit 3 when unknown)")
    .argument('<device_id>', 'the device id')
    .option('-n, --dry-run', 'show what would be removed, remove nothing')
    .option('-y, --yes', 'do not ask for confirmation (needed when stdin is not a terminal)')
    .addHelpText(
      'after',
      examples([
        ['cache-cli devices reset sensor-7', 'asks, showing what the device holds'],
        ['cache-cli devices reset sensor-7 --dry-run --json', 'the metadata and indexes it would remove'],
        ['cache-cli devices reset sensor-7 --yes --json', 'in a script: {"device_id","existed"}'],
      ]),
    )
    .addHelpText(
      'after',
      '\nThe next reading of the device (at most MAX_FUTURE_SKEW ahead) starts its state afresh.\n',
    )
    .action(async (deviceId: string, opts: DestructiveOptions, cmd: Command) => {
      const ctx = rt.context(cmd);
      const out = ctx.output;
      requireConfirmable(ctx.io, opts, 'devices reset');
      const client = ctx.client();
      const notFound = () => new NotFoundCliError(`device ${JSON.stringify(deviceId)} not found`);
      if (opts.dryRun || !opts.yes) {
        const [metadata, readings] = await Promise.all([
          client.getDeviceMetadata(deviceId),
          client.getReadings(deviceId),
        ]);
        if (metadata === null && readings.length === 0) throw notFound();
        const indexes = readings.map((r) => r.index);
        const newest = readings.reduce<string | null>(
          (n, r) => (n === null || r.timestamp > n ? r.timestamp : n),
          null,
        );
        const what = `the metadata${metadata ? ` (last_updated ${metadata.last_updated})` : ' (none)'} and ${plural(readings.length, 'reading')} of device ${JSON.stringify(deviceId)}`;
        if (opts.dryRun) {
          out.result(
            {
              dry_run: true,
              device_id: deviceId,
              would_remove: { metadata, indexes, newest_timestamp: newest, index_entries: true },
            },
            () =>
              renderKeyValue(
                [
                  ['device_id', deviceId],
                  ['metadata', metadata === null ? '(none)' : `last_updated ${metadata.last_updated}`],
                  [
                    'indexes',
                    indexes.length === 0 ? '(none)' : indexes.map((i) => (i === '' ? '""' : i)).join(' '),
                  ],
                  ['newest_timestamp', newest ?? '(none)'],
                  ['index_entries', 'the device listing entries'],
                ],
                out.style,
              ),
          );
          out.note(`dry run: would remove ${what}; nothing was removed`);
          return;
        }
        await confirmOrAbort(ctx.io, opts, `Remove ${what}?`);
      }
      const result = await client.resetDevice(deviceId);
      if (!result.existed) throw notFound();
      out.result(
        result,
        () => `reset device ${JSON.stringify(deviceId)}: metadata, readings and index entries removed`,
      );
    });

  devices
    .command('future')
    .description(
      'devices whose newest reading or last_updated is later than a date (default: now + the allowed skew)',
    )
    .option(
      '--after <iso>',
      'the date-time to compare with (default: now + MAX_FUTURE_SKEW of the backend)',
      isoOption,
    )
    .option('-l, --limit <n>', 'at most this many devices (1 to 1000, default 100)', intOption(1, 1000))
    .option('-c, --cursor <cursor>', 'continue from the next_cursor of a previous run')
    .addHelpText(
      'after',
      examples([
        ['cache-cli devices future', 'devices stamped ahead of the clock'],
        ['cache-cli devices future --after 2030-01-01T00:00:00Z --json', 'as JSON, with next_cursor'],
        ['cache-cli devices future --json | jq -r ".devices[].device_id"', 'ids only, to reset them'],
      ]),
    )
    .action(async (opts: { after?: string; limit?: number; cursor?: string }, cmd: Command) => {
      const ctx = rt.context(cmd);
      const out = ctx.output;
      const client = ctx.client();
      const limit = opts.limit ?? 100;
      const found: FutureDevice[] = [];
      let cursor: string | null = opts.cursor ?? null;
      // A page may be short (bounded work per call) and still have a cursor: follow it up to the limit.
      const progress = out.progress('looking for devices stamped in the future');
      let pages = 0;
      try {
        do {
          const page = await client.listFutureDevices({
            ...(opts.after !== undefined && { after: opts.after }),
            limit: limit - found.length,
            cursor,
          });
          found.push(...page.devices);
          cursor = page.next_cursor;
          progress.update(found.length, ++pages);
        } while (cursor !== null && found.length < limit);
      } finally {
        progress.done();
      }
      out.result({ devices: found, next_cursor: cursor }, () =>
        found.length === 0
          ? '(no devices stamped in the future)'
          : renderTable(FUTURE_COLUMNS, found, out.style),
      );
      if (cursor !== null)
        out.note(
          `more: cache-cli devices future --cursor ${cursor}${opts.after ? ` --after ${opts.after}` : ''}`,
        );
      else if (found.length > 0)
        out.note(`${plural(found.length, 'device')}; reset one with: cache-cli devices reset <device_id>`);
    });
}
