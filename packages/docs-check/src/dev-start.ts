import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from '@org/cache-testkit';

export interface StartedApi {
  url: string;
  /** What `./dev start` printed (its build and the API's log). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * The Quick start's `./dev start`, as written, in `root`: it builds, then serves the API over the
 * embedded memory store with the demo devices. Only the address differs from the README's
 * (`API_PORT`: a free port, `API_HOST`: loopback), so that it never meets another server.
 */
export async function devStart(root: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<StartedApi> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn('./dev', ['start'], {
    cwd: root,
    env: { ...env, API_PORT: String(port), API_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group: stop() ends the build too if it is still running
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  const api: StartedApi = { url, output: () => output, stop: () => stopGroup(child) };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`./dev start exited with ${child.exitCode}:\n${output}`);
    try {
      const r = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(1_000) });
      if (r.ok) return api;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await api.stop();
  throw new Error(`./dev start did not answer on ${url} within ${timeoutMs} ms:\n${output}`);
}

async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid, 'SIGINT'); // what Ctrl-C sends
  const killed = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 10_000);
  await exited;
  clearTimeout(killed);
}
