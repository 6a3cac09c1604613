/**
 * Chorus started with REDIS_URL pointing at a port where nothing listens. Either it starts (the
 * event store and Postgres are fine): then /readyz answers 503 naming the cache, and what needs
 * Redis says the service is unavailable rather than failing as a bug. Or it refuses to start: then
 * it must say clearly that Redis is the problem, and soon.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, type ApiClient } from '../support/api-client.js';
import { freePort } from '../support/process.js';
import { startE2eServer, uniqueUser, type E2eServer } from './support/server.js';

interface Readiness {
  status: string;
  checks: Array<{ name: string; ok: boolean; error?: string }>;
}

let s: E2eServer | undefined;
let alice: ApiClient;
let startError: unknown;
let startMs = 0;
beforeAll(async () => {
  const closed = await freePort();
  const started = Date.now();
  try {
    s = await startE2eServer('redisdown', { env: { REDIS_URL: `redis://127.0.0.1:${closed}` }, settle: false });
    alice = await s.login(uniqueUser('alice'));
  } catch (error) {
    startError = error;
  }
  startMs = Date.now() - started;
});
afterAll(async () => {
  await s?.close();
});

describe('Redis unreachable', () => {
  it('Chorus starts, or refuses to start within 15 s with an error that names Redis', () => {
    if (startError === undefined) return;
    const message = startError instanceof Error ? startError.message : String(startError);
    expect(message, 'the start-up error should say that Redis cannot be reached').toMatch(/redis/i);
    expect(startMs).toBeLessThan(15_000);
  });

  it('/healthz still answers 200 (the process is alive)', async (context) => {
    if (!s) return context.skip('Chorus did not start');
    expect((await s.api.get('/healthz')).status).toBe(200);
  });

  it('/readyz answers 503 naming the failed check (cache), the others ok', async (context) => {
    if (!s) return context.skip('Chorus did not start');
    const ready = await s.api.get<Readiness>('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.status).not.toBe('ready');
    const cache = ready.body.checks.find((c) => c.name === 'cache');
    expect(cache).toMatchObject({ ok: false, error: expect.any(String) });
    for (const name of ['event-store', 'sql']) expect(ready.body.checks.find((c) => c.name === name), name).toMatchObject({ ok: true });
  });

  it('plays are still accepted (the event store is the source of truth)', async (context) => {
    if (!s) return context.skip('Chorus did not start');
    const played = await alice.post('/v1/me/plays', { trackId: 'demo-track-0-1', msPlayed: 60_000 });
    expect(played.status).toBe(202);
  });

  it('a read served from Redis answers 503 SERVICE_UNAVAILABLE, not 500', async (context) => {
    if (!s) return context.skip('Chorus did not start');
    expectError(await alice.get('/v1/me/plays/recent'), 'SERVICE_UNAVAILABLE');
  });
});
