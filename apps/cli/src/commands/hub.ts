import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import {
  CONTROL_BOUNDS,
  type ControlEventType,
  checkCorrelationId,
  HUB_EVENTS,
  operatorPublicKeyBase64,
  signControlMessage,
} from '@org/cache-core';
import type { Command } from 'commander';
import { confirmOrAbort } from '../confirm.js';
import type { Context } from '../context.js';
import { ExitCode, UsageError } from '../errors.js';
import {
  controlActionOf,
  type HubActionName,
  natsServersOf,
  readConfigUpdate,
  readOperatorKey,
  redactNatsUrl,
  subjectPrefixOf,
} from '../hub/hub-inputs.js';
import { type HubConnection, requestControl } from '../hub/hub-request.js';
import { reportControlResult } from '../hub/hub-result.js';
import type { Runtime } from '../runtime.js';
import { examples } from './shared.js';

interface HubFlags {
  key?: string;
  nats?: string;
  subjectPrefix?: string;
  correlationId?: string;
  tenant?: string;
  yes?: boolean;
}

export const DEFAULT_NATS_URL = 'nats://localhost:4222';
/** How long `hub send|config` waits for the result (global `--timeout <ms>` overrides; at most 5 min). */
export const DEFAULT_HUB_TIMEOUT_MS = 5_000;
const MAX_HUB_TIMEOUT_MS = 300_000;

const hubOptions = (cmd: Command): Command =>
  cmd
    .requiredOption('--key <file>', "the operator's Ed25519 private key (PEM, from hub keygen)")
    .option('--nats <urls>', `NATS servers, comma-separated (env NATS_URL; default ${DEFAULT_NATS_URL})`)
    .option(
      '--subject-prefix <prefix>',
      "the API's NATS_SUBJECT_PREFIX, e.g. prod. (env NATS_SUBJECT_PREFIX)",
    )
    .option('--correlation-id <id>', 'the X-Correlation-ID of the message (default: a new uuid)');

const confirmable = (cmd: Command): Command =>
  cmd.option('-y, --yes', 'do not ask for confirmation (needed when stdin is not a terminal)');

const tenantFlag = (cmd: Command): Command =>
  cmd.option('-t, --tenant <id>', 'the tenant (required: never taken from the config file)');

/** The NATS servers, credentials, subject prefix and wait, checked before anything is sent. */
function hubTarget(ctx: Context, flags: HubFlags) {
  const env = ctx.io.env;
  const servers =
    flags.nats !== undefined
      ? natsServersOf(flags.nats, '--nats')
      : natsServersOf(env.natsUrl ?? DEFAULT_NATS_URL, env.natsUrl === undefined ? 'default' : 'NATS_URL');
  const prefix =
    flags.subjectPrefix !== undefined
      ? subjectPrefixOf(flags.subjectPrefix, '--subject-prefix')
      : subjectPrefixOf(env.natsSubjectPrefix ?? '', 'NATS_SUBJECT_PREFIX');
  const timeoutMs = ctx.opts.timeout ?? DEFAULT_HUB_TIMEOUT_MS;
  if (timeoutMs > MAX_HUB_TIMEOUT_MS) throw new UsageError(`--timeout is at most ${MAX_HUB_TIMEOUT_MS} ms`);
  const correlationId =
    flags.correlationId === undefined ? undefined : checkCorrelationIdFlag(flags.correlationId);
  const connection: HubConnection = {
    servers,
    user: env.natsUser,
    password: env.natsPassword,
    token: env.natsToken,
  };
  return { connection, prefix, timeoutMs, correlationId };
}

function checkCorrelationIdFlag(id: string): string {
  let checked: string | null = null;
  try {
    checked = checkCorrelationId(id);
  } catch {
    checked = null;
  }
  if (checked === null)
    throw new UsageError('--correlation-id takes 1 to 1024 characters, no control characters');
  return checked;
}

/** Signs, sends, waits and prints the result; a result other than applied sets exit status 1. */
async function sendSigned(
  rt: Runtime,
  ctx: Context,
  flags: HubFlags,
  eventType: ControlEventType,
  data: unknown,
  confirm: string | null,
): Promise<void> {
  const target = hubTarget(ctx, flags);
  const { key, mode } = readOperatorKey(flags.key!);
  if ((mode & 0o077) !== 0) {
    ctx.output.warn(`warning: ${flags.key} is readable by others (mode ${mode.toString(8)}): chmod 600 it`);
  }
  // the size is checked on a first signing; the message sent is signed after the prompt, so a slow
  // answer does not make its timestamp stale at the hub
  const sign = () => signControlMessage(eventType, data, key, { correlationId: target.correlationId });
  if (sign().body.length > CONTROL_BOUNDS.maxBodyBytes) {
    throw new UsageError(`the message is over the hub's ${CONTROL_BOUNDS.maxBodyBytes} bytes`);
  }
  const subject = `${target.prefix}${eventType}`;
  if (confirm !== null) {
    const where = target.connection.servers.map(redactNatsUrl).join(',');
    await confirmOrAbort(ctx.io, { yes: flags.yes }, `${confirm} (via the hub on ${subject} at ${where})?`);
  }
  const message = sign();
  const result = await requestControl(target.connection, subject, message, target.timeoutMs);
  if (!reportControlResult(ctx.output, result)) rt.exitCode = ExitCode.FAILURE;
}

/** `cache-cli hub …`: operator keys, and signed control messages to the API's message hub (NATS). */
export function registerHubCommands(program: Command, rt: Runtime): void {
  const hub = program
    .command('hub')
    .description("signed control messages to the API's message hub over NATS (keygen, send, config)")
    .addHelpText(
      'after',
      examples([
        ['cache-cli hub keygen --out ~/.config/cache-cli/operator.pem', 'a key; prints its public key'],
        [
          "cache-cli hub send invalidate 'user:*' --tenant acme --key op.pem --yes",
          'delete matching keys of a tenant',
        ],
        [
          'cache-cli hub send reload --key op.pem --nats nats://nats:4222',
          'the API re-reads its tokens file',
        ],
        ['cache-cli hub config policy.json --key op.pem --json', 'config.cache.update; the raw result'],
      ]),
    );

  hub
    .command('keygen')
    .description('write a new Ed25519 operator private key (PEM, mode 0600); print its public key')
    .requiredOption('--out <file>', 'where to write the private key (never overwritten)')
    .addHelpText(
      'after',
      `\nThe public key printed (base64 of 32 bytes) goes into the API's HUB_CONTROL_PUBLIC_KEYS (comma-separated).\n${examples(
        [['cache-cli hub keygen --out op.pem', 'prints e.g. 0bcN…Q= on stdout']],
      )}`,
    )
    .action((flags: { out: string }, cmd: Command) => {
      const ctx = rt.context(cmd);
      const { privateKey } = generateKeyPairSync('ed25519');
      const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      try {
        writeFileSync(flags.out, pem, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new UsageError(
          code === 'EEXIST'
            ? `${flags.out} exists: not overwritten (choose another --out)`
            : `cannot write ${JSON.stringify(flags.out)} (${code ?? 'error'})`,
        );
      }
      const publicKey = operatorPublicKeyBase64(privateKey);
      ctx.output.result({ private_key_file: flags.out, public_key: publicKey }, () => publicKey);
      ctx.output.note(
        `wrote the private key to ${flags.out} (mode 0600); add the public key above to the API's HUB_CONTROL_PUBLIC_KEYS`,
      );
    });

  hub
    .command('pubkey')
    .description('print the public key of an operator private key (for HUB_CONTROL_PUBLIC_KEYS)')
    .requiredOption('--key <file>', "the operator's Ed25519 private key (PEM)")
    .addHelpText(
      'after',
      examples([['cache-cli hub pubkey --key op.pem', 'base64 of the 32-byte public key']]),
    )
    .action((flags: { key: string }, cmd: Command) => {
      const ctx = rt.context(cmd);
      const publicKey = operatorPublicKeyBase64(readOperatorKey(flags.key).key);
      ctx.output.result({ public_key: publicKey }, () => publicKey);
    });

  const send = hub
    .command('send')
    .description(
      'sign and send control.cache.action (invalidate, clear-tenant, flush, reload); print the result',
    )
    .addHelpText(
      'after',
      `${examples([
        [
          "cache-cli hub send invalidate 'user:*' --tenant acme --key op.pem",
          'asks, then deletes via the hub',
        ],
        ['cache-cli hub send reload --key op.pem --json', 'the raw control.cache.result event'],
      ])}
Exit status: 0 applied, 1 refused, failed or no answer (--timeout <ms>, default ${DEFAULT_HUB_TIMEOUT_MS}), 2 bad input (nothing sent).
`,
    );
  const action = (name: HubActionName, flags: HubFlags, cmd: Command, pattern?: string) => {
    const ctx = rt.context(cmd);
    const data = controlActionOf(name, { tenant: flags.tenant, pattern });
    const destructive = name !== 'reload';
    // as the kv commands: no --yes needs a person at a terminal to answer the prompt (exit 2 otherwise)
    if (destructive && !flags.yes && ctx.io.stdin.isTTY !== true) {
      throw new UsageError(
        `refusing to run "hub send ${name}" without confirmation: stdin is not a terminal (pass --yes to confirm)`,
      );
    }
    const confirm =
      data.action === 'invalidate'
        ? `Delete the keys of tenant ${data.tenant} matching ${JSON.stringify(data.pattern)}`
        : data.action === 'clear_tenant'
          ? `Delete every key of tenant ${data.tenant}`
          : data.action === 'flush'
            ? 'Flush the WHOLE cache (every device and every tenant)'
            : null;
    return sendSigned(rt, ctx, flags, HUB_EVENTS.controlAction, data, confirm);
  };

  hubOptions(
    confirmable(
      tenantFlag(
        send
          .command('invalidate')
          .description("delete a tenant's keys matching a glob (asks first)")
          .argument('<pattern>', 'glob on the key: *, ?, [a-z], \\ escapes'),
      ),
    ),
  )
    .action((pattern: string, flags: HubFlags, cmd: Command) => action('invalidate', flags, cmd, pattern))
    .addHelpText(
      'after',
      examples([["cache-cli hub send invalidate 'session:*' --tenant acme --key op.pem --yes", 'no prompt']]),
    );

  hubOptions(
    confirmable(
      tenantFlag(send.command('clear-tenant').description('delete every key of a tenant (asks first)')),
    ),
  )
    .action((flags: HubFlags, cmd: Command) => action('clear-tenant', flags, cmd))
    .addHelpText(
      'after',
      examples([['cache-cli hub send clear-tenant --tenant acme --key op.pem', 'asks first']]),
    );

  hubOptions(
    confirmable(
      send
        .command('flush')
        .description('delete every key of the cache: devices and all tenants (asks first)'),
    ),
  )
    .action((flags: HubFlags, cmd: Command) => action('flush', flags, cmd))
    .addHelpText(
      'after',
      examples([['cache-cli hub send flush --key op.pem --yes', 'everything, no prompt']]),
    );

  hubOptions(
    send
      .command('reload')
      .description('the API re-reads its reloadable settings (its tokens file, as SIGHUP)'),
  )
    .action((flags: HubFlags, cmd: Command) => action('reload', flags, cmd))
    .addHelpText(
      'after',
      examples([
        [
          'cache-cli hub send reload --key op.pem --subject-prefix prod.',
          'an API with NATS_SUBJECT_PREFIX=prod.',
        ],
      ]),
    );

  hubOptions(
    hub
      .command('config')
      .description('sign and send config.cache.update from a JSON file (≤ 64 KiB); print the result')
      .argument(
        '<file>',
        'JSON: {default_ttl?, services?: {<tenant|*>: {cache_types: {<type>: {ttl, consistency}}}}}',
      ),
  )
    .addHelpText(
      'after',
      examples([
        ['cache-cli hub config policy.json --key op.pem', "checked locally by the hub's schema, then sent"],
      ]),
    )
    .action((file: string, flags: HubFlags, cmd: Command) => {
      const ctx = rt.context(cmd);
      const update = readConfigUpdate(file);
      return sendSigned(rt, ctx, flags, HUB_EVENTS.configUpdate, update, null);
    });
}
