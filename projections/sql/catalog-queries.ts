/** Queries of the catalog read model (the views catalog_artists, catalog_albums, catalog_tracks). */
import type { AlbumCover, Loudness, Quality, Rendition, TrackAudio } from '../../domain/catalog/events.js';
import type { SqlExecutor } from '../../gateways/sql/port.js';
import { idList, iso } from './paging.js';

export interface Track {
  id: string;
  title: string;
  durationMs: number;
  trackNumber: number;
  discNumber: number;
  /** The track's genres with its album's. */
  genres: string[];
  releaseDate: string;
  albumId: string;
  albumTitle: string;
  artistId: string;
  artistName: string;
  /** The track's own artist credit, when it is not the album's artist. */
  credit?: string;
  musicbrainzId?: string;
  audio?: TrackAudio;
  /** It has renditions and its audio is available: `GET /v1/tracks/:id/stream` can answer. */
  playable: boolean;
  /** False when its library file was removed. */
  available: boolean;
  /** Countries where it may be played (absent: everywhere). */
  markets?: string[];
  /** The qualities its renditions offer. */
  qualities: Quality[];
  loudness?: Loudness;
}

export interface AlbumSummary {
  id: string;
  title: string;
  artistId: string;
  artistName: string;
  releaseDate: string;
  genres: string[];
  trackCount: number;
  musicbrainzId?: string;
  /** Where the cover art is served, when the album has one (`/v1/albums/:id/cover?v=…`). */
  coverUrl?: string;
}

export interface Album extends AlbumSummary {
  /** In disc, then track-number order. */
  tracks: Array<Pick<Track, 'id' | 'title' | 'durationMs' | 'trackNumber' | 'discNumber' | 'genres' | 'playable' | 'credit'>>;
}

export interface ArtistSummary {
  id: string;
  name: string;
  genres: string[];
}

export interface Artist extends ArtistSummary {
  addedAt: string;
  musicbrainzId?: string;
  /** Newest release first. */
  albums: AlbumSummary[];
}

/** What a stream request needs to know of a track. */
export interface StreamableTrackRow {
  trackId: string;
  albumId: string;
  durationMs: number;
  available: boolean;
  markets: string[] | null;
  renditions: Rendition[];
  hls: { master: string; masterLow: string } | null;
  lossless: boolean;
}

export interface TrackRow {
  track_id: string;
  title: string;
  duration_ms: number;
  track_number: number;
  disc_number: number;
  genres: string[];
  release_date: string;
  album_id: string;
  album_title: string;
  artist_id: string;
  artist_name: string;
  credit: string | null;
  musicbrainz_id: string | null;
  audio: TrackAudio | null;
  available: boolean;
  markets: string[] | null;
  renditions: Rendition[] | null;
  loudness: Loudness | null;
}

export interface AlbumRow {
  album_id: string;
  title: string;
  artist_id: string;
  artist_name: string;
  release_date: string;
  genres: string[];
  track_count: number;
  musicbrainz_id: string | null;
  cover: AlbumCover | null;
}

export const qualified = (alias: string, names: readonly string[]) => names.map((n) => `${alias}.${n}`).join(', ');
export const trackColumns = (alias: string) =>
  qualified(alias, [
    'track_id', 'title', 'duration_ms', 'track_number', 'disc_number', 'genres', 'release_date', 'album_id', 'album_title', 'artist_id', 'artist_name',
    'credit', 'musicbrainz_id', 'audio', 'available', 'markets', 'renditions', 'loudness',
  ]);
export const albumColumns = (alias: string) =>
  qualified(alias, ['album_id', 'title', 'artist_id', 'artist_name', 'release_date', 'genres', 'track_count', 'musicbrainz_id', 'cover']);

const QUALITY_ORDER: readonly Quality[] = ['low', 'high', 'lossless'];
const qualitiesOf = (renditions: Rendition[] | null): Quality[] => QUALITY_ORDER.filter((q) => renditions?.some((r) => r.quality === q));

export function toTrack(r: TrackRow): Track {
  const qualities = qualitiesOf(r.renditions);
  const track: Track = {
    id: r.track_id,
    title: r.title,
    durationMs: r.duration_ms,
    trackNumber: r.track_number,
    discNumber: r.disc_number,
    genres: r.genres,
    releaseDate: r.release_date,
    albumId: r.album_id,
    albumTitle: r.album_title,
    artistId: r.artist_id,
    artistName: r.artist_name,
    playable: qualities.length > 0 && r.available,
    available: r.available,
    qualities,
  };
  if (r.credit) track.credit = r.credit;
  if (r.musicbrainz_id) track.musicbrainzId = r.musicbrainz_id;
  if (r.audio) track.audio = r.audio;
  if (r.markets) track.markets = r.markets;
  if (r.loudness) track.loudness = r.loudness;
  return track;
}

/** The cover's URL names its image (`v`), so it may be cached for good. */
export const coverUrl = (albumId: string, cover: AlbumCover) => `/v1/albums/${encodeURIComponent(albumId)}/cover?v=${cover.checksum.slice('sha256:'.length, 'sha256:'.length + 16)}`;

export function toAlbumSummary(r: AlbumRow): AlbumSummary {
  const album: AlbumSummary = {
    id: r.album_id,
    title: r.title,
    artistId: r.artist_id,
    artistName: r.artist_name,
    releaseDate: r.release_date,
    genres: r.genres,
    trackCount: r.track_count,
  };
  if (r.musicbrainz_id) album.musicbrainzId = r.musicbrainz_id;
  if (r.cover) album.coverUrl = coverUrl(r.album_id, r.cover);
  return album;
}

export async function getTrack(sql: SqlExecutor, id: string): Promise<Track | undefined> {
  const [row] = await sql.query<TrackRow>(`select ${trackColumns('t')} from catalog_tracks t where t.track_id = $1`, [id]);
  return row && toTrack(row);
}

/** The tracks of `ids` the catalog knows, by id (at most 1,000 ids). */
export async function getTracks(sql: SqlExecutor, ids: readonly string[]): Promise<Map<string, Track>> {
  const wanted = idList(ids);
  if (wanted.length === 0) return new Map();
  const rows = await sql.query<TrackRow>(`select ${trackColumns('t')} from catalog_tracks t where t.track_id = any ($1::text[])`, [wanted]);
  return new Map(rows.map((r) => [r.track_id, toTrack(r)]));
}

export async function getAlbum(sql: SqlExecutor, id: string): Promise<Album | undefined> {
  const [album] = await sql.query<AlbumRow>(`select ${albumColumns('al')} from catalog_albums al where al.album_id = $1`, [id]);
  if (!album) return undefined;
  const tracks = await sql.query<TrackRow>(
    `select ${trackColumns('t')} from catalog_tracks t where t.album_id = $1 order by t.disc_number, t.track_number, t.track_id`,
    [id],
  );
  return {
    ...toAlbumSummary(album),
    tracks: tracks.map(toTrack).map(({ id: trackId, title, durationMs, trackNumber, discNumber, genres, playable, credit }) => ({
      id: trackId,
      title,
      durationMs,
      trackNumber,
      discNumber,
      genres,
      playable,
      ...(credit ? { credit } : {}),
    })),
  };
}

export async function getArtist(sql: SqlExecutor, id: string): Promise<Artist | undefined> {
  const [artist] = await sql.query<{ artist_id: string; name: string; genres: string[]; added_at: Date; musicbrainz_id: string | null }>(
    `select a.artist_id, a.name, a.genres, a.added_at, a.musicbrainz_id from catalog_artists a where a.artist_id = $1`,
    [id],
  );
  if (!artist) return undefined;
  const albums = await sql.query<AlbumRow>(
    `select ${albumColumns('al')} from catalog_albums al where al.artist_id = $1 order by al.release_date desc, al.title, al.album_id`,
    [id],
  );
  return {
    id: artist.artist_id,
    name: artist.name,
    genres: artist.genres,
    addedAt: iso(artist.added_at),
    ...(artist.musicbrainz_id ? { musicbrainzId: artist.musicbrainz_id } : {}),
    albums: albums.map(toAlbumSummary),
  };
}

/** Track lengths in ms, for the tracks of `ids` the catalog knows (at most 1,000 ids). */
export async function trackDurations(sql: SqlExecutor, ids: readonly string[]): Promise<Map<string, number>> {
  const wanted = idList(ids);
  if (wanted.length === 0) return new Map();
  const rows = await sql.query<{ track_id: string; duration_ms: number }>(
    `select t.track_id, t.duration_ms from catalog_tracks t where t.track_id = any ($1::text[])`,
    [wanted],
  );
  return new Map(rows.map((r) => [r.track_id, r.duration_ms]));
}

/** A track as a stream request sees it; undefined when the catalog does not have it. */
export async function getStreamableTrack(sql: SqlExecutor, id: string): Promise<StreamableTrackRow | undefined> {
  const [row] = await sql.query<{
    track_id: string;
    album_id: string;
    duration_ms: number;
    available: boolean;
    markets: string[] | null;
    renditions: Rendition[] | null;
    hls: { master: string; masterLow: string } | null;
    lossless: boolean | null;
  }>(
    `select t.track_id, t.album_id, t.duration_ms, t.available, t.markets, t.renditions, t.hls, (t.audio ->> 'lossless')::boolean as lossless
       from catalog_tracks t where t.track_id = $1`,
    [id],
  );
  if (!row) return undefined;
  return {
    trackId: row.track_id,
    albumId: row.album_id,
    durationMs: row.duration_ms,
    available: row.available,
    markets: row.markets,
    renditions: row.renditions ?? [],
    hls: row.hls,
    lossless: row.lossless === true,
  };
}

/** An album's cover; `undefined` when there is no such album, `null` when it has no cover. */
export async function getAlbumCover(sql: SqlExecutor, albumId: string): Promise<AlbumCover | null | undefined> {
  const [row] = await sql.query<{ cover: AlbumCover | null }>(`select al.cover from catalog_albums al where al.album_id = $1`, [albumId]);
  return row ? row.cover : undefined;
}
