/**
 * Discovery queries over the catalog read model (views catalog_albums, catalog_tracks): the
 * genres with how many tracks and albums each has, a genre's newest albums, and new releases.
 * A track's genres are its own with its album's (as the catalog projection derives them); an
 * album's are its own. Release dates may be `YYYY`, `YYYY-MM` or `YYYY-MM-DD`: they compare as
 * text, and an album dated after `today` is not released yet.
 */
import type { SqlExecutor, SqlParam } from '../../gateways/sql/port.js';
import { albumColumns, toAlbumSummary, type AlbumRow, type AlbumSummary } from './catalog-queries.js';

export interface GenreSummary {
  genre: string;
  tracks: number;
  albums: number;
}

/** Every genre of the catalog, with its track and album counts; most tracks first. */
export async function listGenres(sql: SqlExecutor): Promise<GenreSummary[]> {
  const rows = await sql.query<{ genre: string; tracks: number; albums: number }>(
    `with t as (select g as genre, count(*)::int as tracks from catalog_tracks, unnest(genres) g group by g),
          a as (select g as genre, count(*)::int as albums from catalog_albums, unnest(genres) g group by g)
     select coalesce(t.genre, a.genre) as genre, coalesce(t.tracks, 0) as tracks, coalesce(a.albums, 0) as albums
       from t full join a on a.genre = t.genre
      order by tracks desc, albums desc, genre`,
  );
  return rows;
}

/** Whether any track or album of the catalog has `genre`. */
export async function genreExists(sql: SqlExecutor, genre: string): Promise<boolean> {
  const [row] = await sql.query<{ found: boolean }>(
    `select exists (select 1 from catalog_albums where $1 = any (genres))
         or exists (select 1 from catalog_tracks where $1 = any (genres)) as found`,
    [genre],
  );
  return row?.found === true;
}

/** Albums released on or before `today` (YYYY-MM-DD), newest first; only those of `genre` when given. */
export async function newAlbums(sql: SqlExecutor, options: { today: string; limit: number; genre?: string }): Promise<AlbumSummary[]> {
  const params: SqlParam[] = [options.today, options.limit];
  let where = 'al.release_date <= $1';
  if (options.genre !== undefined) {
    params.push(options.genre);
    where += ' and $3 = any (al.genres)';
  }
  const rows = await sql.query<AlbumRow>(
    `select ${albumColumns('al')} from catalog_albums al where ${where}
      order by al.release_date desc, al.title, al.album_id limit $2`,
    params,
  );
  return rows.map(toAlbumSummary);
}

/** Which of `ids` are artists of the catalog. */
export async function existingArtists(sql: SqlExecutor, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await sql.query<{ artist_id: string }>(`select artist_id from catalog_artists where artist_id = any ($1::text[])`, [ids]);
  return new Set(rows.map((r) => r.artist_id));
}
