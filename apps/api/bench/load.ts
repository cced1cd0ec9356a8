/** The autocannon load generator in its own process: GET `${prefix}${random id}` for `duration` s. */
import autocannon from 'autocannon';
import { deviceId, type LoadConfig, type LoadResult } from './load-config.js';

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
