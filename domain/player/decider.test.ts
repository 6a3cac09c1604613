import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.js';
import { given } from '../shared/given-when-then.js';
import { MAX_DEVICES, SEEN_EVERY_MS, isStale, playerDecider, type PlayerCommand } from './decider.js';
import type { PlayerEvent } from './events.js';
import { positionAt } from './state.js';
import { deviceViews, instructionsFor, playerView } from './view.js';

const T0 = Date.parse('2026-01-01T12:00:00.000Z');
const at = (ms = 0) => new Date(T0 + ms).toISOString();
const user = 'alice';
const cmd = <C extends PlayerCommand['type']>(type: C, rest: Omit<Extract<PlayerCommand, { type: C }>, 'type' | 'userId' | 'at'> & { at?: string }) =>
  ({ userId: user, at: at(), ...rest, type }) as unknown as PlayerCommand;

const registered = (deviceId: string, ms = 0): PlayerEvent => ({
  type: 'DeviceRegistered',
  data: { userId: user, at: at(ms), deviceId, name: `${deviceId} name`, type: 'smartphone' },
});
const started = (ms = 0, over: Partial<Extract<PlayerEvent, { type: 'PlaybackStarted' }>['data']> = {}): PlayerEvent => ({
  type: 'PlaybackStarted',
  data: { userId: user, at: at(ms), deviceId: 'phone', tracks: ['t1', 't2', 't3'], index: 0, context: null, positionMs: 0, ...over },
});
const twoDevicesPlaying = [registered('phone'), registered('laptop'), started(1_000)];

describe('player decider: devices', () => {
  it('registering a device records DeviceRegistered; registering it again unchanged records nothing new', () => {
    const state = given(playerDecider).when(cmd('RegisterDevice', { deviceId: 'phone', name: 'Phone', deviceType: 'smartphone' })).then([
      { type: 'DeviceRegistered', data: { userId: user, at: at(), deviceId: 'phone', name: 'Phone', type: 'smartphone' } },
    ]);
    expect(deviceViews(state, new Date(T0))).toMatchObject([{ id: 'phone', name: 'Phone', isActive: false, inactive: false }]);
    expect(playerDecider.decide(cmd('RegisterDevice', { deviceId: 'phone', name: 'Phone', deviceType: 'smartphone' }), state)).toEqual([]);
  });

  it('a device is recorded as seen at most every SEEN_EVERY_MS, and shown inactive when not seen for long', () => {
    given(playerDecider, [registered('phone')]).when(cmd('SeeDevice', { deviceId: 'phone', at: at(SEEN_EVERY_MS - 1) })).then([]);
    const state = given(playerDecider, [registered('phone')])
      .when(cmd('SeeDevice', { deviceId: 'phone', at: at(SEEN_EVERY_MS) }))
      .then([{ type: 'DeviceSeen', data: { userId: user, at: at(SEEN_EVERY_MS), deviceId: 'phone' } }]);
    expect(deviceViews(state, new Date(T0 + SEEN_EVERY_MS + 60 * 60_000))[0]!.inactive).toBe(true);
  });

  it('a removed device is not listed, cannot come back under its id, and stops the player if it was active', () => {
    const state = given(playerDecider, twoDevicesPlaying)
      .when(cmd('RemoveDevice', { deviceId: 'phone', at: at(5_000) }))
      .then([{ type: 'DeviceRemoved', data: { userId: user, at: at(5_000), deviceId: 'phone' } }]);
    expect(deviceViews(state, new Date(T0)).map((d) => d.id)).toEqual(['laptop']);
    expect(state.activeDeviceId).toBeNull();
    expect(state.playback).toMatchObject({ isPlaying: false, positionMs: 4_000 });
    given(playerDecider, [...twoDevicesPlaying, { type: 'DeviceRemoved', data: { userId: user, at: at(), deviceId: 'phone' } }])
      .when(cmd('RegisterDevice', { deviceId: 'phone', name: 'x', deviceType: 'web' }))
      .thenRejects('DEVICE_REMOVED');
  });

  it(`at most ${MAX_DEVICES} devices`, () => {
    const many = Array.from({ length: MAX_DEVICES }, (_, i) => registered(`d${i}`));
    given(playerDecider, many).when(cmd('RegisterDevice', { deviceId: 'one-more', name: 'x', deviceType: 'web' })).thenRejects('DEVICE_LIMIT_REACHED');
  });

  it('commands from or to unknown devices are refused', () => {
    given(playerDecider).when(cmd('Play', { deviceId: 'ghost', tracks: ['t1'] })).thenRejects('DEVICE_NOT_FOUND');
    given(playerDecider, [registered('phone')]).when(cmd('Pause', { by: 'ghost' })).thenRejects('DEVICE_NOT_FOUND');
    given(playerDecider, [registered('phone')]).when(cmd('Transfer', { deviceId: 'bad id' })).thenRejects('VALIDATION_FAILED');
  });
});

describe('player decider: playing', () => {
  it('play with tracks starts them on the device; the position runs from then while playing', () => {
    const state = given(playerDecider, [registered('phone')])
      .when(cmd('Play', { by: 'phone', tracks: ['t1', 't2'], index: 1, positionMs: 500, context: { type: 'album', id: 'alb-1' } }))
      .then([{ type: 'PlaybackStarted', data: { userId: user, at: at(), by: 'phone', deviceId: 'phone', tracks: ['t1', 't2'], index: 1, context: { type: 'album', id: 'alb-1' }, positionMs: 500 } }]);
    expect(positionAt(state.playback!, T0 + 10_000)).toBe(10_500);
    expect(playerView(state, new Date(T0 + 2_000))).toMatchObject({ trackId: 't2', positionMs: 2_500, isPlaying: true, device: { id: 'phone' }, queue: [] });
  });

  it('play needs a device: named, the issuing one, or the active one', () => {
    given(playerDecider, [registered('phone')]).when(cmd('Play', { tracks: ['t1'] })).thenRejects('NO_ACTIVE_DEVICE');
    given(playerDecider, [registered('phone')]).when(cmd('Play', { by: 'phone', tracks: ['t1'], index: 1 })).thenRejects('VALIDATION_FAILED');
  });

  it('pause keeps the position reached; pause again records nothing; play resumes there', () => {
    const paused = given(playerDecider, twoDevicesPlaying)
      .when(cmd('Pause', { at: at(4_000) }))
      .then([{ type: 'PlaybackPaused', data: { userId: user, at: at(4_000), positionMs: 3_000 } }]);
    expect(positionAt(paused.playback!, T0 + 60_000)).toBe(3_000);
    expect(playerDecider.decide(cmd('Pause', { at: at(5_000) }), paused)).toEqual([]);
    expect(playerDecider.decide(cmd('Play', { at: at(9_000) }), paused)).toEqual([
      { type: 'PlaybackResumed', data: { userId: user, at: at(9_000), positionMs: 3_000 } },
    ]);
  });

  it('pause, seek and next with nothing loaded are refused with PLAYER_IDLE', () => {
    for (const c of [cmd('Pause', {}), cmd('Seek', { positionMs: 1 }), cmd('Next', {}), cmd('AddToQueue', { trackId: 't9' })]) {
      given(playerDecider, [registered('phone')]).when(c).thenRejects('PLAYER_IDLE');
    }
  });

  it('next moves on, wraps with repeat context, and stops at the end with repeat off', () => {
    let state = fold(playerDecider, twoDevicesPlaying);
    for (const expected of ['t2', 't3']) {
      state = playerDecider.decide(cmd('Next', {}), state).reduce(playerDecider.evolve, state);
      expect(playerView(state, new Date(T0)).trackId).toBe(expected);
    }
    const end = playerDecider.decide(cmd('Next', {}), state).reduce(playerDecider.evolve, state);
    expect(playerView(end, new Date(T0))).toMatchObject({ trackId: 't1', isPlaying: false });
    const repeating = playerDecider.evolve(state, { type: 'RepeatChanged', data: { userId: user, at: at(), repeat: 'context' } });
    const wrapped = playerDecider.decide(cmd('Next', {}), repeating).reduce(playerDecider.evolve, repeating);
    expect(playerView(wrapped, new Date(T0))).toMatchObject({ trackId: 't1', isPlaying: true });
  });

  it('previous restarts the track past 3 s, else goes back one', () => {
    const onSecond = fold(playerDecider, [...twoDevicesPlaying, { type: 'TrackChanged', data: { userId: user, at: at(1_000), index: 1, trackId: 't2', isPlaying: true, reason: 'next' } }]);
    expect(playerDecider.decide(cmd('Previous', { at: at(2_000) }), onSecond)[0]).toMatchObject({ data: { index: 0, trackId: 't1' } });
    expect(playerDecider.decide(cmd('Previous', { at: at(10_000) }), onSecond)[0]).toMatchObject({ data: { index: 1, trackId: 't2' } });
  });

  it('a track ended on the active device repeats with repeat track; from another device it is ignored', () => {
    const state = fold(playerDecider, [...twoDevicesPlaying, { type: 'RepeatChanged', data: { userId: user, at: at(), repeat: 'track' } }]);
    expect(playerDecider.decide(cmd('EndTrack', { by: 'phone' }), state)[0]).toMatchObject({ type: 'TrackChanged', data: { index: 0, reason: 'ended' } });
    expect(playerDecider.decide(cmd('EndTrack', { by: 'laptop' }), state)).toEqual([]);
  });

  it('queued tracks play next, in the order they were added', () => {
    let state = fold(playerDecider, twoDevicesPlaying);
    for (const trackId of ['q1', 'q2']) state = playerDecider.decide(cmd('AddToQueue', { trackId }), state).reduce(playerDecider.evolve, state);
    expect(playerView(state, new Date(T0)).queue.map((q) => q.trackId)).toEqual(['q1', 'q2', 't2', 't3']);
    state = playerDecider.decide(cmd('Next', {}), state).reduce(playerDecider.evolve, state);
    expect(playerView(state, new Date(T0))).toMatchObject({ trackId: 'q1', queued: 1 });
  });

  it('shuffle reorders what follows the current and queued tracks, the same way for the same seed', () => {
    const state = fold(playerDecider, [registered('phone'), started(0, { tracks: Array.from({ length: 20 }, (_, i) => `t${i}`) })]);
    const [a] = playerDecider.decide(cmd('SetShuffle', { shuffle: true, seed: 42 }), state);
    const [b] = playerDecider.decide(cmd('SetShuffle', { shuffle: true, seed: 42 }), state);
    expect(a).toEqual(b);
    const tracks = (a as Extract<PlayerEvent, { type: 'ShuffleChanged' }>).data.tracks;
    expect(tracks[0]).toBe('t0');
    expect([...tracks].sort()).toEqual([...state.playback!.tracks].sort());
    expect(tracks).not.toEqual(state.playback!.tracks);
  });
});

describe('player decider: transfer and instructions', () => {
  it('transfer moves the player at the position reached; the new device plays, the old one stops', () => {
    const before = fold(playerDecider, twoDevicesPlaying);
    const after = given(playerDecider, twoDevicesPlaying)
      .when(cmd('Transfer', { deviceId: 'laptop', by: 'laptop', at: at(31_000) }))
      .then([{ type: 'PlaybackTransferred', data: { userId: user, at: at(31_000), by: 'laptop', fromDeviceId: 'phone', toDeviceId: 'laptop', positionMs: 30_000, isPlaying: true } }]);
    expect(instructionsFor(before, after)).toEqual([
      { deviceId: 'phone', instruction: { op: 'stop', version: 4 } },
      { deviceId: 'laptop', instruction: { op: 'play', trackId: 't1', positionMs: 30_000, at: at(31_000), version: 4 } },
    ]);
    expect(playerDecider.decide(cmd('Transfer', { deviceId: 'laptop', at: at(32_000) }), after)).toEqual([]);
  });

  it('a queue edit tells the active device nothing; a pause tells it to pause', () => {
    const before = fold(playerDecider, twoDevicesPlaying);
    const queued = playerDecider.decide(cmd('AddToQueue', { trackId: 'q' }), before).reduce(playerDecider.evolve, before);
    expect(instructionsFor(before, queued)).toEqual([]);
    const paused = playerDecider.decide(cmd('Pause', { at: at(2_000) }), queued).reduce(playerDecider.evolve, queued);
    expect(instructionsFor(queued, paused)).toMatchObject([{ deviceId: 'phone', instruction: { op: 'pause', positionMs: 1_000 } }]);
  });
});

describe('player decider: stale commands', () => {
  it('"next" pressed on two devices against the same version skips one track', () => {
    const state = fold(playerDecider, twoDevicesPlaying);
    const seen = state.version;
    const afterFirst = playerDecider.decide(cmd('Next', { by: 'phone', stateVersion: seen }), state).reduce(playerDecider.evolve, state);
    const second = cmd('Next', { by: 'laptop', stateVersion: seen });
    expect(isStale(second, afterFirst)).toBe(true);
    expect(playerDecider.decide(second, afterFirst)).toEqual([]);
    expect(playerView(afterFirst, new Date(T0)).trackId).toBe('t2');
  });

  it('a next made after the current track was set applies even if other changes came since', () => {
    const state = fold(playerDecider, twoDevicesPlaying);
    const seen = state.version;
    const paused = playerDecider.decide(cmd('Pause', { at: at(2_000) }), state).reduce(playerDecider.evolve, state);
    expect(playerDecider.decide(cmd('Next', { stateVersion: seen }), paused)).toHaveLength(1);
  });

  it('a seek made for a track that has since changed is dropped; absolute commands apply whatever the version', () => {
    const state = fold(playerDecider, twoDevicesPlaying);
    const moved = playerDecider.decide(cmd('Next', {}), state).reduce(playerDecider.evolve, state);
    expect(playerDecider.decide(cmd('Seek', { positionMs: 90_000, stateVersion: state.version }), moved)).toEqual([]);
    expect(playerDecider.decide(cmd('Pause', { stateVersion: 0 }), moved)).toHaveLength(1);
    expect(playerDecider.decide(cmd('SetRepeat', { repeat: 'track', stateVersion: 0 }), moved)).toHaveLength(1);
  });
});
