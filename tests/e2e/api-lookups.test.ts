/**
 * The lookups a client makes to draw a screen: GET /v1/users/:id (a profile),
 * GET /v1/me/following/contains (which of these do I follow), GET /v1/tracks?ids= (many tracks
 * in one request). Each refuses hostile input clearly and writes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../support/api-client.js';
import { expectRefused, startE2eServer, uniqueUser, type E2eServer } from './support/server.js';

let s: E2eServer;
beforeAll(async () => {
  s = await startE2eServer('lookups');
});
afterAll(async () => {
  await s?.close();
});

const after = (position: string | null) => (position ? `?after=${encodeURIComponent(position)}` : '');

describe('GET /v1/users/:id', () => {
  it('answers a profile with counts, read-your-writes after a follow', async () => {
    const alice = uniqueUser('alice');
    const bob = uniqueUser('bob');
    const aliceApi = await s.login(alice, 'Alice');
    await s.login(bob, 'Bob');
    const followed = await aliceApi.put(`/v1/me/following/users/${bob}`);
    expect(followed.status).toBe(204);
    const profile = await aliceApi.get(`/v1/users/${bob}${after(followed.headers.get('chorus-position'))}`);
    expect(profile.status).toBe(200);
    expect(profile.body).toEqual({ userId: bob, displayName: 'Bob', followers: 1, following: 0 });
  });

  it('refuses an unknown user, a malformed id, a missing token and unknown query fields', async () => {
    const api = await s.login(uniqueUser('carol'));
    expectError(await api.get(`/v1/users/${uniqueUser('nobody')}`), 'USER_NOT_FOUND');
    expectError(await api.get('/v1/users/%00bad'), 'VALIDATION_FAILED');
    expectError(await api.get(`/v1/users/${'x'.repeat(200)}`), 'VALIDATION_FAILED');
    expectError(await api.get('/v1/users/someone?admin=1'), 'VALIDATION_FAILED');
    expectError(await s.api.get('/v1/users/someone'), 'UNAUTHENTICATED');
  });
});

describe('GET /v1/me/following/contains', () => {
  it('says, in order, which users, artists and playlists I follow', async () => {
    const me = uniqueUser('dan');
    const friend = uniqueUser('erin');
    const api = await s.login(me, 'Dan');
    await s.login(friend, 'Erin');
    await api.put(`/v1/me/following/users/${friend}`);
    const artist = await api.put('/v1/me/following/artists/demo-artist-0');
    const position = artist.headers.get('chorus-position');
    const pos = position ? `&after=${encodeURIComponent(position)}` : '';

    const users = await api.get<{ items: boolean[] }>(`/v1/me/following/contains?type=users&ids=${uniqueUser('x')},${friend},${friend}${pos}`);
    expect(users.status).toBe(200);
    expect(users.body.items).toEqual([false, true, true]);
    const artists = await api.get<{ items: boolean[] }>(`/v1/me/following/contains?type=artists&ids=demo-artist-0,demo-artist-1${pos}`);
    expect(artists.body.items).toEqual([true, false]);
    const playlists = await api.get<{ items: boolean[] }>(`/v1/me/following/contains?type=playlists&ids=nope${pos}`);
    expect(playlists.body.items).toEqual([false]);
  });

  it('refuses hostile lists: too many ids, malformed ids, NUL, an unknown type, no ids; writes nothing', async () => {
    const api = await s.login(uniqueUser('frank'));
    const many = Array.from({ length: 51 }, (_, i) => `u${i}`).join(',');
    for (const query of [`type=users&ids=${many}`, 'type=users&ids=a,,b', 'type=users&ids=%00', 'type=tracks&ids=a', 'type=users', 'type=users&ids=a&extra=1', `type=users&ids=${'a'.repeat(7000)}`]) {
      await expectRefused(s, 'VALIDATION_FAILED', () => api.get(`/v1/me/following/contains?${query}`));
    }
    expectError(await s.api.get('/v1/me/following/contains?type=users&ids=a'), 'UNAUTHENTICATED');
  });
});

describe('GET /v1/tracks?ids=', () => {
  it('answers the tracks in the order asked, null for an unknown id', async () => {
    const api = await s.login(uniqueUser('gina'));
    const answer = await api.get<{ items: ({ id: string; title: string; artistName: string } | null)[] }>('/v1/tracks?ids=demo-track-0-3,no-such-track,demo-track-0-1,demo-track-0-3');
    expect(answer.status).toBe(200);
    expect(answer.body.items.map((t) => t?.id ?? null)).toEqual(['demo-track-0-3', null, 'demo-track-0-1', 'demo-track-0-3']);
    expect(answer.body.items[0]).toMatchObject({ title: 'Call and Response', artistName: 'The Polyphonics' });
  });

  it('refuses more than 50 ids, malformed ids and missing ids', async () => {
    const api = await s.login(uniqueUser('hank'));
    const many = Array.from({ length: 51 }, (_, i) => `t${i}`).join(',');
    for (const query of [`ids=${many}`, 'ids=', 'ids=a%00b', 'ids=a,-b', '', 'ids=a&limit=3']) {
      expectError(await api.get(`/v1/tracks?${query}`), 'VALIDATION_FAILED');
    }
  });
});
