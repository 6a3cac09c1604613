/**
 * A player command as clients send it, over HTTP or the player socket (the same fields), and the
 * domain command it becomes once the tracks of a context are looked up and checked.
 */
import type { PlayerContext, RepeatMode } from '../../domain/player/events.js';
import { checkTracksExist, tracksToPlay, type PlayerDeps, type PlayerRequest } from './player.js';

export type PlayerInput = { stateVersion?: number; fromDeviceId?: string } & (
  | { type: 'transfer'; deviceId: string; play?: boolean }
  | { type: 'play'; deviceId?: string; trackIds?: string[]; context?: PlayerContext; offset?: { position?: number; trackId?: string }; positionMs?: number }
  | { type: 'pause' }
  | { type: 'seek'; positionMs: number }
  | { type: 'next' }
  | { type: 'previous' }
  | { type: 'ended' }
  | { type: 'queue'; trackId: string }
  | { type: 'shuffle'; shuffle: boolean }
  | { type: 'repeat'; repeat: RepeatMode }
);

/** The domain command for `input` of `userId` (`random` draws the shuffle's seed). */
export async function playerRequest(deps: PlayerDeps, userId: string, input: PlayerInput, random: () => number = Math.random): Promise<PlayerRequest> {
  const common = {
    ...(input.stateVersion === undefined ? {} : { stateVersion: input.stateVersion }),
    ...(input.fromDeviceId === undefined ? {} : { by: input.fromDeviceId }),
  };
  switch (input.type) {
    case 'transfer':
      return { type: 'Transfer', deviceId: input.deviceId, ...(input.play === undefined ? {} : { play: input.play }), ...common };
    case 'play': {
      const base = {
        type: 'Play' as const,
        ...(input.deviceId === undefined ? {} : { deviceId: input.deviceId }),
        ...(input.positionMs === undefined ? {} : { positionMs: input.positionMs }),
        ...common,
      };
      if (!input.trackIds && !input.context) return base;
      const tracks = await tracksToPlay(deps, userId, { ...(input.trackIds ? { trackIds: input.trackIds } : {}), ...(input.context ? { context: input.context } : {}) });
      const index = input.offset?.trackId !== undefined ? tracks.indexOf(input.offset.trackId) : (input.offset?.position ?? 0);
      return { ...base, tracks, index, context: input.context ?? null };
    }
    case 'pause':
      return { type: 'Pause', ...common };
    case 'seek':
      return { type: 'Seek', positionMs: input.positionMs, ...common };
    case 'next':
      return { type: 'Next', ...common };
    case 'previous':
      return { type: 'Previous', ...common };
    case 'ended':
      return { type: 'EndTrack', ...common };
    case 'queue':
      await checkTracksExist(deps, [input.trackId]);
      return { type: 'AddToQueue', trackId: input.trackId, ...common };
    case 'shuffle':
      return { type: 'SetShuffle', shuffle: input.shuffle, seed: Math.floor(random() * 2 ** 31), ...common };
    case 'repeat':
      return { type: 'SetRepeat', repeat: input.repeat, ...common };
  }
}
