import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type CodeBlock,
  codeBlocks,
  SHELL_LANGS,
  type ShellCommand,
  shellCommands,
} from './readme-blocks.js';
import { type Rewrites, rewrite, skipReason } from './readme-rules.js';

/** One step of a README, in order: a shell block's commands (some skipped), or a TypeScript snippet. */
export type ReadmeStep =
  | { kind: 'shell'; block: CodeBlock; run: ShellCommand[]; skipped: (ShellCommand & { reason: string })[] }
  | { kind: 'typescript'; block: CodeBlock }
  | { kind: 'not run'; block: CodeBlock; reason: string };

/** The steps of a Markdown file (blocks without a language are diagrams or output, not code). */
export function readmeSteps(path: string): ReadmeStep[] {
  const steps: ReadmeStep[] = [];
  for (const block of codeBlocks(readFileSync(path, 'utf8'))) {
    if (block.lang === '') continue;
    if (SHELL_LANGS.has(block.lang)) {
      const run: ShellCommand[] = [];
      const skipped: (ShellCommand & { reason: string })[] = [];
      for (const command of shellCommands(block.text, block.line + 1)) {
        const reason = skipReason(command.text, block.flags);
        if (reason) skipped.push({ ...command, reason });
        else run.push(command);
      }
      steps.push({ kind: 'shell', block, run, skipped });
    } else if ((block.lang === 'ts' || block.lang === 'typescript') && !block.flags.includes('no-test')) {
      steps.push({ kind: 'typescript', block });
    } else {
      steps.push({
        kind: 'not run',
        block,
        reason: block.flags.includes('no-test') ? 'marked no-test' : `a ${block.lang} block`,
      });
    }
  }
  return steps;
}

/**
 * Runs a TypeScript snippet with the project's Node (type stripping), importing the workspace's
 * built `@org/cache-client`, and prints the values it binds (`const x`, `const [x]`) as JSON.
 */
export function runSnippet(
  block: CodeBlock,
  options: { root: string; dir: string; env: NodeJS.ProcessEnv; rewrites: Rewrites },
): { code: number | null; stdout: string; stderr: string; values: Record<string, unknown> | null } {
  const dir = join(options.dir, `snippet-${block.line}`);
  mkdirSync(join(dir, 'node_modules', '@org'), { recursive: true });
  symlinkSync(join(options.root, 'packages', 'client'), join(dir, 'node_modules', '@org', 'cache-client'));
  const names = [...block.text.matchAll(/\bconst\s+(?:\[\s*(\w+)[^\]]*\]|(\w+))\s*=/g)].map(
    (m) => m[1] ?? m[2],
  );
  const print = `\nconsole.log('@@@values ' + JSON.stringify({ ${names.join(', ')} }));\n`;
  const file = join(dir, 'snippet.mts');
  writeFileSync(file, rewrite(block.text, options.rewrites) + print);
  const r = spawnSync(process.execPath, [file], {
    cwd: dir,
    env: options.env,
    encoding: 'utf8',
    timeout: 60_000,
  });
  const line = /@@@values (.*)/.exec(r.stdout)?.[1];
  return {
    code: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    values: line ? (JSON.parse(line) as Record<string, unknown>) : null,
  };
}
