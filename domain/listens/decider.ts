/**
 * Listening: one event per play. A play shorter than 30 s is still recorded (history, taste) but
 * does not count toward charts. A play longer than the track plus a margin, or negative, is a
 * client bug or forged and is rejected, as is a play time in the future (beyond clock skew).
 * Plays made offline arrive later with their original playedAt.
 */
import { checkId, checkTime } from '../shared/checks.js';
import type { Decider } from '../shared/decider.js';
import { reject } from '../shared/errors.js';
import { PLAY_CONTEXT_TYPES, type ListenEvent, type PlayContext, type TrackPlayed } from './events.js';

/** Seeking and rounding let a play run a little over the track's length. */
export const PLAY_MARGIN_MS = 10_000;
/** How far a device clock may run ahead of ours. */
export const CLOCK_SKEW_MS = 5 * 60_000;

export interface RecordPlay {
  type: 'RecordPlay';
  userId: string;
  trackId: string;
  /** The track's length from the catalog; undefined when the catalog does not know the track. */
  trackDurationMs: number | undefined;
  msPlayed: number;
  /** When the play started (the device's clock); defaults to `at`. */
  playedAt?: string;
  context?: PlayContext;
  deviceId?: string;
  /** When the server received it. */
  at: string;
}

export type ListensCommand = RecordPlay;
export type ListensState = null;

export function decideListens(command: ListensCommand, _state: ListensState): ListenEvent[] {
  const userId = checkId(command.userId, 'userId');
  const trackId = checkId(command.trackId, 'trackId');
  const at = checkTime(command.at, 'at');
  if (command.trackDurationMs === undefined) reject('TRACK_NOT_FOUND', `track ${trackId} does not exist`);
  const duration = command.trackDurationMs!;
  if (!Number.isSafeInteger(duration) || duration < 1) throw new Error(`trackDurationMs ${duration} from the catalog is not a length`);
  const { msPlayed } = command;
  if (!Number.isSafeInteger(msPlayed) || msPlayed < 0) {
    reject('INVALID_PLAY', `msPlayed must be a whole number of milliseconds >= 0, got ${msPlayed}`);
  }
  if (msPlayed > duration + PLAY_MARGIN_MS) {
    reject('INVALID_PLAY', `msPlayed ${msPlayed} is longer than the track (${duration} ms) allows`);
  }
  const playedAt = command.playedAt === undefined ? at : checkTime(command.playedAt, 'playedAt');
  if (Date.parse(playedAt) > Date.parse(at) + CLOCK_SKEW_MS) reject('INVALID_PLAY', `playedAt ${playedAt} is in the future`);
  const data: TrackPlayed['data'] = { userId, trackId, playedAt, msPlayed };
  if (command.context !== undefined) data.context = checkContext(command.context);
  if (command.deviceId !== undefined) data.deviceId = checkId(command.deviceId, 'deviceId');
  return [{ type: 'TrackPlayed', data }];
}

function checkContext(context: PlayContext): PlayContext {
  if (!PLAY_CONTEXT_TYPES.includes(context?.type)) {
    reject('VALIDATION_FAILED', `context.type must be one of ${PLAY_CONTEXT_TYPES.join(', ')}`);
  }
  if (context.id === undefined) {
    if (context.type !== 'search') reject('VALIDATION_FAILED', `a ${context.type} context needs its id`);
    return { type: context.type };
  }
  return { type: context.type, id: checkId(context.id, 'context.id') };
}

export const listensDecider: Decider<ListensCommand, ListenEvent, ListensState> = {
  initialState: null,
  decide: decideListens,
  evolve: (state) => state,
};
