import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

type Child = { inc(n?: number): void };
type HistogramChild = { observe(v: number): void };

/** Prometheus metrics of one app. Label children are cached so that the hot path only increments. */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'cache_api_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'cache_api_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly lookups = new Counter({
    name: 'cache_api_lookups_total',
    help: 'Cache reads by tenant (`devices` for device reads) and result (hit or miss)',
    labelNames: ['tenant', 'result'] as const,
    registers: [this.registry],
  });
  readonly backendErrors = new Counter({
    name: 'cache_api_backend_errors_total',
    help: 'Backend (Redis) failures by error code and operation',
    labelNames: ['code', 'operation'] as const,
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'cache_api_rate_limited_total',
    help: 'Requests refused with 429',
    registers: [this.registry],
  });
  readonly #routeChildren = new Map<string, { latency: HistogramChild; byStatus: Map<number, Child> }>();
  readonly #lookupChildren = new Map<string, Child>();

  /** `defaultMetrics`: also export process metrics (CPU, memory, event loop lag, GC); the server turns it on. */
  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics === true)
      collectDefaultMetrics({ register: this.registry, prefix: 'cache_api_' });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const lk = `${method} ${route}`;
    let children = this.#routeChildren.get(lk);
    if (!children) {
      children = { latency: this.latency.labels(method, route), byStatus: new Map() };
      this.#routeChildren.set(lk, children);
    }
    let counter = children.byStatus.get(status);
    if (!counter) {
      counter = this.requests.labels(method, route, String(status));
      children.byStatus.set(status, counter);
    }
    counter.inc();
    children.latency.observe(seconds);
  }

  lookup(tenant: string, hits: number, misses: number): void {
    if (hits > 0) this.#lookupChild(tenant, 'hit').inc(hits);
    if (misses > 0) this.#lookupChild(tenant, 'miss').inc(misses);
  }

  #lookupChild(tenant: string, result: 'hit' | 'miss'): Child {
    const k = `${tenant}\u0000${result}`;
    let child = this.#lookupChildren.get(k);
    if (!child) {
      child = this.lookups.labels(tenant, result);
      this.#lookupChildren.set(k, child);
    }
    return child;
  }
}
