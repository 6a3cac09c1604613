/**
 * A stream request (`GET /v1/tracks/:id/stream`, Subsonic's `stream` and `download`, the web
 * player): the track's rights and the listener's plan decide the quality (domain/streaming), then
 * the offer names the progressive file and the HLS master playlist of that quality, each under a
 * signed media path that expires.
 */
import type { Quality } from '../../domain/catalog/events.js';
import { DomainError } from '../../domain/shared/errors.js';
import { decideStream, type Listener } from '../../domain/streaming/policy.js';
import { userDecider } from '../../domain/user/decider.js';
import { userStream } from '../../domain/user/events.js';
import type { EventStore } from '../../gateways/event-store/port.js';
import type { SqlExecutor } from '../../gateways/sql/port.js';
import type { Projections } from '../../projections/manager.js';
import { getStreamableTrack, type StreamableTrackRow } from '../../projections/sql/catalog.js';
import { getUser, type User } from '../../projections/sql/users.js';
import { loadStream } from '../handle-command.js';
import { ReadCache } from '../read-cache.js';
import { mediaPath, signGrant, type MediaKeyRing } from './signing.js';

export interface StreamDeps {
  sql: SqlExecutor;
  /** The user's stream, when the users read model has not caught up with a new user yet. */
  store: EventStore;
  /**
   * With them, the track and the listener are kept in the process per content version of the
   * catalog and users read models (a stream start is then answered without a query); without,
   * both are read on every offer.
   */
  projections?: Pick<Projections, 'contentVersion'>;
  keys: MediaKeyRing;
  /** How long a media URL stays valid (CHORUS_MEDIA_URL_TTL_SECONDS). */
  urlTtlSeconds: number;
  now: () => Date;
  /** Told the quality of every offer made (metrics). */
  onOffer?: (quality: Quality) => void;
}

export interface StreamOffer {
  trackId: string;
  quality: Quality;
  /** The progressive file (AAC in MP4, or the lossless original): `/media/...`, relative to the server. */
  url: string;
  /** The HLS master playlist (for `lossless`, the AAC ladder's). */
  hls: string;
  /** Bits per second of the progressive file. */
  bitrate: number;
  codec: string;
  mimeType: string;
  durationMs: number;
  bytes: number;
  /** ISO time after which the URLs answer 410 MEDIA_URL_EXPIRED. */
  expiresAt: string;
  /** The media folder's file the progressive URL names (for edges that send it themselves). */
  file: string;
}

/** Expiries are rounded up to this, so that a listener asking again soon gets the same URLs (caches keep them). */
const EXPIRY_STEP_SECONDS = 300;

/** What a stream offer reads, kept per read-model version: one per projections (per server). */
class StreamReads {
  private readonly tracks: ReadCache<StreamableTrackRow | null>;
  private readonly users: ReadCache<User | null>;

  constructor(
    private readonly sql: SqlExecutor,
    projections: Pick<Projections, 'contentVersion'>,
  ) {
    this.tracks = new ReadCache({ projections }, ['catalog'], 20_000);
    this.users = new ReadCache({ projections }, ['users'], 20_000);
  }

  track(trackId: string): Promise<StreamableTrackRow | null> {
    return this.tracks.get(trackId, async () => (await getStreamableTrack(this.sql, trackId)) ?? null);
  }

  user(userId: string): Promise<User | null> {
    return this.users.get(userId, async () => (await getUser(this.sql, userId)) ?? null);
  }
}

const readsByProjections = new WeakMap<Pick<Projections, 'contentVersion'>, StreamReads>();

function readsOf(deps: Pick<StreamDeps, 'sql' | 'projections'>): Pick<StreamReads, 'track' | 'user'> {
  const { sql, projections } = deps;
  if (!projections) return { track: async (id) => (await getStreamableTrack(sql, id)) ?? null, user: async (id) => (await getUser(sql, id)) ?? null };
  let reads = readsByProjections.get(projections);
  if (!reads) readsByProjections.set(projections, (reads = new StreamReads(sql, projections)));
  return reads;
}

/** The listener's plan and country, from the read model or, for a user registered a moment ago, their stream. */
export async function listenerOf(deps: Pick<StreamDeps, 'sql' | 'store' | 'projections'>, userId: string): Promise<Listener> {
  const user = await readsOf(deps).user(userId);
  if (user) return { plan: user.plan, country: user.country };
  const { state } = await loadStream(deps.store, userDecider, userStream(userId));
  if (state.status !== 'registered') throw new DomainError('USER_NOT_FOUND', `user ${userId} is not registered`);
  return { plan: state.plan, country: state.country };
}

/**
 * The best the listener may hear of `trackId` (at most `requested`), with signed URLs. Rejects
 * with TRACK_NOT_FOUND, TRACK_HAS_NO_AUDIO or TRACK_UNAVAILABLE_IN_REGION (DomainError).
 */
export async function offerStream(deps: StreamDeps, userId: string, trackId: string, requested?: Quality): Promise<StreamOffer> {
  const track = await readsOf(deps).track(trackId);
  if (!track) throw new DomainError('TRACK_NOT_FOUND', `track ${trackId} does not exist`);
  const listener = await listenerOf(deps, userId);
  const quality = decideStream(streamable(track), listener, requested);
  const progressive = track.renditions.find((r) => r.format === 'progressive' && r.quality === quality);
  if (!progressive || !track.hls) throw new DomainError('TRACK_HAS_NO_AUDIO', `track ${trackId} has no ${quality} rendition`);
  const hlsFile = quality === 'low' ? track.hls.masterLow : track.hls.master;
  const now = Math.floor(deps.now().getTime() / 1000);
  const expiresAt = Math.ceil((now + deps.urlTtlSeconds) / EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS;
  const token = signGrant(deps.keys, { trackId, quality, userId, expiresAt });
  deps.onOffer?.(quality);
  return {
    trackId,
    quality,
    url: mediaPath(token, trackId, progressive.file),
    hls: mediaPath(token, trackId, hlsFile),
    bitrate: progressive.bitrate,
    codec: progressive.codec,
    mimeType: progressive.mimeType,
    durationMs: progressive.durationMs,
    bytes: progressive.bytes,
    expiresAt: new Date(expiresAt * 1000).toISOString(),
    file: progressive.file,
  };
}

function streamable(track: StreamableTrackRow) {
  return {
    trackId: track.trackId,
    hasRenditions: track.renditions.length > 0,
    available: track.available,
    markets: track.markets,
    lossless: track.lossless && track.renditions.some((r) => r.quality === 'lossless'),
  };
}
