/**
 * Offline downloads: grants per device (domain/player/downloads.ts) and their URLs, signed with
 * the media keys and lasting as long as the grant:
 *
 *   /v1/downloads/{exp}.{kid}.{quality}.{user}.{device}.{sig}/{trackId}/{file}
 *
 * `user` and `device` in base64url, `sig` the HMAC-SHA256 of (`download`, exp, kid, trackId,
 * quality, userId, deviceId). Serving one checks the signature and expiry, then that the device is
 * still registered and still holds the grant: removing the device (or its downloads) revokes its
 * URLs at once, however long they were signed for.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Quality } from '../../domain/catalog/events.js';
import { activeGrants, downloadsDecider, downloadsStream, type DownloadedTrack } from '../../domain/player/downloads.js';
import type { PlayerContext } from '../../domain/player/events.js';
import { liveDevice } from '../../domain/player/state.js';
import { DomainError } from '../../domain/shared/errors.js';
import { allows, QUALITIES } from '../../domain/streaming/policy.js';
import { checkMediaKey, MediaStoreError, type MediaStore } from '../../gateways/media/port.js';
import type { Position } from '../../gateways/event-store/port.js';
import { handleCommand, loadStream, type CommandMetadata } from '../handle-command.js';
import { MediaAccessError } from '../streaming/errors.js';
import { mediaFile } from '../streaming/files.js';
import type { MediaKeyRing } from '../streaming/signing.js';
import { listenerOf, offerStream } from '../streaming/stream.js';
import { tracksToPlay, type PlayerDeps, type PlayerService } from './player.js';

export interface DownloadDeps extends PlayerDeps {
  keys: MediaKeyRing;
  media: MediaStore;
  player: PlayerService;
}

export interface DownloadItem {
  trackId: string;
  quality: Quality;
  url: string;
  bytes: number;
  expiresAt: string;
}

interface DownloadGrant {
  userId: string;
  deviceId: string;
  trackId: string;
  quality: Quality;
  /** Unix seconds. */
  expiresAt: number;
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
const mac = (secret: Buffer, kid: string, g: DownloadGrant) =>
  createHmac('sha256', secret).update(`download\n${g.expiresAt}\n${kid}\n${g.trackId}\n${g.quality}\n${g.userId}\n${g.deviceId}`).digest();

function signDownload(keys: MediaKeyRing, grant: DownloadGrant, file: string): string {
  const { kid, secret } = keys.signingKey;
  const token = `${grant.expiresAt}.${kid}.${grant.quality}.${b64(grant.userId)}.${b64(grant.deviceId)}.${mac(secret, kid, grant).toString('base64url')}`;
  return `/v1/downloads/${token}/${encodeURIComponent(grant.trackId)}/${file}`;
}

/** Grants `deviceId` the tracks given, an album's or a playlist's; answers their URLs. */
export async function grantDownloads(
  deps: DownloadDeps,
  userId: string,
  request: { deviceId: string; trackIds?: string[]; albumId?: string; playlistId?: string },
  metadata: CommandMetadata,
): Promise<{ items: DownloadItem[]; position: Position | undefined }> {
  const context: PlayerContext | undefined = request.albumId ? { type: 'album', id: request.albumId } : request.playlistId ? { type: 'playlist', id: request.playlistId } : undefined;
  const trackIds = [...new Set(await tracksToPlay(deps, userId, { ...(request.trackIds ? { trackIds: request.trackIds } : {}), ...(context ? { context } : {}) }))];
  const streamDeps = { sql: deps.sql, store: deps.store, keys: deps.keys, urlTtlSeconds: 60, now: deps.now };
  // The rights and the plan's quality of each track, as streaming decides them.
  const offers = await Promise.all(trackIds.map((trackId) => offerStream(streamDeps, userId, trackId)));
  const player = await deps.player.state(userId);
  const listener = await listenerOf(deps, userId);
  const tracks: DownloadedTrack[] = offers.map((o) => ({ trackId: o.trackId, quality: o.quality }));
  const result = await handleCommand(
    deps.store,
    downloadsDecider,
    downloadsStream(userId),
    {
      type: 'GrantDownloads',
      userId,
      deviceId: request.deviceId,
      tracks,
      plan: listener.plan,
      liveDevices: player.devices.filter((d) => d.removedAt === null).map((d) => d.id),
      at: deps.now().toISOString(),
    },
    metadata,
  );
  const granted = result.events[0]!;
  if (granted.type !== 'DownloadsGranted') throw new Error('a grant of downloads recorded something else');
  const expiresAt = Math.floor(Date.parse(granted.data.expiresAt) / 1000);
  const items = offers.map((o) => ({
    trackId: o.trackId,
    quality: o.quality,
    url: signDownload(deps.keys, { userId, deviceId: request.deviceId, trackId: o.trackId, quality: o.quality, expiresAt }, o.file),
    bytes: o.bytes,
    expiresAt: new Date(expiresAt * 1000).toISOString(),
  }));
  return { items, position: result.position };
}

/** The downloads `deviceId` holds now (none once it is removed), with their URLs. */
export async function listDownloads(deps: DownloadDeps, userId: string, deviceId: string): Promise<DownloadItem[]> {
  const player = await deps.player.state(userId);
  if (!liveDevice(player, deviceId)) throw new DomainError('DEVICE_NOT_FOUND', `device ${deviceId} is not registered`);
  const { state } = await loadStream(deps.store, downloadsDecider, downloadsStream(userId));
  const grants = activeGrants(state, deviceId, deps.now().getTime());
  const streamDeps = { sql: deps.sql, store: deps.store, keys: deps.keys, urlTtlSeconds: 60, now: deps.now };
  const items: DownloadItem[] = [];
  for (const [trackId, grant] of grants) {
    const offer = await offerStream(streamDeps, userId, trackId, grant.quality).catch(() => undefined);
    if (!offer) continue; // no longer playable here (removed from the library, rights changed)
    const expiresAt = Math.floor(Date.parse(grant.expiresAt) / 1000);
    items.push({ trackId, quality: offer.quality, url: signDownload(deps.keys, { userId, deviceId, trackId, quality: offer.quality, expiresAt }, offer.file), bytes: offer.bytes, expiresAt: grant.expiresAt });
  }
  return items;
}

/** Revokes every download of `deviceId`. */
export async function revokeDownloads(deps: DownloadDeps, userId: string, deviceId: string, metadata: CommandMetadata): Promise<Position | undefined> {
  const result = await handleCommand(deps.store, downloadsDecider, downloadsStream(userId), { type: 'RevokeDownloads', userId, deviceId, at: deps.now().toISOString() }, metadata);
  return result.position;
}

/**
 * The local file a download URL names, once its signature, expiry and grant check out: throws
 * MediaAccessError (invalid, expired, not found) or DomainError DOWNLOAD_REVOKED.
 */
export async function resolveDownload(deps: DownloadDeps, token: string, trackId: string, file: string): Promise<{ path: string; mimeType: string; maxAgeSeconds: number }> {
  const invalid = (why: string) => new MediaAccessError('MEDIA_SIGNATURE_INVALID', `the download URL's signature is not valid (${why})`);
  const parts = token.split('.');
  if (parts.length !== 6) throw invalid('malformed');
  const [exp, kid, quality, user, device, sig] = parts as [string, string, string, string, string, string];
  if (!/^\d{1,12}$/.test(exp) || !QUALITIES.includes(quality as Quality) || !/^[A-Za-z0-9_-]+$/.test(user) || !/^[A-Za-z0-9_-]+$/.test(device) || !/^[A-Za-z0-9_-]{43}$/.test(sig)) {
    throw invalid('malformed');
  }
  const secret = deps.keys.secret(kid);
  if (!secret) throw invalid('unknown key id');
  const grant: DownloadGrant = {
    userId: Buffer.from(user, 'base64url').toString('utf8'),
    deviceId: Buffer.from(device, 'base64url').toString('utf8'),
    trackId,
    quality: quality as Quality,
    expiresAt: Number(exp),
  };
  const given = Buffer.from(sig, 'base64url');
  const expected = mac(secret, kid, grant);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid('it does not match');
  const now = deps.now().getTime();
  if (grant.expiresAt * 1000 <= now) throw new MediaAccessError('MEDIA_URL_EXPIRED', 'the download expired: ask POST /v1/me/downloads again (once online)');
  const player = await deps.player.state(grant.userId);
  const { state } = await loadStream(deps.store, downloadsDecider, downloadsStream(grant.userId));
  const held = state[grant.deviceId]?.[trackId];
  if (!liveDevice(player, grant.deviceId) || !held || Date.parse(held.expiresAt) <= now) {
    throw new DomainError('DOWNLOAD_REVOKED', `the downloads of device ${grant.deviceId} were revoked`);
  }
  const what = mediaFile(file);
  if (!what || !allows(grant.quality, what.quality)) throw new MediaAccessError('MEDIA_NOT_FOUND', `track ${trackId} has no download ${JSON.stringify(file)}`);
  let path: string | undefined;
  try {
    path = deps.media.localPath(checkMediaKey(`tracks/${trackId}/${file}`));
  } catch (error) {
    if (error instanceof MediaStoreError) throw new MediaAccessError('MEDIA_NOT_FOUND', `track ${trackId} has no media file ${JSON.stringify(file)}`);
    throw error;
  }
  if (!path) throw new MediaAccessError('MEDIA_NOT_FOUND', 'the media store has no local files to send');
  return { path, mimeType: what.mimeType, maxAgeSeconds: 0 };
}
