import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigUpdate, ControlAction } from '@org/cache-core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode, exitCodeOf } from '../errors.js';
import {
  controlActionOf,
  MAX_NATS_SERVERS,
  natsServersOf,
  readBoundedFile,
  readConfigUpdate,
  redactNatsUrl,
  subjectPrefixOf,
} from './hub-inputs.js';

const dir = mkdtempSync(join(tmpdir(), 'cache-cli-hub-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `f`; a throw must be a usage error (exit 2), never anything else. */
function usageOrValue<T>(f: () => T): T | null {
  try {
    return f();
  } catch (error) {
    expect(exitCodeOf(error), String(error)).toBe(ExitCode.USAGE);
    return null;
  }
}

describe('hub inputs', () => {
  it('NATS URLs: nats:// or tls://, at most 16; passwords never printed', () => {
    expect(natsServersOf('nats://a:4222, tls://b:4443', '--nats')).toEqual(['nats://a:4222', 'tls://b:4443']);
    for (const bad of [
      '',
      'http://a:1',
      'nats://',
      'ws://a:1',
      'nats://a b',
      Array(17).fill('nats://a:1').join(','),
    ]) {
      expect(() => natsServersOf(bad, '--nats'), bad).toThrow(/--nats/);
    }
    expect(redactNatsUrl('nats://user:secret@h:4222')).not.toContain('secret');
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 200 }), fc.webUrl()), (text) => {
        const servers = usageOrValue(() => natsServersOf(text, '--nats'));
        if (servers === null) return;
        expect(servers.length).toBeGreaterThan(0);
        expect(servers.length).toBeLessThanOrEqual(MAX_NATS_SERVERS);
        for (const s of servers) expect(s).toMatch(/^(nats|tls):\/\/\S+$/);
      }),
    );
  });

  it('subject prefix: the API rule', () => {
    expect(subjectPrefixOf('', 'p')).toBe('');
    expect(subjectPrefixOf('prod.eu-1.', 'p')).toBe('prod.eu-1.');
    for (const bad of ['prod', '.', 'a..', 'a.>.', '*.', `${'a'.repeat(64)}.`]) {
      expect(() => subjectPrefixOf(bad, 'p'), bad).toThrow();
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const prefix = usageOrValue(() => subjectPrefixOf(text, 'p'));
        if (prefix !== null) expect(prefix).toMatch(/^([A-Za-z0-9_-]+\.)*$/);
      }),
    );
  });

  it('actions: any tenant and pattern give an action the hub accepts, or a usage error', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('invalidate', 'clear-tenant', 'flush', 'reload' as const),
        fc.option(fc.oneof(fc.string({ maxLength: 70 }), fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/))),
        fc.option(fc.oneof(fc.string({ maxLength: 600 }), fc.string({ unit: 'binary', maxLength: 20 }))),
        (name, tenant, pattern) => {
          const action = usageOrValue(() =>
            controlActionOf(name as 'invalidate', {
              tenant: tenant ?? undefined,
              pattern: pattern ?? undefined,
            }),
          );
          if (action !== null) expect(ControlAction.safeParse(action).success).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('files: bounded, regular; a config file is what the hub schema accepts or a usage error', () => {
    const path = join(dir, 'c.json');
    writeFileSync(path, 'x'.repeat(11));
    expect(() => readBoundedFile(path, 10, 'file')).toThrow(/over 10 bytes/);
    expect(readBoundedFile(path, 11, 'file').bytes.toString()).toBe('x'.repeat(11));
    expect(() => readBoundedFile(dir, 10, 'file')).toThrow(/not a regular file/);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.anything().map((v) => JSON.stringify({ services: { acme: { cache_types: { t: v } } } }) ?? ''),
          fc.anything().map((v) => JSON.stringify({ default_ttl: v }) ?? ''),
          fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString('latin1')),
        ),
        (text) => {
          writeFileSync(path, text);
          const update = usageOrValue(() => readConfigUpdate(path));
          if (update !== null) expect(ConfigUpdate.safeParse(update).success).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
