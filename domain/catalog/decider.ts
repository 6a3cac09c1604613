/**
 * The catalog of one artist: the artist, their albums with tracks, audio attached later, and
 * where each track may be played.
 *
 * Two ways in: a catalog file (`ReleaseAlbum`: importing the same catalog twice records nothing;
 * the same id with other content is a conflict, never a silent overwrite — only markets may
 * change), and a library scan (`ReviseAlbum`: the album as the files say it is now; what differs
 * from the stored album is recorded as a change, so a rescan records nothing and a retag updates).
 */
import { canonicalJson, checkGenres, checkId, checkName, checkTime } from '../shared/checks.js';
import { assertNever, type Decider } from '../shared/decider.js';
import { reject } from '../shared/errors.js';
import {
  byPlaceOnAlbum,
  checkAudio,
  checkCover,
  checkMarkets,
  checkMedia,
  checkMusicBrainzId,
  checkReleaseDate,
  checkTracks,
  type AttachmentMedia,
  type TrackInput,
} from './checks.js';
import type { AlbumCover, AlbumDetails, AlbumReleased, AvailabilityReason, CatalogEvent, CatalogTrack, TrackAudio } from './events.js';

export { MAX_TRACK_MS, type TrackInput } from './checks.js';

interface AlbumCommand {
  artistId: string;
  albumId: string;
  title: string;
  releaseDate: string;
  genres?: string[];
  musicbrainzId?: string;
  cover?: AlbumCover;
  tracks: TrackInput[];
}

export type CatalogCommand =
  | { type: 'AddArtist'; artistId: string; name: string; genres?: string[]; musicbrainzId?: string; at: string }
  | ({ type: 'ReleaseAlbum'; /** When the markets of a released album change. */ at?: string } & AlbumCommand)
  | ({ type: 'ReviseAlbum' } & AlbumCommand)
  | ({ type: 'AttachTrackAudio'; artistId: string; trackId: string; audio: TrackAudio; at: string } & AttachmentMedia)
  | {
      type: 'ChangeTrackAvailability';
      artistId: string;
      trackId: string;
      /** Unchanged when absent. */
      available?: boolean;
      /** Unchanged when absent; null for everywhere. */
      markets?: string[] | null;
      reason: AvailabilityReason;
      at: string;
    };

export interface TrackState {
  albumId: string;
  /** The original of the last audio attached. */
  audio?: TrackAudio;
  /** What ingest made of it (renditions, loudness, the library file). */
  media?: AttachmentMedia;
  /** Its audio is gone (the library file was removed). */
  unavailable?: true;
}

export type CatalogState =
  | { status: 'none' }
  | {
      status: 'added';
      artistId: string;
      name: string;
      genres: string[];
      /** Albums as they are now: details and tracks (with their current markets). */
      albums: ReadonlyMap<string, AlbumReleased['data']>;
      tracks: ReadonlyMap<string, TrackState>;
    };

type Added = Extract<CatalogState, { status: 'added' }>;

const same = (a: unknown, b: unknown) => canonicalJson(a) === canonicalJson(b);
const withoutMarkets = ({ markets: _markets, ...track }: CatalogTrack) => track;

export function decideCatalog(command: CatalogCommand, state: CatalogState): CatalogEvent[] {
  const artistId = checkId(command.artistId, 'artistId');
  switch (command.type) {
    case 'AddArtist': {
      const name = checkName(command.name, 'artist name');
      const genres = checkGenres(command.genres);
      const musicbrainzId = checkMusicBrainzId(command.musicbrainzId, `artist ${artistId}`);
      const addedAt = checkTime(command.at, 'at');
      if (state.status === 'added') {
        if (state.name === name && same(state.genres, genres)) return [];
        return reject('CATALOG_CONFLICT', `artist ${artistId} exists with other details`);
      }
      return [{ type: 'ArtistAdded', data: { artistId, name, genres, addedAt, ...(musicbrainzId ? { musicbrainzId } : {}) } }];
    }
    case 'ReleaseAlbum': {
      const catalog = added(state, artistId);
      const album = checkAlbum(command, artistId, { allowEmptyDate: false, uniqueNumbers: true });
      const existing = catalog.albums.get(album.albumId);
      if (!existing) return [{ type: 'AlbumReleased', data: notTakenElsewhere(catalog, album) }];
      const content = (a: AlbumReleased['data']) => ({ ...a, tracks: a.tracks.map(withoutMarkets) });
      if (!same(content(existing), content(album))) return reject('CATALOG_CONFLICT', `album ${album.albumId} exists with other content`);
      // The same album with other markets: the rights changed, the album did not.
      const changes = album.tracks.filter((t) => !same(marketsOf(catalog, t.trackId), t.markets ?? null));
      if (changes.length === 0) return [];
      const at = checkTime(command.at ?? '', 'at');
      return changes.map((t) => marketChange(catalog, existing, t, at));
    }
    case 'ReviseAlbum': {
      const catalog = added(state, artistId);
      const album = checkAlbum(command, artistId, { allowEmptyDate: true, uniqueNumbers: false });
      const existing = catalog.albums.get(album.albumId);
      if (!existing) return [{ type: 'AlbumReleased', data: notTakenElsewhere(catalog, album) }];
      return revise(catalog, existing, album);
    }
    case 'AttachTrackAudio': {
      const at = checkTime(command.at, 'at');
      const catalog = added(state, artistId);
      const trackId = checkId(command.trackId, 'trackId');
      const track = catalog.tracks.get(trackId);
      if (!track) return reject('TRACK_NOT_FOUND', `track ${trackId} is not in ${artistId}'s catalog`);
      const audio = checkAudio(command.audio);
      const media = checkMedia(command);
      const events: CatalogEvent[] = [];
      if (!track.audio || !same(track.audio, audio) || !same(track.media ?? {}, media)) {
        events.push({ type: 'TrackAudioAttached', data: { trackId, albumId: track.albumId, artistId, audio, at, ...media } });
      }
      if (track.unavailable) {
        const markets = marketsOf(catalog, trackId);
        events.push({ type: 'TrackAvailabilityChanged', data: { trackId, albumId: track.albumId, artistId, available: true, markets, reason: 'source-restored', at } });
      }
      return events;
    }
    case 'ChangeTrackAvailability': {
      const at = checkTime(command.at, 'at');
      const catalog = added(state, artistId);
      const trackId = checkId(command.trackId, 'trackId');
      const track = catalog.tracks.get(trackId);
      if (!track) return reject('TRACK_NOT_FOUND', `track ${trackId} is not in ${artistId}'s catalog`);
      if (!['source-missing', 'source-restored', 'markets-changed'].includes(command.reason)) {
        reject('VALIDATION_FAILED', 'reason must be source-missing, source-restored or markets-changed');
      }
      if (command.available !== undefined && typeof command.available !== 'boolean') reject('VALIDATION_FAILED', 'available must be true or false');
      const markets = command.markets === undefined ? marketsOf(catalog, trackId) : command.markets === null ? null : checkMarkets(command.markets, `track ${trackId}`);
      const available = command.available ?? !track.unavailable;
      if (available === !track.unavailable && same(markets, marketsOf(catalog, trackId))) return [];
      return [{ type: 'TrackAvailabilityChanged', data: { trackId, albumId: track.albumId, artistId, available, markets, reason: command.reason, at } }];
    }
    default:
      return assertNever(command);
  }
}

function added(state: CatalogState, artistId: string): Added {
  if (state.status !== 'added') return reject('ARTIST_NOT_FOUND', `artist ${artistId} does not exist`);
  return state;
}

function checkAlbum(command: AlbumCommand, artistId: string, rules: { allowEmptyDate: boolean; uniqueNumbers: boolean }): AlbumReleased['data'] {
  const albumId = checkId(command.albumId, 'albumId');
  const title = checkName(command.title, `album ${albumId} title`);
  const releaseDate = checkReleaseDate(command.releaseDate, `album ${albumId}`, rules.allowEmptyDate);
  const tracks = checkTracks(command.tracks, albumId, rules.uniqueNumbers);
  const album: AlbumReleased['data'] = { albumId, artistId, title, releaseDate, genres: checkGenres(command.genres), tracks };
  const musicbrainzId = checkMusicBrainzId(command.musicbrainzId, `album ${albumId}`);
  if (musicbrainzId) album.musicbrainzId = musicbrainzId;
  const cover = checkCover(command.cover, `album ${albumId}`);
  if (cover) album.cover = cover;
  return album;
}

/** A new album's tracks must not belong to another album of this artist. */
function notTakenElsewhere(catalog: Added, album: AlbumReleased['data']): AlbumReleased['data'] {
  for (const track of album.tracks) {
    const owner = catalog.tracks.get(track.trackId);
    if (owner) reject('CATALOG_CONFLICT', `track ${track.trackId} already belongs to album ${owner.albumId}`);
  }
  return album;
}

const details = ({ tracks: _tracks, ...rest }: AlbumReleased['data']): AlbumDetails => rest;

/** A scanned album against the stored one: its changed details, new tracks and retagged tracks. */
function revise(catalog: Added, existing: AlbumReleased['data'], album: AlbumReleased['data']): CatalogEvent[] {
  const events: CatalogEvent[] = [];
  const { albumId, artistId } = album;
  if (!same(details(existing), details(album))) events.push({ type: 'AlbumDetailsChanged', data: details(album) });
  for (const scanned of album.tracks) {
    const stored = existing.tracks.find((t) => t.trackId === scanned.trackId);
    // A scan knows nothing of rights: the stored markets stay.
    const track: CatalogTrack = stored?.markets ? { ...scanned, markets: stored.markets } : withoutMarkets(scanned);
    if (!stored) {
      const owner = catalog.tracks.get(track.trackId);
      if (owner) reject('CATALOG_CONFLICT', `track ${track.trackId} already belongs to album ${owner.albumId}`);
      events.push({ type: 'AlbumTrackAdded', data: { albumId, artistId, track } });
    } else if (!same(stored, track)) {
      events.push({ type: 'TrackDetailsChanged', data: { albumId, artistId, track } });
    }
  }
  return events;
}

function marketsOf(catalog: Added, trackId: string): string[] | null {
  const albumId = catalog.tracks.get(trackId)?.albumId;
  const track = albumId === undefined ? undefined : catalog.albums.get(albumId)?.tracks.find((t) => t.trackId === trackId);
  return track?.markets ?? null;
}

function marketChange(catalog: Added, album: AlbumReleased['data'], track: CatalogTrack, at: string): CatalogEvent {
  const available = !catalog.tracks.get(track.trackId)?.unavailable;
  const markets = track.markets ?? null;
  return { type: 'TrackAvailabilityChanged', data: { trackId: track.trackId, albumId: album.albumId, artistId: album.artistId, available, markets, reason: 'markets-changed', at } };
}

function withTrack(album: AlbumReleased['data'], track: CatalogTrack): AlbumReleased['data'] {
  return { ...album, tracks: [...album.tracks.filter((t) => t.trackId !== track.trackId), track].sort(byPlaceOnAlbum) };
}

export function evolveCatalog(state: CatalogState, event: CatalogEvent): CatalogState {
  if (event.type === 'ArtistAdded') {
    return { status: 'added', artistId: event.data.artistId, name: event.data.name, genres: event.data.genres, albums: new Map(), tracks: new Map() };
  }
  if (state.status !== 'added') return state;
  switch (event.type) {
    case 'AlbumReleased': {
      const tracks = new Map(state.tracks);
      for (const t of event.data.tracks) tracks.set(t.trackId, { albumId: event.data.albumId });
      return { ...state, albums: new Map(state.albums).set(event.data.albumId, event.data), tracks };
    }
    case 'AlbumDetailsChanged': {
      const album = state.albums.get(event.data.albumId);
      if (!album) return state;
      return { ...state, albums: new Map(state.albums).set(album.albumId, { ...event.data, tracks: album.tracks }) };
    }
    case 'AlbumTrackAdded':
    case 'TrackDetailsChanged': {
      const album = state.albums.get(event.data.albumId);
      if (!album) return state;
      const tracks = state.tracks.has(event.data.track.trackId) ? state.tracks : new Map(state.tracks).set(event.data.track.trackId, { albumId: album.albumId });
      return { ...state, albums: new Map(state.albums).set(album.albumId, withTrack(album, event.data.track)), tracks };
    }
    case 'TrackAudioAttached': {
      const { trackId, albumId, audio, renditions, hls, loudness, source } = event.data;
      const media: AttachmentMedia = {};
      if (renditions !== undefined) media.renditions = renditions;
      if (hls !== undefined) media.hls = hls;
      if (loudness !== undefined) media.loudness = loudness;
      if (source !== undefined) media.source = source;
      const previous = state.tracks.get(trackId);
      const next: TrackState = { albumId, audio };
      if (Object.keys(media).length > 0) next.media = media;
      if (previous?.unavailable) next.unavailable = true;
      return { ...state, tracks: new Map(state.tracks).set(trackId, next) };
    }
    case 'TrackAvailabilityChanged': {
      const { trackId, albumId, available, markets } = event.data;
      const previous = state.tracks.get(trackId) ?? { albumId };
      const { unavailable: _unavailable, ...rest } = previous;
      const tracks = new Map(state.tracks).set(trackId, available ? rest : { ...rest, unavailable: true as const });
      const album = state.albums.get(albumId);
      const track = album?.tracks.find((t) => t.trackId === trackId);
      if (!album || !track) return { ...state, tracks };
      const { markets: _old, ...bare } = track;
      const updated = markets === null ? bare : { ...bare, markets };
      return { ...state, tracks, albums: new Map(state.albums).set(albumId, withTrack(album, updated)) };
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
