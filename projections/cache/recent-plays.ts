/**
 * Recent plays: each user's last 50 plays, newest first, short ones included (a 10-second skip
 * is history, even though it does not count toward charts).
 *
 * Key (under the generation's key space):
 *   `user:<userId>`  sorted set, score = playedAt (Unix ms), member = the play as JSON with its
 *                    event id (so every play is its own member, and re-adding one is a no-op);
 *                    trimmed to the RECENT_PLAYS_KEPT highest scores after every batch.
 *
 * "Last" is by `playedAt`: a play made offline and uploaded later takes its place in time, and
 * one older than the user's 50 newest just falls off. The kept set is the 50 greatest of all the
 * plays applied (by score, then member, as Redis ranks them), whatever the batching: a rebuild
 * equals the incremental result.
 */
import type { Cache } from '../../gateways/cache/port.js';
import type { ListenEvent, PlayContext } from '../../domain/listens/events.js';
import { cacheProjection, eventTypes } from '../projection.js';
import { assertNever } from '../../domain/shared/decider.js';
import { compareMembers } from '../../gateways/cache/member-order.js';
import { PLAYS_COMMIT_INTERVAL_MS, checkLimit, readPlay, type CacheKeys, type Play } from './plays.js';

export const RECENT_PLAYS_KEPT = 50;

export const recentPlaysKey = (userId: string) => `user:${userId}`;

/** What a member holds; `id` (the event id) keeps equal plays apart. */
interface StoredPlay {
  id: string;
  trackId: string;
  playedAt: string;
  msPlayed: number;
  context?: PlayContext;
}

const toMember = (play: Play): string => {
  const stored: StoredPlay = { id: play.eventId, trackId: play.trackId, playedAt: play.playedAt, msPlayed: play.msPlayed };
  if (play.context) stored.context = play.context;
  return JSON.stringify(stored);
};

export const recentPlaysProjection = cacheProjection<ListenEvent>({
  kind: 'cache',
  name: 'recent-plays',
  version: 1,
  minCommitIntervalMs: PLAYS_COMMIT_INTERVAL_MS,
  handles: eventTypes<ListenEvent>({ TrackPlayed: true }),
  apply(writer, events, key) {
    const byUser = new Map<string, Map<string, number>>();
    for (const event of events) {
      if (event.type !== 'TrackPlayed') assertNever(event.type);
      const play = readPlay(event);
      let plays = byUser.get(play.userId);
      if (!plays) byUser.set(play.userId, (plays = new Map()));
      plays.set(toMember(play), play.playedAtMs);
    }
    for (const [userId, plays] of byUser) {
      const userKey = key(recentPlaysKey(userId));
      writer.zAddMany(userKey, Array.from(newest(plays, RECENT_PLAYS_KEPT), ([member, score]) => ({ member, score })));
      writer.zRemRangeByRank(userKey, 0, -RECENT_PLAYS_KEPT - 1);
    }
  },
});

/**
 * The `count` greatest members in Redis's order (score, then member bytes): what the trim would
 * keep of them anyway, so a user's catch-up of thousands of plays adds only 50.
 */
function newest(plays: Map<string, number>, count: number): Iterable<[string, number]> {
  if (plays.size <= count) return plays;
  return [...plays].sort(([a, x], [b, y]) => y - x || compareMembers(b, a)).slice(0, count);
}

export interface RecentPlay {
  trackId: string;
  playedAt: string;
  msPlayed: number;
  context?: PlayContext;
}

/** A user's last `limit` (1..50) plays, newest first. */
export async function recentPlays(cache: Cache, keys: CacheKeys, userId: string, limit: number): Promise<RecentPlay[]> {
  const ranked = await cache.zRevRangeWithScores(keys(recentPlaysKey(userId)), 0, checkLimit(limit) - 1);
  return ranked.map(({ member }) => {
    const stored = JSON.parse(member) as StoredPlay;
    const play: RecentPlay = { trackId: stored.trackId, playedAt: stored.playedAt, msPlayed: stored.msPlayed };
    if (stored.context) play.context = stored.context;
    return play;
  });
}
