/**
 * Timestamps as the cache stores them: ISO 8601 in UTC with exactly six fraction digits
 * (`2025-06-25T08:57:34.618082Z`). Fixed width means that string order is time order, which the
 * Lua scripts rely on to decide "latest wins" without parsing dates.
 */

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** Width of a normalized timestamp. */
export const TIMESTAMP_WIDTH = 27;

/**
 * Parses an ISO 8601 date-time as Python's `isoformat()` writes it. A zone-less value is UTC.
 * Returns the normalized UTC string, or `null` when the text is not a valid date-time.
 */
export function normalizeTimestamp(text: string): string | null {
  const m = ISO.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const local = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(local);
  if (check.getUTCDate() !== day || check.getUTCFullYear() !== year) return null;
  const offset = zoneOffsetMinutes(zone);
  if (offset === null) return null;
  const utc = local - offset * 60_000;
  if (utc < Date.UTC(1, 0, 1) || utc >= Date.UTC(10_000, 0, 1)) return null;
  const micros = (frac + '000000').slice(0, 6);
  return `${new Date(utc).toISOString().slice(0, 19)}.${micros}Z`;
}

function zoneOffsetMinutes(zone: string): number | null {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2, 4) || '0');
  if (hours > 23 || minutes > 59) return null;
  return sign * (hours * 60 + minutes);
}

/** Epoch milliseconds of a normalized timestamp. */
export function timestampToMillis(normalized: string): number {
  return Date.parse(normalized.slice(0, 23) + 'Z');
}

/** Normalized timestamp of an epoch-milliseconds instant (or a Date). */
export function timestampFromMillis(ms: number | Date): string {
  const iso = (typeof ms === 'number' ? new Date(ms) : ms).toISOString();
  return `${iso.slice(0, 23)}000Z`;
}
