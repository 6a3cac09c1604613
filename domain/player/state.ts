/**
 * The player's state (one per user) and how each event changes it. `version` counts the events of
 * the stream: a command made against an older version is stale (see decider.ts). The state is
 * plain JSON so the `player` projection keeps it as is.
 */
import { assertNever } from '../shared/decider.js';
import type { DeviceType, PlayerContext, PlayerEvent, RepeatMode } from './events.js';

export interface Device {
  id: string;
  name: string;
  type: DeviceType;
  registeredAt: string;
  lastSeenAt: string;
  /** Removed devices stay listed here (a removed id cannot come back), never shown. */
  removedAt: string | null;
}

/** What is loaded: the tracks, which one plays, and where it was at `updatedAt`. */
export interface Playback {
  tracks: string[];
  index: number;
  /** Tracks right after `index` that the user added to the queue (they play before the rest). */
  queued: number;
  context: PlayerContext | null;
  positionMs: number;
  isPlaying: boolean;
  updatedAt: string;
  /** The version at which the current track was set: next, previous and seek made before it are stale. */
  trackVersion: number;
}

export interface PlayerState {
  version: number;
  devices: Device[];
  activeDeviceId: string | null;
  shuffle: boolean;
  repeat: RepeatMode;
  /** Nothing loaded yet: null. */
  playback: Playback | null;
  updatedAt: string | null;
}

export const initialPlayerState: PlayerState = {
  version: 0,
  devices: [],
  activeDeviceId: null,
  shuffle: false,
  repeat: 'off',
  playback: null,
  updatedAt: null,
};

/** The position at `atMs` (ms since 1970): the stored one plus the time since, while playing. */
export function positionAt(playback: Playback, atMs: number): number {
  if (!playback.isPlaying) return playback.positionMs;
  return playback.positionMs + Math.max(0, atMs - Date.parse(playback.updatedAt));
}

export const liveDevice = (state: PlayerState, deviceId: string): Device | undefined =>
  state.devices.find((d) => d.id === deviceId && d.removedAt === null);

export function evolvePlayer(state: PlayerState, event: PlayerEvent): PlayerState {
  const version = state.version + 1;
  const { at } = event.data;
  const next = { ...state, version, updatedAt: at, devices: seen(state.devices, event.data.by, at) };
  switch (event.type) {
    case 'DeviceRegistered': {
      const { deviceId, name, type } = event.data;
      const known = next.devices.some((d) => d.id === deviceId);
      return {
        ...next,
        devices: known
          ? next.devices.map((d) => (d.id === deviceId ? { ...d, name, type, lastSeenAt: at } : d))
          : [...next.devices, { id: deviceId, name, type, registeredAt: at, lastSeenAt: at, removedAt: null }],
      };
    }
    case 'DeviceSeen':
      return { ...next, devices: seen(next.devices, event.data.deviceId, at) };
    case 'DeviceRemoved': {
      const { deviceId } = event.data;
      const active = state.activeDeviceId === deviceId;
      return {
        ...next,
        devices: next.devices.map((d) => (d.id === deviceId ? { ...d, removedAt: at } : d)),
        activeDeviceId: active ? null : state.activeDeviceId,
        // The active device went away: the music stops where it was.
        playback: active && state.playback ? stopped(state.playback, at) : state.playback,
      };
    }
    case 'PlaybackStarted': {
      const { deviceId, tracks, index, context, positionMs } = event.data;
      return {
        ...next,
        activeDeviceId: deviceId,
        playback: { tracks, index, queued: 0, context, positionMs, isPlaying: true, updatedAt: at, trackVersion: version },
      };
    }
    case 'PlaybackPaused':
      return withPlayback(next, (p) => ({ ...p, positionMs: event.data.positionMs, isPlaying: false, updatedAt: at }));
    case 'PlaybackResumed':
      return withPlayback(next, (p) => ({ ...p, positionMs: event.data.positionMs, isPlaying: true, updatedAt: at }));
    case 'PlaybackSeeked':
      return withPlayback(next, (p) => ({ ...p, positionMs: event.data.positionMs, updatedAt: at }));
    case 'TrackChanged': {
      const { index, isPlaying } = event.data;
      return withPlayback(next, (p) => ({
        ...p,
        index,
        // Moving forward consumes the queued tracks passed over; moving back leaves none "next".
        queued: index > p.index ? Math.max(0, p.queued - (index - p.index)) : index === p.index ? p.queued : 0,
        positionMs: 0,
        isPlaying,
        updatedAt: at,
        trackVersion: version,
      }));
    }
    case 'PlaybackTransferred': {
      const { toDeviceId, positionMs, isPlaying } = event.data;
      return {
        ...withPlayback(next, (p) => ({ ...p, positionMs, isPlaying, updatedAt: at })),
        activeDeviceId: toDeviceId,
      };
    }
    case 'QueueChanged': {
      const { tracks, index, queued } = event.data;
      return withPlayback(next, (p) => ({ ...p, tracks, index, queued }));
    }
    case 'ShuffleChanged':
      return { ...withPlayback(next, (p) => ({ ...p, tracks: event.data.tracks })), shuffle: event.data.shuffle };
    case 'RepeatChanged':
      return { ...next, repeat: event.data.repeat };
    default:
      return assertNever(event);
  }
}

function seen(devices: Device[], deviceId: string | undefined, at: string): Device[] {
  if (deviceId === undefined) return devices;
  return devices.map((d) => (d.id === deviceId && d.lastSeenAt < at ? { ...d, lastSeenAt: at } : d));
}

function withPlayback(state: PlayerState, change: (playback: Playback) => Playback): PlayerState {
  return state.playback ? { ...state, playback: change(state.playback) } : state;
}

function stopped(playback: Playback, at: string): Playback {
  return { ...playback, positionMs: positionAt(playback, Date.parse(at)), isPlaying: false, updatedAt: at };
}
