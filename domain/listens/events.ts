/** Events of a `listens-<userId>` stream. */
import type { DomainEvent } from '../shared/decider.js';

export const PLAY_CONTEXT_TYPES = ['playlist', 'album', 'artist', 'search', 'recommendation'] as const;
export type PlayContextType = (typeof PLAY_CONTEXT_TYPES)[number];

export interface PlayContext {
  type: PlayContextType;
  id?: string;
}

export type TrackPlayed = DomainEvent<
  'TrackPlayed',
  {
    userId: string;
    trackId: string;
    playedAt: string;
    msPlayed: number;
    context?: PlayContext;
    deviceId?: string;
  }
>;

export type ListenEvent = TrackPlayed;

export const listensStream = (userId: string) => `listens-${userId}`;

/** Spotify's rule: a play counts toward charts and play counts from 30 seconds on. */
export const CHART_THRESHOLD_MS = 30_000;
export const countsTowardCharts = (play: TrackPlayed['data']): boolean => play.msPlayed >= CHART_THRESHOLD_MS;
