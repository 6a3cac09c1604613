/**
 * Prometheus metrics: HTTP latency by route, event-store append latency, projection lag and
 * health, and (from the sync server) WebSocket figures. Collected on scrape where possible.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Projections } from '../projections/manager.js';
import type { EventStore } from '../gateways/event-store/port.js';

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  appendDuration: Histogram<'outcome'>;
  rateLimited: Counter<'route'>;
  /** Bytes of media answers sent (renditions, playlists, segments, originals, covers). */
  mediaBytes: Counter<'kind'>;
  /** Stream offers made (`GET /v1/tracks/:id/stream` and the other edges), by the quality given. */
  streamRequests: Counter<'quality'>;
}

export function createMetrics(options: { projections?: Projections; defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry }); // process_*, nodejs_*: the names dashboards expect
  const httpDuration = new Histogram({
    name: 'chorus_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5],
    registers: [registry],
  });
  const appendDuration = new Histogram({
    name: 'chorus_event_store_append_seconds',
    help: 'Event store append latency',
    labelNames: ['outcome'] as const,
    buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 1],
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'chorus_http_rate_limited_total',
    help: 'Writes refused with 429',
    labelNames: ['route'] as const,
    registers: [registry],
  });
  const mediaBytes = new Counter({
    name: 'chorus_media_bytes_served_total',
    help: 'Bytes of media answers sent: audio, playlists and segments, covers',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const streamRequests = new Counter({
    name: 'chorus_stream_url_requests_total',
    help: 'Signed stream URLs handed out, by the quality granted',
    labelNames: ['quality'] as const,
    registers: [registry],
  });
  const projections = options.projections;
  if (projections) {
    new Gauge({
      name: 'chorus_projection_lag_seconds',
      help: 'Seconds from append to commit of the last batch, per projection generation',
      labelNames: ['projection', 'generation', 'status'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const p of await projections.status()) {
          for (const g of p.generations) {
            if (g.runner?.lastLagMs !== undefined && g.runner.lastLagMs !== null) this.set({ projection: p.name, generation: String(g.generation), status: g.status }, g.runner.lastLagMs / 1000);
          }
        }
      },
    });
    new Gauge({
      name: 'chorus_projection_failed',
      help: '1 when a projection generation stopped (a broken projection: SQL that cannot run, a half-applied cache batch, poison on every event)',
      labelNames: ['projection', 'generation'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const p of await projections.status()) {
          for (const g of p.generations) this.set({ projection: p.name, generation: String(g.generation) }, g.runner?.state === 'failed' ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'chorus_projection_poison_events',
      help: 'Poison events a projection generation skipped (it could not apply them; see chorus projections status)',
      labelNames: ['projection', 'generation'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const p of await projections.status()) {
          for (const g of p.generations) this.set({ projection: p.name, generation: String(g.generation) }, g.poisoned);
        }
      },
    });
    new Gauge({
      name: 'chorus_projection_events_applied',
      help: 'Events applied by each projection generation (stored count)',
      labelNames: ['projection', 'generation'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const p of await projections.status()) {
          for (const g of p.generations) this.set({ projection: p.name, generation: String(g.generation) }, g.eventsApplied);
        }
      },
    });
  }
  return { registry, httpDuration, appendDuration, rateLimited, mediaBytes, streamRequests };
}

/** The same store, timing its appends. */
export function instrumentEventStore(store: EventStore, metrics: Metrics): EventStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'append') {
        return async (...args: Parameters<EventStore['append']>) => {
          const stop = metrics.appendDuration.startTimer();
          try {
            const result = await target.append(...args);
            stop({ outcome: 'ok' });
            return result;
          } catch (error) {
            stop({ outcome: 'error' });
            throw error;
          }
        };
      }
      if (property === 'appendMany') {
        // One timing per append of the call: each waited for the same commit.
        return async (...args: Parameters<EventStore['appendMany']>) => {
          const started = performance.now();
          const outcomes = await target.appendMany(...args);
          const seconds = (performance.now() - started) / 1_000;
          for (const outcome of outcomes) metrics.appendDuration.observe({ outcome: outcome.ok ? 'ok' : 'error' }, seconds);
          return outcomes;
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
