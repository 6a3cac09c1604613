/**
 * The `users` read model (users.ts + follows.ts) on Postgres and PGlite: registrations, the
 * follower graph and its counts through follow/unfollow sequences in batches of one and in one
 * batch, artists/playlists/liked tracks and albums, paging, and rebuild equals incremental.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userStream, type UserEvent } from '../../../domain/user/events.js';
import {
  followedArtists,
  followedPlaylists,
  followers,
  following,
  isFollowing,
  likedAlbums,
  likedTracks,
  starredAmong,
} from '../../../projections/sql/follows.js';
import { getUser, listUsers, usersExist, usersProjection } from '../../../projections/sql/users.js';
import { propertyParameters } from '../../support/property.js';
import { BACKENDS, openHarness, type ReadModelHarness } from '../../support/projection-harness.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute)).toISOString();

const register = (userId: string, displayName = userId.toUpperCase(), minute = 0): UserEvent => ({
  type: 'UserRegistered',
  data: { userId, displayName, registeredAt: at(minute) },
});
const follow = (userId: string, followeeId: string, minute: number): UserEvent => ({ type: 'UserFollowed', data: { userId, followeeId, at: at(minute) } });
const unfollow = (userId: string, followeeId: string, minute: number): UserEvent => ({ type: 'UserUnfollowed', data: { userId, followeeId, at: at(minute) } });

describe.each(BACKENDS)('users read model on %s', (backend) => {
  let h: ReadModelHarness;
  /** Appends each user's events to their own stream, in the given global order. */
  const appendAll = async (events: readonly UserEvent[]) => {
    for (const e of events) await h.append(userStream(e.data.userId), [e]);
  };
  const counts = async (id: string) => {
    const user = await getUser(h.sql, id);
    return user && { followers: user.followers, following: user.following };
  };

  beforeAll(async () => {
    h = await openHarness(backend, 'rm_users');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('registers users once and answers getUser and usersExist', async () => {
    await appendAll([register('ann', 'Ann', 1), register('bob', 'Bob', 2), register('ann', 'Ann again', 3)]);
    await h.catchUp([usersProjection]);
    expect(await getUser(h.sql, 'ann')).toEqual({
      id: 'ann',
      displayName: 'Ann',
      role: 'user',
      plan: 'free',
      country: null,
      registeredAt: at(1),
      followers: 0,
      following: 0,
    });
    expect(await getUser(h.sql, 'nobody')).toBeUndefined();
    expect(await usersExist(h.sql, ['ann', 'bob', 'nobody', 'ann'])).toEqual(new Set(['ann', 'bob']));
    expect(await usersExist(h.sql, [])).toEqual(new Set());
  });

  it('keeps username, role, plan, country and display name through their changes; a removed user is gone from lookups and the list', async () => {
    const id = 'acc-1';
    const changes: UserEvent[] = [
      { type: 'UserRegistered', data: { userId: id, displayName: 'Acc', registeredAt: at(5), role: 'admin', username: 'acc', plan: 'premium', country: 'SE' } },
      { type: 'UserRoleChanged', data: { userId: id, role: 'user', at: at(6) } },
      { type: 'UserPlanChanged', data: { userId: id, plan: 'free', at: at(7) } },
      { type: 'UserCountryChanged', data: { userId: id, country: null, at: at(8) } },
      { type: 'UserProfileChanged', data: { userId: id, displayName: 'Acc B', at: at(9) } },
    ];
    await h.append(userStream(id), changes);
    await appendAll([register('acc-2', 'Acc 2', 10)]);
    await h.catchUp([usersProjection]);
    expect(await getUser(h.sql, id)).toMatchObject({ username: 'acc', role: 'user', plan: 'free', country: null, displayName: 'Acc B' });
    const listed = await listUsers(h.sql, { limit: 50 });
    expect(listed.items.map((u) => u.id)).toEqual(expect.arrayContaining([id, 'acc-2']));
    await h.append(userStream('acc-2'), [{ type: 'UserRemoved', data: { userId: 'acc-2', at: at(11) } }]);
    await h.catchUp([usersProjection]);
    expect(await getUser(h.sql, 'acc-2')).toBeUndefined();
    expect(await usersExist(h.sql, ['acc-2', id])).toEqual(new Set([id]));
    const after = await listUsers(h.sql, { limit: 50 });
    expect(after.items.map((u) => u.id)).not.toContain('acc-2');
    expect(after.total).toBe(listed.total - 1);
  });

  it('keeps counts, lists and isFollowing right through follows and unfollows, one event per batch', async () => {
    await appendAll(['c1', 'c2', 'c3', 'c4'].map((id) => register(id)));
    await appendAll([
      follow('c1', 'c2', 1),
      follow('c3', 'c2', 2),
      follow('c4', 'c2', 3),
      follow('c2', 'c1', 4),
      unfollow('c3', 'c2', 5),
      follow('c3', 'c2', 6),
      unfollow('c4', 'c2', 7),
    ]);
    await h.catchUp([usersProjection], { batchSize: 1 });
    expect(await counts('c2')).toEqual({ followers: 2, following: 1 });
    expect(await counts('c1')).toEqual({ followers: 1, following: 1 });
    expect(await counts('c4')).toEqual({ followers: 0, following: 0 });
    expect(await followers(h.sql, 'c2')).toEqual({
      items: [
        { userId: 'c3', displayName: 'C3', followedAt: at(6) },
        { userId: 'c1', displayName: 'C1', followedAt: at(1) },
      ],
      total: 2,
    });
    expect(await following(h.sql, 'c2')).toEqual({ items: [{ userId: 'c1', displayName: 'C1', followedAt: at(4) }], total: 1 });
    expect(await isFollowing(h.sql, 'c3', 'c2')).toBe(true);
    expect(await isFollowing(h.sql, 'c4', 'c2')).toBe(false);
    expect(await isFollowing(h.sql, 'c2', 'c3')).toBe(false);
  });

  it('nets out follow/unfollow sequences of one pair within one batch', async () => {
    await appendAll(['d1', 'd2', 'd3', 'd4', 'd5'].map((id) => register(id)));
    await appendAll([follow('d2', 'd1', 1), follow('d3', 'd1', 2)]);
    await h.catchUp([usersProjection]);
    await appendAll([
      // d4: follow then unfollow -> not following
      follow('d4', 'd1', 3),
      unfollow('d4', 'd1', 4),
      // d2 (already following): unfollow then follow -> following, since the new time
      unfollow('d2', 'd1', 5),
      follow('d2', 'd1', 6),
      // d5: follow, unfollow, follow -> following
      follow('d5', 'd1', 7),
      unfollow('d5', 'd1', 8),
      follow('d5', 'd1', 9),
      // d3 (already following): unfollow -> not following
      unfollow('d3', 'd1', 10),
      follow('d1', 'd5', 11),
    ]);
    await h.catchUp([usersProjection], { batchSize: 1_000 });
    expect(await counts('d1')).toEqual({ followers: 2, following: 1 });
    expect(await counts('d2')).toEqual({ followers: 0, following: 1 });
    expect(await counts('d3')).toEqual({ followers: 0, following: 0 });
    expect(await counts('d4')).toEqual({ followers: 0, following: 0 });
    expect(await counts('d5')).toEqual({ followers: 1, following: 1 });
    expect((await followers(h.sql, 'd1')).items.map((f) => [f.userId, f.followedAt])).toEqual([
      ['d5', at(9)],
      ['d2', at(6)],
    ]);
  });

  it('pages followers newest first with clamped limits and offsets', async () => {
    const fans = Array.from({ length: 7 }, (_, i) => `fan${i}`);
    await appendAll([register('star'), ...fans.map((id) => register(id)), ...fans.map((id, i) => follow(id, 'star', i))]);
    await h.catchUp([usersProjection], { batchSize: 3 });
    const first = await followers(h.sql, 'star', { limit: 3 });
    const second = await followers(h.sql, 'star', { limit: 3, offset: 3 });
    const last = await followers(h.sql, 'star', { limit: 3, offset: 6 });
    expect([...first.items, ...second.items, ...last.items].map((f) => f.userId)).toEqual([...fans].reverse());
    expect([first.total, second.total, last.total]).toEqual([7, 7, 7]);
    expect((await followers(h.sql, 'star', { limit: 0 })).items).toHaveLength(1);
    expect((await followers(h.sql, 'star', { limit: 1_000 })).items).toHaveLength(7);
    expect((await followers(h.sql, 'star', { limit: Number.NaN, offset: -5 })).items).toHaveLength(7);
    expect((await followers(h.sql, 'star', { limit: 2.9, offset: 1.5 })).items.map((f) => f.userId)).toEqual(['fan5', 'fan4']);
    expect(await followers(h.sql, 'nobody')).toEqual({ items: [], total: 0 });
  });

  it('keeps followed artists and playlists and liked tracks, newest first, netting out a batch', async () => {
    await appendAll([register('e1')]);
    await appendAll([
      { type: 'ArtistFollowed', data: { userId: 'e1', artistId: 'queen', at: at(1) } },
      { type: 'ArtistFollowed', data: { userId: 'e1', artistId: 'abba', at: at(2) } },
      { type: 'ArtistUnfollowed', data: { userId: 'e1', artistId: 'queen', at: at(3) } },
      { type: 'PlaylistFollowed', data: { userId: 'e1', playlistId: 'p1', at: at(4) } },
      { type: 'TrackLiked', data: { userId: 'e1', trackId: 't1', at: at(5) } },
      { type: 'TrackLiked', data: { userId: 'e1', trackId: 't2', at: at(6) } },
      { type: 'TrackLiked', data: { userId: 'e1', trackId: 't3', at: at(7) } },
      { type: 'TrackUnliked', data: { userId: 'e1', trackId: 't2', at: at(8) } },
      { type: 'TrackUnliked', data: { userId: 'e1', trackId: 't1', at: at(9) } },
      { type: 'TrackLiked', data: { userId: 'e1', trackId: 't1', at: at(10) } },
      { type: 'AlbumLiked', data: { userId: 'e1', albumId: 'a1', at: at(11) } },
      { type: 'AlbumLiked', data: { userId: 'e1', albumId: 'a2', at: at(12) } },
      { type: 'AlbumUnliked', data: { userId: 'e1', albumId: 'a1', at: at(13) } },
      { type: 'AlbumLiked', data: { userId: 'e1', albumId: 'a3', at: at(14) } },
    ]);
    await h.catchUp([usersProjection]);
    expect(await followedArtists(h.sql, 'e1')).toEqual({ items: [{ artistId: 'abba', followedAt: at(2) }], total: 1 });
    expect(await followedPlaylists(h.sql, 'e1')).toEqual({ items: [{ playlistId: 'p1', followedAt: at(4) }], total: 1 });
    expect(await likedTracks(h.sql, 'e1')).toEqual({
      items: [
        { trackId: 't1', likedAt: at(10) },
        { trackId: 't3', likedAt: at(7) },
      ],
      total: 2,
    });
    expect(await likedTracks(h.sql, 'e1', { limit: 1, offset: 1 })).toEqual({ items: [{ trackId: 't3', likedAt: at(7) }], total: 2 });
    expect(await likedAlbums(h.sql, 'e1')).toEqual({
      items: [
        { albumId: 'a3', likedAt: at(14) },
        { albumId: 'a2', likedAt: at(12) },
      ],
      total: 2,
    });
    expect(await starredAmong(h.sql, 'e1', 'albums', ['a1', 'a2', 'zz'])).toEqual(new Map([['a2', at(12)]]));
  });

  it('rebuilds in big batches to exactly what it built one event at a time', async () => {
    const ids = ['c1', 'c2', 'c3', 'd1', 'd2', 'd5', 'star', 'fan0', 'e1'];
    const snapshot = async () =>
      Promise.all(ids.map(async (id) => [await getUser(h.sql, id), await followers(h.sql, id, { limit: 50 }), await following(h.sql, id, { limit: 50 }), await likedTracks(h.sql, id), await likedAlbums(h.sql, id)]));
    const before = await snapshot();
    await h.rebuild(usersProjection, { batchSize: 1_000 });
    expect(await snapshot()).toEqual(before);
  });

  it('has counts equal to the edges for any valid sequence in any batch size (property)', async () => {
    const people = ['p0', 'p1', 'p2', 'p3'];
    const prefix = { n: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(3), fc.nat(3)), { minLength: 1, maxLength: 25 }),
        fc.integer({ min: 1, max: 30 }),
        async (pairs, batchSize) => {
          // Fresh users per run; the commands are those of a user who clicks follow/unfollow.
          const run = `r${(prefix.n += 1)}`;
          const id = (i: number) => `${run}${people[i]}`;
          const model = new Set<string>();
          const events: UserEvent[] = people.map((_, i) => register(id(i)));
          pairs.forEach(([a, b], minute) => {
            if (a === b) return;
            const key = `${a}>${b}`;
            if (model.has(key)) {
              model.delete(key);
              events.push(unfollow(id(a), id(b), minute));
            } else {
              model.add(key);
              events.push(follow(id(a), id(b), minute));
            }
          });
          await appendAll(events);
          await h.catchUp([usersProjection], { batchSize });
          for (let i = 0; i < people.length; i += 1) {
            const expected = {
              followers: [...model].filter((k) => k.endsWith(`>${i}`)).length,
              following: [...model].filter((k) => k.startsWith(`${i}>`)).length,
            };
            expect(await counts(id(i))).toEqual(expected);
            expect((await followers(h.sql, id(i))).items).toHaveLength(expected.followers);
            expect((await following(h.sql, id(i))).items).toHaveLength(expected.following);
          }
        },
      ),
      propertyParameters(backend === 'postgres' ? 15 : 8),
    );
  });
});
