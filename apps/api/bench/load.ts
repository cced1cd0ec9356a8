/** The load generator (autocannon) in its own process: GET `${prefix}${random id}` for `duration` s. */
import autocannon from 'autocannon';

export interface LoadConfig {
  url: string;
  pathPrefix: string;
  devices: number;
  connections: number;
  duration: number;
  token?: string;
}

export interface LoadResult {
  requestsPerSecond: number;
  total: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

export const deviceId = (i: number) => `dev-${String(i).padStart(6, '0')}`;

const config = JSON.parse(process.argv[2] ?? '{}') as LoadConfig;
const result = await autocannon({
  url: config.url,
  connections: config.connections,
  duration: config.duration,
  headers: config.token ? { authorization: `Bearer ${config.token}` } : {},
  requests: [
    {
      method: 'GET',
      setupRequest: (request) => ({
        ...request,
        path: `${config.pathPrefix}${encodeURIComponent(deviceId(Math.floor(Math.random() * config.devices)))}`,
      }),
    },
  ],
});
const out: LoadResult = {
  requestsPerSecond: result.requests.average,
  total: result.requests.total,
  p50: result.latency.p50,
  p90: result.latency.p90,
  p99: result.latency.p99,
  max: result.latency.max,
  non2xx: result.non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
};
process.send?.(out);
