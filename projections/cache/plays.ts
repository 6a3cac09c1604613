/**
 * What the listening read models in the cache share: reading a TrackPlayed event's data (a
 * malformed one is a poison event: it stops the projection with a clear error rather than being
 * counted wrongly), the key function queries read under, and the limits of list queries.
 */
import type { ScoredMember } from '../../gateways/cache/port.js';
import { reject } from '../../domain/shared/errors.js';
import type { PlayContext, TrackPlayed } from '../../domain/listens/events.js';
import type { Recorded } from '../projection.js';

/**
 * How often the cache projections of plays (charts, play counts, recent plays) commit at the
 * head at most (Projection.minCommitIntervalMs). At 1,000 plays/s each would otherwise commit a
 * Redis script per wake-up; they are never what a reader waits on last (the SQL projections of
 * the same plays, listening history and feed, take longer), so gathering a few wake-ups per
 * commit costs no visible lag and spares the node's one thread.
 */
export const PLAYS_COMMIT_INTERVAL_MS = 25;

/** Maps a key suffix into the active generation's key space (`Projections.cacheKeys(name)`). */
export type CacheKeys = (suffix: string) => string;

export interface Play {
  eventId: string;
  userId: string;
  trackId: string;
  playedAt: string;
  /** `playedAt` as Unix milliseconds. */
  playedAtMs: number;
  msPlayed: number;
  context?: PlayContext;
}

/**
 * The play of a TrackPlayed event. Its data is typed as the decider wrote it, and checked once
 * more here all the same: a stored event that does not match (written by hand, or by a bug) is a
 * poison event, never a wrong count.
 */
export function readPlay(event: Recorded<TrackPlayed>): Play {
  const data: Partial<Record<keyof TrackPlayed['data'], unknown>> = event.data;
  const { userId, trackId, playedAt, msPlayed } = data;
  const playedAtMs = typeof playedAt === 'string' ? Date.parse(playedAt) : Number.NaN;
  if (typeof userId !== 'string' || typeof trackId !== 'string' || typeof msPlayed !== 'number' || !Number.isFinite(msPlayed) || Number.isNaN(playedAtMs)) {
    throw new Error(`TrackPlayed ${event.id} is malformed: needs userId, trackId, playedAt (ISO-8601) and msPlayed, got ${JSON.stringify(data)}`);
  }
  const play: Play = { eventId: event.id, userId, trackId, playedAt: event.data.playedAt, playedAtMs, msPlayed };
  const { context } = event.data;
  if (context && typeof context === 'object' && !Array.isArray(context) && typeof context.type === 'string') {
    // Rebuilt field by field, so the stored form never depends on how the store ordered the keys.
    play.context = typeof context.id === 'string' ? { type: context.type, id: context.id } : { type: context.type };
  }
  return play;
}

/** Adds `by` to `map[key]`. */
export function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** A map's entries as scored members (for the writer's multi-member commands). */
export function scored(map: ReadonlyMap<string, number>): ScoredMember[] {
  return Array.from(map, ([member, score]) => ({ member, score }));
}

/** The most entries a list query returns. */
export const MAX_LIMIT = 50;

export function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    reject('VALIDATION_FAILED', `limit must be a whole number from 1 to ${MAX_LIMIT}, got ${limit}`);
  }
  return limit;
}

