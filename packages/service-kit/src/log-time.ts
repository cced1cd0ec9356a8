/**
 * The `time` field of every log line: `,"time":"<ISO 8601 UTC>"`, as pino's `isoTime` writes it,
 * formatted once per millisecond (a busy server logs tens of lines per millisecond; formatting a
 * date costs about 0.4 µs).
 */
let lastMs = -1;
let lastField = '';

export function isoTimeField(now = Date.now()): string {
  if (now !== lastMs) {
    lastMs = now;
    lastField = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastField;
}
