/**
 * A pino destination for people: each JSON line pino writes becomes one readable line
 * (`20:31:02.123Z INFO  cache-api: message key=value …`, the error's stack indented below),
 * written to the target (a file descriptor stream, or the API's batched destination). The JSON
 * fields are the same as in the JSON format; only their presentation differs.
 */
export interface LineSink {
  write(text: string): unknown;
  flush?(cb?: (error?: Error) => void): void;
  flushSync?(): void;
}

/** Fields shown in the line's head, not repeated as `key=value`. */
const HEAD_FIELDS = new Set(['level', 'time', 'msg', 'service', 'pid', 'hostname']);
/** Longest rendering of one field's value; longer ones are cut with `…`. */
const MAX_FIELD_CHARS = 2_000;

export class PrettyDestination implements LineSink {
  readonly #target: LineSink;

  constructor(target: LineSink) {
    this.#target = target;
  }

  write(chunk: string): void {
    let out = '';
    for (const line of chunk.split('\n')) if (line !== '') out += `${formatLogLine(line)}\n`;
    if (out !== '') this.#target.write(out);
  }

  flush(cb?: (error?: Error) => void): void {
    if (this.#target.flush) this.#target.flush(cb);
    else {
      this.#target.flushSync?.();
      cb?.();
    }
  }

  flushSync(): void {
    this.#target.flushSync?.();
  }
}

const printable = (text: string): string =>
  text.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

const cut = (text: string): string =>
  text.length > MAX_FIELD_CHARS ? `${text.slice(0, MAX_FIELD_CHARS)}…` : text;

function renderValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** One pino JSON line as a readable line; a line that is not a JSON object is returned as it is. */
export function formatLogLine(line: string): string {
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return printable(line);
  }
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) return printable(line);
  const fields = entry as Record<string, unknown>;
  const time = typeof fields.time === 'string' ? fields.time.slice(11) : String(fields.time ?? '');
  const level = String(fields.level ?? '')
    .toUpperCase()
    .padEnd(5);
  const service = fields.service === undefined ? '' : `${String(fields.service)}: `;
  const parts = [`${time} ${level} ${service}${fields.msg === undefined ? '' : String(fields.msg)}`];
  let stack = '';
  for (const [key, value] of Object.entries(fields)) {
    if (HEAD_FIELDS.has(key) || value === undefined) continue;
    if (key === 'err' && value !== null && typeof value === 'object' && 'stack' in value) {
      const { stack: trace, ...rest } = value as Record<string, unknown>;
      if (typeof trace === 'string')
        stack = trace
          .split('\n')
          .map((l) => `\n    ${printable(cut(l))}`)
          .join('');
      parts.push(`err=${cut(renderValue(rest))}`);
      continue;
    }
    parts.push(`${key}=${cut(renderValue(value))}`);
  }
  return printable(parts.join(' ')) + stack;
}
