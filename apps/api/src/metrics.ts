import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { CellCounter, type CounterCell } from './counter-cells.js';

type HistogramChild = { observe(v: number): void };

/** The metrics of one route pattern and method, bound once: recording a request only adds to numbers. */
export class RouteMetrics {
  readonly #latency: HistogramChild;
  readonly #byStatus = new Map<number, CounterCell>();
  readonly #cellOf: (status: number) => CounterCell;

  constructor(latency: HistogramChild, cellOf: (status: number) => CounterCell) {
    this.#latency = latency;
    this.#cellOf = cellOf;
  }

  observe(status: number, seconds: number): void {
    let cell = this.#byStatus.get(status);
    if (cell === undefined) {
      cell = this.#cellOf(status);
      this.#byStatus.set(status, cell);
    }
    cell.inc();
    this.#latency.observe(seconds);
  }
}

/** Prometheus metrics of one app. Label sets are bound once, so that the hot path only adds. */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly #requests = new CellCounter({
    name: 'cache_api_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly requests = this.#requests.counter;
  readonly latency = new Histogram({
    name: 'cache_api_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly #lookups = new CellCounter({
    name: 'cache_api_lookups_total',
    help: 'Cache reads by tenant (`devices` for device reads) and result (hit or miss)',
    labelNames: ['tenant', 'result'] as const,
    registers: [this.registry],
  });
  readonly lookups = this.#lookups.counter;
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
  /** By route pattern, then method. */
  readonly #routes = new Map<string, Map<string, RouteMetrics>>();
  /** By tenant, then result. */
  readonly #lookupCells = new Map<string, Map<'hit' | 'miss', CounterCell>>();

  /** `defaultMetrics`: also export process metrics (CPU, memory, event loop lag, GC); the server turns it on. */
  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics === true)
      collectDefaultMetrics({ register: this.registry, prefix: 'cache_api_' });
  }

  /** The metrics of a route pattern and method (made on first use, then the same object). */
  route(method: string, route: string): RouteMetrics {
    let byMethod = this.#routes.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.#routes.set(route, byMethod);
    }
    let bound = byMethod.get(method);
    if (bound === undefined) {
      bound = new RouteMetrics(this.latency.labels(method, route), (status) =>
        this.#requests.cell({ method, route, status: String(status) }),
      );
      byMethod.set(method, bound);
    }
    return bound;
  }

  lookup(tenant: string, hits: number, misses: number): void {
    if (hits > 0) this.#lookupCell(tenant, 'hit').inc(hits);
    if (misses > 0) this.#lookupCell(tenant, 'miss').inc(misses);
  }

  #lookupCell(tenant: string, result: 'hit' | 'miss'): CounterCell {
    let byResult = this.#lookupCells.get(tenant);
    if (byResult === undefined) {
      byResult = new Map();
      this.#lookupCells.set(tenant, byResult);
    }
    let cell = byResult.get(result);
    if (cell === undefined) {
      cell = this.#lookups.cell({ tenant, result });
      byResult.set(result, cell);
    }
    return cell;
  }
}
