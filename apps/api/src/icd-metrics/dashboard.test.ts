import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ApiMetrics } from '../metrics.js';

const DASHBOARD = new URL(
  '../../../../docker/observability/grafana/dashboards/device-cache.json',
  import.meta.url,
);

/** The metric names the dashboard's queries use (histogram series by their family name). */
function dashboardMetrics(prefix: string): Set<string> {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: { targets: { expr: string }[] }[];
  };
  const names = new Set<string>();
  for (const panel of dashboard.panels)
    for (const t of panel.targets)
      for (const m of t.expr.matchAll(new RegExp(`\\b${prefix}[a-z_]+\\b`, 'g')))
        names.add(m[0].replace(/_(bucket|sum|count)$/, ''));
  return names;
}

describe('the Grafana dashboard (docker/observability)', () => {
  it('queries only metrics the API exports', async () => {
    const metrics = new ApiMetrics();
    const exported = new Set(
      [...metrics.registry.getMetricsAsArray(), ...metrics.icd.registry.getMetricsAsArray()].map(
        (m) => m.name,
      ),
    );
    const used = dashboardMetrics('cache_');
    expect(used.size).toBeGreaterThanOrEqual(6);
    for (const name of used) expect(exported, name).toContain(name);
  });
});
