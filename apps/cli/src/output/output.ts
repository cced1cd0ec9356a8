import { toJson, toNdjson } from './json.js';
import { Progress } from './progress.js';
import type { Style } from './style.js';

export type OutputMode = 'table' | 'json' | 'ndjson';

export interface OutStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** Where a command's results go: tables for people, `--json` / `--ndjson` for scripts; notes and progress on stderr. */
export class Output {
  readonly mode: OutputMode;
  readonly style: Style;
  readonly #stdout: OutStream;
  readonly #stderr: OutStream;

  constructor(mode: OutputMode, style: Style, stdout: OutStream, stderr: OutStream) {
    this.mode = mode;
    this.style = style;
    this.#stdout = stdout;
    this.#stderr = stderr;
  }

  get machine(): boolean {
    return this.mode !== 'table';
  }

  /** Prints `value` as JSON / NDJSON, or the text `table()` renders in table mode. */
  result(value: unknown, table: () => string): void {
    if (this.mode === 'json') this.line(toJson(value));
    else if (this.mode === 'ndjson') this.line(toNdjson(value));
    else {
      const text = table();
      if (text.length > 0) this.line(text);
    }
  }

  /** One NDJSON record, written as soon as it is known (streaming `list --all --ndjson`). */
  record(value: unknown): void {
    this.line(JSON.stringify(value));
  }

  line(text: string): void {
    this.#stdout.write(`${text}\n`);
  }

  /** A hint for people (next cursor, counts): stderr, so it never mixes with data; silent in machine modes. */
  note(text: string): void {
    if (!this.machine) this.#stderr.write(`${text}\n`);
  }

  /** A message that always goes to stderr (warnings, dry-run summaries in table mode). */
  warn(text: string): void {
    this.#stderr.write(`${text}\n`);
  }

  progress(label: string): Progress {
    return new Progress(this.#stderr, label);
  }
}
