import { describe, expect, it } from 'vitest';
import type { Projections } from '../projections/manager.js';
import { createMetrics } from './metrics.js';

/** No projections: their gauges are registered, and read nothing. */
const projections = { status: () => Promise.resolve([]) } as unknown as Projections;

describe('metrics', () => {
  it('exports the standard process and Node.js metrics under their usual names', async () => {
    const { registry } = createMetrics();
    const names = (await registry.getMetricsAsJSON()).map((metric) => metric.name);
    expect(names).toEqual(expect.arrayContaining(['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds']));
    expect(names.filter((name) => /process_process|^chorus_process_|^chorus_nodejs_/.test(name))).toEqual([]);
  });

  it('names every metric as Prometheus expects: base units, counters ending in _total', async () => {
    const { registry } = createMetrics({ projections });
    expect((await registry.getMetricsAsJSON()).map((metric) => metric.name)).toContain('chorus_projection_lag_seconds');
    for (const metric of await registry.getMetricsAsJSON()) {
      expect(metric.name, metric.name).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(metric.name, metric.name).not.toMatch(/_(ms|milliseconds|us|microseconds|minutes|hours|kb|mb|kilobytes|megabytes)(_|$)/);
      if (String(metric.type) === 'counter') expect(metric.name, metric.name).toMatch(/_total$/);
    }
  });
});
