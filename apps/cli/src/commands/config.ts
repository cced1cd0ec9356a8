import type { Command } from 'commander';
import { describeTarget } from '../context.js';
import { renderKeyValue } from '../output/table.js';
import type { Runtime } from '../runtime.js';
import { examples } from './shared.js';

export function registerConfigCommands(program: Command, rt: Runtime): void {
  const config = program
    .command('config')
    .description('where the config file is and which settings are in effect')
    .addHelpText(
      'after',
      `
The config file is JSON, at $XDG_CONFIG_HOME/cache-cli/config.json (default
~/.config/cache-cli/config.json; $CACHE_CLI_CONFIG or --config choose another). Keys:
  apiUrl     base URL of the API          "http://localhost:8080"
  token      bearer token for the API
  redisUrl   talk to Redis directly       "redis://localhost:6379"
  keyPrefix  KEY_PREFIX of the deployment (Redis only)
  tenant     default --tenant of kv commands
  output     "table", "json" or "ndjson"
  limit      default page size of list (1-1000)
Flags win over the environment (CACHE_API_URL, CACHE_API_TOKEN, REDIS_URL), which wins over the file.
${examples([
  ['cache-cli config path', 'print the config file location'],
  ['cache-cli config show --json', 'the effective settings (token hidden)'],
])}`,
    );

  config
    .command('path')
    .description('print the location of the config file')
    .addHelpText(
      'after',
      examples([['cache-cli config path', 'e.g. /home/me/.config/cache-cli/config.json']]),
    )
    .action((_opts: unknown, cmd: Command) => {
      const ctx = rt.context(cmd);
      ctx.output.result({ path: ctx.loaded.path, exists: ctx.loaded.exists }, () => ctx.loaded.path);
    });

  config
    .command('show')
    .description('the effective settings and where the target comes from (the token is never printed)')
    .addHelpText(
      'after',
      examples([
        ['cache-cli config show', 'transport, target and where it comes from'],
        ['CACHE_API_URL=http://api:8080 cache-cli config show --json', 'check what the environment selects'],
      ]),
    )
    .action((_opts: unknown, cmd: Command) => {
      const ctx = rt.context(cmd);
      const target = ctx.target();
      const token = target.kind === 'http' && target.token !== undefined;
      const shown = {
        config_path: ctx.loaded.path,
        config_exists: ctx.loaded.exists,
        transport: target.kind,
        target: describeTarget(target),
        target_source: target.source,
        token: token ? 'set' : 'none',
        tenant: ctx.config.tenant ?? null,
        output: ctx.output.mode,
      };
      ctx.output.result(shown, () => renderKeyValue(Object.entries(shown), ctx.output.style));
    });
}
