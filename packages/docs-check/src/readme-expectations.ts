import { expect } from 'vitest';

/**
 * What a README line must print beyond exiting 0, by what the line is (the README's sample
 * devices and its own `user:1` entry). A line no rule names is held to the generic checks only:
 * exit 0, and for `curl`, a JSON answer that is not an error.
 */
interface Expectation {
  test: RegExp;
  check: (stdout: string) => void;
}

const json = (text: string) => JSON.parse(text) as Record<string, unknown> & { devices?: unknown[] };
const SAMPLE = '282c02424eed';

const EXPECTATIONS: readonly Expectation[] = [
  {
    test: /^curl \S*\/api\/devices\?limit=2$/,
    check: (out) => expect(json(out).devices).toHaveLength(2),
  },
  {
    test: /^curl \S*\/api\/devices$/,
    check: (out) => expect(JSON.stringify(json(out).devices)).toContain(`"device_id":"${SAMPLE}"`),
  },
  {
    test: /^curl \S*\/api\/devices\/282c02424eed\/readings$/,
    check: (out) => {
      const body = json(out) as { device_id?: string; readings?: { index: string }[] };
      expect(body.device_id).toBe(SAMPLE);
      expect(body.readings?.map((r) => r.index)).toContain('T');
    },
  },
  {
    test: /gw-lyon-01%2Fport-3/,
    check: (out) => expect(json(out).device_id).toBe('gw-lyon-01/port-3'),
  },
  {
    test: /^curl -X POST \S*\/api\/v1\/cache /,
    check: (out) => expect(json(out)).toMatchObject({ key: 'user:1', ttl: 300, tenant: 'acme' }),
  },
  {
    test: /^curl \S*\/api\/v1\/cache\/user:1 /,
    check: (out) => expect(json(out)).toMatchObject({ key: 'user:1', value: { name: 'Ada' } }),
  },
  { test: /^curl \S*\/health$/, check: (out) => expect(json(out).status).toBe('healthy') },
  { test: /^cache-cli list\b/, check: (out) => expect(out).toMatch(new RegExp(`^${SAMPLE}\\s`, 'm')) },
  {
    test: /^cache-cli get 282c02424eed --readings$/,
    check: (out) => {
      expect(out).toMatch(new RegExp(`device_id\\s+${SAMPLE}`));
      expect(out).toMatch(/^T\s+\d{4}-/m);
    },
  },
  { test: /^cache-cli info --json$/, check: (out) => expect(json(out).total_devices).toBeGreaterThan(0) },
  { test: /^cache-cli kv set user:1 /, check: (out) => expect(out).toMatch(/value\s+\{"name":"Ada"\}/) },
  { test: /^cache-cli kv clear-tenant .*--dry-run/, check: (out) => expect(out.trim()).toBe('user:1') },
  {
    test: /^(\w+=\S+ )*cache-ingestor --from-file \S*validated-output\.ndjson|backfill/,
    check: (out) => {
      const summary = json(out) as { read: number; written: number; invalid: number };
      expect(summary.read).toBeGreaterThan(0);
      expect(summary.written).toBeGreaterThan(0);
      expect(summary.invalid).toBe(0);
    },
  },
  {
    test: /^cache-ingestor --from-file \S*bad-messages\.ndjson --errors /,
    check: (out) => {
      const summary = json(out) as { read: number; written: number; invalid: number };
      expect(summary.read).toBeGreaterThan(0);
      expect(summary.invalid).toBe(summary.read);
    },
  },
  {
    test: /^cache-ingestor --replay-errors --from-file /,
    check: (out) => {
      const summary = json(out) as { records: number; replayed: number };
      expect(summary.records).toBeGreaterThan(0);
      expect(summary.replayed).toBe(summary.records);
    },
  },
  {
    test: /^cache-cli devices reset \S+ --dry-run/,
    // What would go (stdout; "nothing was removed" is on stderr).
    check: (out) => expect(out).toMatch(/^device_id\s+\S+\n[\s\S]*^indexes\s+\S/m),
  },
  {
    test: /^ts:/,
    check: (out) => {
      const values = json(out) as { meta?: { device_id?: string }; t?: { index?: string } };
      expect(values.meta?.device_id).toBe(SAMPLE);
      expect(values.t?.index).toBe('T');
    },
  },
];

/** Checks what a README line printed (`command`: the line as written, `ts:<code>` for a snippet). */
export function expectSaneOutput(command: string, stdout: string, label = command): void {
  const matched = EXPECTATIONS.filter((e) => e.test.test(command));
  try {
    if (/^curl\b/.test(command)) expect(json(stdout)).not.toHaveProperty('error');
    for (const e of matched) e.check(stdout);
  } catch (error) {
    throw new Error(`${label} printed what the README does not promise:\n${stdout.slice(0, 2000)}\n${error}`);
  }
}
