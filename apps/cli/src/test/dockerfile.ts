/** Just enough of Dockerfile and .dockerignore syntax to check the repository's files without a Docker engine. */

export interface Instruction {
  /** Upper case: FROM, RUN, COPY, ENV, ARG, USER, HEALTHCHECK, CMD, ENTRYPOINT… */
  keyword: string;
  args: string;
}

export interface Stage {
  from: string;
  name: string | null;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  globalArgs: Record<string, string>;
  stages: Stage[];
}

/** Splits a Dockerfile into stages of instructions (continuation lines joined, comments dropped). */
export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = [];
  let current = '';
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (current === '' && /^\s*#/.test(line)) continue;
    if (/^\s*#/.test(line)) continue; // a comment inside a continued instruction
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim() !== '') logical.push(current.trim());
    current = '';
  }
  const globalArgs: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of logical) {
    const match = /^(\S+)\s*(.*)$/s.exec(line)!;
    const keyword = match[1]!.toUpperCase();
    const args = match[2]!.replace(/\s+/g, ' ').trim();
    if (keyword === 'FROM') {
      const [, from, name] = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args) ?? [];
      stages.push({ from: from ?? args, name: name ?? null, instructions: [] });
    } else if (stages.length === 0) {
      if (keyword === 'ARG') {
        const [key, value = ''] = args.split('=');
        globalArgs[key!] = value;
      }
    } else {
      stages.at(-1)!.instructions.push({ keyword, args });
    }
  }
  return { globalArgs, stages };
}

/** `${NAME}` and `$NAME` replaced from `vars`. */
export const substitute = (text: string, vars: Record<string, string>): string =>
  text.replace(
    /\$\{(\w+)\}|\$(\w+)/g,
    (all, a: string | undefined, b: string | undefined) => vars[a ?? b!] ?? all,
  );

/** The exec form (`["node", "x.js"]`) as an argv. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error(`not the exec form: ${args}`);
  }
  return parsed;
}

/** `ENV A=1 B=2` (the `ENV A 1` legacy form is not used here). */
export function envPairs(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/(\w+)=("([^"]*)"|\S*)/g)) out[m[1]!] = m[3] ?? m[2]!;
  return out;
}

/** The sources of a `COPY` (not `--from`): every word but the options and the destination. */
export function copySources(args: string): { sources: string[]; fromStage: string | null } {
  const words = args.split(' ');
  const fromStage = words.find((w) => w.startsWith('--from='))?.slice('--from='.length) ?? null;
  const rest = words.filter((w) => !w.startsWith('--'));
  return { sources: rest.slice(0, -1), fromStage };
}

const globToRegExp = (pattern: string): RegExp => {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
};

/** A `.dockerignore` matcher: `**`, `*`, `?`, `!` exceptions, last match wins, a directory excludes its content. */
export function dockerIgnore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, re: globToRegExp(pattern) };
    });
  return (path: string) => {
    const parts = path.replace(/^\.?\/+/, '').split('/');
    let excluded = false;
    for (const rule of rules) {
      for (let n = 1; n <= parts.length; n++) {
        if (rule.re.test(parts.slice(0, n).join('/'))) {
          excluded = !rule.negate;
          break;
        }
      }
    }
    return excluded;
  };
}
