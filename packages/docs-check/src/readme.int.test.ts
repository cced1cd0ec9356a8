/**
 * The root README, run as a reader would: the Quick start's `./dev start` (in the background, on a
 * free port), then every shell line in order, a block in one bash, each block with the PATH the
 * one before left (as in one terminal: `eval "$(./dev env)"` sets the PATH of the lines after it),
 * and the client snippet with the project's Node. The README's addresses and
 * placeholder files are rewritten (`readme-rules.ts`: localhost:8080 → the started API,
 * redis://localhost:6379 → a Redis of the test, my-backfill.ndjson → the sample messages); lines
 * that cannot run here (Docker, the whole suite) are listed as skipped with their reason.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fixturePath, type RedisServer, startRedis } from '@org/cache-testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devStart, type StartedApi } from './dev-start.js';
import { readerEnv } from './reader-env.js';
import { readmeSteps, runSnippet } from './readme-check.js';
import { expectSaneOutput } from './readme-expectations.js';
import { type Rewrites, rewrite } from './readme-rules.js';
import { runCommands } from './shell-run.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const README = join(ROOT, 'README.md');
const steps = readmeSteps(README);

describe('README.md, run against a started API', () => {
  let api: StartedApi;
  let redis: RedisServer;
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  let rewrites: Rewrites;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'docs-check-'));
    redis = await startRedis();
    const backfillFile = join(tmp, 'backfill.ndjson');
    copyFileSync(fixturePath('validated-output.ndjson'), backfillFile);
    const base = readerEnv({ root: ROOT, home: homedir(), configHome: join(tmp, 'config'), apiUrl: '' });
    api = await devStart(ROOT, base, 150_000);
    env = { ...base, CACHE_API_URL: api.url };
    rewrites = { apiUrl: api.url, redisUrl: redis.url, backfillFile, errorsFile: join(tmp, 'bad.ndjson') };
  });

  afterAll(async () => {
    await api?.stop();
    await redis?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('has runnable blocks: the Quick start, the usage lines and the client snippet', () => {
    const run = steps.flatMap((s) => (s.kind === 'shell' ? s.run.map((c) => c.text) : []));
    expect(run).toContain('eval "$(./dev env)"');
    expect(run.some((c) => c.startsWith('cache-cli '))).toBe(true);
    expect(run.some((c) => c.startsWith('cache-ingestor --from-file'))).toBe(true);
    expect(steps.some((s) => s.kind === 'typescript')).toBe(true);
  });

  for (const step of steps) {
    const where = `README.md:${step.block.line}`;
    if (step.kind === 'not run') {
      it.skip(`${where} ${step.block.lang} block: ${step.reason}`, () => {});
      continue;
    }
    if (step.kind === 'typescript') {
      it(`${where} TypeScript snippet runs with the project's Node and the built client`, () => {
        const r = runSnippet(step.block, { root: ROOT, dir: tmp, env, rewrites });
        expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
        expect(r.values, r.stdout).not.toBeNull();
        expectSaneOutput(`ts:${step.block.text}`, JSON.stringify(r.values));
      });
      continue;
    }
    for (const skipped of step.skipped) {
      it.skip(`README.md:${skipped.line} \`${skipped.text}\`: skipped, ${skipped.reason}`, () => {});
    }
    if (step.run.length === 0) continue;
    it(`${where} sh block: ${step.run.map((c) => c.text.split(' ')[0]).join(', ')}`, async () => {
      const commands = step.run.map((c) => rewrite(c.text, rewrites));
      const run = await runCommands(commands, { cwd: ROOT, env, timeoutMs: 150_000 });
      // The next block runs in the same terminal, as a reader's would: with this block's PATH.
      if (run.tools.path) env = { ...env, PATH: run.tools.path };
      step.run.forEach((command, i) => {
        const r = run.results[i]!;
        const label = `README.md:${command.line} \`${command.text}\``;
        expect(
          r.code,
          `${label}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\nthe block's stderr: ${run.stderr.slice(-3000)}`,
        ).toBe(0);
        expectSaneOutput(command.text, r.stdout, label);
      });
      if (step.run.some((c) => c.text.includes('./dev env'))) {
        // The lines after the eval ran the project's binaries and Node 24, not the machine's.
        expect(run.tools.cacheCli).toBe(join(ROOT, 'bin', 'cache-cli'));
        expect(run.tools.nodeVersion).toMatch(/^v24\./);
      }
    });
  }
});
