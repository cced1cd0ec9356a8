import type { Context } from 'hono';
import type { z } from 'zod';
import type { Principal } from '../auth/principal.js';
import type { Scope } from '../auth/scopes.js';
import type { AppEnv } from '../http/context.js';
import type { RouteDeps } from '../routes/deps.js';
import type { PathParam } from './params.js';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

/** A zod schema with the name it has in the OpenAPI document (`#/components/schemas/<name>`). */
export interface Named<S extends z.ZodType = z.ZodType> {
  readonly name: string;
  readonly schema: S;
}

export const named = <S extends z.ZodType>(name: string, schema: S): Named<S> => ({ name, schema });

/**
 * Where the tenant of a request comes from, checked by the registrar before the handler runs:
 * - `none`: the route touches no tenant;
 * - `header`: `X-Tenant-ID` (required; 400 CACHE_004 when malformed), which the token must allow
 *   (403 AUTH_002);
 * - `header+path`: as `header`, and the `{tenant_id}` of the path must be that tenant (any
 *   tenant with `cache:admin`);
 * - `header-or-all`: as `header`, unless the body says `"scope": "all"`, which needs a token not
 *   restricted to some tenants (the handler then gets `tenant: null`).
 */
export type TenantRule = 'none' | 'header' | 'header+path' | 'header-or-all';

/** Who may call: a scope, any authenticated caller, or anyone (registered before authentication). */
export type Access = Scope | 'any token' | 'none';

/** How the answer's body is wrapped: devices and v1 plain, v2 in `{status: "success", ...}`. */
export type Envelope = 'plain' | 'v2';

/** What a handler answers; the registrar wraps it in the route's envelope. */
export interface Reply {
  body: unknown;
  status?: number;
  headers?: Record<string, string>;
  /** A conditional read: ETag (computed from the body when absent), 304 on If-None-Match. */
  cache?: { etag?: string; cacheControl: string; vary?: string };
}

type Output<S> = S extends z.ZodType ? z.output<S> : undefined;
type ParamValues<P> = { [K in keyof P]: string };

/** A request after the registrar's checks: the principal, the tenant, and validated inputs. */
export interface RouteRequest<P, Q, B> {
  c: Context<AppEnv>;
  principal: Principal;
  /** The checked tenant (null when the route's rule is `none`, or `header-or-all` asked for all). */
  tenant: string | null;
  params: ParamValues<P>;
  query: Output<Q>;
  body: Output<B>;
}

export type Handler<P, Q, B> = (
  request: RouteRequest<P, Q, B>,
) => Promise<Reply | Response> | Reply | Response;

/** One route of the API, as data: the registrar serves it and the OpenAPI document describes it. */
export interface RouteDef<
  P extends Record<string, PathParam> = Record<string, PathParam>,
  Q extends z.ZodObject | undefined = z.ZodObject | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
> {
  method: HttpMethod;
  /** OpenAPI form: `/api/devices/{device_id}`; each `{name}` is declared in `params`. */
  path: string;
  /** The metrics and error label of what the route does (`getDeviceMetadata`). */
  operation: string;
  summary: string;
  tag: string;
  access: Access;
  /** The scope depends on a field of the (validated) body: `{field, scopes: {value: scope}}`. */
  scopeByBody?: { field: string; scopes: Record<string, Scope> };
  /** Served without a token when the app is created with `docsPublic`. */
  publicWithDocs?: boolean;
  tenant: TenantRule;
  params: P;
  query?: Q;
  body?: B extends z.ZodType ? Named<B> : undefined;
  /** An empty body is read as `{}`. */
  bodyOptional?: boolean;
  response: { status: number; schema?: Named; description?: string; contentType?: string };
  /** Statuses documented beside the success and the ones every route may answer. */
  errors?: number[];
  envelope: Envelope;
  /** Called once per app with its dependencies; returns the per-request handler. */
  handler: (deps: RouteDeps) => Handler<P, Q, B>;
}

// biome-ignore lint/suspicious/noExplicitAny: the table holds routes of every input type
export type AnyRoute = RouteDef<any, any, any>;

/** Declares a route; the handler's inputs are typed from its params, query and body schemas. */
export function defineRoute<
  const P extends Record<string, PathParam>,
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(def: RouteDef<P, Q, B>): AnyRoute {
  return def;
}

/** The route pattern in Hono's form (`/api/devices/:device_id`): the metrics and log label. */
export const routeLabel = (path: string): string => path.replace(/\{(\w+)\}/g, ':$1');
