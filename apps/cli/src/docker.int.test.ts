/**
 * What CI can check of docker/ without a Docker engine: the compose file (parsed, and validated by
 * docker-compose when installed), each Dockerfile (stages, user, healthcheck, pnpm version, every
 * COPY source in the build context), and each app deployed with the Dockerfile's own `pnpm deploy`
 * command, then started with the Dockerfile's CMD and probed with its HEALTHCHECK.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, type RedisServer, startRedis } from '@org/cache-testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  copySources,
  type Dockerfile,
  dockerIgnore,
  envPairs,
  execForm,
  type Instruction,
  parseDockerfile,
  substitute,
} from './test/dockerfile.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'cache-docker-check-'));
const ignored = dockerIgnore(read('.dockerignore'));
const pnpmVersion = JSON.parse(read('package.json')).packageManager.split('@')[1] as string;

interface AppSpec {
  app: 'ingestor' | 'api' | 'cli';
  pkg: string;
  dir: string;
  /** The compose service built from this Dockerfile. */
  service: string;
}

const APPS: AppSpec[] = [
  { app: 'ingestor', pkg: '@org/cache-ingestor', dir: 'apps/ingestor', service: 'ingestor' },
  { app: 'api', pkg: '@org/cache-api', dir: 'apps/api', service: 'api' },
  { app: 'cli', pkg: '@org/cache-cli', dir: 'apps/cli', service: 'cli' },
];

const dockerfileOf = (app: string): Dockerfile => parseDockerfile(read(`docker/${app}.Dockerfile`));
const finalStage = (d: Dockerfile) => d.stages.at(-1)!;
const all = (d: Dockerfile, keyword: string): Instruction[] =>
  d.stages.flatMap((s) => s.instructions.filter((i) => i.keyword === keyword));
const last = (instructions: Instruction[], keyword: string) =>
  instructions.filter((i) => i.keyword === keyword).at(-1);

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[] | string;
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
  profiles?: string[];
}
const compose = parseYaml(read('docker/compose.yaml')) as {
  name?: string;
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};

let redis: RedisServer;
const children: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await redis?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('docker/compose.yaml', () => {
  const s = compose.services;

  it('has the whole stack, and the CLI only under the tools profile', () => {
    expect(Object.keys(s).sort()).toEqual(['api', 'cli', 'ingestor', 'kafka', 'kafka-init', 'redis']);
    expect(s.cli!.profiles).toEqual(['tools']);
    for (const name of ['redis', 'kafka', 'ingestor', 'api']) expect(s[name]!.profiles, name).toBeUndefined();
  });

  it('runs Redis 7 with AOF on a named volume', () => {
    expect(s.redis!.image).toMatch(/^redis:7/);
    expect((s.redis!.command as string[]).join(' ')).toContain('--appendonly yes');
    expect(s.redis!.volumes).toContain('redis-data:/data');
  });

  it('runs a single-node KRaft Kafka with its data on a volume, and creates the topics', () => {
    const env = s.kafka!.environment!;
    expect(s.kafka!.image).toBe('apache/kafka:3.9.0');
    expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(env.KAFKA_ADVERTISED_LISTENERS).toContain('PLAINTEXT://kafka:9092');
    expect(env.CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(s.kafka!.volumes).toContain(`kafka-data:${env.KAFKA_LOG_DIRS}`);
    const init = (s['kafka-init']!.command as string[]).join('\n');
    for (const topic of ['iot_validated_data', 'iot_errors']) expect(init).toContain(topic);
  });

  it('wires the ingestor to Kafka and Redis, the API to Redis on 8080, the CLI to the API', () => {
    expect(s.ingestor!.environment).toMatchObject({
      KAFKA_BOOTSTRAP_SERVERS: 'kafka:9092',
      REDIS_HOST: 'redis',
    });
    expect(s.api!.environment).toMatchObject({
      API_PORT: '8080',
      REDIS_URL: expect.stringMatching(/^redis:\/\/redis:6379/),
    });
    expect(s.api!.ports).toContain('127.0.0.1:8080:8080');
    expect(s.cli!.environment).toMatchObject({ CACHE_API_URL: 'http://api:8080' });
  });

  it('sets only variables the apps read', () => {
    const known = (file: string) => read(file);
    for (const [service, envFile] of [
      ['ingestor', 'apps/ingestor/src/env.ts'],
      ['api', 'apps/api/src/env.ts'],
      ['cli', 'apps/cli/src/env.ts'],
    ] as const) {
      if (!existsSync(join(root, envFile))) continue;
      const text = known(envFile);
      for (const name of Object.keys(s[service]!.environment ?? {}))
        expect(text, `${service} ${name}`).toContain(name);
    }
  });

  it('declares every named volume, depends only on services it has, and probes every long-running service', () => {
    for (const service of Object.values(s)) {
      for (const v of service.volumes ?? []) expect(Object.keys(compose.volumes)).toContain(v.split(':')[0]);
      for (const dep of Object.keys(service.depends_on ?? {})) expect(Object.keys(s)).toContain(dep);
    }
    for (const name of ['redis', 'kafka', 'ingestor', 'api']) {
      const service = s[name]!;
      const fromImage = service.build
        ? all(parseDockerfile(read(service.build.dockerfile)), 'HEALTHCHECK').some((h) => h.args !== 'NONE')
        : false;
      expect(service.healthcheck !== undefined || fromImage, name).toBe(true);
    }
    for (const { service, app } of APPS) {
      expect(s[service]!.build).toEqual({ context: '..', dockerfile: `docker/${app}.Dockerfile` });
    }
  });

  const composeBin = ['docker-compose', 'docker'].find((bin) => {
    try {
      execFileSync(bin, bin === 'docker' ? ['compose', 'version'] : ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });

  it.skipIf(composeBin === undefined)(
    `is valid for ${composeBin ?? 'docker compose (not installed)'}`,
    async () => {
      let file = join(root, 'docker/compose.yaml');
      if (composeBin === 'docker-compose') {
        // Compose v1 (Debian's docker-compose) predates the top-level `name` of the Compose spec.
        file = join(root, 'docker', `.compose-v1-check-${process.pid}.yaml`);
        writeFileSync(file, read('docker/compose.yaml').replace(/^name: .*\n/m, ''));
      }
      try {
        const args =
          composeBin === 'docker' ? ['compose', '-f', file, 'config', '-q'] : ['-f', file, 'config', '-q'];
        await run(composeBin!, args, {
          cwd: root,
          env: { ...process.env, API_TOKENS: '', CACHE_API_TOKEN: '' },
        });
      } finally {
        if (composeBin === 'docker-compose') rmSync(file, { force: true });
      }
    },
  );
});

describe.each(APPS)('the Dockerfile of $app', ({ app, pkg, dir }) => {
  const dockerfile = dockerfileOf(app);
  const exists = existsSync(join(root, dir, 'package.json'));

  it('is multi-stage on node:24-slim, runs as a non-root user, has a HEALTHCHECK', () => {
    expect(dockerfile.stages.length).toBeGreaterThanOrEqual(2);
    const base = substitute(finalStage(dockerfile).from, dockerfile.globalArgs);
    expect(base).toBe('node:24-slim');
    const user = last(finalStage(dockerfile).instructions, 'USER');
    expect(user?.args).toBeDefined();
    expect(['root', '0']).not.toContain(user!.args.split(':')[0]);
    expect(last(finalStage(dockerfile).instructions, 'HEALTHCHECK')).toBeDefined();
  });

  it(`installs pnpm ${pnpmVersion} (the packageManager version) and deploys ${pkg}`, () => {
    const build = dockerfile.stages[0]!;
    const pinned = build.instructions.find((i) => i.keyword === 'ARG' && i.args.startsWith('PNPM_VERSION='));
    expect(pinned?.args).toBe(`PNPM_VERSION=${pnpmVersion}`);
    const runs = build.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs).toContain('pnpm install --offline --frozen-lockfile');
    expect(runs).toContain(`pnpm --filter ${pkg} deploy --legacy --prod /out`);
    expect(runs.some((r) => r.includes(`"${pkg}..."`) && r.includes('run build'))).toBe(true);
  });

  it('copies only paths that exist and that .dockerignore keeps', () => {
    const copies = all(dockerfile, 'COPY').map((c) => copySources(c.args));
    expect(copies.length).toBeGreaterThan(0);
    for (const { sources, fromStage } of copies) {
      if (fromStage !== null) {
        expect(dockerfile.stages.map((st) => st.name)).toContain(fromStage);
        continue;
      }
      for (const source of sources) {
        expect(existsSync(join(root, source)), source).toBe(true);
        if (source !== '.') expect(ignored(source), `${source} is excluded by .dockerignore`).toBe(false);
      }
    }
    // The context keeps what the build needs and drops what the host built.
    expect(ignored(`${dir}/package.json`)).toBe(false);
    expect(ignored('packages/client/src/index.ts')).toBe(false);
    expect(ignored(`${dir}/node_modules/x`)).toBe(true);
    expect(ignored(`${dir}/dist/main.js`)).toBe(true);
    expect(ignored('.git/HEAD')).toBe(true);
  });

  it.skipIf(!exists)(
    'deploys to a runnable folder: the CMD starts and the HEALTHCHECK passes',
    async () => {
      const out = join(work, app);
      // The Dockerfile's own command, with /out replaced by a temp folder.
      const deploy = all(dockerfile, 'RUN')
        .map((i) => i.args)
        .find((r) => r.includes(' deploy '))!;
      const argv = deploy.replace('/out', out).split(' ');
      // Offline first (the store and metadata cache of the install are enough, and quick); online
      // when this machine has never resolved these packages.
      await run(argv[0]!, [...argv.slice(1), '--offline'], { cwd: root, timeout: 60_000 }).catch(async () => {
        rmSync(out, { recursive: true, force: true });
        await run(argv[0]!, argv.slice(1), { cwd: root, timeout: 120_000 });
      });
      const final = finalStage(dockerfile).instructions;
      const entry = [
        ...(last(final, 'ENTRYPOINT') ? execForm(last(final, 'ENTRYPOINT')!.args) : []),
        ...(last(final, 'CMD') ? execForm(last(final, 'CMD')!.args) : []),
      ].map((a) => a.replace(/^\/app\//, `${out}/`));
      expect(entry[0]).toBe('node');
      expect(existsSync(resolve(out, entry[1]!)), `${entry[1]} in the deployed folder`).toBe(true);

      const imageEnv = Object.assign(
        {},
        ...final.filter((i) => i.keyword === 'ENV').map((i) => envPairs(i.args)),
      );
      const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: work, ...imageEnv };
      if (app === 'cli') {
        const { stdout } = await run(process.execPath, entry.slice(1), { cwd: out, env });
        expect(stdout).toContain('Usage: cache-cli');
        return;
      }
      const port = String(await freePort());
      if (app === 'api') Object.assign(env, { API_PORT: port, API_HOST: '127.0.0.1', REDIS_URL: redis.url });
      if (app === 'ingestor') {
        Object.assign(env, {
          HEALTH_PORT: port,
          HEALTH_HOST: '127.0.0.1',
          REDIS_URL: redis.url,
          KAFKA_BOOTSTRAP_SERVERS: `127.0.0.1:${await freePort()}`, // no broker: still alive, retrying
        });
      }
      env.LOG_LEVEL = 'fatal';
      const child = spawn(process.execPath, entry.slice(1), { cwd: out, env, stdio: 'ignore' });
      children.push(child);
      const health = execForm(last(final, 'HEALTHCHECK')!.args.replace(/^(--\S+\s+)*CMD\s+/, ''));
      expect(health[0]).toBe('node');
      const deadline = Date.now() + 30_000;
      let ok = false;
      while (!ok && Date.now() < deadline && child.exitCode === null) {
        ok = await run(process.execPath, health.slice(1), { cwd: out, env }).then(
          () => true,
          () => false,
        );
        if (!ok) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(child.exitCode, 'the app exited').toBeNull();
      expect(ok, 'HEALTHCHECK passed').toBe(true);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    },
    150_000,
  );
});
