/** The cross-device player over HTTP: devices, play, pause, seek, next, queue, transfer, stale commands. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../support/api-client.js';
import { expectRefused, startE2eServer, uniqueUser, type E2eServer } from './support/server.js';

interface View {
  version: number;
  device: { id: string } | null;
  trackId: string | null;
  positionMs: number;
  isPlaying: boolean;
  queue: { trackId: string }[];
  serverTime: string;
}
interface Outcome {
  applied: boolean;
  stale: boolean;
  player: View;
  position?: string;
}

const TRACKS = ['demo-track-0-1', 'demo-track-0-2', 'demo-track-0-3'];

let s: E2eServer;
beforeAll(async () => {
  s = await startE2eServer('player');
});
afterAll(async () => {
  await s?.close();
});

async function withDevices(label: string, ...devices: string[]): Promise<{ id: string; api: ApiClient }> {
  const id = uniqueUser(label);
  const api = await s.login(id);
  for (const device of devices) {
    const registered = await api.put<{ device: { id: string; isActive: boolean } }>(`/v1/me/player/devices/${device}`, { name: `My ${device}`, type: 'smartphone' });
    expect(registered.status).toBe(200);
    expect(registered.body.device).toMatchObject({ id: device, isActive: false });
  }
  return { id, api };
}

describe('player over HTTP', () => {
  it('plays on a device, lists devices, and records what changes what plays in player-<userId>', async () => {
    const { id, api } = await withDevices('play', 'phone', 'laptop');
    const idle = await api.get<View>('/v1/me/player');
    expect(idle.body).toMatchObject({ device: null, trackId: null, isPlaying: false, version: 2 });
    const played = await api.put<Outcome>('/v1/me/player/play', { deviceId: 'phone', trackIds: TRACKS, positionMs: 10_000 });
    expect(played.status).toBe(200);
    expect(played.body).toMatchObject({ applied: true, stale: false, player: { device: { id: 'phone' }, trackId: TRACKS[0], isPlaying: true } });
    expect(played.body.player.queue.map((q) => q.trackId)).toEqual(TRACKS.slice(1));
    const devices = await api.get<{ items: { id: string; isActive: boolean; inactive: boolean }[] }>('/v1/me/player/devices');
    expect(devices.body.items.map((d) => [d.id, d.isActive, d.inactive])).toEqual([['phone', true, false], ['laptop', false, false]]);
    const types = (await s.stream(`player-${id}`)).map((e) => e.type);
    expect(types).toEqual(['DeviceRegistered', 'DeviceRegistered', 'PlaybackStarted']);
  });

  it('the position runs on while playing and stops on pause; seek sets it', async () => {
    const { api } = await withDevices('pos', 'phone');
    await api.put('/v1/me/player/play', { deviceId: 'phone', trackIds: TRACKS, positionMs: 5_000 });
    await new Promise((r) => setTimeout(r, 300));
    const running = await api.get<View>('/v1/me/player');
    expect(running.body.positionMs).toBeGreaterThanOrEqual(5_300);
    const paused = await api.put<Outcome>('/v1/me/player/pause', {});
    expect(paused.body.player.isPlaying).toBe(false);
    const again = await api.put<Outcome>('/v1/me/player/pause');
    expect(again.body).toMatchObject({ applied: false, stale: false });
    const seeked = await api.put<Outcome>('/v1/me/player/seek', { positionMs: 60_000 });
    expect(seeked.body.player.positionMs).toBe(60_000);
  });

  it('transfer moves the player to another device at the position reached (within 1 s)', async () => {
    const { api } = await withDevices('transfer', 'phone', 'laptop');
    await api.put('/v1/me/player/play', { deviceId: 'phone', trackIds: TRACKS, positionMs: 42_000 });
    const before = (await api.get<View>('/v1/me/player')).body;
    const moved = await api.put<Outcome>('/v1/me/player', { deviceId: 'laptop' });
    expect(moved.body.player).toMatchObject({ device: { id: 'laptop' }, isPlaying: true, trackId: TRACKS[0] });
    const expected = before.positionMs + (Date.parse(moved.body.player.serverTime) - Date.parse(before.serverTime));
    expect(Math.abs(moved.body.player.positionMs - expected)).toBeLessThan(1_000);
  });

  it('"next" pressed on two devices against the same version skips once; the second is answered with the state', async () => {
    const { api } = await withDevices('next', 'phone', 'laptop');
    const played = await api.put<Outcome>('/v1/me/player/play', { deviceId: 'phone', trackIds: TRACKS });
    const seen = played.body.player.version;
    const [a, b] = await Promise.all([
      api.post<Outcome>('/v1/me/player/next', { stateVersion: seen, fromDeviceId: 'phone' }),
      api.post<Outcome>('/v1/me/player/next', { stateVersion: seen, fromDeviceId: 'laptop' }),
    ]);
    expect([a.body.applied, b.body.applied].sort()).toEqual([false, true]);
    expect([a.body.stale, b.body.stale].sort()).toEqual([false, true]);
    expect((await api.get<View>('/v1/me/player')).body.trackId).toBe(TRACKS[1]);
  });

  it('queued tracks come next', async () => {
    const { api } = await withDevices('queue', 'phone');
    await api.put('/v1/me/player/play', { deviceId: 'phone', trackIds: TRACKS });
    const queued = await api.post<Outcome>('/v1/me/player/queue', { trackId: 'demo-track-0-4' });
    expect(queued.body.player.queue.map((q) => q.trackId)).toEqual(['demo-track-0-4', ...TRACKS.slice(1)]);
  });

  it('plays an album by its context', async () => {
    const { api } = await withDevices('album', 'phone');
    const played = await api.put<Outcome>('/v1/me/player/play', { deviceId: 'phone', context: { type: 'album', id: 'demo-album-0' }, offset: { position: 1 } });
    expect(played.body.player).toMatchObject({ trackId: expect.any(String), context: { type: 'album', id: 'demo-album-0' } });
  });

  it('refuses what cannot be done, with documented codes, and records nothing', async () => {
    const { id, api } = await withDevices('refused', 'phone');
    const before = (await s.stream(`player-${id}`)).length;
    await expectRefused(s, 'PLAYER_IDLE', () => api.put('/v1/me/player/pause', {}));
    await expectRefused(s, 'DEVICE_NOT_FOUND', () => api.put('/v1/me/player/play', { deviceId: 'ghost', trackIds: TRACKS }));
    await expectRefused(s, 'NO_ACTIVE_DEVICE', () => api.put('/v1/me/player/play', { trackIds: TRACKS }));
    await expectRefused(s, 'TRACK_NOT_FOUND', () => api.put('/v1/me/player/play', { deviceId: 'phone', trackIds: ['no-such-track'] }));
    await expectRefused(s, 'VALIDATION_FAILED', () => api.put('/v1/me/player/seek', { positionMs: -1 }));
    await expectRefused(s, 'VALIDATION_FAILED', () => api.put('/v1/me/player/devices/tv', { name: 'TV', type: 'toaster' }));
    expect(await s.stream(`player-${id}`)).toHaveLength(before);
  });

  it('a removed device is no longer listed and cannot come back under its id', async () => {
    const { api } = await withDevices('removed', 'phone', 'old');
    await api.put('/v1/me/player/play', { deviceId: 'old', trackIds: TRACKS });
    const removed = await api.delete<Outcome>('/v1/me/player/devices/old');
    expect(removed.body.player).toMatchObject({ device: null, isPlaying: false });
    const devices = await api.get<{ items: { id: string }[] }>('/v1/me/player/devices');
    expect(devices.body.items.map((d) => d.id)).toEqual(['phone']);
    await expectRefused(s, 'DEVICE_REMOVED', () => api.put('/v1/me/player/devices/old', { name: 'again', type: 'web' }));
  });

  it("another user's device is unknown to me", async () => {
    await withDevices('owner', 'their-phone');
    const { api } = await withDevices('other');
    await expectRefused(s, 'DEVICE_NOT_FOUND', () => api.put('/v1/me/player', { deviceId: 'their-phone' }));
  });
});
