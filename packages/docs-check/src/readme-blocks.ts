/**
 * The code blocks of a Markdown file, and the shell commands of a shell block, as a reader would
 * copy them: one command per line, `\` continuations joined, `#` comments dropped.
 */

export interface CodeBlock {
  /** The fence's language (`sh`, `ts`, …), lower case; empty when none. */
  lang: string;
  /** The rest of the fence's info string (`no-test` opts a block out of the README check). */
  flags: string[];
  /** 1-based line of the opening fence. */
  line: number;
  text: string;
}

export interface ShellCommand {
  /** 1-based line in the Markdown file where the command starts. */
  line: number;
  text: string;
}

export const SHELL_LANGS = new Set(['sh', 'bash', 'shell', 'console']);

/** Every fenced block (``` or ~~~, at most 3 spaces of indent) in order. */
export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^ {0,3}(`{3,}|~{3,})\s*([^`]*)$/.exec(lines[i]!);
    if (!open) continue;
    const fence = open[1]!;
    const [lang = '', ...flags] = open[2]!.trim().split(/\s+/).filter(Boolean);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(lines[j]!);
      if (close && close[1]![0] === fence[0] && close[1]!.length >= fence.length) break;
      body.push(lines[j]!);
    }
    blocks.push({ lang: lang.toLowerCase(), flags, line: i + 1, text: body.join('\n') });
    i = j;
  }
  return blocks;
}

/** The line without its `#` comment (a `#` that starts a word outside quotes). */
export function stripComment(line: string): string {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = null;
    } else if (ch === '\\') i++;
    else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '#' && (i === 0 || /\s/.test(line[i - 1]!))) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}

/** The commands of a shell block (`firstLine`: the Markdown line of the block's first line). */
export function shellCommands(text: string, firstLine: number): ShellCommand[] {
  const commands: ShellCommand[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let command = stripComment(lines[i]!);
    while (command.endsWith('\\') && i + 1 < lines.length) {
      i++;
      command = `${command.slice(0, -1).trimEnd()} ${stripComment(lines[i]!).trim()}`;
    }
    if (command.trim()) commands.push({ line: firstLine + start, text: command.trim() });
  }
  return commands;
}
