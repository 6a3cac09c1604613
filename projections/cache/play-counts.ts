/**
 * Play counters: how often each track was played, in all and by each user. Only plays that count
 * toward charts (30 s on) are counted; shorter ones are history (recent plays), not plays.
 *
 * Keys (under the generation's key space):
 *   `track:<trackId>`  string counter (INCRBY): the track's plays
 *   `user:<userId>`    sorted set trackId -> the user's plays of it (their most played tracks)
 *
 * Counters depend only on which plays were applied, never on batching or order: a rebuild equals
 * the incremental result.
 */
import { countsTowardCharts, type ListenEvent } from '../../domain/listens/events.js';
import type { Cache } from '../../gateways/cache/port.js';
import { cacheProjection, eventTypes } from '../projection.js';
import { assertNever } from '../../domain/shared/decider.js';
import { PLAYS_COMMIT_INTERVAL_MS, bump, checkLimit, readPlay, scored, type CacheKeys } from './plays.js';

export const trackCountKey = (trackId: string) => `track:${trackId}`;
export const userCountsKey = (userId: string) => `user:${userId}`;

export const playCountsProjection = cacheProjection<ListenEvent>({
  kind: 'cache',
  name: 'play-counts',
  version: 1,
  minCommitIntervalMs: PLAYS_COMMIT_INTERVAL_MS,
  handles: eventTypes<ListenEvent>({ TrackPlayed: true }),
  apply(writer, events, key) {
    // One command for every track's count and one per user, with the batch's sums.
    const byTrack = new Map<string, number>();
    const byUser = new Map<string, Map<string, number>>();
    for (const event of events) {
      if (event.type !== 'TrackPlayed') assertNever(event.type);
      const play = readPlay(event);
      if (!countsTowardCharts(play)) continue;
      bump(byTrack, play.trackId);
      let tracks = byUser.get(play.userId);
      if (!tracks) byUser.set(play.userId, (tracks = new Map()));
      bump(tracks, play.trackId);
    }
    writer.incrByMany(Array.from(byTrack, ([trackId, by]) => ({ key: key(trackCountKey(trackId)), by })));
    for (const [userId, tracks] of byUser) writer.zIncrByMany(key(userCountsKey(userId)), scored(tracks));
  },
});

/** A track's plays (0 when it has none). */
export async function playCount(cache: Cache, keys: CacheKeys, trackId: string): Promise<number> {
  return Number((await cache.get(keys(trackCountKey(trackId)))) ?? 0);
}

/** The plays of several tracks in one round trip (MGET), in the order asked. */
export async function playCounts(cache: Cache, keys: CacheKeys, trackIds: readonly string[]): Promise<number[]> {
  const values = await cache.mget(trackIds.map((trackId) => keys(trackCountKey(trackId))));
  return values.map((value) => Number(value ?? 0));
}

/** How often one user played a track (0 when never). */
export async function userPlayCount(cache: Cache, keys: CacheKeys, userId: string, trackId: string): Promise<number> {
  return (await cache.zScore(keys(userCountsKey(userId)), trackId)) ?? 0;
}

export interface UserTrackPlays {
  trackId: string;
  plays: number;
}

/** A user's most played tracks, most played first (ties: trackId descending, as Redis orders them). */
export async function userTopTracks(cache: Cache, keys: CacheKeys, userId: string, limit: number): Promise<UserTrackPlays[]> {
  const ranked = await cache.zRevRangeWithScores(keys(userCountsKey(userId)), 0, checkLimit(limit) - 1);
  return ranked.map(({ member, score }) => ({ trackId: member, plays: score }));
}
