/**
 * Charts: the most played tracks of a UTC day, of a week (the 7 days ending with a day) and of
 * all time, as sorted sets of trackId -> plays. Only plays that count toward charts (30 s on).
 *
 * Keys (under the generation's key space):
 *   `all`              every play ever, no expiry
 *   `day:YYYY-MM-DD`   plays whose `playedAt` falls on that UTC day; a week is the sum of 7 days
 *
 * A play lands in the bucket of its `playedAt`, not of the moment it is processed, so a play
 * recorded offline and uploaded days later counts for the day it was heard, and a rebuild ends
 * with exactly the buckets the incremental run built.
 *
 * Expiry, decided: `apply` reads no clock. Each day bucket is written with an EXPIREAT that is a
 * function of the bucket alone — the end of its day plus DAY_BUCKET_RETENTION_DAYS — so every
 * write to a bucket sets the same expiry. A bucket whose expiry has passed is deleted by Redis on
 * the spot (EXPIREAT in the past deletes), also when a late play or a rebuild writes to it again.
 * The read model is therefore a function of the plays applied and of the wall clock only: at any
 * moment a day bucket either holds every play of its day applied so far or does not exist, however
 * the plays were batched, in whatever order and whenever they were processed. (Using the event's
 * `occurredAt` as "now" to skip old buckets would save a few writes during a rebuild but would
 * let a writer-supplied, future `occurredAt` suppress a live bucket; the writes are cheap.)
 * The day and week windows therefore answer for the last 8 days; `all` for all time.
 */
import { countsTowardCharts, type ListenEvent } from '../../domain/listens/events.js';
import { reject } from '../../domain/shared/errors.js';
import type { Cache, ScoredMember } from '../../gateways/cache/port.js';
import { cacheProjection, eventTypes } from '../projection.js';
import { assertNever } from '../../domain/shared/decider.js';
import { PLAYS_COMMIT_INTERVAL_MS, bump, checkLimit, readPlay, scored, type CacheKeys } from './plays.js';

/** Days a day bucket is kept after its day ends: a week window needs 6, one more for margin. */
export const DAY_BUCKET_RETENTION_DAYS = 8;
export const WEEK_DAYS = 7;
const DAY_MS = 86_400_000;
const DAY_S = 86_400;

export const ALL_TIME_KEY = 'all';

/** Days since the Unix epoch of the UTC day `ms` falls on. */
export const utcDay = (ms: number): number => Math.floor(ms / DAY_MS);

/** `day:YYYY-MM-DD` of a day number. */
export const dayKey = (day: number): string => `day:${new Date(day * DAY_MS).toISOString().slice(0, 10)}`;

/** When a day bucket expires, in Unix seconds. */
export const dayBucketExpiry = (day: number): number => (day + 1 + DAY_BUCKET_RETENTION_DAYS) * DAY_S;

export const chartsProjection = cacheProjection<ListenEvent>({
  kind: 'cache',
  name: 'charts',
  version: 1,
  minCommitIntervalMs: PLAYS_COMMIT_INTERVAL_MS,
  handles: eventTypes<ListenEvent>({ TrackPlayed: true }),
  apply(writer, events, key) {
    // One command per bucket per batch (every track's sum in it).
    const allTime = new Map<string, number>();
    const days = new Map<number, Map<string, number>>();
    for (const event of events) {
      if (event.type !== 'TrackPlayed') assertNever(event.type);
      const play = readPlay(event);
      if (!countsTowardCharts(play)) continue;
      bump(allTime, play.trackId);
      const day = utcDay(play.playedAtMs);
      let tracks = days.get(day);
      if (!tracks) days.set(day, (tracks = new Map()));
      bump(tracks, play.trackId);
    }
    writer.zIncrByMany(key(ALL_TIME_KEY), scored(allTime));
    for (const [day, tracks] of days) {
      const bucket = key(dayKey(day));
      writer.zIncrByMany(bucket, scored(tracks));
      writer.expireAt(bucket, dayBucketExpiry(day));
    }
  },
});

export type ChartWindow = 'day' | 'week' | 'all';
export const CHART_WINDOWS: readonly ChartWindow[] = ['day', 'week', 'all'];

export interface ChartEntry {
  trackId: string;
  plays: number;
}

export interface TopTracksQuery {
  /** 'day': the UTC day of `now`; 'week': the 7 UTC days ending with it; 'all': all time. */
  window: ChartWindow;
  /** 1..50. */
  limit: number;
  /** Defaults to the current time. */
  now?: Date;
}

/**
 * The most played tracks of a window, most played first; equal counts are ordered by trackId,
 * descending (Redis's order for equal scores in ZREVRANGE), so the answer is deterministic.
 */
export async function topTracks(cache: Cache, keys: CacheKeys, query: TopTracksQuery): Promise<ChartEntry[]> {
  const limit = checkLimit(query.limit);
  const nowMs = (query.now ?? new Date()).getTime();
  if (Number.isNaN(nowMs)) reject('VALIDATION_FAILED', 'now must be a valid time');
  const today = utcDay(nowMs);
  let ranked: ScoredMember[];
  switch (query.window) {
    case 'all':
      ranked = await cache.zRevRangeWithScores(keys(ALL_TIME_KEY), 0, limit - 1);
      break;
    case 'day':
      ranked = await cache.zRevRangeWithScores(keys(dayKey(today)), 0, limit - 1);
      break;
    case 'week':
      ranked = await cache.zUnionRevRange(
        Array.from({ length: WEEK_DAYS }, (_, back) => keys(dayKey(today - back))),
        0,
        limit - 1,
      );
      break;
    default: {
      // Every window is a case above; a caller that passed on an unchecked string gets a clear error.
      const unknown: never = query.window;
      return reject('VALIDATION_FAILED', `window must be one of ${CHART_WINDOWS.join(', ')}, got ${JSON.stringify(unknown)}`);
    }
  }
  return ranked.map(({ member, score }) => ({ trackId: member, plays: score }));
}
