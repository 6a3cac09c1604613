/**
 * The player of one user: commands from any of their devices, in the server's order.
 *
 * Conflicts: a command may carry `stateVersion`, the version of the state its device showed when
 * the user pressed the button. Commands relative to the current track (next, previous, seek, and
 * the active device's "track ended") are idempotent by state version: made against a version older
 * than the current track's, they are stale and change nothing (the caller answers with the current
 * state), so "next" pressed on two devices at once skips one track, not two. Every other command
 * states its outcome (play this, pause, transfer there, shuffle on, repeat off, add this track) and
 * is applied whatever the version; those that would change nothing record nothing.
 */
import { checkId, checkName, checkTime } from '../shared/checks.js';
import { assertNever, type Decider } from '../shared/decider.js';
import { reject } from '../shared/errors.js';
import { DEVICE_TYPES, PLAYER_CONTEXT_TYPES, REPEAT_MODES, type DeviceType, type PlayerContext, type PlayerEvent, type RepeatMode } from './events.js';
import { evolvePlayer, initialPlayerState, liveDevice, positionAt, type Playback, type PlayerState } from './state.js';

/** Devices a user may have registered at once. */
export const MAX_DEVICES = 50;
/** Tracks the player holds (the context's and the queued ones). */
export const MAX_TRACKS = 500;
/** A position beyond this is no position in a track. */
export const MAX_POSITION_MS = 24 * 3_600_000;
/** "Previous" past this far into a track restarts it instead. */
export const RESTART_THRESHOLD_MS = 3_000;
/** A device is recorded as seen at most this often (a socket reconnecting does not flood the stream). */
export const SEEN_EVERY_MS = 5 * 60_000;

interface Base {
  userId: string;
  /** When the server received it. */
  at: string;
  /** The device that issued it, if any. */
  by?: string;
  /** The state version its device showed (see the file's comment). */
  stateVersion?: number;
}

export type PlayerCommand = Base &
  (
    | { type: 'RegisterDevice'; deviceId: string; name: string; deviceType: DeviceType }
    | { type: 'SeeDevice'; deviceId: string }
    | { type: 'RemoveDevice'; deviceId: string }
    | { type: 'Play'; deviceId?: string; tracks?: string[]; context?: PlayerContext | null; index?: number; positionMs?: number }
    | { type: 'Pause' }
    | { type: 'Seek'; positionMs: number }
    | { type: 'Next' }
    | { type: 'Previous' }
    | { type: 'EndTrack' }
    | { type: 'AddToQueue'; trackId: string }
    | { type: 'Transfer'; deviceId: string; play?: boolean }
    | { type: 'SetShuffle'; shuffle: boolean; seed: number }
    | { type: 'SetRepeat'; repeat: RepeatMode }
  );

/** Whether a command was made against a state it no longer applies to (it then changes nothing). */
export function isStale(command: PlayerCommand, state: PlayerState): boolean {
  switch (command.type) {
    case 'Next':
    case 'Previous':
    case 'Seek':
    case 'EndTrack':
      return command.stateVersion !== undefined && state.playback !== null && command.stateVersion < state.playback.trackVersion;
    default:
      return false;
  }
}

export function decidePlayer(command: PlayerCommand, state: PlayerState): PlayerEvent[] {
  const userId = checkId(command.userId, 'userId');
  const at = checkTime(command.at, 'at');
  const base = { userId, at, ...(command.by === undefined ? {} : { by: checkDevice(state, command.by) }) };
  if (command.stateVersion !== undefined && (!Number.isSafeInteger(command.stateVersion) || command.stateVersion < 0)) {
    reject('VALIDATION_FAILED', 'stateVersion must be a whole number >= 0');
  }
  if (isStale(command, state)) return [];
  const atMs = Date.parse(at);
  switch (command.type) {
    case 'RegisterDevice': {
      const deviceId = checkId(command.deviceId, 'deviceId');
      const name = checkName(command.name, 'device name', 100);
      if (!DEVICE_TYPES.includes(command.deviceType)) reject('VALIDATION_FAILED', `device type must be one of ${DEVICE_TYPES.join(', ')}`);
      const known = state.devices.find((d) => d.id === deviceId);
      if (known?.removedAt) reject('DEVICE_REMOVED', `device ${deviceId} was removed; register it under a new id`);
      if (known && known.name === name && known.type === command.deviceType) return seeDevice(state, deviceId, userId, at);
      if (!known && state.devices.filter((d) => d.removedAt === null).length >= MAX_DEVICES) {
        reject('DEVICE_LIMIT_REACHED', `a user has at most ${MAX_DEVICES} devices; remove one first`);
      }
      return [{ type: 'DeviceRegistered', data: { userId, at, deviceId, name, type: command.deviceType } }];
    }
    case 'SeeDevice':
      return seeDevice(state, checkDevice(state, command.deviceId), userId, at);
    case 'RemoveDevice':
      return [{ type: 'DeviceRemoved', data: { ...base, deviceId: checkDevice(state, command.deviceId) } }];
    case 'Play':
      return play(command, state, base, atMs);
    case 'Pause': {
      const playback = loaded(state);
      if (!playback.isPlaying) return [];
      return [{ type: 'PlaybackPaused', data: { ...base, positionMs: positionAt(playback, atMs) } }];
    }
    case 'Seek':
      loaded(state);
      return [{ type: 'PlaybackSeeked', data: { ...base, positionMs: checkPosition(command.positionMs) } }];
    case 'Next':
    case 'EndTrack': {
      const playback = loaded(state);
      // Only the device that plays can say its track ended.
      if (command.type === 'EndTrack' && command.by !== state.activeDeviceId) return [];
      const reason = command.type === 'Next' ? 'next' : 'ended';
      const index = nextIndex(playback, state.repeat, reason);
      if (index === undefined) return [{ type: 'TrackChanged', data: { ...base, index: 0, trackId: playback.tracks[0]!, isPlaying: false, reason } }];
      return [{ type: 'TrackChanged', data: { ...base, index, trackId: playback.tracks[index]!, isPlaying: playback.isPlaying || reason === 'ended', reason } }];
    }
    case 'Previous': {
      const playback = loaded(state);
      const restart = positionAt(playback, atMs) > RESTART_THRESHOLD_MS || (playback.index === 0 && state.repeat !== 'context');
      const index = restart ? playback.index : playback.index === 0 ? playback.tracks.length - 1 : playback.index - 1;
      return [{ type: 'TrackChanged', data: { ...base, index, trackId: playback.tracks[index]!, isPlaying: playback.isPlaying, reason: 'previous' } }];
    }
    case 'AddToQueue': {
      const playback = loaded(state);
      const trackId = checkId(command.trackId, 'trackId');
      if (playback.tracks.length >= MAX_TRACKS) reject('QUEUE_FULL', `the player holds at most ${MAX_TRACKS} tracks`);
      const slot = playback.index + 1 + playback.queued;
      const tracks = [...playback.tracks.slice(0, slot), trackId, ...playback.tracks.slice(slot)];
      return [{ type: 'QueueChanged', data: { ...base, tracks, index: playback.index, queued: playback.queued + 1, added: trackId } }];
    }
    case 'Transfer': {
      const to = checkDevice(state, command.deviceId);
      const playback = state.playback;
      const isPlaying = command.play ?? playback?.isPlaying ?? false;
      if (to === state.activeDeviceId && (playback === null || playback.isPlaying === isPlaying)) return [];
      const positionMs = playback ? positionAt(playback, atMs) : 0;
      return [{ type: 'PlaybackTransferred', data: { ...base, fromDeviceId: state.activeDeviceId, toDeviceId: to, positionMs, isPlaying: playback ? isPlaying : false } }];
    }
    case 'SetShuffle': {
      if (typeof command.shuffle !== 'boolean') reject('VALIDATION_FAILED', 'shuffle must be true or false');
      if (command.shuffle === state.shuffle) return [];
      const playback = state.playback;
      const tracks = playback && command.shuffle ? shuffled(playback, command.seed) : (playback?.tracks ?? []);
      return [{ type: 'ShuffleChanged', data: { ...base, shuffle: command.shuffle, tracks } }];
    }
    case 'SetRepeat':
      if (!REPEAT_MODES.includes(command.repeat)) reject('VALIDATION_FAILED', `repeat must be one of ${REPEAT_MODES.join(', ')}`);
      return command.repeat === state.repeat ? [] : [{ type: 'RepeatChanged', data: { ...base, repeat: command.repeat } }];
    default:
      return assertNever(command);
  }
}

type EventBase = { userId: string; at: string; by?: string };

function play(command: Extract<PlayerCommand, { type: 'Play' }>, state: PlayerState, base: EventBase, atMs: number): PlayerEvent[] {
  const target = command.deviceId !== undefined ? checkDevice(state, command.deviceId) : (command.by ?? state.activeDeviceId);
  if (target === null || target === undefined) reject('NO_ACTIVE_DEVICE', 'no device to play on: give deviceId, or play from a device');
  const deviceId = target!;
  if (command.tracks !== undefined) {
    const tracks = checkTracks(command.tracks);
    const index = command.index ?? 0;
    if (!Number.isSafeInteger(index) || index < 0 || index >= tracks.length) reject('VALIDATION_FAILED', `offset ${index} is not within the ${tracks.length} tracks`);
    const positionMs = command.positionMs === undefined ? 0 : checkPosition(command.positionMs);
    const context = command.context ? checkContext(command.context) : null;
    return [{ type: 'PlaybackStarted', data: { ...base, deviceId, tracks, index, context, positionMs } }];
  }
  // Resume (and move there, when another device is named).
  const playback = loaded(state);
  const positionMs = command.positionMs === undefined ? positionAt(playback, atMs) : checkPosition(command.positionMs);
  if (deviceId !== state.activeDeviceId) {
    return [{ type: 'PlaybackTransferred', data: { ...base, fromDeviceId: state.activeDeviceId, toDeviceId: deviceId, positionMs, isPlaying: true } }];
  }
  if (playback.isPlaying && command.positionMs === undefined) return [];
  return [{ type: 'PlaybackResumed', data: { ...base, positionMs } }];
}

function seeDevice(state: PlayerState, deviceId: string, userId: string, at: string): PlayerEvent[] {
  const device = liveDevice(state, deviceId)!;
  if (Date.parse(at) - Date.parse(device.lastSeenAt) < SEEN_EVERY_MS) return [];
  return [{ type: 'DeviceSeen', data: { userId, at, deviceId } }];
}

/** The index after the current one, or undefined when the tracks ran out (repeat off). */
function nextIndex(playback: Playback, repeat: RepeatMode, reason: 'next' | 'ended'): number | undefined {
  if (reason === 'ended' && repeat === 'track') return playback.index;
  if (playback.index + 1 < playback.tracks.length) return playback.index + 1;
  return repeat === 'off' ? undefined : 0;
}

/** The tracks with those after the current one and the queued ones in an order drawn from `seed`. */
function shuffled(playback: Playback, seed: number): string[] {
  if (!Number.isSafeInteger(seed)) reject('VALIDATION_FAILED', 'seed must be a whole number');
  const fixed = playback.index + 1 + playback.queued;
  const rest = playback.tracks.slice(fixed);
  const random = mulberry32(seed);
  for (let i = rest.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [rest[i], rest[j]] = [rest[j]!, rest[i]!];
  }
  return [...playback.tracks.slice(0, fixed), ...rest];
}

/** A small seeded generator: the same seed draws the same order (replays agree). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function loaded(state: PlayerState): Playback {
  if (!state.playback) reject('PLAYER_IDLE', 'nothing is loaded in the player: play something first');
  return state.playback!;
}

function checkDevice(state: PlayerState, deviceId: string): string {
  const id = checkId(deviceId, 'deviceId');
  const device = state.devices.find((d) => d.id === id);
  if (!device) reject('DEVICE_NOT_FOUND', `device ${id} is not registered (PUT /v1/me/player/devices/${id})`);
  if (device!.removedAt) reject('DEVICE_REMOVED', `device ${id} was removed`);
  return id;
}

function checkTracks(tracks: readonly string[]): string[] {
  if (!Array.isArray(tracks) || tracks.length === 0) reject('VALIDATION_FAILED', 'trackIds must hold at least one track');
  if (tracks.length > MAX_TRACKS) reject('VALIDATION_FAILED', `at most ${MAX_TRACKS} tracks`);
  return tracks.map((t) => checkId(t, 'trackId'));
}

function checkPosition(positionMs: number): number {
  if (!Number.isSafeInteger(positionMs) || positionMs < 0 || positionMs > MAX_POSITION_MS) {
    reject('VALIDATION_FAILED', `positionMs must be a whole number of milliseconds from 0 to ${MAX_POSITION_MS}`);
  }
  return positionMs;
}

function checkContext(context: PlayerContext): PlayerContext {
  if (!PLAYER_CONTEXT_TYPES.includes(context.type)) reject('VALIDATION_FAILED', `context.type must be one of ${PLAYER_CONTEXT_TYPES.join(', ')}`);
  return { type: context.type, id: checkId(context.id, 'context.id') };
}

export const playerDecider: Decider<PlayerCommand, PlayerEvent, PlayerState> = {
  initialState: initialPlayerState,
  decide: decidePlayer,
  evolve: evolvePlayer,
};
