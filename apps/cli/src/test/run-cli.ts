import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The built binary: tests run what users run. */
export const CLI_PATH = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
/** The API's built server entry (a dev dependency of this package, so turbo builds it first). */
export const API_BIN = fileURLToPath(new URL('../../../api/dist/bin/cache-api.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (throws with the output when it is not). */
  json<T = unknown>(): T;
}

export interface RunOptions {
  /** Extra environment (the child gets only PATH, HOME, XDG_CONFIG_HOME and these). */
  env?: Record<string, string>;
  /** Written to stdin, then closed; stdin is a pipe (never a TTY). */
  input?: string;
  timeoutMs?: number;
}

/** A clean environment: no CACHE_API_URL/REDIS_URL/NO_COLOR of the developer's shell leaks in. */
export function baseEnv(home: string): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: `${home}/.config` };
}

export async function runCli(
  home: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CliResult> {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    env: { ...baseEnv(home), ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return {
    code,
    stdout,
    stderr,
    json<T>() {
      try {
        return JSON.parse(stdout) as T;
      } catch {
        throw new Error(`stdout is not JSON (exit ${code}):\n${stdout}\nstderr:\n${stderr}`);
      }
    },
  };
}

export interface ApiProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the built `cache-api` on a free port over the given Redis and waits for /health/live. */
export async function startApiProcess(port: number, env: Record<string, string>): Promise<ApiProcess> {
  const child = spawn(process.execPath, [API_BIN], {
    env: {
      PATH: process.env.PATH ?? '',
      API_HOST: '127.0.0.1',
      API_PORT: String(port),
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`cache-api exited with ${child.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${url}/health/live`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`cache-api did not answer /health/live within 30 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
