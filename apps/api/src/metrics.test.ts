import { describe, expect, it } from 'vitest';
import { ApiMetrics } from './metrics.js';

describe('API metrics', () => {
  it('records requests by route and status, and lookups by tenant and result', async () => {
    const m = new ApiMetrics();
    const route = m.route('GET', '/api/devices/:device_id');
    expect(m.route('GET', '/api/devices/:device_id')).toBe(route);
    route.observe(200, 0.002);
    route.observe(200, 0.0001);
    route.observe(404, 0.001);
    m.lookup('devices', 2, 1);
    m.lookup('devices', 0, 1);
    const text = await m.registry.metrics();
    expect(text).toContain(
      'cache_api_requests_total{method="GET",route="/api/devices/:device_id",status="200"} 2',
    );
    expect(text).toContain(
      'cache_api_requests_total{method="GET",route="/api/devices/:device_id",status="404"} 1',
    );
    expect(text).toContain(
      'cache_api_request_duration_seconds_bucket{le="0.0005",method="GET",route="/api/devices/:device_id"} 1',
    );
    expect(text).toContain(
      'cache_api_request_duration_seconds_count{method="GET",route="/api/devices/:device_id"} 3',
    );
    expect(text).toContain('cache_api_lookups_total{tenant="devices",result="hit"} 2');
    expect(text).toContain('cache_api_lookups_total{tenant="devices",result="miss"} 2');
  });

  it('labels lookups only for the configured tenants (and devices); any other tenant is other', async () => {
    const m = new ApiMetrics({ tenants: ['acme'] });
    m.lookup('acme', 1, 0);
    m.lookup('globex', 2, 1);
    m.lookup('initech', 0, 4);
    const text = await m.registry.metrics();
    expect(text).toContain('cache_api_lookups_total{tenant="acme",result="hit"} 1');
    expect(text).toContain('cache_api_lookups_total{tenant="other",result="hit"} 2');
    expect(text).toContain('cache_api_lookups_total{tenant="other",result="miss"} 5');
    expect(text).not.toMatch(/globex|initech/);
  });
});
