import { dockerEngineAvailable } from '../docker.js';
import { freePort } from '../ports.js';
import { RedisProcess } from './redis-process.js';

export interface RedisServer {
  /** `redis://127.0.0.1:PORT` */
  url: string;
  /** The spawned process (null when `REDIS_URL` or a container provides the server). */
  process: RedisProcess | null;
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  /** Extra redis-server arguments, e.g. `['--appendonly', 'yes']` to survive a restart. */
  args?: string[];
}

/**
 * A Redis for tests: `REDIS_URL` when set, else a `redis-server` spawned on a free port in a
 * temp dir, else a container when a Docker engine answers, else an error saying what to install.
 */
export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const external = process.env.REDIS_URL;
  if (external) return { url: external, process: null, stop: async () => {} };
  try {
    const proc = new RedisProcess(await freePort(), options.args);
    await proc.start();
    return { url: `redis://127.0.0.1:${proc.port}`, process: proc, stop: () => proc.destroy() };
  } catch (error) {
    if (!dockerEngineAvailable()) {
      throw new Error(
        `no Redis for tests: ${(error as Error).message}. Install redis-server, set REDIS_URL, or run a Docker engine.`,
      );
    }
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('redis:7-alpine')
      .withExposedPorts(6379)
      .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
      .start();
    return {
      url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`,
      process: null,
      stop: async () => {
        await container.stop();
      },
    };
  }
}
