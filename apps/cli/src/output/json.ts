/** Pretty JSON (two spaces) for `--json`. */
export const toJson = (value: unknown): string => JSON.stringify(value, null, 2);

/** One compact JSON document per line for `--ndjson`: each item of an array, or the value itself. */
export function toNdjson(value: unknown): string {
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => JSON.stringify(item)).join('\n');
}
