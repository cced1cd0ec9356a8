import type { AnyRoute, HttpMethod } from './route.js';

/** One segment of a route's path: fixed text, or a parameter. */
export type Segment = { fixed: string } | { param: string };

/** A route as mounted: its segments, by position. */
export interface Candidate {
  route: AnyRoute;
  segments: Segment[];
}

/**
 * One registration on the Hono router: a path pattern and the routes it serves. Usually one route
 * under its own parameter names. Hono's RegExpRouter (the fastest) refuses a fixed segment beside a
 * parameter at the same place (`/api/v2/cache/stats` beside `/api/v2/cache/{key}`): such routes
 * share one pattern whose parameters are named by position (`:s3`), and the request goes to the
 * first candidate whose fixed segments match (fixed ones before the parameter).
 */
export interface Mount {
  method: HttpMethod;
  pattern: string;
  candidates: Candidate[];
  /** Hono's parameter name of each segment (null: fixed in the pattern). */
  names: (string | null)[];
}

export function segmentsOf(path: string): Segment[] {
  return path
    .split('/')
    .slice(1)
    .map((s) => {
      const m = /^\{(\w+)\}$/.exec(s);
      return m ? { param: m[1]! } : { fixed: s };
    });
}

const WILD = '\u0000';

/** Plans the mounts of some routes: one per route unless fixed segments must join a parameter. */
export function planMounts(routes: readonly AnyRoute[]): Mount[] {
  const mounts: Mount[] = [];
  const methods = [...new Set(routes.map((r) => r.method))];
  for (const method of methods) {
    const candidates = routes
      .filter((r) => r.method === method)
      .map((route) => ({ route, segments: segmentsOf(route.path) }));
    // shape[i]: the fixed text of segment i, or WILD where it is (or must become) a parameter.
    const shapes = candidates.map((c) => c.segments.map((s) => ('param' in s ? WILD : s.fixed)));
    let changed = true;
    while (changed) {
      changed = false;
      for (const a of shapes) {
        for (const b of shapes) {
          for (let i = 0; i < Math.min(a.length, b.length); i++) {
            if (a[i] !== WILD && b[i] !== WILD && a[i] !== b[i]) break;
            if (a[i] === WILD && b[i] !== WILD) {
              b[i] = WILD;
              changed = true;
            }
            if (a[i] !== b[i]) break;
          }
        }
      }
    }
    const groups = new Map<string, Candidate[]>();
    candidates.forEach((c, i) => {
      const key = shapes[i]!.join('/');
      const group = groups.get(key) ?? [];
      group.push(c);
      groups.set(key, group);
    });
    for (const [key, group] of groups) {
      const shape = key.split('/');
      // Most fixed segments first: `stats` is tried before `{key}`.
      group.sort((x, y) => fixedCount(y) - fixedCount(x));
      const names = shape.map((s, i) => {
        if (s !== WILD) return null;
        const only = group.length === 1 ? group[0]!.segments[i]! : null;
        return only && 'param' in only ? only.param : `s${i}`;
      });
      const pattern = `/${shape.map((s, i) => (s === WILD ? `:${names[i]}` : s)).join('/')}`;
      mounts.push({ method, pattern, candidates: group, names });
    }
  }
  return mounts;
}

const fixedCount = (c: Candidate) => c.segments.filter((s) => 'fixed' in s).length;
