/**
 * Events of a `playqueue-<userId>` stream: the play queue a Subsonic app saved for its user
 * (`savePlayQueue`), to take up where it stopped on this or another device (`getPlayQueue`).
 */
import type { DomainEvent } from '../shared/decider.js';

export type PlayQueueSaved = DomainEvent<
  'PlayQueueSaved',
  {
    userId: string;
    /** The device (app) that saved it. */
    deviceId: string;
    trackIds: string[];
    /** The track playing, one of trackIds; absent: none. */
    current?: string;
    /** Where in the current track, in ms. */
    positionMs: number;
    at: string;
  }
>;

export type PlayQueueEvent = PlayQueueSaved;
export const PLAY_QUEUE_EVENT_TYPES = ['PlayQueueSaved'] as const satisfies readonly PlayQueueEvent['type'][];

export const playQueueStream = (userId: string) => `playqueue-${userId}`;
