import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import pkg from '../package.json' with { type: 'json' };
import { registerConfigCommands } from './commands/config.js';
import { registerDeviceAdminCommands } from './commands/device-admin.js';
import { registerDeviceCommands } from './commands/devices.js';
import { registerHubCommands } from './commands/hub.js';
import { registerKvCommands } from './commands/kv.js';
import { examples, intOption } from './commands/shared.js';
import { registerStatusCommands } from './commands/status.js';
import { registerWatchCommand } from './commands/watch.js';
import type { Io } from './context.js';
import { readEnv } from './env.js';
import { ExitCode, exitCodeOf, formatError } from './errors.js';
import { Runtime } from './runtime.js';

/** The program: global options, every command, one-line errors. */
export function buildProgram(rt: Runtime): Command {
  const program = new Command('cache-cli')
    .description(
      'Operate the device cache: devices, readings, statistics, health and the tenant key/value cache.',
    )
    .version(pkg.version, '-V, --version')
    .option('--api-url <url>', 'REST API base URL (env CACHE_API_URL; default http://localhost:8080)')
    .option('--token <token>', 'API bearer token (env CACHE_API_TOKEN)')
    .option('--redis-url <url>', 'talk to Redis directly instead of the API (env REDIS_URL)')
    .option('--key-prefix <prefix>', "the deployment's KEY_PREFIX (Redis only)")
    .option('--config <path>', 'config file (default $XDG_CONFIG_HOME/cache-cli/config.json)')
    .option('--json', 'print JSON (for scripts)')
    .option('--ndjson', 'print one JSON document per line (lists stream)')
    .option('--no-color', 'no colours (also off when stdout is not a terminal or NO_COLOR is set)')
    .option('--timeout <ms>', 'per-request timeout in milliseconds', intOption(1))
    .option('-v, --verbose', 'on errors, print the stack and causes')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      writeOut: (text) => rt.io.stdout.write(text),
      writeErr: (text) => rt.io.stderr.write(text),
      // Commander's own usage errors, as one line like every other error.
      outputError: (text, write) =>
        write(
          `cache-cli: ${text
            .replace(/^error: /, '')
            .trim()
            .split('\n')
            .join(' ')} (see --help)\n`,
        ),
    })
    .exitOverride()
    .addHelpText(
      'after',
      `${examples([
        ['cache-cli list --all --json', 'every device id, as one JSON document'],
        ['cache-cli get 282c02424eed --readings', 'metadata and latest readings of a device'],
        ['cache-cli --redis-url redis://localhost:6379 info', 'statistics straight from Redis'],
        ['CACHE_API_URL=https://cache.example.com cache-cli health', 'probe a deployed API'],
        ['cache-cli kv clear-tenant --tenant acme --dry-run', 'what clearing a tenant would delete'],
        ['cache-cli devices future', 'devices stamped in the future (then: devices reset <id>)'],
      ])}
Exit status: 0 ok, 1 failure, 2 usage error (or a refused confirmation), 3 not found.
Run "cache-cli <command> --help" for the options and examples of each command.
`,
    );
  registerDeviceCommands(program, rt);
  registerDeviceAdminCommands(program, rt);
  registerStatusCommands(program, rt);
  registerKvCommands(program, rt);
  registerConfigCommands(program, rt);
  registerWatchCommand(program, rt);
  registerHubCommands(program, rt);
  return program;
}

/** Runs one command line; resolves with the exit code (never throws). */
export async function run(argv: readonly string[], io: Io): Promise<number> {
  const rt = new Runtime(io);
  const program = buildProgram(rt);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return rt.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; anything else commander rejects is a usage error (already printed).
      return error.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    }
    io.stderr.write(`${formatError(error, program.opts().verbose === true)}\n`);
    return exitCodeOf(error);
  } finally {
    await rt.close();
  }
}

/** True when this module is the program being run (`node dist/main.js`, or the `cache-cli` bin link). */
function isEntry(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntry()) {
  // `cache-cli … | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(ExitCode.OK);
    throw error;
  });
  const code = await run(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: readEnv(),
  });
  // Exit once stdout has flushed: a backend connection still reconnecting must not keep us alive.
  process.exitCode = code;
  process.stdout.write('', () => process.exit(code));
}
