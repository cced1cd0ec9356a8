import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Check, HealthReport, HealthState } from './health.js';
import type { IngestorMetrics } from './metrics.js';

export interface OpsServerOptions {
  host: string;
  port: number;
  health: HealthState;
  metrics: IngestorMetrics;
  /** Checks measured at request time (e.g. a Redis PING), merged into /health/ready. */
  probe?: () => Promise<Record<string, Check>>;
}

export interface OpsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * GET /health/live  200 while the process can work, 503 once it cannot (restart it);
 * GET /health/ready 200 when healthy, 503 when degraded (a dependency is down, work waits) or unhealthy;
 * GET /metrics      Prometheus text format (also GET /health/metrics, the document's route).
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((req, res) => {
    handle(req, res, options).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, 'application/json', JSON.stringify({ error: String(error) }));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return { port: (server.address() as AddressInfo).port, close: () => closeServer(server) };
}

async function handle(req: IncomingMessage, res: ServerResponse, options: OpsServerOptions): Promise<void> {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'application/json', JSON.stringify({ error: 'method not allowed' }), {
      allow: 'GET, HEAD',
    });
    return;
  }
  switch (path) {
    case '/health/live': {
      const live = options.health.live;
      send(
        res,
        live.ok ? 200 : 503,
        'application/json',
        JSON.stringify({ status: live.ok ? 'alive' : 'dead', message: live.message }),
      );
      return;
    }
    case '/health':
    case '/health/ready': {
      const report: HealthReport = options.health.report(options.probe ? await options.probe() : {});
      send(res, report.status === 'healthy' ? 200 : 503, 'application/json', JSON.stringify(report));
      return;
    }
    case '/metrics':
    case '/health/metrics': // the interface-control document's name for the same (its section 6.2)
      send(res, 200, options.metrics.registry.contentType, await options.metrics.text());
      return;
    default:
      send(res, 404, 'application/json', JSON.stringify({ error: 'not found' }));
  }
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
