/**
 * fast-check arbitraries of hostile HTTP requests over the route table: every route's path with
 * its parameters replaced by friendly and hostile values (percent-encoded or raw), queries, headers
 * and bodies (deep nesting, huge key counts, control characters, invalid JSON, wrong content types,
 * oversized), plus paths and methods that match no route.
 */
import fc from 'fast-check';
import { PARAM, type PathParam } from '../route-table/params.js';
import type { AnyRoute } from '../route-table/route.js';

export interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface HostileOptions {
  token: string;
  /** Ids and keys that exist, so that some requests find something. */
  deviceIds: readonly string[];
  keys: readonly string[];
  tenants: readonly string[];
  maxBodyBytes: number;
}

const CONTROL = fc.constantFrom('\u0000', '\u0001', '\n', '\r', '\t', '\u001b', '\u007f', '\u0085', '\u009f');
const ODD = fc.constantFrom(
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
const hostileText = (maxLength: number) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({ unit: fc.oneof(ODD, CONTROL, fc.constantFrom('a', 'é', '😀', '\ud800')), maxLength }),
    fc.integer({ min: maxLength - 2, max: maxLength + 40 }).map((n) => 'x'.repeat(Math.max(0, n))),
  );

const GLOBS = fc.oneof(
  fc.constantFrom('*', '?', 'dev-*', '[a-z]*', '[z-a]', '[', '[]', '[!a]', '\\', 'a\\', '**', '*[', '[a-'),
  fc.integer({ min: 1, max: 300 }).map((n) => `${'*?'.repeat(n)}Z`),
  fc.constant(`${'*?'.repeat(255)}*Z`),
  hostileText(600),
);

const CURSORS = fc.oneof(
  fc.constantFrom('abc', '0', '-1', '1e3', '99999999999999999999999', '', '%00', 'eyJ4IjoxfQ'),
  hostileText(2_000),
);

function paramValues(param: PathParam, o: HostileOptions): fc.Arbitrary<string> {
  if (param === PARAM.deviceId) return fc.oneof(fc.constantFrom(...o.deviceIds), hostileText(300));
  if (param === PARAM.key) return fc.oneof(fc.constantFrom(...o.keys), hostileText(600));
  if (param === PARAM.pattern) return GLOBS;
  if (param === PARAM.tenantId) return fc.oneof(fc.constantFrom(...o.tenants), hostileText(80));
  return fc.oneof(fc.constantFrom('T', 'P', 'U', ''), hostileText(80));
}

/** Percent-encoding that also carries lone surrogates (as the invalid UTF-8 bytes `%ED%A0%80`). */
const encode = (v: string) =>
  v
    .replace(/\p{Cs}/gu, '\u0000LONE\u0000')
    .split('\u0000LONE\u0000')
    .map(encodeURIComponent)
    .join('%ED%A0%80');

/** One path segment: percent-encoded, or raw where that can still travel in a request line. */
const segment = (value: fc.Arbitrary<string>) =>
  fc.tuple(value, fc.nat(9)).map(([v, n]) => {
    if (n > 1 || /[\u0000-\u0020\u007f-\uffff]/.test(v)) return encode(v);
    return v; // raw: `%zz`, `?`, `#`, `/`, `..` as they are
  });

/** Deeply nested JSON text (never built with JSON.stringify: it would be too deep for it). */
const deepJson = fc
  .integer({ min: 20, max: 20_000 })
  .chain((depth) =>
    fc.constantFrom(
      `${'['.repeat(depth)}1${']'.repeat(depth)}`,
      `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
      `${'['.repeat(depth)}`,
    ),
  );

const manyKeys = fc.integer({ min: 60, max: 6_000 }).map((n) => {
  const o: Record<string, number> = {};
  for (let i = 0; i < n; i++) o[`k${i}`] = i;
  return o;
});

function reading(o: HostileOptions): fc.Arbitrary<unknown> {
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
function bodies(o: HostileOptions): fc.Arbitrary<string | undefined> {
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

function query(route: AnyRoute | null): fc.Arbitrary<string> {
  const pairs = fc.array(
    fc.oneof(
      fc.tuple(
        fc.constantFrom('limit', 'offset'),
        fc.oneof(fc.integer({ min: -5, max: 2_000 }).map(String), hostileText(10)),
      ),
      fc.tuple(fc.constant('cursor'), CURSORS),
      fc.tuple(fc.constant('pattern'), GLOBS),
      fc.tuple(fc.constant('sort'), fc.constantFrom('id', 'updated', 'name')),
      fc.tuple(
        fc.constantFrom('updated_since', 'after'),
        fc.oneof(fc.constantFrom('0', '1750000000000', '2025-06-25T08:57:34Z', 'tomorrow'), hostileText(70)),
      ),
      fc.tuple(hostileText(10), hostileText(10)),
    ),
    { maxLength: route?.query ? 4 : 1 },
  );
  return pairs.map((ps) =>
    ps.length === 0 ? '' : `?${ps.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&')}`,
  );
}

function headers(o: HostileOptions): fc.Arbitrary<Record<string, string>> {
  return fc
    .record({
      authorization: fc.oneof(
        { weight: 12, arbitrary: fc.constant(`Bearer ${o.token}`) },
        {
          weight: 1,
          arbitrary: fc.constantFrom('Bearer wrong-token', 'Basic abc', 'Bearer ', 'bearer x.y.z'),
        },
        { weight: 1, arbitrary: fc.constant(undefined) },
      ),
      'x-tenant-id': fc.oneof(
        { weight: 8, arbitrary: fc.constantFrom(...o.tenants) },
        { weight: 1, arbitrary: fc.constant(undefined) },
        {
          weight: 1,
          arbitrary: fc.string({ unit: fc.constantFrom('a', 'Z', '.', '-', '_', '!', ' '), maxLength: 80 }),
        },
      ),
      'content-type': fc.constantFrom(
        'application/json',
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        undefined,
      ),
      'if-none-match': fc.oneof(fc.constant(undefined), fc.constantFrom('*', '"x"', 'W/"1-a"')),
      'x-request-id': fc.oneof(
        fc.constant(undefined),
        fc.string({ unit: fc.constantFrom('a', '-', '<', ' '), maxLength: 200 }),
      ),
    })
    .map((h) => {
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(h)) if (v !== undefined && v.trim() !== '') out[k] = v;
      return out;
    });
}

/** A request to one route of the table, with hostile values where it takes input. */
function routeRequest(route: AnyRoute, o: HostileOptions): fc.Arbitrary<HostileRequest> {
  const segments = route.path
    .split('/')
    .slice(1)
    .map((s) => {
      const m = /^\{(\w+)\}$/.exec(s);
      return m
        ? segment(paramValues((route.params as Record<string, PathParam>)[m[1]!]!, o))
        : fc.constant(s);
    });
  return fc
    .record({
      segments: fc.tuple(...segments),
      query: query(route),
      headers: headers(o),
      body: bodies(o),
      method: fc.oneof(
        { weight: 9, arbitrary: fc.constant(route.method) },
        { weight: 1, arbitrary: fc.constantFrom('GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS') },
      ),
    })
    .map(({ segments: s, query: q, headers: h, body, method }) => ({
      method,
      path: `/${s.join('/')}${q}`,
      headers: h,
      body: method === 'GET' || method === 'HEAD' ? undefined : body,
    }));
}

/** Paths that match no route (or half of one). */
function strayRequest(o: HostileOptions): fc.Arbitrary<HostileRequest> {
  const prefixes = fc.constantFrom(
    '/',
    '/api',
    '/api/',
    '/api/devices/',
    '/api/v1/cache/',
    '/api/v2/cache/',
    '/api/admin/',
    '/health/',
    '/api/v2/cache/pattern/',
  );
  return fc
    .record({
      prefix: prefixes,
      rest: fc.array(segment(hostileText(40)), { maxLength: 4 }),
      method: fc.constantFrom('GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS'),
      headers: headers(o),
      body: bodies(o),
    })
    .map(({ prefix, rest, method, headers: h, body }) => ({
      method,
      path: `${prefix}${rest.join('/')}`,
      headers: h,
      body: method === 'GET' || method === 'HEAD' ? undefined : body,
    }));
}

/** Requests over every route of the table (each about equally often) and stray ones. */
export function hostileRequest(routes: readonly AnyRoute[], o: HostileOptions): fc.Arbitrary<HostileRequest> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.oneof(...routes.map((r) => routeRequest(r, o))) },
    { weight: 1, arbitrary: strayRequest(o) },
  );
}
