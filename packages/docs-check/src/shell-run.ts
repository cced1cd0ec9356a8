import { spawn } from 'node:child_process';

/** What one command of a block printed, and its exit code (null: not reached). */
export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

export interface BlockRun {
  results: CommandResult[];
  /** After the block: where `node` and `cache-cli` come from, Node's version, and the PATH. */
  tools: { node: string; cacheCli: string; nodeVersion: string; path: string };
  /** The whole output, for failure messages. */
  stdout: string;
  stderr: string;
}

const BEGIN = '@@@docs-check begin ';
const END = '@@@docs-check end ';
const TOOLS = '@@@docs-check tools ';

/**
 * Runs commands in one `bash` (so `eval "$(./dev env)"` changes the PATH of the lines after it),
 * stopping at the first that fails. `curl` is run with `--fail-with-body --silent --show-error
 * --max-time 30`: an HTTP error is a failed line, no progress meter mixes with the answer, and a
 * line that never ends (a stream) fails instead of hanging.
 */
export function runCommands(
  commands: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<BlockRun> {
  const script = [
    'set -o pipefail',
    'curl() { command curl --fail-with-body --silent --show-error --max-time 30 "$@"; }',
    // On every exit, also after a failed line: the next block starts from this PATH.
    `trap 'printf "\\n${TOOLS}%s|%s|%s|%s\\n" "$(command -v node)" "$(command -v cache-cli)" "$(node --version 2>/dev/null)" "$PATH"' EXIT`,
    ...commands.flatMap((command, i) => [
      `printf '\\n${BEGIN}${i}\\n'; printf '\\n${BEGIN}${i}\\n' >&2`,
      command,
      `__rc=$?; printf '\\n${END}${i} %s\\n' "$__rc"; [ "$__rc" = 0 ] || exit "$__rc"`,
    ]),
  ].join('\n');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd: options.cwd, env: options.env, stdio: 'pipe' });
    child.stdin.end();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(parse(commands.length, stdout, stderr));
    });
  });
}

function sections(text: string): Map<number, string> {
  const out = new Map<number, string>();
  const parts = text.split(new RegExp(`\\n${BEGIN}(\\d+)\\n`));
  for (let i = 1; i < parts.length; i += 2) {
    out.set(
      Number(parts[i]),
      parts[i + 1]!.replace(new RegExp(`\\n${END}[\\s\\S]*$|\\n${TOOLS}[\\s\\S]*$`), ''),
    );
  }
  return out;
}

function parse(count: number, stdout: string, stderr: string): BlockRun {
  const outs = sections(stdout);
  const errs = sections(stderr);
  const codes = new Map<number, number>();
  for (const m of stdout.matchAll(new RegExp(`${END}(\\d+) (\\d+)`, 'g')))
    codes.set(Number(m[1]), Number(m[2]));
  const results = Array.from({ length: count }, (_, i) => ({
    stdout: outs.get(i) ?? '',
    stderr: errs.get(i) ?? '',
    code: codes.get(i) ?? null,
  }));
  const [node = '', cacheCli = '', nodeVersion = '', path = ''] =
    new RegExp(`${TOOLS}(.*)`).exec(stdout)?.[1]?.split('|') ?? [];
  return { results, tools: { node, cacheCli, nodeVersion, path }, stdout, stderr };
}
