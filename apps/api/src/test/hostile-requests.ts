/**
 * fast-check arbitraries of hostile HTTP requests over the route table: every route's path with
 * its parameters replaced by friendly and hostile values (percent-encoded or raw), queries, headers
 * and bodies (deep nesting, huge key counts, control characters, invalid JSON, wrong content types,
 * oversized), plus paths and methods that match no route.
 */
import fc from 'fast-check';
import { PARAM, type PathParam } from '../route-table/params.js';
import type { AnyRoute } from '../route-table/route.js';
import { bodies, CURSORS, encode, GLOBS, type HostileOptions, hostileText } from './hostile-values.js';

export type { HostileOptions } from './hostile-values.js';

export interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /**
   * `METHOD /path/{param}` of the route that surely answers (its method, every parameter
   * percent-encoded and not a word a fixed route of the table uses), so its documented answer can
   * be checked; else undefined.
   */
  route?: string;
}

function paramValues(param: PathParam, o: HostileOptions): fc.Arbitrary<string> {
  if (param === PARAM.deviceId) return fc.oneof(fc.constantFrom(...o.deviceIds), hostileText(300));
  if (param === PARAM.key) return fc.oneof(fc.constantFrom(...o.keys), hostileText(600));
  if (param === PARAM.pattern) return GLOBS;
  if (param === PARAM.tenantId) return fc.oneof(fc.constantFrom(...o.tenants), hostileText(80));
  return fc.oneof(fc.constantFrom('T', 'P', 'U', ''), hostileText(80));
}

/** One path segment: percent-encoded, or raw where that can still travel in a request line. */
const encodedSegment = (value: fc.Arbitrary<string>) =>
  fc.tuple(value, fc.nat(9)).map(([v, n]) => {
    if (n > 1 || /[\u0000-\u0020\u007f-\uffff]/.test(v)) return { text: encode(v), value: v, encoded: true };
    return { text: v, value: v, encoded: false }; // raw: `%zz`, `?`, `#`, `/`, `..` as they are
  });
const segment = (value: fc.Arbitrary<string>) => encodedSegment(value).map((s) => s.text);

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
function routeRequest(
  route: AnyRoute,
  o: HostileOptions,
  fixedWords: ReadonlySet<string>,
): fc.Arbitrary<HostileRequest> {
  const segments = route.path
    .split('/')
    .slice(1)
    .map((s) => {
      const m = /^\{(\w+)\}$/.exec(s);
      return m
        ? encodedSegment(paramValues((route.params as Record<string, PathParam>)[m[1]!]!, o))
        : fc.constant({ text: s, value: s, encoded: true });
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
    .map(({ segments: s, query: q, headers: h, body, method }) => {
      const sure =
        method === route.method &&
        s.every(
          (x, i) =>
            x.encoded &&
            x.value !== '' &&
            x.value !== '.' &&
            x.value !== '..' &&
            (!route.path.split('/')[i + 1]!.startsWith('{') || !fixedWords.has(x.value)),
        );
      return {
        method,
        path: `/${s.map((x) => x.text).join('/')}${q}`,
        headers: h,
        body: method === 'GET' || method === 'HEAD' ? undefined : body,
        route: sure ? `${route.method} ${route.path}` : undefined,
      };
    });
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
  const fixedWords = new Set(routes.flatMap((r) => r.path.split('/').filter((w) => !w.startsWith('{'))));
  return fc.oneof(
    { weight: 6, arbitrary: fc.oneof(...routes.map((r) => routeRequest(r, o, fixedWords))) },
    { weight: 1, arbitrary: strayRequest(o) },
  );
}
