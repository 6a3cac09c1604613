/**
 * The catalog's read models as OpenSubsonic objects (JSON shape): a track is a `Child` (a song),
 * an album an `AlbumID3`, an artist an `ArtistID3`. Ids are the catalog's own; an album's cover
 * art id is the album id (getCoverArt resolves it). Lengths are seconds, bitrates kbps, times ISO.
 */
import type { Track } from '../projections/sql/catalog-queries.js';
import type { ListedAlbum, ListedArtist } from '../projections/sql/catalog-browse.js';
import type { Payload } from './envelope.js';

/** What a user's own data adds to songs and artists: when they starred them, how often they played them. */
export interface Annotations {
  starred?: ReadonlyMap<string, string>;
  plays?: ReadonlyMap<string, number>;
  /** Albums that have cover art (a song's coverArt is its album's). */
  covers?: ReadonlySet<string>;
}

const SUFFIXES: Record<string, string> = {
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
  'audio/flac': 'flac',
  'audio/x-flac': 'flac',
  'audio/mp4': 'm4a',
  'audio/x-m4a': 'm4a',
  'audio/aac': 'aac',
  'audio/ogg': 'ogg',
  'audio/opus': 'opus',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
};

export const yearOf = (releaseDate: string): number | undefined => {
  const match = /^(\d{4})/.exec(releaseDate);
  return match ? Number(match[1]) : undefined;
};

/** A release date (`2001`, `2001-05`, `2001-05-17`) as an ISO time, for `created`. */
export function releaseTime(releaseDate: string): string {
  const match = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(releaseDate);
  if (!match) return new Date(0).toISOString();
  const time = Date.UTC(Number(match[1]), Number(match[2] ?? '1') - 1, Number(match[3] ?? '1'));
  return Number.isNaN(time) ? new Date(0).toISOString() : new Date(time).toISOString();
}

const seconds = (ms: number) => Math.round(ms / 1000);

/** ReplayGain 2.0 from the measured loudness: gain to -18 LUFS, peak as a linear amplitude. */
function replayGain(track: Track): Payload | undefined {
  if (!track.loudness) return undefined;
  return {
    trackGain: Math.round((-18 - track.loudness.integratedLufs) * 100) / 100,
    trackPeak: Math.round(10 ** (track.loudness.truePeakDbtp / 20) * 10_000) / 10_000,
  };
}

export function song(track: Track, annotations: Annotations = {}): Payload {
  const audio = track.audio;
  const suffix = audio ? (SUFFIXES[audio.mimeType.toLowerCase()] ?? audio.mimeType.split('/')[1]?.replace(/^x-/, '')) : undefined;
  const starred = annotations.starred?.get(track.id);
  const plays = annotations.plays?.get(track.id);
  const artist = track.credit ?? track.artistName;
  const transcoded = track.qualities.some((q) => q !== 'lossless');
  return {
    id: track.id,
    parent: track.albumId,
    isDir: false,
    title: track.title,
    album: track.albumTitle,
    artist,
    track: track.trackNumber,
    discNumber: track.discNumber,
    year: yearOf(track.releaseDate),
    genre: track.genres[0],
    genres: track.genres.map((name) => ({ name })),
    coverArt: annotations.covers?.has(track.albumId) ? track.albumId : undefined,
    size: audio?.bytes,
    contentType: audio?.mimeType,
    suffix,
    transcodedContentType: transcoded ? 'audio/mp4' : undefined,
    transcodedSuffix: transcoded ? 'm4a' : undefined,
    duration: seconds(track.durationMs),
    bitRate: audio?.bitrate ? Math.round(audio.bitrate / 1000) : undefined,
    samplingRate: audio?.sampleRate,
    channelCount: audio?.channels,
    isVideo: false,
    playCount: plays,
    starred,
    albumId: track.albumId,
    artistId: track.credit ? undefined : track.artistId,
    type: 'music',
    mediaType: 'song',
    musicBrainzId: track.musicbrainzId,
    artists: track.credit ? [] : [{ id: track.artistId, name: track.artistName }],
    displayArtist: artist,
    albumArtists: [{ id: track.artistId, name: track.artistName }],
    displayAlbumArtist: track.artistName,
    replayGain: replayGain(track),
  };
}

export function album(listed: ListedAlbum, extra: { starred?: string; playCount?: number } = {}): Payload {
  return {
    id: listed.id,
    name: listed.title,
    artist: listed.artistName,
    artistId: listed.artistId,
    coverArt: listed.hasCover ? listed.id : undefined,
    songCount: listed.trackCount,
    duration: seconds(listed.durationMs),
    playCount: extra.playCount,
    created: releaseTime(listed.releaseDate),
    starred: extra.starred,
    year: yearOf(listed.releaseDate),
    genre: listed.genres[0],
    musicBrainzId: listed.musicbrainzId,
    genres: listed.genres.map((name) => ({ name })),
    artists: [{ id: listed.artistId, name: listed.artistName }],
    displayArtist: listed.artistName,
    releaseDate: releaseDateOf(listed.releaseDate),
  };
}

/** The ItemDate of a release date: as much of year, month and day as is known. */
function releaseDateOf(releaseDate: string): Payload | undefined {
  const match = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(releaseDate);
  if (!match) return undefined;
  return { year: Number(match[1]), month: match[2] ? Number(match[2]) : undefined, day: match[3] ? Number(match[3]) : undefined };
}

export function artist(listed: ListedArtist, starred?: string): Payload {
  return { id: listed.id, name: listed.name, albumCount: listed.albumCount, starred, musicBrainzId: listed.musicbrainzId };
}
