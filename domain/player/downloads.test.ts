import { describe, expect, it } from 'vitest';
import { given } from '../shared/given-when-then.js';
import { DOWNLOAD_LIMITS, DOWNLOAD_TTL_MS, activeGrants, downloadsDecider, type DownloadCommand, type DownloadEvent } from './downloads.js';

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const at = (ms = 0) => new Date(T0 + ms).toISOString();
const grant = (deviceId: string, trackIds: string[], over: Partial<Extract<DownloadCommand, { type: 'GrantDownloads' }>> = {}): DownloadCommand => ({
  type: 'GrantDownloads',
  userId: 'u',
  deviceId,
  tracks: trackIds.map((trackId) => ({ trackId, quality: 'low' })),
  plan: 'free',
  liveDevices: ['phone', 'laptop'],
  at: at(),
  ...over,
});
const granted = (deviceId: string, trackIds: string[], ms = 0): DownloadEvent => ({
  type: 'DownloadsGranted',
  data: { userId: 'u', deviceId, tracks: trackIds.map((trackId) => ({ trackId, quality: 'low' })), expiresAt: at(ms + DOWNLOAD_TTL_MS), at: at(ms) },
});

describe('downloads decider', () => {
  it('grants a registered device its tracks until DOWNLOAD_TTL_MS from now', () => {
    given(downloadsDecider).when(grant('phone', ['t1'])).then([granted('phone', ['t1'])]);
    given(downloadsDecider).when(grant('tablet', ['t1'])).thenRejects('DEVICE_NOT_FOUND');
  });

  it('caps the devices holding downloads by plan; an expired or removed device frees its place', () => {
    given(downloadsDecider, [granted('phone', ['t1'])]).when(grant('laptop', ['t2'])).thenRejects('DOWNLOAD_DEVICE_LIMIT');
    given(downloadsDecider, [granted('phone', ['t1'])]).when(grant('laptop', ['t2'], { plan: 'premium' })).then([granted('laptop', ['t2'])]);
    given(downloadsDecider, [granted('phone', ['t1'])]).when(grant('laptop', ['t2'], { liveDevices: ['laptop'] })).then([granted('laptop', ['t2'])]);
    const later = DOWNLOAD_TTL_MS + 1;
    given(downloadsDecider, [granted('phone', ['t1'])]).when(grant('laptop', ['t2'], { at: at(later) })).then([granted('laptop', ['t2'], later)]);
  });

  it('caps the tracks per device by plan, counting those already held', () => {
    const max = DOWNLOAD_LIMITS.free.tracksPerDevice;
    const held = Array.from({ length: max }, (_, i) => `t${i}`);
    given(downloadsDecider, [granted('phone', held)]).when(grant('phone', ['one-more'])).thenRejects('DOWNLOAD_TRACK_LIMIT');
    given(downloadsDecider, [granted('phone', held)]).when(grant('phone', ['t0'])).then([granted('phone', ['t0'])]);
  });

  it('revoking removes every grant of the device; grants lapse after their expiry', () => {
    const state = given(downloadsDecider, [granted('phone', ['t1'])]).when({ type: 'RevokeDownloads', userId: 'u', deviceId: 'phone', at: at(1) }).then([
      { type: 'DownloadsRevoked', data: { userId: 'u', deviceId: 'phone', at: at(1) } },
    ]);
    expect(state).toEqual({});
    const held = given(downloadsDecider, [granted('phone', ['t1'])]).state;
    expect(activeGrants(held, 'phone', T0 + DOWNLOAD_TTL_MS - 1)).toHaveLength(1);
    expect(activeGrants(held, 'phone', T0 + DOWNLOAD_TTL_MS)).toHaveLength(0);
  });
});
