import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A `redis-server` child process on 127.0.0.1 that can be stopped and started again on the same port. */
export class RedisProcess {
  readonly port: number;
  readonly dir: string;
  readonly #args: string[];
  #child: ChildProcess | null = null;

  constructor(port: number, extraArgs: string[] = [], dir?: string) {
    this.port = port;
    this.dir = dir ?? mkdtempSync(join(tmpdir(), 'cache-redis-'));
    this.#args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--logfile',
      join(this.dir, 'redis.log'),
      ...extraArgs,
    ];
  }

  async start(): Promise<void> {
    if (this.#child) return;
    const child = spawn('redis-server', this.#args, { stdio: 'ignore' });
    this.#child = child;
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error) =>
        reject(
          new Error(
            `cannot run redis-server (${error.message}); install it (apt-get install redis-server) or set REDIS_URL`,
          ),
        ),
      );
      child.once('exit', (code) =>
        reject(new Error(`redis-server exited with ${code}; see ${this.dir}/redis.log`)),
      );
    });
    await Promise.race([waitForPing(this.port, 10_000), failed]);
    child.removeAllListeners('exit');
    child.on('exit', () => {
      if (this.#child === child) this.#child = null;
    });
  }

  /** Stops the server (SIGTERM by default; SIGKILL for a crash). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = null;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }

  async destroy(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Resolves once the server answers PING. */
export async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ping(port)) return;
    if (Date.now() > deadline)
      throw new Error(`redis on port ${port} did not answer PING within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.setTimeout(1000);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      answer += d.toString();
      if (answer.includes('\r\n')) {
        socket.destroy();
        resolve(answer.startsWith('+PONG'));
      }
    });
    socket.on('error', () => resolve(false));
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
