/**
 * Events of a `catalog-<artistId>` stream: an artist and everything they released, the audio
 * attached to their tracks, and where those tracks may be played.
 *
 * Shapes only grow: every field added after the first release is optional, so events written
 * before it read the same.
 */
import type { DomainEvent } from '../shared/decider.js';

export interface CatalogTrack {
  trackId: string;
  title: string;
  durationMs: number;
  trackNumber: number;
  genres: string[];
  /** Disc of a multi-disc release (absent: 1). */
  discNumber?: number;
  /** The track's own artist credit, when it is not the album's artist (compilations, features). */
  artist?: string;
  /** MusicBrainz recording id, when tagged. */
  musicbrainzId?: string;
  /** ISO 3166-1 alpha-2 countries where the track may be played (absent: everywhere). */
  markets?: string[];
}

/** An album's cover image, kept in the media store. */
export interface AlbumCover {
  /** Media store key of the original image. */
  key: string;
  mimeType: string;
  bytes: number;
  /** `sha256:<hex>` of the image. */
  checksum: string;
  width: number;
  height: number;
}

/** An album as released or as revised last: everything but its tracks. */
export interface AlbumDetails {
  albumId: string;
  artistId: string;
  title: string;
  /** YYYY, YYYY-MM or YYYY-MM-DD; empty when a scanned album carries no date. */
  releaseDate: string;
  genres: string[];
  /** MusicBrainz release id, when tagged. */
  musicbrainzId?: string;
  cover?: AlbumCover;
}

export interface TrackAudio {
  /** Where the audio lives (a media store key as `media:<key>`, or a URL the streaming gateway understands). */
  uri: string;
  mimeType: string;
  bytes?: number;
  /** What ffprobe found in the original (set when Chorus ingested it). */
  codec?: string;
  durationMs?: number;
  /** Bits per second. */
  bitrate?: number;
  sampleRate?: number;
  channels?: number;
  /** A lossless codec (FLAC, ALAC, PCM): served as the `lossless` quality. */
  lossless?: boolean;
  /** `sha256:<hex>` of the file. */
  checksum?: string;
}

export type Quality = 'low' | 'high' | 'lossless';

/** One playable file (or HLS playlist) made from the original at ingest. */
export interface Rendition {
  quality: Quality;
  format: 'progressive' | 'hls';
  /** Path inside the track's media folder, e.g. `3f9c…/aac-128.m4a` or `3f9c…/hls/128/index.m3u8`. */
  file: string;
  mimeType: string;
  /** RFC 6381 codec string, e.g. `mp4a.40.2` (AAC-LC). */
  codec: string;
  /** Bits per second (the encoder's target). */
  bitrate: number;
  /** Bytes of the file, or of the playlist and all its segments. */
  bytes: number;
  durationMs: number;
  /** `sha256:<hex>` of the file (of the media playlist for HLS). */
  checksum: string;
  /** HLS: number of media segments. */
  segments?: number;
}

/** EBU R128 figures of the original, for volume normalisation (ReplayGain-style). */
export interface Loudness {
  integratedLufs: number;
  truePeakDbtp: number;
  loudnessRangeLu: number;
}

/** The library file a scanned track came from (how a rescan recognises it). */
export interface AudioSource {
  path: string;
  bytes: number;
  modifiedAt: string;
}

export interface AudioAttachment {
  trackId: string;
  albumId: string;
  artistId: string;
  /** The original. */
  audio: TrackAudio;
  at: string;
  renditions?: Rendition[];
  /** HLS master playlists inside the track's media folder: every bitrate, and the low one only. */
  hls?: { master: string; masterLow: string };
  loudness?: Loudness;
  source?: AudioSource;
}

export type ArtistAdded = DomainEvent<'ArtistAdded', { artistId: string; name: string; genres: string[]; addedAt: string; musicbrainzId?: string }>;
export type AlbumReleased = DomainEvent<'AlbumReleased', AlbumDetails & { tracks: CatalogTrack[] }>;
/** A scanned album gained a track after its release. */
export type AlbumTrackAdded = DomainEvent<'AlbumTrackAdded', { albumId: string; artistId: string; track: CatalogTrack }>;
/** A scanned album's details (title, date, genres, cover, ids) as they are now. */
export type AlbumDetailsChanged = DomainEvent<'AlbumDetailsChanged', AlbumDetails>;
/** A scanned track's details as they are now (a retagged file). */
export type TrackDetailsChanged = DomainEvent<'TrackDetailsChanged', { albumId: string; artistId: string; track: CatalogTrack }>;
export type TrackAudioAttached = DomainEvent<'TrackAudioAttached', AudioAttachment>;
/**
 * Whether a track may be played, and where: its whole availability as it is now. `available`
 * false when its audio is gone (the library file was removed); `markets` null for everywhere.
 */
export type TrackAvailabilityChanged = DomainEvent<
  'TrackAvailabilityChanged',
  { trackId: string; albumId: string; artistId: string; available: boolean; markets: string[] | null; reason: AvailabilityReason; at: string }
>;

export type AvailabilityReason = 'source-missing' | 'source-restored' | 'markets-changed';

export type CatalogEvent =
  | ArtistAdded
  | AlbumReleased
  | AlbumTrackAdded
  | AlbumDetailsChanged
  | TrackDetailsChanged
  | TrackAudioAttached
  | TrackAvailabilityChanged;

export const CATALOG_EVENT_TYPES = [
  'ArtistAdded',
  'AlbumReleased',
  'AlbumTrackAdded',
  'AlbumDetailsChanged',
  'TrackDetailsChanged',
  'TrackAudioAttached',
  'TrackAvailabilityChanged',
] as const satisfies readonly CatalogEvent['type'][];

export const catalogStream = (artistId: string) => `catalog-${artistId}`;
