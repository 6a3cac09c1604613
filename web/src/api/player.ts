/**
 * The cross-device player over HTTP (DESIGN.md section 13): this browser as a device, the state
 * every device shares, and the commands. Each command answers the state after it, applied or not.
 */
import { api, query, seg } from './client.js';
import type { Quality, StreamOffer } from './types.js';

export interface PlayerView {
  version: number;
  device: { id: string; name: string; type: string } | null;
  trackId: string | null;
  /** The position at `serverTime`. */
  positionMs: number;
  isPlaying: boolean;
  /** The tracks after the current one, the queued ones first. */
  queue: { trackId: string }[];
  queued: number;
  index: number;
  context: { type: string; id: string } | null;
  shuffle: boolean;
  repeat: 'off' | 'track' | 'context';
  updatedAt: string | null;
  serverTime: string;
}

export interface DeviceView {
  id: string;
  name: string;
  type: string;
  isActive: boolean;
  inactive: boolean;
  lastSeenAt: string;
}

export interface Outcome {
  applied: boolean;
  stale: boolean;
  player: PlayerView;
}

export type PlayerCommand =
  | { type: 'transfer'; deviceId: string; play?: boolean }
  | { type: 'play'; deviceId?: string; trackIds?: string[]; context?: { type: 'album' | 'playlist' | 'artist'; id: string }; offset?: { position?: number; trackId?: string }; positionMs?: number }
  | { type: 'pause' }
  | { type: 'seek'; positionMs: number }
  | { type: 'next' }
  | { type: 'previous' }
  | { type: 'ended' }
  | { type: 'queue'; trackId: string }
  | { type: 'shuffle'; shuffle: boolean }
  | { type: 'repeat'; repeat: PlayerView['repeat'] };

export const getPlayer = (signal?: AbortSignal) => api.get<PlayerView>('/v1/me/player', signal);
export const getDevices = (signal?: AbortSignal) => api.get<{ items: DeviceView[] }>('/v1/me/player/devices', signal).then((r) => r.items);
export const registerDevice = (id: string, name: string) => api.put<unknown>(`/v1/me/player/devices/${seg(id)}`, { name, type: 'web' });

/**
 * A command over HTTP, as `fromDeviceId`, against the state version shown (`ended`, which only the
 * socket carries, goes as `next`: idempotent by the same version).
 */
export function sendCommand(command: PlayerCommand, fromDeviceId: string, stateVersion: number | undefined): Promise<Outcome> {
  const fields = { fromDeviceId, ...(stateVersion === undefined ? {} : { stateVersion }) };
  const { type, ...rest } = command;
  const body = { ...rest, ...fields };
  switch (type) {
    case 'transfer':
      return api.put<Outcome>('/v1/me/player', body);
    case 'play':
    case 'pause':
    case 'seek':
    case 'shuffle':
    case 'repeat':
      return api.put<Outcome>(`/v1/me/player/${type}`, body);
    case 'ended':
      return api.post<Outcome>('/v1/me/player/next', body);
    case 'next':
    case 'previous':
    case 'queue':
      return api.post<Outcome>(`/v1/me/player/${type}`, body);
  }
}

export const streamOffer = (trackId: string, quality?: Quality) => api.get<StreamOffer>(`/v1/tracks/${seg(trackId)}/stream${query({ quality })}`);
