import type { DeviceMetadata, DeviceSummary, ListDevicesOptions, Reading } from '@org/cache-core';
import { type Command, Option } from 'commander';
import { NotFoundCliError } from '../errors.js';
import type { Output } from '../output/output.js';
import { type Column, renderKeyValue, renderTable } from '../output/table.js';
import type { Runtime } from '../runtime.js';
import { examples, intOption } from './shared.js';

interface ListOptions {
  limit?: number;
  cursor?: string;
  pattern?: string;
  sort?: 'id' | 'updated';
  all?: boolean;
}

const DEVICE_COLUMNS: Column<DeviceSummary>[] = [
  { header: 'DEVICE_ID', value: (d) => d.device_id },
  { header: 'UPDATED_AT', value: (d) => d.updated_at },
  { header: 'EXPIRES_AT', value: (d) => d.expires_at },
];

const READING_COLUMNS: Column<Reading>[] = [
  { header: 'INDEX', value: (r) => (r.index === '' ? '""' : r.index) },
  { header: 'TIMESTAMP', value: (r) => r.timestamp },
  { header: 'DATATYPE', value: (r) => r.metadata?.datatype_name },
  { header: 'UNIT', value: (r) => r.metadata?.datatype_unit },
  { header: 'VALUES', value: (r) => r.values },
  { header: 'LABELS', value: (r) => r.labels },
];

function metadataPairs(m: DeviceMetadata): [string, unknown][] {
  return [
    ['device_id', m.device_id],
    ['datatype_id', m.datatype_id],
    ['datatype_name', m.datatype_name],
    ['datatype_unit', m.datatype_unit],
    ['persist', m.persist],
    ['last_updated', m.last_updated],
    ...Object.entries(m.additional_properties).map(([k, v]): [string, unknown] => [k, v]),
  ];
}

const readingsTable = (out: Output, readings: readonly Reading[]) =>
  readings.length === 0 ? '(no readings)' : renderTable(READING_COLUMNS, readings, out.style);

export function registerDeviceCommands(program: Command, rt: Runtime): void {
  program
    .command('list')
    .description('list cached devices, a page at a time (or every page with --all)')
    .option(
      '-l, --limit <n>',
      'devices per page, 1 to 1000 (default 100, or "limit" in the config)',
      intOption(1, 1000),
    )
    .option('-c, --cursor <cursor>', 'continue from the next_cursor of a previous page')
    .option('-p, --pattern <glob>', 'only device ids matching this glob (*, ?, [a-z])')
    .addOption(
      new Option('--sort <order>', 'id (stable) or updated (most recently written first)').choices([
        'id',
        'updated',
      ]),
    )
    .option('-a, --all', 'follow the cursor through every page (progress on stderr)')
    .addHelpText(
      'after',
      examples([
        ['cache-cli list', 'first 100 devices'],
        ['cache-cli list --limit 20 --cursor <next_cursor>', 'the next page'],
        ['cache-cli list --pattern "sensor-*" --all', 'every matching device'],
        ['cache-cli list --all --ndjson | wc -l', 'count devices, one JSON line each'],
        ['cache-cli list --sort updated --limit 10 --json', 'ten most recently written, as JSON'],
      ]),
    )
    .action(async (opts: ListOptions, cmd: Command) => {
      const ctx = rt.context(cmd);
      const out = ctx.output;
      const client = ctx.client();
      const query: ListDevicesOptions = {
        limit: opts.limit ?? ctx.config.limit ?? 100,
        cursor: opts.cursor ?? null,
        ...(opts.pattern !== undefined && { pattern: opts.pattern }),
        ...(opts.sort !== undefined && { sort: opts.sort }),
      };
      if (!opts.all) {
        const page = await client.listDevices(query);
        out.result(page, () =>
          page.devices.length === 0 ? '(no devices)' : renderTable(DEVICE_COLUMNS, page.devices, out.style),
        );
        if (page.next_cursor)
          out.note(
            `more: cache-cli list --cursor ${page.next_cursor}${opts.limit ? ` --limit ${opts.limit}` : ''}`,
          );
        return;
      }
      const progress = out.progress('listing devices');
      const devices: DeviceSummary[] = [];
      let count = 0;
      let pages = 0;
      let cursor = query.cursor ?? null;
      try {
        do {
          const page = await client.listDevices({ ...query, cursor });
          pages++;
          count += page.devices.length;
          if (out.mode === 'ndjson') for (const d of page.devices) out.record(d);
          else devices.push(...page.devices);
          progress.update(count, pages);
          cursor = page.next_cursor;
        } while (cursor);
      } finally {
        progress.done();
      }
      if (out.mode === 'ndjson') return;
      out.result({ devices, next_cursor: null }, () =>
        devices.length === 0 ? '(no devices)' : renderTable(DEVICE_COLUMNS, devices, out.style),
      );
      out.note(`${count} device${count === 1 ? '' : 's'} in ${pages} page${pages === 1 ? '' : 's'}`);
    });

  program
    .command('get')
    .description("a device's latest metadata (and its latest reading per index with --readings)")
    .argument('<device_id>', 'the device id')
    .option('-r, --readings', 'also show the latest reading of each index')
    .addHelpText(
      'after',
      examples([
        ['cache-cli get 282c02424eed', 'metadata as a table'],
        ['cache-cli get 282c02424eed --readings', 'metadata and the latest reading per index'],
        ['cache-cli get 282c02424eed --json | jq .datatype_name', 'one field, for scripts'],
      ]),
    )
    .addHelpText('after', '\nExit status 3 when the device is not in the cache.\n')
    .action(async (deviceId: string, opts: { readings?: boolean }, cmd: Command) => {
      const ctx = rt.context(cmd);
      const out = ctx.output;
      const client = ctx.client();
      const [metadata, readings] = await Promise.all([
        client.getDeviceMetadata(deviceId),
        opts.readings ? client.getReadings(deviceId) : Promise.resolve(null),
      ]);
      if (metadata === null && (readings === null || readings.length === 0)) {
        throw new NotFoundCliError(`device ${JSON.stringify(deviceId)} not found`);
      }
      if (readings === null) {
        out.result(metadata, () => renderKeyValue(metadataPairs(metadata!), out.style));
        return;
      }
      out.result({ metadata, readings }, () =>
        [
          metadata ? renderKeyValue(metadataPairs(metadata), out.style) : '(no metadata)',
          '',
          readingsTable(out, readings),
        ].join('\n'),
      );
    });

  program
    .command('readings')
    .description('the latest reading per index of a device (or only the one of [index])')
    .argument('<device_id>', 'the device id')
    .argument('[index]', 'a datatype index such as T, U or P ("" for the empty index)')
    .addHelpText(
      'after',
      examples([
        ['cache-cli readings 282c02424eed', 'every index'],
        ['cache-cli readings 282c02424eed T --json', 'the latest T reading as JSON'],
        ['cache-cli readings 282c02424eed --ndjson', 'one reading per line'],
      ]),
    )
    .addHelpText('after', '\nExit status 3 when the device (or that index of it) is not in the cache.\n')
    .action(async (deviceId: string, index: string | undefined, _opts: unknown, cmd: Command) => {
      const ctx = rt.context(cmd);
      const out = ctx.output;
      const client = ctx.client();
      const readings = await client.getReadings(deviceId, index);
      if (readings.length === 0) {
        const known = (await client.getDeviceMetadata(deviceId)) !== null;
        if (!known) throw new NotFoundCliError(`device ${JSON.stringify(deviceId)} not found`);
        if (index !== undefined) {
          throw new NotFoundCliError(
            `device ${JSON.stringify(deviceId)} has no reading with index ${JSON.stringify(index)}`,
          );
        }
      }
      out.result(readings, () => readingsTable(out, readings));
    });

  program
    .command('indexes')
    .description('the datatype indexes a device has readings for')
    .argument('<device_id>', 'the device id')
    .addHelpText(
      'after',
      examples([
        ['cache-cli indexes 282c02424eed', 'one index per line'],
        ['cache-cli indexes 282c02424eed --json', 'a JSON array'],
      ]),
    )
    .addHelpText('after', '\nExit status 3 when the device is not in the cache.\n')
    .action(async (deviceId: string, _opts: unknown, cmd: Command) => {
      const ctx = rt.context(cmd);
      const client = ctx.client();
      const indexes = await client.listIndexes(deviceId);
      if (indexes.length === 0 && (await client.getDeviceMetadata(deviceId)) === null) {
        throw new NotFoundCliError(`device ${JSON.stringify(deviceId)} not found`);
      }
      ctx.output.result(indexes, () =>
        indexes.length === 0 ? '(no indexes)' : indexes.map((i) => (i === '' ? '""' : i)).join('\n'),
      );
    });
}
