/** Builds dist/main.js (the binary the child-process tests run) when it is missing or older than src. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const bin = join(root, 'dist', 'main.js');
  if (existsSync(bin) && statSync(bin).mtimeMs >= newestSource(join(root, 'src'))) return;
  const out = spawnSync('pnpm', ['exec', 'tsup'], { cwd: root, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`building the ingestor failed:\n${out.stdout}\n${out.stderr}`);
}
