/**
 * What devices are shown and told: the player as `GET /v1/me/player` answers it (the position is
 * the position now), the device list, and the instructions the active device must carry out after
 * a change (and the stop the device that lost the player gets).
 */
import type { DeviceType, PlayerContext, RepeatMode } from './events.js';
import { positionAt, type PlayerState } from './state.js';

/** A device not seen for this long is shown inactive (never removed by it). */
export const INACTIVE_AFTER_MS = 15 * 60_000;

export interface PlayerView {
  version: number;
  device: { id: string; name: string; type: DeviceType } | null;
  trackId: string | null;
  /** The position at `serverTime`. */
  positionMs: number;
  isPlaying: boolean;
  /** The tracks after the current one, the queued ones first. */
  queue: { trackId: string }[];
  /** How many of `queue` the user added (the first ones). */
  queued: number;
  index: number;
  context: PlayerContext | null;
  shuffle: boolean;
  repeat: RepeatMode;
  /** When the state last changed. */
  updatedAt: string | null;
  /** The server's clock when this view was made: positionMs is the position then. */
  serverTime: string;
}

export interface DeviceView {
  id: string;
  name: string;
  type: DeviceType;
  isActive: boolean;
  /** Not seen for INACTIVE_AFTER_MS: shown greyed, still registered. */
  inactive: boolean;
  lastSeenAt: string;
  registeredAt: string;
}

export function playerView(state: PlayerState, now: Date): PlayerView {
  const device = state.devices.find((d) => d.id === state.activeDeviceId);
  const playback = state.playback;
  return {
    version: state.version,
    device: device ? { id: device.id, name: device.name, type: device.type } : null,
    trackId: playback ? (playback.tracks[playback.index] ?? null) : null,
    positionMs: playback ? positionAt(playback, now.getTime()) : 0,
    isPlaying: playback?.isPlaying ?? false,
    queue: playback ? playback.tracks.slice(playback.index + 1).map((trackId) => ({ trackId })) : [],
    queued: playback?.queued ?? 0,
    index: playback?.index ?? 0,
    context: playback?.context ?? null,
    shuffle: state.shuffle,
    repeat: state.repeat,
    updatedAt: state.updatedAt,
    serverTime: now.toISOString(),
  };
}

export function deviceViews(state: PlayerState, now: Date): DeviceView[] {
  return state.devices
    .filter((d) => d.removedAt === null)
    .map((d) => ({
      id: d.id,
      name: d.name,
      type: d.type,
      isActive: d.id === state.activeDeviceId,
      inactive: now.getTime() - Date.parse(d.lastSeenAt) > INACTIVE_AFTER_MS,
      lastSeenAt: d.lastSeenAt,
      registeredAt: d.registeredAt,
    }));
}

/**
 * What a device must do: `play` or `pause` the track at the position it had at `at` (a device
 * playing adds the time since `at`), or `stop` (another device took the player, or it was removed).
 */
export type Instruction =
  | { op: 'play' | 'pause'; trackId: string; positionMs: number; at: string; version: number }
  | { op: 'stop'; version: number };

/** The instructions a change from `before` to `after` gives, by device. */
export function instructionsFor(before: PlayerState, after: PlayerState): { deviceId: string; instruction: Instruction }[] {
  const out: { deviceId: string; instruction: Instruction }[] = [];
  const version = after.version;
  if (before.activeDeviceId !== null && before.activeDeviceId !== after.activeDeviceId) {
    out.push({ deviceId: before.activeDeviceId, instruction: { op: 'stop', version } });
  }
  const playback = after.playback;
  if (after.activeDeviceId === null || !playback) return out;
  const was = before.playback;
  const changed =
    before.activeDeviceId !== after.activeDeviceId ||
    !was ||
    was.tracks[was.index] !== playback.tracks[playback.index] ||
    was.index !== playback.index ||
    was.trackVersion !== playback.trackVersion ||
    was.isPlaying !== playback.isPlaying ||
    was.updatedAt !== playback.updatedAt;
  if (!changed) return out;
  out.push({
    deviceId: after.activeDeviceId,
    instruction: {
      op: playback.isPlaying ? 'play' : 'pause',
      trackId: playback.tracks[playback.index]!,
      positionMs: playback.positionMs,
      at: playback.updatedAt,
      version,
    },
  });
  return out;
}
