/**
 * Per-user write rate limit (CHORUS_RATE_LIMIT_WRITES=5): the 6th write in a minute answers 429
 * RATE_LIMITED with Retry-After, on whichever node it reaches (the count is kept in Redis); other
 * users and reads are not affected. Tokens are minted here (the dev-token route is itself a write,
 * limited per address).
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../app/config.js';
import { startChorus } from '../../app/main.js';
import { ApiClient, signDevToken } from '../support/api-client.js';
import { TEST_REDIS_URL } from '../support/redis.js';
import { DEV_SECRET, expectRefused, startE2eServer, uniqueUser, type E2eServer } from './support/server.js';

const LIMIT = 5;
const PLAY = { trackId: 'demo-track-0-1', msPlayed: 60_000 };

let s: E2eServer;
beforeAll(async () => {
  s = await startE2eServer('ratelimit', { env: { CHORUS_RATE_LIMIT_WRITES: String(LIMIT) } });
});
afterAll(async () => {
  await s?.close();
});

async function user(label: string): Promise<{ id: string; api: ApiClient }> {
  const id = uniqueUser(label);
  const api = s.api.as(await signDevToken(DEV_SECRET, { sub: id, name: label }));
  expect((await api.get('/v1/me')).status).toBe(200); // registered on first use
  return { id, api };
}

function expectRetryAfter(headers: Headers): void {
  const retryAfter = headers.get('retry-after');
  expect(retryAfter, 'Retry-After header').toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(retryAfter)).toBeLessThanOrEqual(60);
}

describe('write rate limit', () => {
  it('the 6th play in a minute answers 429 RATE_LIMITED with Retry-After, and is not recorded', async () => {
    const alice = await user('alice');
    for (let i = 0; i < LIMIT; i += 1) {
      const played = await alice.api.post('/v1/me/plays', PLAY);
      expect(played.status, `play ${i + 1}`).toBe(202);
    }
    const refused = await expectRefused(s, 'RATE_LIMITED', () => alice.api.post('/v1/me/plays', PLAY));
    expectRetryAfter(refused.headers);
    expect(await s.stream(`listens-${alice.id}`)).toHaveLength(LIMIT);
  });

  it('another user is not affected', async () => {
    const alice = await user('busy');
    for (let i = 0; i < LIMIT; i += 1) await alice.api.post('/v1/me/plays', PLAY);
    await expectRefused(s, 'RATE_LIMITED', () => alice.api.post('/v1/me/plays', PLAY));
    const bob = await user('calm');
    expect((await bob.api.post('/v1/me/plays', PLAY)).status).toBe(202);
    expect((await bob.api.post('/v1/playlists', { name: 'Still fine' })).status).toBe(201);
  });

  it('reads are not affected', async () => {
    const alice = await user('reader');
    for (let i = 0; i < LIMIT; i += 1) await alice.api.post('/v1/me/plays', PLAY);
    await expectRefused(s, 'RATE_LIMITED', () => alice.api.post('/v1/me/plays', PLAY));
    for (let i = 0; i < 3 * LIMIT; i += 1) {
      for (const path of ['/v1/me', '/v1/me/plays/recent', '/v1/charts/tracks', '/v1/search?q=rain', '/v1/me/playlists']) {
        expect((await alice.api.get(path)).status, path).toBe(200);
      }
    }
  });

  it('holds across nodes: writes on two nodes of one deployment count together', async () => {
    const other = await startChorus(
      loadConfig({
        DATABASE_URL: s.db.url,
        REDIS_URL: TEST_REDIS_URL,
        CHORUS_REDIS_KEY_PREFIX: s.redis.prefix,
        CHORUS_DEV_TOKEN_SECRET: DEV_SECRET,
        CHORUS_RATE_LIMIT_WRITES: String(LIMIT),
        CHORUS_DEMO_CATALOG: '0',
        HOST: '127.0.0.1',
        PORT: '0',
        CHORUS_NODE_ID: 'e2e-ratelimit-2',
      }),
      pino({ level: 'silent' }),
    );
    try {
      const alice = await user('two-nodes');
      const onOther = new ApiClient(other.url, alice.api.token);
      for (let i = 0; i < LIMIT; i += 1) {
        const played = await (i % 2 ? onOther : alice.api).post('/v1/me/plays', PLAY);
        expect(played.status, `play ${i + 1}`).toBe(202);
      }
      await expectRefused(s, 'RATE_LIMITED', () => onOther.post('/v1/me/plays', PLAY));
      await expectRefused(s, 'RATE_LIMITED', () => alice.api.post('/v1/me/plays', PLAY));
    } finally {
      await other.close();
    }
  });

  it('counts every kind of write together: 5 writes of different kinds, then the 6th is refused', async () => {
    const alice = await user('mixed');
    const bob = await user('target');
    const writes = [
      () => alice.api.post('/v1/me/plays', PLAY),
      () => alice.api.put(`/v1/me/following/users/${bob.id}`),
      () => alice.api.put('/v1/me/following/artists/demo-artist-0'),
      () => alice.api.post('/v1/playlists', { name: 'One' }),
      () => alice.api.post('/v1/playlists', { name: 'Two' }),
    ];
    for (const write of writes) expect((await write()).status).toBeLessThan(300);
    const refused = await expectRefused(s, 'RATE_LIMITED', () => alice.api.post('/v1/me/plays', PLAY));
    expectRetryAfter(refused.headers);
  });
});
