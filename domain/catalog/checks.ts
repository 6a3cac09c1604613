/**
 * The catalog decider's input checks: albums, tracks, markets, audio and what ingest made of it.
 * Each returns the value as it will be recorded (trimmed, normalised, only known fields).
 */
import { checkGenres, checkId, checkName, checkTime, isCalendarDate } from '../shared/checks.js';
import { reject } from '../shared/errors.js';
import type { AlbumCover, AudioAttachment, AudioSource, CatalogTrack, Loudness, Rendition, TrackAudio } from './events.js';

export const MAX_TRACK_MS = 24 * 60 * 60_000;
export const MAX_TRACKS_PER_ALBUM = 500;
const RELEASE_DATE = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/;
const COUNTRY = /^[A-Z]{2}$/;
const MUSICBRAINZ_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CHECKSUM = /^sha256:[0-9a-f]{64}$/;
/** A path inside a track's media folder: lower-case segments, no `..`, no leading slash. */
const MEDIA_FILE = /^[a-z0-9][a-z0-9_-]*(\/[a-z0-9][a-z0-9._-]*){1,4}$/;
const MEDIA_KEY = /^[a-z0-9][a-z0-9_.:@-]*(\/[A-Za-z0-9][A-Za-z0-9_.:@-]*){1,6}$/;
const CODEC = /^[a-z0-9][a-z0-9_.-]{0,31}$/;
const AUDIO_MIME = /^audio\/[a-z0-9.+-]+$/;
const IMAGE_MIME = /^image\/(jpeg|png|webp|gif)$/;

export interface TrackInput {
  trackId: string;
  title: string;
  durationMs: number;
  trackNumber: number;
  genres?: string[];
  discNumber?: number;
  artist?: string;
  musicbrainzId?: string;
  markets?: string[];
}

const wholeNumber = (value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;

export function checkReleaseDate(value: unknown, what: string, allowEmpty: boolean): string {
  if (allowEmpty && value === '') return '';
  const date = typeof value === 'string' ? RELEASE_DATE.exec(value) : null;
  const [year, month, day] = typeof value === 'string' ? value.split('-').map(Number) : [];
  if (!date || (day !== undefined && !isCalendarDate(year!, month!, day))) {
    reject('VALIDATION_FAILED', `${what}: releaseDate must be a real date as YYYY, YYYY-MM or YYYY-MM-DD`);
  }
  return value as string;
}

export function checkMusicBrainzId(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !MUSICBRAINZ_ID.test(value)) reject('VALIDATION_FAILED', `${what}: musicbrainzId must be a lower-case UUID`);
  return value as string;
}

/** Countries as a set: upper-case ISO 3166-1 alpha-2 codes, sorted, without duplicates. */
export function checkMarkets(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || value.length > 250) reject('VALIDATION_FAILED', `${what}: markets must be a list of at most 250 country codes`);
  const markets = (value as unknown[]).map((m) => {
    if (typeof m !== 'string' || !COUNTRY.test(m)) reject('VALIDATION_FAILED', `${what}: market ${JSON.stringify(m)} is not an ISO 3166-1 alpha-2 code like "SE"`);
    return m as string;
  });
  return [...new Set(markets)].sort();
}

export function checkTrack(t: TrackInput, where: string): CatalogTrack {
  if (typeof t !== 'object' || t === null) return reject('VALIDATION_FAILED', `${where}: a track must be an object`);
  const trackId = checkId(t.trackId, `${where}: trackId`);
  const what = `${where}, track ${trackId}`;
  if (!wholeNumber(t.trackNumber, 1)) reject('VALIDATION_FAILED', `${what}: trackNumber must be a whole number >= 1`);
  if (!wholeNumber(t.durationMs, 1, MAX_TRACK_MS)) reject('VALIDATION_FAILED', `${what}: durationMs must be between 1 and ${MAX_TRACK_MS}`);
  if (t.discNumber !== undefined && !wholeNumber(t.discNumber, 1, 999)) reject('VALIDATION_FAILED', `${what}: discNumber must be a whole number from 1 to 999`);
  const track: CatalogTrack = {
    trackId,
    title: checkName(t.title, `${what} title`),
    durationMs: t.durationMs,
    trackNumber: t.trackNumber,
    genres: checkGenres(t.genres),
  };
  if (t.discNumber !== undefined && t.discNumber !== 1) track.discNumber = t.discNumber;
  if (t.artist !== undefined) track.artist = checkName(t.artist, `${what} artist`);
  const mbid = checkMusicBrainzId(t.musicbrainzId, what);
  if (mbid) track.musicbrainzId = mbid;
  if (t.markets !== undefined) track.markets = checkMarkets(t.markets, what);
  return track;
}

/** Disc, then track number, then id: the order tracks are listed in. */
export const byPlaceOnAlbum = (a: CatalogTrack, b: CatalogTrack) =>
  (a.discNumber ?? 1) - (b.discNumber ?? 1) || a.trackNumber - b.trackNumber || (a.trackId < b.trackId ? -1 : a.trackId > b.trackId ? 1 : 0);

/**
 * The tracks of an album command: 1 to 500, distinct ids; with `uniqueNumbers`, no two on one
 * disc with the same number (a catalog file must be right; a scanned folder is what it is).
 */
export function checkTracks(tracks: readonly TrackInput[], albumId: string, uniqueNumbers: boolean): CatalogTrack[] {
  const where = `album ${albumId}`;
  if (!Array.isArray(tracks) || tracks.length === 0 || tracks.length > MAX_TRACKS_PER_ALBUM) {
    reject('VALIDATION_FAILED', `${where} must have 1 to ${MAX_TRACKS_PER_ALBUM} tracks`);
  }
  const ids = new Set<string>();
  const numbers = new Set<string>();
  const checked = tracks.map((t) => {
    const track = checkTrack(t, where);
    if (ids.has(track.trackId)) reject('VALIDATION_FAILED', `${where}: track ${track.trackId} appears twice`);
    ids.add(track.trackId);
    const place = `${track.discNumber ?? 1}/${track.trackNumber}`;
    if (uniqueNumbers && numbers.has(place)) {
      reject('VALIDATION_FAILED', `${where}: track number ${track.trackNumber}${track.discNumber ? ` of disc ${track.discNumber}` : ''} is used twice`);
    }
    numbers.add(place);
    return track;
  });
  return checked.sort(byPlaceOnAlbum);
}

export function checkCover(cover: AlbumCover | undefined, what: string): AlbumCover | undefined {
  if (cover === undefined) return undefined;
  const ok =
    typeof cover === 'object' &&
    cover !== null &&
    typeof cover.key === 'string' &&
    MEDIA_KEY.test(cover.key) &&
    cover.key.length <= 300 &&
    !cover.key.includes('..') &&
    typeof cover.mimeType === 'string' &&
    IMAGE_MIME.test(cover.mimeType) &&
    wholeNumber(cover.bytes, 1) &&
    typeof cover.checksum === 'string' &&
    CHECKSUM.test(cover.checksum) &&
    wholeNumber(cover.width, 1, 100_000) &&
    wholeNumber(cover.height, 1, 100_000);
  if (!ok) reject('VALIDATION_FAILED', `${what}: cover must have a media key, an image type, bytes, a sha256 checksum, width and height`);
  return { key: cover.key, mimeType: cover.mimeType, bytes: cover.bytes, checksum: cover.checksum, width: cover.width, height: cover.height };
}

export function checkAudio(audio: TrackAudio): TrackAudio {
  if (typeof audio?.uri !== 'string' || audio.uri.length === 0 || audio.uri.length > 2_000) {
    reject('VALIDATION_FAILED', 'audio.uri must be 1-2000 characters');
  }
  if (typeof audio.mimeType !== 'string' || !AUDIO_MIME.test(audio.mimeType)) {
    reject('VALIDATION_FAILED', 'audio.mimeType must be an audio/* type');
  }
  const out: TrackAudio = { uri: audio.uri, mimeType: audio.mimeType };
  const number = (key: 'bytes' | 'durationMs' | 'bitrate' | 'sampleRate' | 'channels', min: number, max?: number) => {
    const value = audio[key];
    if (value === undefined) return;
    if (!wholeNumber(value, min, max)) reject('VALIDATION_FAILED', `audio.${key} must be a whole number >= ${min}`);
    out[key] = value;
  };
  number('bytes', 0);
  if (audio.codec !== undefined) {
    if (typeof audio.codec !== 'string' || !CODEC.test(audio.codec)) reject('VALIDATION_FAILED', 'audio.codec must be a codec name like "flac"');
    out.codec = audio.codec;
  }
  number('durationMs', 1, MAX_TRACK_MS);
  number('bitrate', 1);
  number('sampleRate', 1, 1_000_000);
  number('channels', 1, 64);
  if (audio.lossless !== undefined) {
    if (typeof audio.lossless !== 'boolean') reject('VALIDATION_FAILED', 'audio.lossless must be true or false');
    out.lossless = audio.lossless;
  }
  if (audio.checksum !== undefined) {
    if (typeof audio.checksum !== 'string' || !CHECKSUM.test(audio.checksum)) reject('VALIDATION_FAILED', 'audio.checksum must be sha256:<64 hex digits>');
    out.checksum = audio.checksum;
  }
  return out;
}

function checkMediaFile(file: unknown, what: string): string {
  if (typeof file !== 'string' || file.length > 200 || !MEDIA_FILE.test(file) || file.split('/').includes('..')) {
    reject('VALIDATION_FAILED', `${what} must be a path inside the track's media folder`);
  }
  return file as string;
}

function checkRendition(r: Rendition, i: number): Rendition {
  const what = `renditions[${i}]`;
  if (typeof r !== 'object' || r === null) reject('VALIDATION_FAILED', `${what} must be an object`);
  if (!['low', 'high', 'lossless'].includes(r.quality)) reject('VALIDATION_FAILED', `${what}.quality must be low, high or lossless`);
  if (!['progressive', 'hls'].includes(r.format)) reject('VALIDATION_FAILED', `${what}.format must be progressive or hls`);
  const file = checkMediaFile(r.file, `${what}.file`);
  if (typeof r.mimeType !== 'string' || !(AUDIO_MIME.test(r.mimeType) || r.mimeType === 'application/vnd.apple.mpegurl')) {
    reject('VALIDATION_FAILED', `${what}.mimeType must be an audio/* or HLS playlist type`);
  }
  if (typeof r.codec !== 'string' || !CODEC.test(r.codec)) reject('VALIDATION_FAILED', `${what}.codec must be a codec string like "mp4a.40.2"`);
  if (!wholeNumber(r.bitrate, 1)) reject('VALIDATION_FAILED', `${what}.bitrate must be a whole number >= 1`);
  if (!wholeNumber(r.bytes, 0)) reject('VALIDATION_FAILED', `${what}.bytes must be a whole number >= 0`);
  if (!wholeNumber(r.durationMs, 1, MAX_TRACK_MS)) reject('VALIDATION_FAILED', `${what}.durationMs must be between 1 and ${MAX_TRACK_MS}`);
  if (typeof r.checksum !== 'string' || !CHECKSUM.test(r.checksum)) reject('VALIDATION_FAILED', `${what}.checksum must be sha256:<64 hex digits>`);
  const out: Rendition = { quality: r.quality, format: r.format, file, mimeType: r.mimeType, codec: r.codec, bitrate: r.bitrate, bytes: r.bytes, durationMs: r.durationMs, checksum: r.checksum };
  if (r.segments !== undefined) {
    if (!wholeNumber(r.segments, 1, 100_000)) reject('VALIDATION_FAILED', `${what}.segments must be a whole number >= 1`);
    out.segments = r.segments;
  }
  return out;
}

function checkLoudness(l: Loudness): Loudness {
  const finite = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
  if (typeof l !== 'object' || l === null || !finite(l.integratedLufs, -200, 20) || !finite(l.truePeakDbtp, -200, 40) || !finite(l.loudnessRangeLu, 0, 200)) {
    reject('VALIDATION_FAILED', 'loudness must have integratedLufs, truePeakDbtp and loudnessRangeLu as finite numbers');
  }
  return { integratedLufs: l.integratedLufs, truePeakDbtp: l.truePeakDbtp, loudnessRangeLu: l.loudnessRangeLu };
}

function checkSource(s: AudioSource): AudioSource {
  if (typeof s !== 'object' || s === null || typeof s.path !== 'string' || s.path.length === 0 || s.path.length > 4_096 || s.path.includes('\0')) {
    reject('VALIDATION_FAILED', 'source.path must be 1-4096 characters without NUL');
  }
  if (!wholeNumber(s.bytes, 0)) reject('VALIDATION_FAILED', 'source.bytes must be a whole number >= 0');
  return { path: s.path, bytes: s.bytes, modifiedAt: checkTime(s.modifiedAt, 'source.modifiedAt') };
}

/** What ingest made of the audio (every part optional: audio attached by URI alone has none). */
export type AttachmentMedia = Pick<AudioAttachment, 'renditions' | 'hls' | 'loudness' | 'source'>;

export function checkMedia(media: AttachmentMedia): AttachmentMedia {
  const out: AttachmentMedia = {};
  if (media.renditions !== undefined) {
    if (!Array.isArray(media.renditions) || media.renditions.length > 20) reject('VALIDATION_FAILED', 'renditions must be a list of at most 20');
    out.renditions = media.renditions.map(checkRendition);
  }
  if (media.hls !== undefined) {
    if (typeof media.hls !== 'object' || media.hls === null) reject('VALIDATION_FAILED', 'hls must name the master playlists');
    out.hls = { master: checkMediaFile(media.hls.master, 'hls.master'), masterLow: checkMediaFile(media.hls.masterLow, 'hls.masterLow') };
  }
  if (media.loudness !== undefined) out.loudness = checkLoudness(media.loudness);
  if (media.source !== undefined) out.source = checkSource(media.source);
  return out;
}
