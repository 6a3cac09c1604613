/** Operations: /healthz, /readyz and /metrics (Prometheus), all without a token. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/api-client.js';
import { startE2eServer, uniqueUser, type E2eServer } from './support/server.js';

interface Readiness {
  status: string;
  checks: Array<{ name: string; ok: boolean; error?: string }>;
}

let s: E2eServer;
let alice: ApiClient;
beforeAll(async () => {
  s = await startE2eServer('ops');
  alice = await s.login(uniqueUser('ops'));
});
afterAll(async () => {
  await s?.close();
});

/** The value of the first sample of `name` whose labels include all of `labels`. */
function sample(metrics: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of metrics.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const text = match[3] ?? '';
    if (Object.entries(labels).every(([k, v]) => text.includes(`${k}="${v}"`))) return Number(match[4]);
  }
  return undefined;
}

describe('health', () => {
  it('/healthz answers 200 {status: "ok"} without a token', async () => {
    const health = await s.api.get('/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: 'ok' });
  });

  it('/readyz answers 200 with every check ok, naming the event store, SQL, the cache and the projections', async () => {
    const ready = await s.api.get<Readiness>('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ready');
    expect(ready.body.checks.map((c) => c.name)).toEqual(expect.arrayContaining(['event-store', 'sql', 'cache', 'projections']));
    for (const check of ready.body.checks) expect(check, check.name).toMatchObject({ ok: true });
  });
});

describe('/metrics', () => {
  it('serves Prometheus text without a token', async () => {
    const metrics = await s.api.get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(metrics.text).toMatch(/^# HELP /m);
    expect(metrics.text).toMatch(/^# TYPE chorus_http_request_duration_seconds histogram$/m);
  });

  it('times HTTP requests by route pattern (not by URL), method and status', async () => {
    expect((await alice.get('/v1/search?q=rain&type=track')).status).toBe(200);
    expect((await alice.get('/v1/tracks/demo-track-0-1')).status).toBe(200);
    expect((await alice.get('/v1/tracks/no-such-track')).status).toBe(404);
    const metrics = (await s.api.get('/metrics')).text;
    expect(sample(metrics, 'chorus_http_request_duration_seconds_count', { method: 'GET', route: '/v1/search', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'chorus_http_request_duration_seconds_count', { method: 'GET', route: '/v1/tracks/:id', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(sample(metrics, 'chorus_http_request_duration_seconds_count', { method: 'GET', route: '/v1/tracks/:id', status: '404' })).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/^chorus_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/search"[^}]*\} \d+$/m);
    expect(metrics).not.toContain('demo-track-0-1');
  });

  it('times event-store appends and reports projection lag', async () => {
    const played = await alice.post<{ position: string }>('/v1/me/plays', { trackId: 'demo-track-0-1', msPlayed: 60_000 });
    expect(played.status).toBe(202);
    // Let every projection pass the play, so each has a lag to report.
    expect((await alice.get(`/v1/me/plays/recent?after=${encodeURIComponent(played.body.position)}`)).status).toBe(200);
    await s.settle();
    const metrics = (await s.api.get('/metrics')).text;
    expect(metrics).toMatch(/^# TYPE chorus_event_store_append_seconds histogram$/m);
    expect(sample(metrics, 'chorus_event_store_append_seconds_count', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/^# TYPE chorus_projection_lag_seconds gauge$/m);
    for (const projection of ['recent-plays', 'charts']) {
      const lag = sample(metrics, 'chorus_projection_lag_seconds', { projection });
      expect(lag, `chorus_projection_lag_seconds{projection="${projection}"}`).toBeGreaterThanOrEqual(0);
    }
  });
});
