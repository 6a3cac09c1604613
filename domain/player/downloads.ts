/**
 * Offline downloads (`downloads-<userId>`): which tracks each device of a user may keep, at which
 * quality, until when. As streaming services do, the plan caps the devices that hold downloads
 * and the tracks per device, and a grant lasts DOWNLOAD_TTL_MS: a device renews it by asking again
 * (being online once in that time). A removed device's grants stop counting and its URLs stop
 * working (the serve checks the device is still registered).
 */
import type { Quality } from '../catalog/events.js';
import { checkId, checkTime } from '../shared/checks.js';
import { assertNever, type Decider, type DomainEvent } from '../shared/decider.js';
import { reject } from '../shared/errors.js';
import type { Plan } from '../streaming/policy.js';

export const DOWNLOAD_TTL_MS = 30 * 24 * 3_600_000;
export const DOWNLOAD_LIMITS: Record<Plan, { devices: number; tracksPerDevice: number }> = {
  free: { devices: 1, tracksPerDevice: 50 },
  premium: { devices: 5, tracksPerDevice: 10_000 },
};

export interface DownloadedTrack {
  trackId: string;
  quality: Quality;
}

export type DownloadsGranted = DomainEvent<'DownloadsGranted', { userId: string; deviceId: string; tracks: DownloadedTrack[]; expiresAt: string; at: string }>;
export type DownloadsRevoked = DomainEvent<'DownloadsRevoked', { userId: string; deviceId: string; at: string }>;
export type DownloadEvent = DownloadsGranted | DownloadsRevoked;
export const DOWNLOAD_EVENT_TYPES: readonly DownloadEvent['type'][] = ['DownloadsGranted', 'DownloadsRevoked'];
export const downloadsStream = (userId: string) => `downloads-${userId}`;

/** Per device, per track: the quality granted and until when. */
export type DownloadsState = Record<string, Record<string, { quality: Quality; expiresAt: string }>>;

export type DownloadCommand =
  | {
      type: 'GrantDownloads';
      userId: string;
      deviceId: string;
      tracks: DownloadedTrack[];
      plan: Plan;
      /** The user's registered devices (removed ones left out), from the player. */
      liveDevices: readonly string[];
      at: string;
    }
  | { type: 'RevokeDownloads'; userId: string; deviceId: string; at: string };

/** The grants of `deviceId` still valid at `atMs`. */
export function activeGrants(state: DownloadsState, deviceId: string, atMs: number): [string, { quality: Quality; expiresAt: string }][] {
  return Object.entries(state[deviceId] ?? {}).filter(([, grant]) => Date.parse(grant.expiresAt) > atMs);
}

export function decideDownloads(command: DownloadCommand, state: DownloadsState): DownloadEvent[] {
  const userId = checkId(command.userId, 'userId');
  const deviceId = checkId(command.deviceId, 'deviceId');
  const at = checkTime(command.at, 'at');
  const atMs = Date.parse(at);
  switch (command.type) {
    case 'GrantDownloads': {
      if (!command.liveDevices.includes(deviceId)) reject('DEVICE_NOT_FOUND', `device ${deviceId} is not registered (PUT /v1/me/player/devices/${deviceId})`);
      if (command.tracks.length === 0) reject('VALIDATION_FAILED', 'nothing to download');
      const limits = DOWNLOAD_LIMITS[command.plan];
      const holding = command.liveDevices.filter((d) => d !== deviceId && activeGrants(state, d, atMs).length > 0);
      if (holding.length + 1 > limits.devices) {
        reject('DOWNLOAD_DEVICE_LIMIT', `the ${command.plan} plan keeps downloads on at most ${limits.devices} device(s): remove the downloads of ${holding.join(', ')} first`);
      }
      const kept = new Set([...activeGrants(state, deviceId, atMs).map(([trackId]) => trackId), ...command.tracks.map((t) => checkId(t.trackId, 'trackId'))]);
      if (kept.size > limits.tracksPerDevice) {
        reject('DOWNLOAD_TRACK_LIMIT', `the ${command.plan} plan keeps at most ${limits.tracksPerDevice} tracks per device (this would make ${kept.size})`);
      }
      const expiresAt = new Date(atMs + DOWNLOAD_TTL_MS).toISOString();
      return [{ type: 'DownloadsGranted', data: { userId, deviceId, tracks: command.tracks.map((t) => ({ trackId: t.trackId, quality: t.quality })), expiresAt, at } }];
    }
    case 'RevokeDownloads':
      return Object.keys(state[deviceId] ?? {}).length === 0 ? [] : [{ type: 'DownloadsRevoked', data: { userId, deviceId, at } }];
    default:
      return assertNever(command);
  }
}

export function evolveDownloads(state: DownloadsState, event: DownloadEvent): DownloadsState {
  switch (event.type) {
    case 'DownloadsGranted': {
      const { deviceId, tracks, expiresAt } = event.data;
      const device = { ...state[deviceId] };
      for (const t of tracks) device[t.trackId] = { quality: t.quality, expiresAt };
      return { ...state, [deviceId]: device };
    }
    case 'DownloadsRevoked': {
      const { [event.data.deviceId]: _gone, ...rest } = state;
      return rest;
    }
    default:
      return assertNever(event);
  }
}

export const downloadsDecider: Decider<DownloadCommand, DownloadEvent, DownloadsState> = {
  initialState: {},
  decide: decideDownloads,
  evolve: evolveDownloads,
};
