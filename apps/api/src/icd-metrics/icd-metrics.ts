import { Gauge, Registry } from 'prom-client';
import { CellHistogram, type HistogramCell } from '../histogram-cells.js';

/**
 * The metrics the interface-control document names (its section 6.1), on a registry of their own
 * (served by `GET /health/metrics`, and by `/metrics` beside the API's own), with the document's
 * names (units in the help: seconds, bytes). Labels (our choice:
 * the document's text was not at hand; see the README):
 *
 * - `cache_hit_rate{service,cache_type}`: hits / lookups over the last refresh interval, 0…1;
 *   `cache_type` `device` (device reads) or `kv` (the tenant cache). Unchanged while no lookup.
 * - `cache_latency{operation}`: histogram of the API's cache operations (the route table's
 *   operation names: bounded), seconds.
 * - `cache_memory_usage{node,role}`: `used_memory` of each Redis node (`host:port`, `master`
 *   or `replica`).
 * - `cache_node_status{node,role}`: 1 when the node answered `INFO` at the last refresh, else 0.
 * - `cache_replication_lag{node}`: a replica's distance behind its master
 *   (`master_repl_offset` − the replica's acknowledged offset, from the master's `INFO`); a master:
 *   the largest of its replicas' (0 without replicas).
 */
export class IcdMetrics {
  readonly registry = new Registry();
  readonly service: string;
  readonly hitRate = new Gauge({
    name: 'cache_hit_rate',
    help: 'Cache hits / lookups over the last refresh interval (0..1), by service and cache type (device, kv)',
    labelNames: ['service', 'cache_type'] as const,
    registers: [this.registry],
  });
  readonly latency = new CellHistogram({
    name: 'cache_latency',
    help: 'Latency of the cache operations served (seconds), by operation',
    labelNames: ['operation'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly memory = new Gauge({
    name: 'cache_memory_usage',
    help: 'Redis used_memory per node (bytes), by node (host:port) and role (master, replica)',
    labelNames: ['node', 'role'] as const,
    registers: [this.registry],
  });
  readonly nodeStatus = new Gauge({
    name: 'cache_node_status',
    help: '1 when the Redis node answered INFO at the last refresh, else 0; by node and role',
    labelNames: ['node', 'role'] as const,
    registers: [this.registry],
  });
  readonly replicationLag = new Gauge({
    name: 'cache_replication_lag',
    help: "Bytes of the master's replication stream a replica has not acknowledged (a master: its largest replica's; 0 without replicas)",
    labelNames: ['node'] as const,
    registers: [this.registry],
  });
  readonly #latencyByOperation = new Map<string, HistogramCell>();

  constructor(service = 'cache-api') {
    this.service = service;
  }

  /** Records one cache operation (bound per operation once: the hot path only adds). */
  observeLatency(operation: string, seconds: number): void {
    let child = this.#latencyByOperation.get(operation);
    if (child === undefined) {
      child = this.latency.cell({ operation });
      this.#latencyByOperation.set(operation, child);
    }
    child.observe(seconds);
  }
}
