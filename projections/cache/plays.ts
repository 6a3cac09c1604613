/**
 * What the listening read models in the cache share: reading a TrackPlayed event's data (a
 * malformed one is a poison event: it stops the projection with a clear error rather than being
 * counted wrongly), the key function queries read under, and the limits of list queries.
 */
import type { RecordedEvent } from '../../gateways/event-store/port.js';
import { reject } from '../../domain/shared/errors.js';
import type { PlayContext, PlayContextType } from '../../domain/listens/events.js';

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

export function readPlay(event: RecordedEvent): Play {
  const data = event.data;
  const { userId, trackId, playedAt, msPlayed, context } = data;
  const playedAtMs = typeof playedAt === 'string' ? Date.parse(playedAt) : Number.NaN;
  if (typeof userId !== 'string' || typeof trackId !== 'string' || typeof msPlayed !== 'number' || !Number.isFinite(msPlayed) || Number.isNaN(playedAtMs)) {
    throw new Error(`TrackPlayed ${event.id} is malformed: needs userId, trackId, playedAt (ISO-8601) and msPlayed, got ${JSON.stringify(data)}`);
  }
  const play: Play = { eventId: event.id, userId, trackId, playedAt: playedAt as string, playedAtMs, msPlayed };
  if (context && typeof context === 'object' && !Array.isArray(context) && typeof context.type === 'string') {
    // Rebuilt field by field, so the stored form never depends on how the store ordered the keys.
    const type = context.type as PlayContextType;
    play.context = typeof context.id === 'string' ? { type, id: context.id } : { type };
  }
  return play;
}

/** Adds `by` to `map[key]`. */
export function bump<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/** The most entries a list query returns. */
export const MAX_LIMIT = 50;

export function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    reject('VALIDATION_FAILED', `limit must be a whole number from 1 to ${MAX_LIMIT}, got ${limit}`);
  }
  return limit;
}

