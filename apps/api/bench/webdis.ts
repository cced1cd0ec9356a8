/**
 * webdis (the Debian package) on the bench's Redis: the reference HTTP front of Redis the issue
 * measures against. Installed with apt when missing and running as root; otherwise skipped.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Webdis {
  port: number;
  pid: number | undefined;
  stop(): Promise<void>;
}

function available(): boolean {
  // webdis has no --help or --version (it would start with the default config): look it up instead
  return spawnSync('sh', ['-c', 'command -v webdis'], { stdio: 'ignore' }).status === 0;
}

/** Installs webdis with apt when possible; returns why not otherwise. */
export function ensureWebdis(): string | null {
  if (available()) return null;
  if (process.getuid?.() !== 0)
    return 'webdis is not installed and the bench is not root (apt-get install webdis)';
  const run = spawnSync('apt-get', ['install', '-y', 'webdis'], { stdio: 'ignore', timeout: 180_000 });
  return available() ? null : `apt-get install webdis failed (status ${run.status})`;
}

async function listening(port: number, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`webdis did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts webdis (one thread, like one Node process; `threads` to change) on a free port. */
export async function startWebdis(redisUrl: string, port: number, threads = 1): Promise<Webdis> {
  const url = new URL(redisUrl);
  const dir = mkdtempSync(join(tmpdir(), 'bench-webdis-'));
  const config = join(dir, 'webdis.json');
  writeFileSync(
    config,
    JSON.stringify({
      redis_host: url.hostname,
      redis_port: Number(url.port || 6379),
      http_host: '127.0.0.1',
      http_port: port,
      threads,
      pool_size: 20,
      daemonize: false,
      websockets: false,
      database: 0,
      verbosity: 0,
      logfile: join(dir, 'webdis.log'),
    }),
  );
  const child: ChildProcess = spawn('webdis', [config], { stdio: 'ignore' });
  await listening(port, 5_000);
  return {
    port,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
