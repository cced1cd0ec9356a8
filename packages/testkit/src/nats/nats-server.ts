import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../ports.js';

/** Where the Debian package installs it; else `nats-server` on the PATH. */
const NATS_BINARY = existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : 'nats-server';

export interface NatsServer {
  /** `nats://127.0.0.1:PORT` */
  url: string;
  port: number;
  /** The JetStream store directory (kept across `restart`). */
  storeDir: string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s); the store is kept. */
  halt(): Promise<void>;
  /** Starts it again on the same port and store (after `halt`, or stops it first). */
  restart(): Promise<void>;
  /** Stops the server and removes its store. */
  stop(): Promise<void>;
}

/** Resolves when something accepts TCP connections on the port (within `timeoutMs`). */
async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms`);
}

/**
 * A real `nats-server` with JetStream for tests: `nats-server -js -sd <tmpdir> -p <free port>`,
 * listening on 127.0.0.1. `halt()` / `restart()` stop and start it keeping the store, to test
 * what survives a broker restart.
 */
export async function startNats(): Promise<NatsServer> {
  const port = await freePort();
  const storeDir = await mkdtemp(join(tmpdir(), 'nats-js-'));
  let child: ChildProcess | null = null;

  const launch = async () => {
    const proc = spawn(NATS_BINARY, ['-js', '-sd', storeDir, '-a', '127.0.0.1', '-p', String(port)], {
      stdio: 'ignore',
    });
    const failed = new Promise<never>((_, reject) => {
      proc.once('error', (error) =>
        reject(new Error(`cannot start nats-server (${error.message}); install the nats-server package`)),
      );
    });
    child = proc;
    await Promise.race([waitForPort(port, proc, 10_000), failed]);
  };

  const halt = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5_000);
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      proc.kill('SIGTERM');
    });
  };

  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    halt,
    restart: async () => {
      await halt();
      await launch();
    },
    stop: async () => {
      await halt();
      await rm(storeDir, { recursive: true, force: true });
    },
  };
}
