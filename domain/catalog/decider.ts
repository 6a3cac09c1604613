/**
 * The catalog of one artist: the artist, their albums with tracks, and audio attached later.
 * Importing the same catalog twice records nothing the second time; the same id with different
 * content is a conflict, never a silent overwrite.
 */
import { canonicalJson, checkGenres, checkId, checkName, checkTime, isCalendarDate } from '../shared/checks.js';
import { assertNever, type Decider } from '../shared/decider.js';
import { reject } from '../shared/errors.js';
import type { AlbumReleased, CatalogEvent, CatalogTrack, TrackAudio } from './events.js';

export const MAX_TRACK_MS = 24 * 60 * 60_000;
const RELEASE_DATE = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$/;

export interface TrackInput {
  trackId: string;
  title: string;
  durationMs: number;
  trackNumber: number;
  genres?: string[];
}

export type CatalogCommand =
  | { type: 'AddArtist'; artistId: string; name: string; genres?: string[]; at: string }
  | {
      type: 'ReleaseAlbum';
      artistId: string;
      albumId: string;
      title: string;
      releaseDate: string;
      genres?: string[];
      tracks: TrackInput[];
    }
  | { type: 'AttachTrackAudio'; artistId: string; trackId: string; audio: TrackAudio; at: string };

export type CatalogState =
  | { status: 'none' }
  | {
      status: 'added';
      artistId: string;
      name: string;
      genres: string[];
      albums: ReadonlyMap<string, AlbumReleased['data']>;
      /** trackId -> albumId and current audio */
      tracks: ReadonlyMap<string, { albumId: string; audio?: TrackAudio }>;
    };

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);

export function decideCatalog(command: CatalogCommand, state: CatalogState): CatalogEvent[] {
  const artistId = checkId(command.artistId, 'artistId');
  switch (command.type) {
    case 'AddArtist': {
      const name = checkName(command.name, 'artist name');
      const genres = checkGenres(command.genres);
      const addedAt = checkTime(command.at, 'at');
      if (state.status === 'added') {
        if (state.name === name && same(state.genres, genres)) return [];
        return reject('CATALOG_CONFLICT', `artist ${artistId} exists with other details`);
      }
      return [{ type: 'ArtistAdded', data: { artistId, name, genres, addedAt } }];
    }
    case 'ReleaseAlbum': {
      if (state.status !== 'added') return reject('ARTIST_NOT_FOUND', `artist ${artistId} does not exist`);
      const album = checkAlbum(command, artistId);
      const existing = state.albums.get(album.albumId);
      if (existing) {
        if (same(existing, album)) return [];
        return reject('CATALOG_CONFLICT', `album ${album.albumId} exists with other content`);
      }
      for (const track of album.tracks) {
        if (state.tracks.has(track.trackId)) {
          reject('CATALOG_CONFLICT', `track ${track.trackId} already belongs to album ${state.tracks.get(track.trackId)!.albumId}`);
        }
      }
      return [{ type: 'AlbumReleased', data: album }];
    }
    case 'AttachTrackAudio': {
      const at = checkTime(command.at, 'at');
      if (state.status !== 'added') return reject('ARTIST_NOT_FOUND', `artist ${artistId} does not exist`);
      const trackId = checkId(command.trackId, 'trackId');
      const track = state.tracks.get(trackId);
      if (!track) return reject('TRACK_NOT_FOUND', `track ${trackId} is not in ${artistId}'s catalog`);
      const audio = checkAudio(command.audio);
      if (track.audio && same(track.audio, audio)) return [];
      return [{ type: 'TrackAudioAttached', data: { trackId, albumId: track.albumId, artistId, audio, at } }];
    }
    default:
      return assertNever(command);
  }
}

function checkAlbum(command: Extract<CatalogCommand, { type: 'ReleaseAlbum' }>, artistId: string): AlbumReleased['data'] {
  const albumId = checkId(command.albumId, 'albumId');
  const title = checkName(command.title, `album ${albumId} title`);
  const date = typeof command.releaseDate === 'string' ? RELEASE_DATE.exec(command.releaseDate) : null;
  const [year, month, day] = (command.releaseDate ?? '').split('-').map(Number);
  if (!date || (day !== undefined && !isCalendarDate(year!, month!, day))) {
    reject('VALIDATION_FAILED', `album ${albumId}: releaseDate must be a real date as YYYY, YYYY-MM or YYYY-MM-DD`);
  }
  if (!Array.isArray(command.tracks) || command.tracks.length === 0 || command.tracks.length > 500) {
    reject('VALIDATION_FAILED', `album ${albumId} must have 1 to 500 tracks`);
  }
  const ids = new Set<string>();
  const numbers = new Set<number>();
  const tracks: CatalogTrack[] = command.tracks.map((t) => {
    const trackId = checkId(t.trackId, `album ${albumId}: trackId`);
    if (ids.has(trackId)) reject('VALIDATION_FAILED', `album ${albumId}: track ${trackId} appears twice`);
    ids.add(trackId);
    if (!Number.isSafeInteger(t.trackNumber) || t.trackNumber < 1) {
      reject('VALIDATION_FAILED', `album ${albumId}, track ${trackId}: trackNumber must be a whole number >= 1`);
    }
    if (numbers.has(t.trackNumber)) reject('VALIDATION_FAILED', `album ${albumId}: track number ${t.trackNumber} is used twice`);
    numbers.add(t.trackNumber);
    if (!Number.isSafeInteger(t.durationMs) || t.durationMs < 1 || t.durationMs > MAX_TRACK_MS) {
      reject('VALIDATION_FAILED', `album ${albumId}, track ${trackId}: durationMs must be between 1 and ${MAX_TRACK_MS}`);
    }
    return {
      trackId,
      title: checkName(t.title, `album ${albumId}, track ${trackId} title`),
      durationMs: t.durationMs,
      trackNumber: t.trackNumber,
      genres: checkGenres(t.genres),
    };
  });
  tracks.sort((a, b) => a.trackNumber - b.trackNumber);
  return { albumId, artistId, title, releaseDate: command.releaseDate, genres: checkGenres(command.genres), tracks };
}

function checkAudio(audio: TrackAudio): TrackAudio {
  if (typeof audio?.uri !== 'string' || audio.uri.length === 0 || audio.uri.length > 2_000) {
    reject('VALIDATION_FAILED', 'audio.uri must be 1-2000 characters');
  }
  if (typeof audio.mimeType !== 'string' || !/^audio\/[a-z0-9.+-]+$/.test(audio.mimeType)) {
    reject('VALIDATION_FAILED', 'audio.mimeType must be an audio/* type');
  }
  if (audio.bytes !== undefined && (!Number.isSafeInteger(audio.bytes) || audio.bytes < 0)) {
    reject('VALIDATION_FAILED', 'audio.bytes must be a whole number >= 0');
  }
  return audio.bytes === undefined ? { uri: audio.uri, mimeType: audio.mimeType } : { uri: audio.uri, mimeType: audio.mimeType, bytes: audio.bytes };
}

export function evolveCatalog(state: CatalogState, event: CatalogEvent): CatalogState {
  switch (event.type) {
    case 'ArtistAdded':
      return { status: 'added', artistId: event.data.artistId, name: event.data.name, genres: event.data.genres, albums: new Map(), tracks: new Map() };
    case 'AlbumReleased': {
      if (state.status !== 'added') return state;
      const tracks = new Map(state.tracks);
      for (const t of event.data.tracks) tracks.set(t.trackId, { albumId: event.data.albumId });
      return { ...state, albums: new Map(state.albums).set(event.data.albumId, event.data), tracks };
    }
    case 'TrackAudioAttached': {
      if (state.status !== 'added') return state;
      const tracks = new Map(state.tracks);
      tracks.set(event.data.trackId, { albumId: event.data.albumId, audio: event.data.audio });
      return { ...state, tracks };
    }
    default:
      return assertNever(event);
  }
}

export const catalogDecider: Decider<CatalogCommand, CatalogEvent, CatalogState> = {
  initialState: { status: 'none' },
  decide: decideCatalog,
  evolve: evolveCatalog,
};
