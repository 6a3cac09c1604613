/** Plays: POST /v1/me/plays and GET /v1/me/plays/recent, with read-your-writes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/api-client.js';
import { FAR_FUTURE, OVERSIZED, expectRefused, startE2eServer, uniqueUser, type E2eServer } from './support/server.js';

interface Accepted {
  eventId: string;
  position: string;
}
interface RecentPlay {
  trackId: string;
  playedAt: string;
  msPlayed: number;
  context?: { type: string; id?: string };
}

const TRACK = 'demo-track-0-1'; // 180 000 ms
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

let s: E2eServer;
beforeAll(async () => {
  s = await startE2eServer('plays');
});
afterAll(async () => {
  await s?.close();
});

async function user(label: string): Promise<{ id: string; api: ApiClient }> {
  const id = uniqueUser(label);
  return { id, api: await s.login(id) };
}

describe('POST /v1/me/plays', () => {
  it('answers 202 {eventId, position} and records TrackPlayed in the listens stream', async () => {
    const { id, api } = await user('player');
    const played = await api.post<Accepted>('/v1/me/plays', { trackId: TRACK, msPlayed: 95_000 });
    expect(played.status).toBe(202);
    expect(Object.keys(played.body).sort()).toEqual(['eventId', 'position']);
    expect(played.body.eventId).toMatch(UUID);
    expect(played.body.position).toEqual(expect.any(String));

    const events = await s.stream(`listens-${id}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      id: played.body.eventId,
      type: 'TrackPlayed',
      data: { userId: id, trackId: TRACK, msPlayed: 95_000, playedAt: expect.any(String) },
      metadata: { actorId: id },
    });
  });

  it('keeps playedAt, context and deviceId as given', async () => {
    const { id, api } = await user('full');
    const playedAt = ago(3_600_000);
    const played = await api.post<Accepted>('/v1/me/plays', {
      trackId: TRACK,
      msPlayed: 120_000,
      playedAt,
      context: { type: 'album', id: 'demo-album-0' },
      deviceId: 'phone-1',
    });
    expect(played.status).toBe(202);
    const [event] = await s.stream(`listens-${id}`);
    expect(event?.data).toEqual({ userId: id, trackId: TRACK, msPlayed: 120_000, playedAt, context: { type: 'album', id: 'demo-album-0' }, deviceId: 'phone-1' });
  });

  it('accepts a 0 ms play, a play up to the track length plus 10 s, and a search context without id', async () => {
    const { api } = await user('edges');
    expect((await api.post('/v1/me/plays', { trackId: TRACK, msPlayed: 0 })).status).toBe(202);
    expect((await api.post('/v1/me/plays', { trackId: TRACK, msPlayed: 190_000 })).status).toBe(202);
    expect((await api.post('/v1/me/plays', { trackId: TRACK, msPlayed: 1_000, context: { type: 'search' } })).status).toBe(202);
  });

  it('records the same play sent twice as two plays (each request is a new event)', async () => {
    const { id, api } = await user('twice');
    const body = { trackId: TRACK, msPlayed: 40_000, playedAt: ago(60_000) };
    const a = await api.post<Accepted>('/v1/me/plays', body);
    const b = await api.post<Accepted>('/v1/me/plays', body);
    expect(a.body.eventId).not.toBe(b.body.eventId);
    expect((await s.stream(`listens-${id}`)).map((e) => e.id)).toEqual([a.body.eventId, b.body.eventId]);
  });

  it('refuses an unknown track with 404 TRACK_NOT_FOUND', async () => {
    const { api } = await user('unknown');
    await expectRefused(s, 'TRACK_NOT_FOUND', () => api.post('/v1/me/plays', { trackId: 'no-such-track', msPlayed: 60_000 }));
  });

  it('refuses a play longer than the track allows with 422 INVALID_PLAY', async () => {
    const { api } = await user('long');
    await expectRefused(s, 'INVALID_PLAY', () => api.post('/v1/me/plays', { trackId: TRACK, msPlayed: 190_001 }));
  });

  it('refuses a play in the future with 422 INVALID_PLAY', async () => {
    const { api } = await user('future');
    await expectRefused(s, 'INVALID_PLAY', () => api.post('/v1/me/plays', { trackId: TRACK, msPlayed: 60_000, playedAt: ago(-3_600_000) }));
  });

  const invalid: Array<[string, unknown]> = [
    ['no trackId', { msPlayed: 60_000 }],
    ['no msPlayed', { trackId: TRACK }],
    ['an unknown field', { trackId: TRACK, msPlayed: 60_000, rating: 5 }],
    ['a trackId with a space', { trackId: 'demo track', msPlayed: 60_000 }],
    ['a numeric trackId (ill-typed)', { trackId: 123, msPlayed: 60_000 }],
    ['msPlayed as a string (ill-typed)', { trackId: TRACK, msPlayed: '60000' }],
    ['msPlayed as a boolean (ill-typed)', { trackId: TRACK, msPlayed: true }],
    ['a fractional msPlayed', { trackId: TRACK, msPlayed: 1.5 }],
    ['a negative msPlayed', { trackId: TRACK, msPlayed: -1 }],
    ['msPlayed over a day', { trackId: TRACK, msPlayed: 86_400_001 }],
    ['playedAt that is not a time', { trackId: TRACK, msPlayed: 60_000, playedAt: 'yesterday' }],
    ['playedAt as a number (ill-typed)', { trackId: TRACK, msPlayed: 60_000, playedAt: 1_700_000_000_000 }],
    ['an unknown context type', { trackId: TRACK, msPlayed: 60_000, context: { type: 'radio', id: 'x' } }],
    ['a context with an unknown field', { trackId: TRACK, msPlayed: 60_000, context: { type: 'album', id: 'demo-album-0', page: 2 } }],
    ['a context that is a string', { trackId: TRACK, msPlayed: 60_000, context: 'album' }],
    ['an album context without its id', { trackId: TRACK, msPlayed: 60_000, context: { type: 'album' } }],
    ['a deviceId with a space', { trackId: TRACK, msPlayed: 60_000, deviceId: 'my phone' }],
    ['an array', [{ trackId: TRACK, msPlayed: 60_000 }]],
    ['null', null],
    ['a string', 'play'],
  ];
  it.each(invalid)('refuses %s with 400 VALIDATION_FAILED and writes nothing', async (_label, body) => {
    const { api } = await user('invalid');
    await expectRefused(s, 'VALIDATION_FAILED', () => api.request('POST', '/v1/me/plays', { raw: JSON.stringify(body), contentType: 'application/json' }));
  });

  it('refuses a body that is not JSON, and an empty body, with 400', async () => {
    const { api } = await user('notjson');
    await expectRefused(s, 'VALIDATION_FAILED', () => api.request('POST', '/v1/me/plays', { raw: '{"trackId": ', contentType: 'application/json' }));
    await expectRefused(s, 'VALIDATION_FAILED', () => api.request('POST', '/v1/me/plays', { raw: '', contentType: 'application/json' }));
  });

  it('refuses a request without a body with 400', async () => {
    const { api } = await user('nobody');
    await expectRefused(s, 'VALIDATION_FAILED', () => api.request('POST', '/v1/me/plays'));
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded'])('refuses Content-Type %s with 415', async (contentType) => {
    const { api } = await user('ctype');
    await expectRefused(s, 'UNSUPPORTED_MEDIA_TYPE', () => api.request('POST', '/v1/me/plays', { raw: JSON.stringify({ trackId: TRACK, msPlayed: 60_000 }), contentType }));
  });

  it('refuses a body over the limit with 413', async () => {
    const { api } = await user('big');
    await expectRefused(s, 'PAYLOAD_TOO_LARGE', () => api.post('/v1/me/plays', { trackId: TRACK, msPlayed: 60_000, deviceId: OVERSIZED }));
  });

  it('refuses a caller without a token with 401', async () => {
    await expectRefused(s, 'UNAUTHENTICATED', () => s.api.post('/v1/me/plays', { trackId: TRACK, msPlayed: 60_000 }));
  });
});

describe('GET /v1/me/plays/recent', () => {
  it('with ?after= the play just made is there: {trackId, playedAt, msPlayed}, newest first, only mine', async () => {
    const me = await user('recent');
    const other = await user('other');
    await other.api.post('/v1/me/plays', { trackId: 'demo-track-0-2', msPlayed: 50_000 });
    const olderAt = ago(120_000);
    const older = await me.api.post<Accepted>('/v1/me/plays', { trackId: 'demo-track-0-3', msPlayed: 31_000, playedAt: olderAt });
    expect(older.status).toBe(202);
    const playedAt = ago(1_000);
    const newer = await me.api.post<Accepted>('/v1/me/plays', { trackId: TRACK, msPlayed: 45_000, playedAt, context: { type: 'artist', id: 'demo-artist-0' } });
    expect(newer.status).toBe(202);

    const recent = await me.api.get<{ items: RecentPlay[] }>(`/v1/me/plays/recent?after=${encodeURIComponent(newer.body.position)}`);
    expect(recent.status).toBe(200);
    expect(recent.body.items).toHaveLength(2);
    expect(recent.body.items[0]).toMatchObject({ trackId: TRACK, playedAt, msPlayed: 45_000 });
    expect(recent.body.items[1]).toMatchObject({ trackId: 'demo-track-0-3', playedAt: olderAt, msPlayed: 31_000 });

    const one = await me.api.get<{ items: RecentPlay[] }>('/v1/me/plays/recent?limit=1');
    expect(one.body.items.map((p) => p.trackId)).toEqual([TRACK]);
  });

  it('answers an empty list to a user who has played nothing', async () => {
    const { api } = await user('silent');
    const recent = await api.get('/v1/me/plays/recent');
    expect(recent.status).toBe(200);
    expect(recent.body).toMatchObject({ items: [] });
  });

  it.each([
    ['limit=0', '?limit=0'],
    ['limit=51', '?limit=51'],
    ['limit=abc', '?limit=abc'],
    ['an unknown parameter', '?since=yesterday'],
  ])('refuses %s with 400 VALIDATION_FAILED', async (_label, query) => {
    const { api } = await user('recentbad');
    await expectRefused(s, 'VALIDATION_FAILED', () => api.get(`/v1/me/plays/recent${query}`));
  });

  it('refuses a malformed after= with 400 INVALID_POSITION', async () => {
    const { api } = await user('recentpos');
    await expectRefused(s, 'INVALID_POSITION', () => api.get('/v1/me/plays/recent?after=abc'));
  });

  it('answers 504 PROJECTIONS_BEHIND within about 2 s for a position far in the future', async () => {
    const { api } = await user('recentfuture');
    const started = Date.now();
    await expectRefused(s, 'PROJECTIONS_BEHIND', () => api.get(`/v1/me/plays/recent?after=${FAR_FUTURE}`));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1_500);
    expect(elapsed).toBeLessThan(4_000);
  });

  it('refuses a caller without a token with 401', async () => {
    await expectRefused(s, 'UNAUTHENTICATED', () => s.api.get('/v1/me/plays/recent'));
  });
});
