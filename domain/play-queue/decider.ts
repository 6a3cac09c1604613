/** The saved play queue of a user: each save replaces the last (an empty queue clears it). */
import { checkId, checkTime } from '../shared/checks.js';
import type { Decider } from '../shared/decider.js';
import { reject } from '../shared/errors.js';
import type { PlayQueueEvent } from './events.js';

/** Tracks a saved queue holds at most. */
export const MAX_QUEUE_TRACKS = 1_000;

export interface SavePlayQueue {
  type: 'SavePlayQueue';
  userId: string;
  deviceId: string;
  trackIds: readonly string[];
  current?: string;
  positionMs: number;
  /** Which of trackIds the catalog does not know (none: every one exists). */
  unknownTracks: readonly string[];
  at: string;
}

/** A save depends on nothing saved before: the stream is appended to, never read to decide. */
export function decidePlayQueue(command: SavePlayQueue, _state: null): PlayQueueEvent[] {
  const userId = checkId(command.userId, 'userId');
  const deviceId = checkId(command.deviceId, 'deviceId');
  const at = checkTime(command.at, 'at');
  if (command.trackIds.length > MAX_QUEUE_TRACKS) reject('VALIDATION_FAILED', `a play queue holds at most ${MAX_QUEUE_TRACKS} tracks`);
  const trackIds = command.trackIds.map((id) => checkId(id, 'trackId'));
  if (command.unknownTracks.length > 0) reject('TRACK_NOT_FOUND', `no such track: ${command.unknownTracks.slice(0, 10).join(', ')}`);
  if (command.current !== undefined && !trackIds.includes(command.current)) reject('VALIDATION_FAILED', 'current must be one of the queued tracks');
  if (!Number.isSafeInteger(command.positionMs) || command.positionMs < 0) reject('VALIDATION_FAILED', 'position must be a whole number of ms >= 0');
  return [
    {
      type: 'PlayQueueSaved',
      data: { userId, deviceId, trackIds, ...(command.current === undefined ? {} : { current: command.current }), positionMs: command.positionMs, at },
    },
  ];
}

export const playQueueDecider: Decider<SavePlayQueue, PlayQueueEvent, null> = {
  initialState: null,
  decide: decidePlayQueue,
  evolve: () => null,
};
