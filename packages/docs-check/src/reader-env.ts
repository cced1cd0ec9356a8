import { homedir } from 'node:os';
import { delimiter, join, resolve, sep } from 'node:path';

const ROOT_OF_THIS_CHECKOUT = resolve(import.meta.dirname, '../../..');

/** Settings of the machine that would change what a README line does; a reader's shell has none. */
const DROPPED =
  /^(npm_|PNPM_|TURBO_HASH|VITEST|REDIS_|KAFKA_|API_|CACHE_API_|KEY_PREFIX$|LOG_LEVEL$|NODE_OPTIONS$)/;

/**
 * The environment of a reader's shell: this machine's, without the project's Node, pnpm and
 * binaries on the PATH (the README's own `eval "$(./dev env)"` must put them there) and without
 * the test runner's settings. `CACHE_API_URL` points cache-cli at the API the check started (its
 * default is the README's http://localhost:8080); `XDG_CONFIG_HOME` is empty, so no cache-cli
 * config of the machine applies.
 */
export function readerEnv(options: {
  root: string;
  home: string;
  configHome: string;
  apiUrl: string;
}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!DROPPED.test(name)) env[name] = value;
  // The Node that ./dev installs (not a machine-wide one: its folder holds bash and curl too).
  const projectNode = join(
    process.env.NODE_PREFIX ?? join(homedir(), '.cache', 'device-cache', 'node24'),
    'bin',
  );
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter(
      (dir) =>
        dir !== '' &&
        !dir.includes(`node_modules${sep}.bin`) &&
        dir !== join(options.root, 'bin') &&
        dir !== join(ROOT_OF_THIS_CHECKOUT, 'bin') &&
        dir !== projectNode,
    )
    .join(delimiter);
  env.HOME = options.home;
  env.XDG_CONFIG_HOME = options.configHome;
  env.CACHE_API_URL = options.apiUrl;
  env.NO_COLOR = '1';
  env.TURBO_TELEMETRY_DISABLED = '1';
  return env;
}
