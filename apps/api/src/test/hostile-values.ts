/**
 * fast-check arbitraries of hostile values for requests: texts with control characters, unicode,
 * path and glob metacharacters; globs; cursors; and JSON bodies shaped like each route's, or
 * hostile (deep nesting, huge key counts, invalid JSON, oversized).
 */
import fc from 'fast-check';

export interface HostileOptions {
  token: string;
  /** Ids and keys that exist, so that some requests find something. */
  deviceIds: readonly string[];
  keys: readonly string[];
  tenants: readonly string[];
  maxBodyBytes: number;
}

export const CONTROL = fc.constantFrom(
  '\u0000',
  '\u0001',
  '\n',
  '\r',
  '\t',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u009f',
);
export const ODD = fc.constantFrom(
  '.',
  '..',
  '/',
  '%',
  '%2F',
  '%zz',
  '?',
  '#',
  '&',
  '=',
  '+',
  ' ',
  '"',
  '\\',
  '[',
  ']',
  '*',
);

/** A string with hostile parts: control characters, unicode, path and glob metacharacters. */
export const hostileText = (maxLength: number) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: fc.oneof(ODD, CONTROL, fc.constantFrom('a', 'é', '😀', '\ud800')), maxLength }),
    fc.integer({ min: maxLength - 2, max: maxLength + 40 }).map((n) => 'x'.repeat(Math.max(0, n))),
  );

export const GLOBS = fc.oneof(
  fc.constantFrom('*', '?', 'dev-*', '[a-z]*', '[z-a]', '[', '[]', '[!a]', '\\', 'a\\', '**', '*[', '[a-'),
  fc.integer({ min: 1, max: 300 }).map((n) => `${'*?'.repeat(n)}Z`),
  fc.constant(`${'*?'.repeat(255)}*Z`),
  hostileText(600),
);

export const CURSORS = fc.oneof(
  fc.constantFrom('abc', '0', '-1', '1e3', '99999999999999999999999', '', '%00', 'eyJ4IjoxfQ'),
  hostileText(2_000),
);

/** Percent-encoding that also carries lone surrogates (as the invalid UTF-8 bytes `%ED%A0%80`). */
export const encode = (v: string) =>
  v
    .replace(/\p{Cs}/gu, '\u0000LONE\u0000')
    .split('\u0000LONE\u0000')
    .map(encodeURIComponent)
    .join('%ED%A0%80');

/** Deeply nested JSON text (never built with JSON.stringify: it would be too deep for it). */
export const deepJson = fc
  .integer({ min: 20, max: 20_000 })
  .chain((depth) =>
    fc.constantFrom(
      `${'['.repeat(depth)}1${']'.repeat(depth)}`,
      `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
      `${'['.repeat(depth)}`,
    ),
  );

export const manyKeys = fc.integer({ min: 60, max: 6_000 }).map((n) => {
  const o: Record<string, number> = {};
  for (let i = 0; i < n; i++) o[`k${i}`] = i;
  return o;
});

export function reading(o: HostileOptions): fc.Arbitrary<unknown> {
  return fc.record({
    device_id: fc.oneof(fc.constantFrom(...o.deviceIds), hostileText(300)),
    request_id: fc.oneof(fc.uuid(), fc.constant(null), hostileText(300)),
    timestamp: fc.oneof(
      fc
        .date({ min: new Date(0), max: new Date(4_000_000_000_000), noInvalidDate: true })
        .map((d) => d.toISOString()),
      fc.constantFrom('2025-06-25T08:57:34.618082', 'yesterday', '', '9999-12-31T23:59:59Z'),
    ),
    values: fc.oneof(fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 5 }), fc.constant('x')),
    labels: fc.oneof(fc.constant(null), fc.array(hostileText(20), { maxLength: 3 })),
    index: fc.oneof(fc.constantFrom('T', 'P', ''), hostileText(80)),
    metadata: fc.oneof(
      fc.constant(null),
      fc.record({
        datatype_id: fc.string(),
        datatype_name: fc.string(),
        extra: fc.jsonValue({ maxDepth: 3 }),
      }),
      manyKeys.map((k) => ({ datatype_id: 'a', datatype_name: 'b', ...k })),
    ),
  });
}

/** JSON bodies shaped like what each route takes, and hostile ones. */
export function bodies(o: HostileOptions): fc.Arbitrary<string | undefined> {
  const json = <T>(a: fc.Arbitrary<T>) => a.map((v) => JSON.stringify(v));
  const value = fc.oneof(fc.jsonValue({ maxDepth: 4 }), hostileText(50));
  const key = fc.oneof(fc.constantFrom(...o.keys), hostileText(600));
  const ttl = fc.oneof(
    fc.constant(undefined),
    fc.constant(null),
    fc.double({ min: -5, max: 400_000_000 }),
    fc.constant(0.0004),
  );
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('', '{', 'null', '[]', '{}', 'not json', '"x"', '1e999', '\u0000'),
    },
    { weight: 2, arbitrary: json(fc.record({ value, ttl })) },
    { weight: 2, arbitrary: json(fc.record({ key, value, ttl })) },
    { weight: 1, arbitrary: json(fc.record({ pattern: GLOBS })) },
    {
      weight: 2,
      arbitrary: json(
        fc.oneof(
          fc.record({ operation: fc.constant('get'), keys: fc.array(key, { maxLength: 20 }) }),
          fc.record({
            operation: fc.constant('set'),
            items: fc.array(fc.record({ key, value, ttl }), { maxLength: 5 }),
          }),
          fc.record({ operation: fc.constantFrom('delete', 'nope'), keys: fc.array(key, { maxLength: 5 }) }),
        ),
      ),
    },
    { weight: 1, arbitrary: json(fc.record({ scope: fc.constantFrom('tenant', 'all', 'everything', 1) })) },
    { weight: 2, arbitrary: json(fc.array(reading(o), { maxLength: 4 })) },
    {
      weight: 1,
      arbitrary: json(
        fc.record({
          device_ids: fc.array(fc.oneof(fc.constantFrom(...o.deviceIds), hostileText(300)), {
            maxLength: 30,
          }),
        }),
      ),
    },
    {
      weight: 2,
      arbitrary: json(
        fc.record({
          datatype_id: fc.string(),
          datatype_name: hostileText(20),
          last_updated: fc.oneof(
            fc.constant(undefined),
            fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          ),
          additional_properties: fc.oneof(
            fc.dictionary(hostileText(200), fc.jsonValue({ maxDepth: 3 })),
            manyKeys,
          ),
        }),
      ),
    },
    { weight: 1, arbitrary: deepJson.map((d) => `{"value":${d}}`) },
    {
      weight: 1,
      arbitrary: deepJson.map(
        (d) => `[{"device_id":"dev-0","timestamp":"2025-06-25T08:57:34Z","values":[${d}]}]`,
      ),
    },
    { weight: 1, arbitrary: deepJson },
    {
      weight: 1,
      arbitrary: fc.integer({ min: 1, max: 3 }).map((k) => `{"value":"${'x'.repeat(o.maxBodyBytes * k)}"}`),
    },
  );
}
