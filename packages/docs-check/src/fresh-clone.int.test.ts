/**
 * A newcomer's first minutes: a fresh `git clone` of the committed HEAD, an empty HOME, the
 * Quick start's `./dev start`, then the README's first usage block as written (`eval "$(./dev env)"`,
 * curl, cache-cli), from the clone's own README.
 *
 * Not downloaded again: Node 24 (`NODE_PREFIX` points at the machine's, which `./dev` would
 * otherwise install under the empty HOME) and the packages (`npm_config_store_dir`: the machine's
 * pnpm store, so the install only links). Everything else is the clone's own: the install, a full
 * build without any turbo cache, the binaries. Measured on the 2-core VM: about 40 s, so it runs
 * by default; `SKIP_FRESH_CLONE=1` leaves it out (for a quick local run).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { devStart, type StartedApi } from './dev-start.js';
import { readerEnv } from './reader-env.js';
import { readmeSteps } from './readme-check.js';
import { expectSaneOutput } from './readme-expectations.js';
import { rewrite } from './readme-rules.js';
import { runCommands } from './shell-run.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const NODE_MAJOR = process.versions.node.split('.')[0];

let tmp: string | undefined;
let api: StartedApi | undefined;

afterAll(async () => {
  await api?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

it.skipIf(process.env.SKIP_FRESH_CLONE === '1')(
  'a fresh clone with an empty HOME: ./dev start, then the usage lines as written',
  async () => {
    const started = Date.now();
    tmp = mkdtempSync(join(tmpdir(), 'docs-check-clone-'));
    const clone = join(tmp, 'device-cache');
    const home = join(tmp, 'home');
    mkdirSync(home);
    execFileSync('git', ['clone', '--quiet', ROOT, clone], { stdio: 'pipe' });
    const store = execFileSync('pnpm', ['store', 'path'], { cwd: ROOT, encoding: 'utf8' }).trim();

    const env = readerEnv({ root: clone, home, configHome: join(home, '.config'), apiUrl: '' });
    // The machine's Node 24 (this test runs on it) where ./dev looks for it, and its pnpm store.
    expect(NODE_MAJOR).toBe('24');
    env.NODE_PREFIX = dirname(dirname(process.execPath));
    env.npm_config_store_dir = store;

    api = await devStart(clone, env, 240_000);
    const startedIn = Date.now() - started;
    const usage = readmeSteps(join(clone, 'README.md')).find(
      (s) => s.kind === 'shell' && s.run.some((c) => c.text.includes('./dev env')),
    );
    expect(usage?.kind).toBe('shell');
    if (usage?.kind !== 'shell') return;
    const rewrites = { apiUrl: api.url, redisUrl: '', backfillFile: '', errorsFile: '' };
    const run = await runCommands(
      usage.run.map((c) => rewrite(c.text, rewrites)),
      { cwd: clone, env: { ...env, CACHE_API_URL: api.url }, timeoutMs: 120_000 },
    );
    usage.run.forEach((command, i) => {
      const r = run.results[i]!;
      const label = `README.md:${command.line} \`${command.text}\` in the fresh clone`;
      expect(r.code, `${label}\nstdout: ${r.stdout}\nstderr: ${run.stderr.slice(-3000)}`).toBe(0);
      expectSaneOutput(command.text, r.stdout, label);
    });
    expect(run.tools.cacheCli).toBe(join(clone, 'bin', 'cache-cli'));
    expect(run.tools.nodeVersion).toMatch(/^v24\./);
    console.log(
      `fresh clone: ./dev start answered after ${(startedIn / 1000).toFixed(1)} s, ` +
        `the usage lines ran by ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  },
  300_000,
);
