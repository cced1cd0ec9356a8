import { ForbiddenError, NotFoundError, ValidationError } from '@org/cache-core';
import type { Context, Hono } from 'hono';
import type { Principal } from '../auth/principal.js';
import { hasScope } from '../auth/principal.js';
import type { Scope } from '../auth/scopes.js';
import type { AppEnv } from '../http/context.js';
import { conditionalJson } from '../http/etag.js';
import { json } from '../http/respond.js';
import { parseWith, readJson } from '../http/validate.js';
import type { RouteDeps } from '../routes/deps.js';
import { type Candidate, type Mount, planMounts } from './mounts.js';
import { type AnyRoute, type Handler, type Reply, routeLabel } from './route.js';
import { checkTenant } from './tenant.js';

/** A route ready to serve: its handler built once for the app. */
interface Served {
  route: AnyRoute;
  label: string;
  // biome-ignore lint/suspicious/noExplicitAny: inputs are typed where the route is defined
  handler: Handler<any, any, any>;
  /** [param name, Hono name, check] per path parameter. */
  params: [string, string, (v: string) => string][];
  /** Fixed segments to compare when the mount is shared: [Hono name, text]. */
  fixed: [string, string][];
}

function forbidScope(scope: Scope): never {
  throw new ForbiddenError(`this operation needs the ${scope} scope`, { details: { scope } });
}

/** Everything the table declares, applied in one place, in this order. */
async function serve(c: Context<AppEnv>, s: Served): Promise<Response> {
  const { route } = s;
  c.set('route', s.label);
  c.set('operation', route.operation);
  const principal: Principal = c.get('principal');
  const access = route.access;
  if (access !== 'none' && access !== 'any token' && !hasScope(principal, access)) forbidScope(access);

  const params: Record<string, string> = {};
  for (const [name, honoName, check] of s.params) {
    const value = c.req.param(honoName) ?? '';
    params[name] = check(value);
  }
  const subject = params.key ?? params.device_id ?? params.pattern;
  if (subject !== undefined) c.set('subjectKey', subject);
  const query = route.query ? parseWith(route.query, c.req.query(), 'query') : undefined;
  // The tenant is checked before the body is read, unless the rule depends on the body.
  const rule = route.tenant;
  let tenant =
    rule === 'none' || rule === 'header-or-all' ? null : checkTenant(c, rule, principal, params, undefined);
  let body: unknown;
  if (route.body) {
    const raw = await readJson(c, route.bodyOptional ? {} : undefined);
    body = parseWith(route.body.schema, raw, 'body');
  }
  if (route.scopeByBody) {
    const { field, scopes } = route.scopeByBody;
    const value = String((body as Record<string, unknown>)[field]);
    const scope = Object.hasOwn(scopes, value) ? scopes[value] : undefined;
    // Fail closed: a value the table gives no scope is refused, whatever the body schema allowed.
    if (scope === undefined)
      throw new ValidationError(`invalid body: ${field} must be one of ${Object.keys(scopes).join(', ')}`);
    if (!hasScope(principal, scope)) forbidScope(scope);
    c.set('operation', `${route.operation}-${value}`);
  }
  if (route.tenant === 'header-or-all') tenant = checkTenant(c, route.tenant, principal, params, body);
  const reply = await s.handler({ c, principal, tenant, params, query, body });
  return reply instanceof Response ? reply : answer(c, route, reply);
}

/** The reply in the route's envelope. */
function answer(c: Context<AppEnv>, route: AnyRoute, reply: Reply): Response {
  const payload =
    route.envelope === 'v2' ? { status: 'success', ...(reply.body as Record<string, unknown>) } : reply.body;
  if (reply.cache) return conditionalJson(c, JSON.stringify(payload), reply.cache);
  return json(c, payload, reply.status ?? route.response.status, reply.headers);
}

function served(mount: Mount, candidate: Candidate, deps: RouteDeps): Served {
  const { route, segments } = candidate;
  const params: Served['params'] = [];
  const fixed: Served['fixed'] = [];
  segments.forEach((segment, i) => {
    const honoName = mount.names[i];
    if ('param' in segment) {
      const param = route.params[segment.param];
      if (!param) throw new Error(`${route.method} ${route.path}: {${segment.param}} is not declared`);
      params.push([segment.param, honoName!, param.check]);
    } else if (honoName !== null) fixed.push([honoName!, segment.fixed]);
  });
  for (const name of Object.keys(route.params)) {
    if (!params.some(([p]) => p === name))
      throw new Error(`${route.method} ${route.path}: ${name} is not in the path`);
  }
  return { route, label: routeLabel(route.path), handler: route.handler(deps), params, fixed };
}

/** Serves routes of the table on the app (the order of `routes` does not matter). */
export function registerRoutes(app: Hono<AppEnv>, routes: readonly AnyRoute[], deps: RouteDeps): void {
  for (const mount of planMounts(routes)) {
    const candidates = mount.candidates.map((c) => served(mount, c, deps));
    const [only] = candidates;
    if (candidates.length === 1 && only!.fixed.length === 0) {
      app.on(mount.method, mount.pattern, (c) => serve(c, only!));
      continue;
    }
    app.on(mount.method, mount.pattern, (c) => {
      for (const s of candidates) {
        if (s.fixed.every(([name, text]) => c.req.param(name) === text)) return serve(c, s);
      }
      throw new NotFoundError(`no route for ${c.req.method} ${c.req.path}`);
    });
  }
}
