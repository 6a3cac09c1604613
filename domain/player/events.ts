/**
 * Events of a `player-<userId>` stream: one player per user across their devices. Only what
 * changes what plays, and where, is an event (devices, start, pause, resume, seek, track changes,
 * transfer, queue, shuffle, repeat); position reports are not: the position is derived from
 * `positionMs` at `at` plus the time since, while playing.
 *
 * `by` is the device that issued the command (absent for a call without one, e.g. a script over
 * HTTP), so analysts follow sessions across devices.
 */
import type { DomainEvent } from '../shared/decider.js';

export const DEVICE_TYPES = ['computer', 'smartphone', 'tablet', 'speaker', 'tv', 'car', 'web', 'other'] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];

export const REPEAT_MODES = ['off', 'track', 'context'] as const;
export type RepeatMode = (typeof REPEAT_MODES)[number];

export const PLAYER_CONTEXT_TYPES = ['album', 'playlist', 'artist', 'radio'] as const;
export type PlayerContextType = (typeof PLAYER_CONTEXT_TYPES)[number];

/** Where the tracks came from (what a client shows as "playing from ..."). */
export interface PlayerContext {
  type: PlayerContextType;
  id: string;
}

/** Why the current track changed. `ended`: the active device finished it. */
export type TrackChangeReason = 'next' | 'previous' | 'ended';

interface Base {
  userId: string;
  at: string;
  by?: string;
}

export type DeviceRegistered = DomainEvent<'DeviceRegistered', Base & { deviceId: string; name: string; type: DeviceType }>;
/** A device was seen (recorded at most once per SEEN_EVERY_MS per device; commands count too). */
export type DeviceSeen = DomainEvent<'DeviceSeen', Base & { deviceId: string }>;
export type DeviceRemoved = DomainEvent<'DeviceRemoved', Base & { deviceId: string }>;
/** New content on `deviceId`: the tracks, which one, and where in it. */
export type PlaybackStarted = DomainEvent<
  'PlaybackStarted',
  Base & { deviceId: string; tracks: string[]; index: number; context: PlayerContext | null; positionMs: number }
>;
export type PlaybackPaused = DomainEvent<'PlaybackPaused', Base & { positionMs: number }>;
export type PlaybackResumed = DomainEvent<'PlaybackResumed', Base & { positionMs: number }>;
export type PlaybackSeeked = DomainEvent<'PlaybackSeeked', Base & { positionMs: number }>;
export type TrackChanged = DomainEvent<
  'TrackChanged',
  Base & { index: number; trackId: string; isPlaying: boolean; reason: TrackChangeReason }
>;
/** The player moved to `toDeviceId` at `positionMs`; `fromDeviceId` (if any) stops. */
export type PlaybackTransferred = DomainEvent<
  'PlaybackTransferred',
  Base & { fromDeviceId: string | null; toDeviceId: string; positionMs: number; isPlaying: boolean }
>;
/** The track list after a queue edit: `queued` tracks after `index` were added by the user. */
export type QueueChanged = DomainEvent<'QueueChanged', Base & { tracks: string[]; index: number; queued: number; added: string }>;
/** Shuffle turned on (the tracks after the current one and the queued ones, reordered) or off. */
export type ShuffleChanged = DomainEvent<'ShuffleChanged', Base & { shuffle: boolean; tracks: string[] }>;
export type RepeatChanged = DomainEvent<'RepeatChanged', Base & { repeat: RepeatMode }>;

export type PlayerEvent =
  | DeviceRegistered
  | DeviceSeen
  | DeviceRemoved
  | PlaybackStarted
  | PlaybackPaused
  | PlaybackResumed
  | PlaybackSeeked
  | TrackChanged
  | PlaybackTransferred
  | QueueChanged
  | ShuffleChanged
  | RepeatChanged;

export const PLAYER_EVENT_TYPES: readonly PlayerEvent['type'][] = [
  'DeviceRegistered',
  'DeviceSeen',
  'DeviceRemoved',
  'PlaybackStarted',
  'PlaybackPaused',
  'PlaybackResumed',
  'PlaybackSeeked',
  'TrackChanged',
  'PlaybackTransferred',
  'QueueChanged',
  'ShuffleChanged',
  'RepeatChanged',
];

export const PLAYER_STREAM_PREFIX = 'player-';
export const playerStream = (userId: string) => `${PLAYER_STREAM_PREFIX}${userId}`;
