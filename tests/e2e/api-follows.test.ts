/**
 * Follows: PUT|DELETE /v1/me/following/{users,artists,playlists}/:id, GET /v1/users/:id/followers
 * and /following, GET /v1/me/feed, with read-your-writes through the `chorus-position` header.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient, ApiResponse } from '../support/api-client.js';
import { expectNothingWritten, expectRefused, startE2eServer, uniqueUser, type E2eServer } from './support/server.js';

interface FollowPage {
  items: Array<{ userId: string; displayName?: string }>;
  total?: number;
  next?: string;
}

let s: E2eServer;
beforeAll(async () => {
  s = await startE2eServer('follows');
});
afterAll(async () => {
  await s?.close();
});

async function user(label: string, displayName = `User ${label}`): Promise<{ id: string; api: ApiClient }> {
  const id = uniqueUser(label);
  return { id, api: await s.login(id, displayName) };
}

/** A 204 with an empty body; its `chorus-position` header (present when the write recorded something). */
function expectNoContent(response: ApiResponse): string | null {
  expect(response.status, response.text).toBe(204);
  expect(response.text).toBe('');
  return response.headers.get('chorus-position');
}

const after = (position: string | null) => (position ? `?after=${encodeURIComponent(position)}` : '');

describe('PUT|DELETE /v1/me/following/users/:id', () => {
  it('PUT answers 204 with a position; the followers list ?after= it includes me; following lists them', async () => {
    const alice = await user('alice', 'Alice');
    const bob = await user('bob', 'Bob');
    const position = expectNoContent(await alice.api.put(`/v1/me/following/users/${bob.id}`));
    expect(position).toEqual(expect.any(String));

    const followers = await bob.api.get<FollowPage>(`/v1/users/${bob.id}/followers${after(position)}`);
    expect(followers.status).toBe(200);
    expect(followers.body.items).toEqual([expect.objectContaining({ userId: alice.id, displayName: 'Alice' })]);
    expect(followers.body.total ?? 1).toBe(1);

    const following = await bob.api.get<FollowPage>(`/v1/users/${alice.id}/following${after(position)}`);
    expect(following.status).toBe(200);
    expect(following.body.items).toEqual([expect.objectContaining({ userId: bob.id })]);
    expect(following.body.total ?? 1).toBe(1);

    const me = await alice.api.get(`/v1/me${after(position)}`);
    expect(me.body).toMatchObject({ userId: alice.id, following: 1 });
  });

  it('PUT twice is idempotent: 204, nothing more written, one follower', async () => {
    const alice = await user('alice2');
    const bob = await user('bob2');
    const position = expectNoContent(await alice.api.put(`/v1/me/following/users/${bob.id}`));
    const again = await expectNothingWritten(s, () => alice.api.put(`/v1/me/following/users/${bob.id}`));
    expectNoContent(again);
    const followers = await bob.api.get<FollowPage>(`/v1/users/${bob.id}/followers${after(position)}`);
    expect(followers.body.items.map((f) => f.userId)).toEqual([alice.id]);
  });

  it('DELETE answers 204; the followers list ?after= it no longer has me; DELETE again writes nothing', async () => {
    const alice = await user('alice3');
    const bob = await user('bob3');
    expectNoContent(await alice.api.put(`/v1/me/following/users/${bob.id}`));
    const position = expectNoContent(await alice.api.delete(`/v1/me/following/users/${bob.id}`));
    expect(position).toEqual(expect.any(String));
    const followers = await bob.api.get<FollowPage>(`/v1/users/${bob.id}/followers${after(position)}`);
    expect(followers.body.items).toEqual([]);
    expect(followers.body.total ?? 0).toBe(0);
    expectNoContent(await expectNothingWritten(s, () => alice.api.delete(`/v1/me/following/users/${bob.id}`)));
  });

  it('pages followers with limit and offset, newest first', async () => {
    const star = await user('star');
    const fans = [await user('fan1'), await user('fan2'), await user('fan3')];
    let position: string | null = null;
    for (const fan of fans) position = expectNoContent(await fan.api.put(`/v1/me/following/users/${star.id}`));
    const page = await star.api.get<FollowPage>(`/v1/users/${star.id}/followers${after(position)}&limit=2`);
    expect(page.status).toBe(200);
    expect(page.body.items.map((f) => f.userId)).toEqual([fans[2]!.id, fans[1]!.id]);
    expect(page.body.total).toBe(3);
    const rest = await star.api.get<FollowPage>(`/v1/users/${star.id}/followers?limit=2&offset=2`);
    expect(rest.body.items.map((f) => f.userId)).toEqual([fans[0]!.id]);
  });

  it('refuses following yourself with 422 CANNOT_FOLLOW_SELF', async () => {
    const alice = await user('self');
    await expectRefused(s, 'CANNOT_FOLLOW_SELF', () => alice.api.put(`/v1/me/following/users/${alice.id}`));
  });

  it('refuses following an unknown user with 404 USER_NOT_FOUND', async () => {
    const alice = await user('lonely');
    await expectRefused(s, 'USER_NOT_FOUND', () => alice.api.put(`/v1/me/following/users/${uniqueUser('nobody')}`));
  });

  it.each(['PUT', 'DELETE'] as const)('%s refuses a bad user id with 400 and no token with 401', async (method) => {
    const alice = await user('badid');
    await expectRefused(s, 'VALIDATION_FAILED', () => alice.api.request(method, '/v1/me/following/users/bad%20id'));
    await expectRefused(s, 'VALIDATION_FAILED', () => alice.api.request(method, '/v1/me/following/users/-dash'));
    await expectRefused(s, 'UNAUTHENTICATED', () => s.api.request(method, `/v1/me/following/users/${alice.id}`));
  });

  it('refuses an unknown query parameter with 400', async () => {
    const alice = await user('q');
    const bob = await user('qb');
    await expectRefused(s, 'VALIDATION_FAILED', () => alice.api.put(`/v1/me/following/users/${bob.id}?notify=1`));
  });
});

describe('PUT|DELETE /v1/me/following/artists/:id', () => {
  it('follows and unfollows an artist with 204 and a position', async () => {
    const alice = await user('artistfan');
    const put = expectNoContent(await alice.api.put('/v1/me/following/artists/demo-artist-0'));
    expect(put).toEqual(expect.any(String));
    expect((await s.stream(`user-${alice.id}`)).map((e) => e.type)).toEqual(['UserRegistered', 'ArtistFollowed']);
    expectNoContent(await expectNothingWritten(s, () => alice.api.put('/v1/me/following/artists/demo-artist-0')));
    expect(expectNoContent(await alice.api.delete('/v1/me/following/artists/demo-artist-0'))).toEqual(expect.any(String));
    expect((await s.stream(`user-${alice.id}`)).map((e) => e.type)).toEqual(['UserRegistered', 'ArtistFollowed', 'ArtistUnfollowed']);
  });

  it('refuses an unknown artist with 404 ARTIST_NOT_FOUND, a bad id with 400, no token with 401', async () => {
    const alice = await user('artistbad');
    await expectRefused(s, 'ARTIST_NOT_FOUND', () => alice.api.put('/v1/me/following/artists/no-such-artist'));
    await expectRefused(s, 'VALIDATION_FAILED', () => alice.api.put('/v1/me/following/artists/bad%20id'));
    await expectRefused(s, 'UNAUTHENTICATED', () => s.api.put('/v1/me/following/artists/demo-artist-0'));
    await expectRefused(s, 'UNAUTHENTICATED', () => s.api.delete('/v1/me/following/artists/demo-artist-0'));
  });
});

describe('PUT|DELETE /v1/me/following/playlists/:id', () => {
  async function playlist(owner: ApiClient, body: Record<string, unknown>): Promise<string> {
    const created = await owner.post<{ id: string }>('/v1/playlists', body);
    expect(created.status).toBe(201);
    return created.body.id;
  }

  it('follows and unfollows a public playlist with 204', async () => {
    const owner = await user('plowner');
    const fan = await user('plfan');
    const id = await playlist(owner.api, { name: 'Public one' });
    expect(expectNoContent(await fan.api.put(`/v1/me/following/playlists/${id}`))).toEqual(expect.any(String));
    expect((await s.stream(`user-${fan.id}`)).map((e) => e.type)).toEqual(['UserRegistered', 'PlaylistFollowed']);
    expectNoContent(await fan.api.delete(`/v1/me/following/playlists/${id}`));
    expect((await s.stream(`user-${fan.id}`)).map((e) => e.type)).toEqual(['UserRegistered', 'PlaylistFollowed', 'PlaylistUnfollowed']);
  });

  it('refuses a private playlist of someone else with 404 PLAYLIST_NOT_FOUND', async () => {
    const owner = await user('privowner');
    const stranger = await user('stranger');
    const id = await playlist(owner.api, { name: 'Secret', public: false });
    await expectRefused(s, 'PLAYLIST_NOT_FOUND', () => stranger.api.put(`/v1/me/following/playlists/${id}`));
  });

  it('refuses an unknown playlist with 404 PLAYLIST_NOT_FOUND', async () => {
    const fan = await user('nopl');
    await expectRefused(s, 'PLAYLIST_NOT_FOUND', () => fan.api.put('/v1/me/following/playlists/no-such-playlist'));
  });

  it('refuses a deleted public playlist with 410 PLAYLIST_DELETED', async () => {
    const owner = await user('delowner');
    const fan = await user('delfan');
    const id = await playlist(owner.api, { name: 'Soon gone' });
    expectNoContent(await owner.api.delete(`/v1/playlists/${id}`));
    await expectRefused(s, 'PLAYLIST_DELETED', () => fan.api.put(`/v1/me/following/playlists/${id}`));
  });

  it('refuses a bad id with 400 and no token with 401', async () => {
    const fan = await user('plbad');
    await expectRefused(s, 'VALIDATION_FAILED', () => fan.api.put('/v1/me/following/playlists/bad%20id'));
    await expectRefused(s, 'UNAUTHENTICATED', () => s.api.put('/v1/me/following/playlists/whatever'));
  });
});

describe('GET /v1/users/:id/followers and /following', () => {
  it.each(['followers', 'following'])('%s of an unknown user answers 404 USER_NOT_FOUND', async (path) => {
    const alice = await user('reader');
    await expectRefused(s, 'USER_NOT_FOUND', () => alice.api.get(`/v1/users/${uniqueUser('ghost')}/${path}`));
  });

  it.each(['followers', 'following'])('%s of a user with none answers an empty list', async (path) => {
    const alice = await user('nobodyfollows');
    const page = await alice.api.get<FollowPage>(`/v1/users/${alice.id}/${path}`);
    expect(page.status).toBe(200);
    expect(page.body.items).toEqual([]);
  });

  describe.each(['followers', 'following'])('%s', (path) => {
    it.each([
      ['limit=0', '?limit=0'],
      ['limit=51', '?limit=51'],
      ['limit=ten', '?limit=ten'],
      ['offset=-1', '?offset=-1'],
      ['offset=10001', '?offset=10001'],
      ['an unknown parameter', '?order=asc'],
    ])('refuses %s with 400 VALIDATION_FAILED', async (_label, query) => {
      const alice = await user('pagebad');
      await expectRefused(s, 'VALIDATION_FAILED', () => alice.api.get(`/v1/users/${alice.id}/${path}${query}`));
    });

    it('refuses a bad user id with 400, a malformed after= with 400 INVALID_POSITION, no token with 401', async () => {
      const alice = await user('misc');
      await expectRefused(s, 'VALIDATION_FAILED', () => alice.api.get(`/v1/users/bad%20id/${path}`));
      await expectRefused(s, 'INVALID_POSITION', () => alice.api.get(`/v1/users/${alice.id}/${path}?after=abc`));
      await expectRefused(s, 'UNAUTHENTICATED', () => s.api.get(`/v1/users/${alice.id}/${path}`));
    });
  });
});

describe('GET /v1/me/feed', () => {
  it('shows the latest play of each user I follow: {userId, trackId, playedAt}', async () => {
    const alice = await user('feeder');
    const bob = await user('feedbob', 'Bob');
    const carol = await user('feedcarol');
    expectNoContent(await alice.api.put(`/v1/me/following/users/${bob.id}`));
    const playedAt = new Date(Date.now() - 5_000).toISOString();
    await bob.api.post('/v1/me/plays', { trackId: 'demo-track-0-1', msPlayed: 10_000, playedAt: new Date(Date.now() - 60_000).toISOString() });
    const latest = await bob.api.post<{ position: string }>('/v1/me/plays', { trackId: 'demo-track-0-2', msPlayed: 50_000, playedAt });
    const unfollowed = await carol.api.post<{ position: string }>('/v1/me/plays', { trackId: 'demo-track-0-3', msPlayed: 50_000 });
    expect(latest.status).toBe(202);

    const feed = await alice.api.get<{ items: Array<Record<string, unknown>> }>(`/v1/me/feed?after=${encodeURIComponent(unfollowed.body.position)}`);
    expect(feed.status).toBe(200);
    expect(feed.body.items).toEqual([expect.objectContaining({ userId: bob.id, trackId: 'demo-track-0-2', playedAt })]);
  });

  it.each([
    ['limit=0', '?limit=0'],
    ['limit=51', '?limit=51'],
    ['an unknown parameter', '?since=1'],
  ])('refuses %s with 400 VALIDATION_FAILED', async (_label, query) => {
    const alice = await user('feedbad');
    await expectRefused(s, 'VALIDATION_FAILED', () => alice.api.get(`/v1/me/feed${query}`));
  });

  it('refuses a malformed after= with 400 INVALID_POSITION and no token with 401', async () => {
    const alice = await user('feedpos');
    await expectRefused(s, 'INVALID_POSITION', () => alice.api.get('/v1/me/feed?after=abc'));
    await expectRefused(s, 'UNAUTHENTICATED', () => s.api.get('/v1/me/feed'));
  });
});
