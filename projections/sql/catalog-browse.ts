/**
 * Browsing the catalog read model whole, as music apps do (the OpenSubsonic edge): every artist
 * with its album count, albums listed in an order (by name, artist, release, genre, year, random,
 * or the ids given), genres with their counts, random tracks, tracks of a genre, every track in
 * pages. Albums come with their length (the sum of their tracks'), which lists need.
 */
import type { SqlExecutor, SqlParam } from '../../gateways/sql/port.js';
import { albumColumns, toAlbumSummary, toTrack, trackColumns, type AlbumRow, type AlbumSummary, type Track, type TrackRow } from './catalog-queries.js';

export interface ListedAlbum extends AlbumSummary {
  durationMs: number;
  hasCover: boolean;
}

export interface ListedArtist {
  id: string;
  name: string;
  albumCount: number;
  musicbrainzId?: string;
}

export type AlbumOrder = 'name' | 'artist' | 'newest' | 'oldest' | 'random' | 'ids';

export interface AlbumListing {
  order: AlbumOrder;
  limit: number;
  offset?: number;
  /** Albums of this genre only (case does not matter). */
  genre?: string;
  /** Albums released from `fromYear` to `toYear` (inclusive; `toYear < fromYear` lists newest first). */
  fromYear?: number;
  toYear?: number;
  /** For order `ids`: these albums, in this order. */
  ids?: readonly string[];
  /** Albums of this artist only. */
  artistId?: string;
}

const YEAR = `nullif(substring(al.release_date from '^[0-9]{4}'), '')::int`;
const DURATION = `coalesce((select sum(t.duration_ms) from catalog_tracks t where t.album_id = al.album_id), 0)::bigint as duration_ms`;

type ListedAlbumRow = AlbumRow & { duration_ms: string | number };

function toListedAlbum(r: ListedAlbumRow): ListedAlbum {
  return { ...toAlbumSummary(r), durationMs: Number(r.duration_ms), hasCover: r.cover !== null };
}

export async function listAlbums(sql: SqlExecutor, listing: AlbumListing): Promise<ListedAlbum[]> {
  const where: string[] = [];
  const params: SqlParam[] = [];
  const param = (value: SqlParam) => `$${params.push(value)}`;
  if (listing.genre !== undefined) where.push(`exists (select 1 from unnest(al.genres) g where lower(g) = lower(${param(listing.genre)}))`);
  if (listing.artistId !== undefined) where.push(`al.artist_id = ${param(listing.artistId)}`);
  let order: string;
  switch (listing.order) {
    case 'name':
      order = 'lower(al.title), al.album_id';
      break;
    case 'artist':
      order = 'lower(al.artist_name), al.release_date, lower(al.title), al.album_id';
      break;
    case 'newest':
      order = 'al.release_date desc, al.album_id';
      break;
    case 'oldest':
      order = 'al.release_date, al.album_id';
      break;
    case 'random':
      order = 'random()';
      break;
    case 'ids':
      where.push(`al.album_id = any (${param(listing.ids ?? [])}::text[])`);
      order = `array_position(${param(listing.ids ?? [])}::text[], al.album_id)`;
      break;
  }
  if (listing.fromYear !== undefined && listing.toYear !== undefined) {
    const low = Math.min(listing.fromYear, listing.toYear);
    const high = Math.max(listing.fromYear, listing.toYear);
    where.push(`${YEAR} between ${param(low)} and ${param(high)}`);
    order = listing.fromYear <= listing.toYear ? `al.release_date, al.album_id` : `al.release_date desc, al.album_id`;
  }
  const rows = await sql.query<ListedAlbumRow>(
    `select ${albumColumns('al')}, ${DURATION} from catalog_albums al
      ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
      order by ${order} limit ${param(listing.limit)} offset ${param(listing.offset ?? 0)}`,
    params,
  );
  return rows.map(toListedAlbum);
}

const ARTISTS = /* sql */ `select a.artist_id, a.name, a.musicbrainz_id,
    (select count(*) from catalog_albums al where al.artist_id = a.artist_id)::int as album_count
  from catalog_artists a`;
type ArtistRow = { artist_id: string; name: string; musicbrainz_id: string | null; album_count: number };
const toListedArtist = (r: ArtistRow): ListedArtist => ({
  id: r.artist_id,
  name: r.name,
  albumCount: r.album_count,
  ...(r.musicbrainz_id ? { musicbrainzId: r.musicbrainz_id } : {}),
});

/** Artists by name, with how many albums each has; every one without `page`. */
export async function listArtists(sql: SqlExecutor, page?: { limit: number; offset: number }): Promise<ListedArtist[]> {
  const rows = page
    ? await sql.query<ArtistRow>(`${ARTISTS} order by lower(a.name), a.artist_id limit $1 offset $2`, [page.limit, page.offset])
    : await sql.query<ArtistRow>(`${ARTISTS} order by lower(a.name), a.artist_id`);
  return rows.map(toListedArtist);
}

/** When the catalog last gained an artist (ms since 1970; 0 when empty): `lastModified` of an index. */
export async function artistsLastAdded(sql: SqlExecutor): Promise<number> {
  const [row] = await sql.query<{ at: Date | null }>(`select max(a.added_at) as at from catalog_artists a`);
  return row?.at ? new Date(row.at).getTime() : 0;
}

/** Artists by id (those that exist), with their album counts. */
export async function artistsByIds(sql: SqlExecutor, ids: readonly string[]): Promise<Map<string, ListedArtist>> {
  if (ids.length === 0) return new Map();
  const rows = await sql.query<ArtistRow>(`${ARTISTS} where a.artist_id = any ($1::text[])`, [[...new Set(ids)]]);
  return new Map(rows.map((r) => [r.artist_id, toListedArtist(r)]));
}

/** An artist by name (case does not matter); the first by id when several share it. */
export async function artistByName(sql: SqlExecutor, name: string): Promise<string | undefined> {
  const [row] = await sql.query<{ artist_id: string }>(`select a.artist_id from catalog_artists a where lower(a.name) = lower($1) order by a.artist_id limit 1`, [name]);
  return row?.artist_id;
}

/** One album with its length and whether it has a cover. */
export async function getListedAlbum(sql: SqlExecutor, id: string): Promise<ListedAlbum | undefined> {
  const [row] = await sql.query<ListedAlbumRow>(`select ${albumColumns('al')}, ${DURATION} from catalog_albums al where al.album_id = $1`, [id]);
  return row && toListedAlbum(row);
}

/** The albums of `ids` that have cover art. */
export async function albumsWithCover(sql: SqlExecutor, ids: readonly string[]): Promise<ReadonlySet<string>> {
  if (ids.length === 0) return new Set();
  const rows = await sql.query<{ album_id: string }>(`select al.album_id from catalog_albums al where al.album_id = any ($1::text[]) and al.cover is not null`, [
    [...new Set(ids)],
  ]);
  return new Set(rows.map((r) => r.album_id));
}

export interface GenreCount {
  genre: string;
  songCount: number;
  albumCount: number;
}

/** Every genre of the catalog, by name, with how many tracks and albums carry it. */
export async function genreCounts(sql: SqlExecutor): Promise<GenreCount[]> {
  const rows = await sql.query<{ genre: string; song_count: number; album_count: number }>(
    `select g.genre, sum(g.songs)::int as song_count, sum(g.albums)::int as album_count from (
       select unnest(t.genres) as genre, 1 as songs, 0 as albums from catalog_tracks t
       union all
       select unnest(al.genres), 0, 1 from catalog_albums al
     ) g group by g.genre order by lower(g.genre), g.genre`,
  );
  return rows.map((r) => ({ genre: r.genre, songCount: r.song_count, albumCount: r.album_count }));
}

export interface TrackListing {
  limit: number;
  offset?: number;
  genre?: string;
  fromYear?: number;
  toYear?: number;
  /** Random order (else by album and track number). */
  random?: boolean;
  /** The tracks of this album only. */
  albumId?: string;
}

/** Tracks in pages: all, of a genre, of some years, in album order or at random. */
export async function listTracks(sql: SqlExecutor, listing: TrackListing): Promise<Track[]> {
  const where: string[] = [];
  const params: SqlParam[] = [];
  const param = (value: SqlParam) => `$${params.push(value)}`;
  if (listing.genre !== undefined) where.push(`exists (select 1 from unnest(t.genres) g where lower(g) = lower(${param(listing.genre)}))`);
  if (listing.albumId !== undefined) where.push(`t.album_id = ${param(listing.albumId)}`);
  if (listing.fromYear !== undefined) where.push(`nullif(substring(t.release_date from '^[0-9]{4}'), '')::int >= ${param(listing.fromYear)}`);
  if (listing.toYear !== undefined) where.push(`nullif(substring(t.release_date from '^[0-9]{4}'), '')::int <= ${param(listing.toYear)}`);
  const rows = await sql.query<TrackRow>(
    `select ${trackColumns('t')} from catalog_tracks t ${where.length > 0 ? `where ${where.join(' and ')}` : ''}
      order by ${listing.random ? 'random()' : 't.album_id, t.disc_number, t.track_number, t.track_id'}
      limit ${param(listing.limit)} offset ${param(listing.offset ?? 0)}`,
    params,
  );
  return rows.map(toTrack);
}

/** Every track of an artist (album artist or credited by id), for top songs and similar ones. */
export async function tracksOfArtists(sql: SqlExecutor, artistIds: readonly string[], limit: number): Promise<Track[]> {
  if (artistIds.length === 0) return [];
  const rows = await sql.query<TrackRow>(
    `select ${trackColumns('t')} from catalog_tracks t where t.artist_id = any ($1::text[])
      order by t.release_date desc, t.album_id, t.disc_number, t.track_number limit $2`,
    [artistIds, limit],
  );
  return rows.map(toTrack);
}
