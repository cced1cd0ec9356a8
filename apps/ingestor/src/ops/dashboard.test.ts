import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IngestorMetrics } from './metrics.js';

const DASHBOARD = new URL(
  '../../../../docker/observability/grafana/dashboards/device-cache.json',
  import.meta.url,
);

describe('the Grafana dashboard (docker/observability)', () => {
  it('queries only ingestor metrics the ingestor exports', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const used = new Set<string>();
    for (const panel of dashboard.panels)
      for (const t of panel.targets)
        for (const m of t.expr.matchAll(/\bingestor_[a-z_]+\b/g))
          used.add(m[0].replace(/_(bucket|sum|count)$/, ''));
    const exported = new Set(
      new IngestorMetrics({ defaultMetrics: false }).registry.getMetricsAsArray().map((m) => m.name),
    );
    expect(used.size).toBeGreaterThanOrEqual(5);
    for (const name of used) expect(exported, name).toContain(name);
  });
});
