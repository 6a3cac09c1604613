/**
 * The `listening-history` and `feed` read models on Postgres and PGlite: history newest first by
 * playedAt with cursors, and friend activity that keeps each friend's latest play even when an
 * older offline play arrives later, in batches of one and in one batch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listensStream, type TrackPlayed } from '../../../domain/listens/events.js';
import { DomainError } from '../../../domain/shared/errors.js';
import { userStream, type UserEvent } from '../../../domain/user/events.js';
import { feed, feedProjection } from '../../../projections/sql/feed.js';
import { history, listeningHistoryProjection } from '../../../projections/sql/listening-history.js';
import { usersProjection } from '../../../projections/sql/users.js';
import { BACKENDS, openHarness, type ReadModelHarness } from '../../support/projection-harness.js';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString();

const play = (userId: string, trackId: string, minute: number, extra: Partial<TrackPlayed['data']> = {}): TrackPlayed => ({
  type: 'TrackPlayed',
  data: { userId, trackId, playedAt: at(minute), msPlayed: 120_000, ...extra },
});

describe.each(BACKENDS)('listening history and feed on %s', (backend) => {
  let h: ReadModelHarness;
  const projections = [usersProjection, listeningHistoryProjection, feedProjection];
  const plays = async (...events: TrackPlayed[]) => {
    for (const e of events) await h.append(listensStream(e.data.userId), [e]);
  };
  const users = async (...events: UserEvent[]) => {
    for (const e of events) await h.append(userStream(e.data.userId), [e]);
  };
  const register = (userId: string): UserEvent => ({ type: 'UserRegistered', data: { userId, displayName: `${userId}!`, registeredAt: at(0) } });
  const follow = (userId: string, followeeId: string): UserEvent => ({ type: 'UserFollowed', data: { userId, followeeId, at: at(0) } });

  beforeAll(async () => {
    h = await openHarness(backend, 'rm_listening');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('keeps every play, newest first by playedAt, with context and device', async () => {
    await plays(
      play('ann', 't1', 10, { context: { type: 'album', id: 'al1' }, deviceId: 'phone' }),
      play('ann', 't2', 20, { msPlayed: 5_000 }),
      // Played offline before the others, arriving last.
      play('ann', 't0', 5, { context: { type: 'search' } }),
      play('bob', 't9', 15),
    );
    await h.catchUp(projections, { batchSize: 1 });
    const page = await history(h.sql, 'ann');
    expect(page.items.map((p) => [p.trackId, p.playedAt])).toEqual([
      ['t2', at(20)],
      ['t1', at(10)],
      ['t0', at(5)],
    ]);
    expect(page.next).toBeUndefined();
    expect(page.items[1]).toMatchObject({ msPlayed: 120_000, context: { type: 'album', id: 'al1' }, deviceId: 'phone' });
    expect(page.items[2]!.context).toEqual({ type: 'search' });
    expect(page.items[0]).not.toHaveProperty('context');
    expect(page.items[0]).not.toHaveProperty('deviceId');
    expect(page.items[0]!.eventId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await history(h.sql, 'bob')).items.map((p) => p.trackId)).toEqual(['t9']);
    expect(await history(h.sql, 'nobody')).toEqual({ items: [] });
  });

  it('pages by cursor without losing or repeating plays that share a playedAt, and by a plain time', async () => {
    // Six plays, three of them at the same instant, all in one batch.
    await plays(play('cy', 'a', 1), play('cy', 'b', 2), play('cy', 'c', 2), play('cy', 'd', 2), play('cy', 'e', 3), play('cy', 'f', 4));
    await h.catchUp(projections, { batchSize: 1_000 });
    const seen: string[] = [];
    let before: string | undefined;
    for (let pages = 0; pages < 10; pages += 1) {
      const page = await history(h.sql, 'cy', { limit: 2, ...(before ? { before } : {}) });
      seen.push(...page.items.map((p) => p.trackId));
      if (!page.next) break;
      before = page.next;
    }
    expect(seen).toHaveLength(6);
    expect(new Set(seen)).toEqual(new Set(['a', 'b', 'c', 'd', 'e', 'f']));
    expect([seen[0], seen[1], seen[5]]).toEqual(['f', 'e', 'a']);
    expect((await history(h.sql, 'cy', { before: at(2) })).items.map((p) => p.trackId)).toEqual(['a']);
    expect((await history(h.sql, 'cy', { limit: 0 })).items).toHaveLength(1);
    expect((await history(h.sql, 'cy', { limit: 500 })).items).toHaveLength(6);
    for (const bad of ['yesterday', `${at(2)}|not-a-uuid`, `${at(2)}|${'0'.repeat(8)}-0000-0000-0000-000000000000|x`]) {
      await expect(history(h.sql, 'cy', { before: bad })).rejects.toSatisfy((e) => e instanceof DomainError && e.code === 'VALIDATION_FAILED');
    }
  });

  it('shows what the people I follow played last, never replaced by an older offline play', async () => {
    await users(register('me'), register('f1'), register('f2'), register('f3'), register('stranger'));
    await users(follow('me', 'f1'), follow('me', 'f2'), follow('me', 'f3'));
    await plays(play('f1', 'song-a', 10), play('f2', 'song-b', 12), play('stranger', 'song-x', 30));
    await h.catchUp(projections, { batchSize: 1 });
    expect(await feed(h.sql, 'me')).toEqual([
      { userId: 'f2', displayName: 'f2!', trackId: 'song-b', playedAt: at(12) },
      { userId: 'f1', displayName: 'f1!', trackId: 'song-a', playedAt: at(10) },
    ]);
    // Later batches: f1 plays again, then an offline play of f1 from before arrives.
    await plays(play('f1', 'song-c', 20));
    await h.catchUp(projections, { batchSize: 1 });
    await plays(play('f1', 'song-old', 5));
    await h.catchUp(projections, { batchSize: 1 });
    expect((await feed(h.sql, 'me')).map((a) => [a.userId, a.trackId])).toEqual([
      ['f1', 'song-c'],
      ['f2', 'song-b'],
    ]);
    // Within one batch: a newer play, an older offline one after it, and a tie (the later event wins).
    await plays(play('f3', 'song-d', 25), play('f3', 'song-e', 8), play('f2', 'song-f', 40), play('f2', 'song-g', 40));
    await h.catchUp(projections, { batchSize: 1_000 });
    expect((await feed(h.sql, 'me')).map((a) => [a.userId, a.trackId, a.playedAt])).toEqual([
      ['f2', 'song-g', at(40)],
      ['f3', 'song-d', at(25)],
      ['f1', 'song-c', at(20)],
    ]);
    expect(await feed(h.sql, 'me', { limit: 1 })).toHaveLength(1);
    expect(await feed(h.sql, 'stranger')).toEqual([]);
    // Unfollowing takes a friend out of the feed.
    await users({ type: 'UserUnfollowed', data: { userId: 'me', followeeId: 'f2', at: at(50) } });
    await h.catchUp(projections);
    expect((await feed(h.sql, 'me')).map((a) => a.userId)).toEqual(['f3', 'f1']);
  });

  it('rebuilds history and feed in big batches to what they were built one by one', async () => {
    const snapshot = async () => ({
      me: await feed(h.sql, 'me', { limit: 50 }),
      ann: await history(h.sql, 'ann', { limit: 50 }),
      cy: await history(h.sql, 'cy', { limit: 50 }),
    });
    const before = await snapshot();
    await h.rebuild(feedProjection, { batchSize: 1_000 });
    await h.rebuild(listeningHistoryProjection, { batchSize: 1_000 });
    expect(await snapshot()).toEqual(before);
  });
});
