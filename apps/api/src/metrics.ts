import { Counter, collectDefaultMetrics, Registry } from 'prom-client';
import { CellCounter, type CounterCell } from './counter-cells.js';
import { CellHistogram, type HistogramCell } from './histogram-cells.js';
import { IcdMetrics } from './icd-metrics/icd-metrics.js';
import { type LookupTotals, NodeSampler } from './icd-metrics/node-sampler.js';

interface LookupCells {
  hit: CounterCell;
  miss: CounterCell;
}

/** The `tenant` label of device reads. */
export const DEVICES_LABEL = 'devices';
/** The `tenant` label of every tenant not listed in METRICS_TENANTS. */
export const OTHER_TENANTS = 'other';

/** The metrics of one route pattern and method, bound once: recording a request only adds to numbers. */
export class RouteMetrics {
  readonly #latency: HistogramCell;
  readonly #byStatus = new Map<number, CounterCell>();
  readonly #cellOf: (status: number) => CounterCell;

  constructor(latency: HistogramCell, cellOf: (status: number) => CounterCell) {
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
  readonly latency = new CellHistogram({
    name: 'cache_api_request_duration_seconds',
    help: 'HTTP request latency by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly #lookups = new CellCounter({
    name: 'cache_api_lookups_total',
    help: 'Cache reads by tenant (the configured ones; `other` for the rest, `devices` for device reads) and result',
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
  /** The interface-control document's metrics (`/health/metrics`; also on `/metrics`). */
  readonly icd: IcdMetrics;
  readonly #nodeRefreshMs: number;
  #sampler: NodeSampler | null = null;
  /** By route pattern, then method. */
  readonly #routes = new Map<string, Map<string, RouteMetrics>>();
  /** By tenant label (the configured tenants and `devices`), then result; any other tenant counts as `other`. */
  readonly #lookupCells = new Map<string, LookupCells>();
  readonly #otherTenants: LookupCells;

  /**
   * `defaultMetrics`: also export process metrics (CPU, memory, event loop lag, GC); the server
   * turns it on. `tenants`: the tenants with their own `tenant` label on lookups (METRICS_TENANTS);
   * every other tenant is counted as `other`, so the series are bounded whatever tenants callers
   * send, and no other tenant name is ever exposed.
   */
  constructor(
    options: {
      defaultMetrics?: boolean;
      tenants?: readonly string[];
      /** How often the ICD metrics read each Redis node's INFO while scraped (s, default 15). */
      nodeRefreshSeconds?: number;
      /** The `service` label of `cache_hit_rate` (default `cache-api`). */
      service?: string;
    } = {},
  ) {
    this.icd = new IcdMetrics(options.service ?? 'cache-api');
    this.#nodeRefreshMs = Math.max(1, options.nodeRefreshSeconds ?? 15) * 1000;
    if (options.defaultMetrics === true)
      collectDefaultMetrics({ register: this.registry, prefix: 'cache_api_' });
    for (const tenant of [DEVICES_LABEL, ...(options.tenants ?? [])])
      if (!this.#lookupCells.has(tenant)) this.#lookupCells.set(tenant, this.#cellsOf(tenant));
    this.#otherTenants = this.#cellsOf(OTHER_TENANTS);
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
      bound = new RouteMetrics(this.latency.cell({ method, route }), (status) =>
        this.#requests.cell({ method, route, status: String(status) }),
      );
      byMethod.set(method, bound);
    }
    return bound;
  }

  /** Counts cache reads of a tenant (`devices` for device reads): O(1), no allocation. */
  lookup(tenant: string, hits: number, misses: number): void {
    const cells = this.#lookupCells.get(tenant) ?? this.#otherTenants;
    if (hits > 0) cells.hit.inc(hits);
    if (misses > 0) cells.miss.inc(misses);
  }

  /**
   * The ICD metrics' sampler over this backend (made on the first scrape): `redis` is the
   * backend's connection (null on the memory store). Scrapes call `touch()` on it.
   */
  nodeSampler(redis: ConstructorParameters<typeof NodeSampler>[0]['redis']): NodeSampler {
    this.#sampler ??= new NodeSampler({
      metrics: this.icd,
      redis,
      lookups: this.#lookupTotals,
      intervalMs: this.#nodeRefreshMs,
    });
    return this.#sampler;
  }

  /** Stops the ICD metrics' refresh schedule (tests, shutdown). */
  stop(): void {
    this.#sampler?.stop();
  }

  /** The API's own lookup counts by cache type (`devices` reads are `device`, the tenants' `kv`). */
  readonly #lookupTotals: LookupTotals = async () => {
    const totals = { device: { hits: 0, misses: 0 }, kv: { hits: 0, misses: 0 } };
    for (const v of (await this.lookups.get()).values) {
      const type = v.labels.tenant === DEVICES_LABEL ? totals.device : totals.kv;
      if (v.labels.result === 'hit') type.hits += v.value;
      else type.misses += v.value;
    }
    return totals;
  };

  #cellsOf(tenant: string): LookupCells {
    return {
      hit: this.#lookups.cell({ tenant, result: 'hit' }),
      miss: this.#lookups.cell({ tenant, result: 'miss' }),
    };
  }
}
