/**
 * The `catalog` read model: artists, albums and tracks, with search.
 *
 * Search has two halves, both served by indexes:
 * - full text: a `tsvector` per row in the `simple` configuration (names are not stemmed), with
 *   weights A for the row's own title or name, B for the names around it (artist, album), C for
 *   genres; every word of the query is matched as a prefix, so "bohem" finds "Bohemian Rhapsody"
 *   while the user is still typing;
 * - typos: `pg_trgm` word similarity of the query against the row's names (`search_text`), so
 *   "beatels" finds "The Beatles"; looked for when the words as typed match nothing.
 * Text matches rank by ts_rank, then similarity. Accents are folded in TypeScript on both
 * sides (rows here, the query in `search`), so "beyonce" finds "Beyoncé" without `unaccent`.
 */
import type { AlbumReleased, ArtistAdded, TrackAudio, TrackAudioAttached } from '../../domain/catalog/events.js';
import type { RecordedEvent } from '../../gateways/event-store/port.js';
import type { SqlClient, SqlExecutor } from '../../gateways/sql/port.js';
import type { SqlProjection } from '../projection.js';
import { clampLimit, idList, iso } from './paging.js';

/** Lower case without accents: what both the rows and the queries are searched as. */
export function foldForSearch(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

const TRGM = 'create extension if not exists pg_trgm;';

export const catalogProjection: SqlProjection = {
  kind: 'sql',
  name: 'catalog',
  version: 1,
  handles: ['ArtistAdded', 'AlbumReleased', 'TrackAudioAttached'],
  tables: {
    catalog_artists: (t) => /* sql */ `${TRGM}
      create table ${t} (
        artist_id text primary key,
        name text not null,
        genres text[] not null,
        added_at timestamptz not null,
        search_text text not null,
        search tsvector not null
      );
      create index ${t}_by_search on ${t} using gin (search);
      create index ${t}_by_trigrams on ${t} using gin (search_text gin_trgm_ops);`,
    catalog_albums: (t) => /* sql */ `${TRGM}
      create table ${t} (
        album_id text primary key,
        artist_id text not null,
        artist_name text not null,
        title text not null,
        release_date text not null,
        genres text[] not null,
        track_count int not null,
        search_text text not null,
        search tsvector not null
      );
      create index ${t}_by_artist on ${t} (artist_id, release_date desc);
      create index ${t}_by_search on ${t} using gin (search);
      create index ${t}_by_trigrams on ${t} using gin (search_text gin_trgm_ops);`,
    catalog_tracks: (t) => /* sql */ `${TRGM}
      create table ${t} (
        track_id text primary key,
        album_id text not null,
        artist_id text not null,
        artist_name text not null,
        album_title text not null,
        title text not null,
        duration_ms int not null,
        track_number int not null,
        genres text[] not null,
        release_date text not null,
        audio jsonb,
        search_text text not null,
        search tsvector not null
      );
      create index ${t}_by_album on ${t} (album_id, track_number);
      create index ${t}_by_search on ${t} using gin (search);
      create index ${t}_by_trigrams on ${t} using gin (search_text gin_trgm_ops);`,
  },
  async apply(tx, events, tables) {
    // An artist is added before their albums, an album released before audio is attached to its
    // tracks (one stream, checked by the decider): artists, then albums, then audio keeps order.
    await addArtists(tx, events, tables.catalog_artists!);
    await releaseAlbums(tx, events, tables);
    await attachAudio(tx, events, tables.catalog_tracks!);
  },
};

const weighted = (a: string, b: string, c: string) =>
  `setweight(to_tsvector('simple', ${a}), 'A') || setweight(to_tsvector('simple', ${b}), 'B') || setweight(to_tsvector('simple', ${c}), 'C')`;

async function addArtists(tx: SqlExecutor, events: readonly RecordedEvent[], table: string): Promise<void> {
  const rows = events
    .filter((e) => e.type === 'ArtistAdded')
    .map((e) => {
      const a = e.data as unknown as ArtistAdded['data'];
      return { artist_id: a.artistId, name: a.name, genres: a.genres, added_at: a.addedAt, name_f: foldForSearch(a.name), genres_f: foldForSearch(a.genres.join(' ')) };
    });
  if (rows.length === 0) return;
  await tx.query(
    `insert into ${table} (artist_id, name, genres, added_at, search_text, search)
     select r.artist_id, r.name, r.genres, r.added_at, r.name_f, ${weighted('r.name_f', "''", 'r.genres_f')}
       from jsonb_to_recordset($1::jsonb) as r(artist_id text, name text, genres text[], added_at timestamptz, name_f text, genres_f text)
     on conflict (artist_id) do nothing`,
    [JSON.stringify(rows)],
  );
}

async function releaseAlbums(tx: SqlExecutor, events: readonly RecordedEvent[], tables: Readonly<Record<string, string>>): Promise<void> {
  const albums = events.filter((e) => e.type === 'AlbumReleased').map((e) => e.data as unknown as AlbumReleased['data']);
  if (albums.length === 0) return;
  const albumRows = albums.map((a) => ({
    album_id: a.albumId,
    artist_id: a.artistId,
    title: a.title,
    release_date: a.releaseDate,
    genres: a.genres,
    track_count: a.tracks.length,
    title_f: foldForSearch(a.title),
    genres_f: foldForSearch(a.genres.join(' ')),
  }));
  const trackRows = albums.flatMap((a) =>
    a.tracks.map((t) => {
      const genres = [...new Set([...t.genres, ...a.genres])].sort();
      return {
        track_id: t.trackId,
        album_id: a.albumId,
        artist_id: a.artistId,
        album_title: a.title,
        title: t.title,
        duration_ms: t.durationMs,
        track_number: t.trackNumber,
        genres,
        release_date: a.releaseDate,
        title_f: foldForSearch(t.title),
        album_f: foldForSearch(a.title),
        genres_f: foldForSearch(genres.join(' ')),
      };
    }),
  );
  // The artist's name comes from the artist's row (added in an earlier batch or just above).
  await tx.query(
    `insert into ${tables.catalog_albums} (album_id, artist_id, artist_name, title, release_date, genres, track_count, search_text, search)
     select r.album_id, r.artist_id, coalesce(a.name, ''), r.title, r.release_date, r.genres, r.track_count,
            r.title_f || ' ' || coalesce(a.search_text, ''),
            ${weighted('r.title_f', "coalesce(a.search_text, '')", 'r.genres_f')}
       from jsonb_to_recordset($1::jsonb)
            as r(album_id text, artist_id text, title text, release_date text, genres text[], track_count int, title_f text, genres_f text)
       left join ${tables.catalog_artists} a on a.artist_id = r.artist_id
     on conflict (album_id) do nothing`,
    [JSON.stringify(albumRows)],
  );
  await tx.query(
    `insert into ${tables.catalog_tracks}
            (track_id, album_id, artist_id, artist_name, album_title, title, duration_ms, track_number, genres, release_date, search_text, search)
     select r.track_id, r.album_id, r.artist_id, coalesce(a.name, ''), r.album_title, r.title, r.duration_ms, r.track_number, r.genres, r.release_date,
            r.title_f || ' ' || coalesce(a.search_text, '') || ' ' || r.album_f,
            ${weighted('r.title_f', "coalesce(a.search_text, '') || ' ' || r.album_f", 'r.genres_f')}
       from jsonb_to_recordset($1::jsonb)
            as r(track_id text, album_id text, artist_id text, album_title text, title text, duration_ms int, track_number int,
                 genres text[], release_date text, title_f text, album_f text, genres_f text)
       left join ${tables.catalog_artists} a on a.artist_id = r.artist_id
     on conflict (track_id) do nothing`,
    [JSON.stringify(trackRows)],
  );
}

async function attachAudio(tx: SqlExecutor, events: readonly RecordedEvent[], table: string): Promise<void> {
  // The last attachment of a track in the batch is its audio.
  const audio = new Map<string, TrackAudio>();
  for (const e of events) {
    if (e.type !== 'TrackAudioAttached') continue;
    const data = e.data as unknown as TrackAudioAttached['data'];
    audio.set(data.trackId, data.audio);
  }
  if (audio.size === 0) return;
  await tx.query(
    `update ${table} t set audio = r.audio
       from jsonb_to_recordset($1::jsonb) as r(track_id text, audio jsonb)
      where t.track_id = r.track_id`,
    [JSON.stringify([...audio].map(([track_id, a]) => ({ track_id, audio: a })))],
  );
}

// ---- queries (read the views catalog_artists, catalog_albums, catalog_tracks)

export interface Track {
  id: string;
  title: string;
  durationMs: number;
  trackNumber: number;
  /** The track's genres with its album's. */
  genres: string[];
  releaseDate: string;
  albumId: string;
  albumTitle: string;
  artistId: string;
  artistName: string;
  audio?: TrackAudio;
}

export interface AlbumSummary {
  id: string;
  title: string;
  artistId: string;
  artistName: string;
  releaseDate: string;
  genres: string[];
  trackCount: number;
}

export interface Album extends AlbumSummary {
  /** In track-number order. */
  tracks: Array<Pick<Track, 'id' | 'title' | 'durationMs' | 'trackNumber' | 'genres'>>;
}

export interface ArtistSummary {
  id: string;
  name: string;
  genres: string[];
}

export interface Artist extends ArtistSummary {
  addedAt: string;
  /** Newest release first. */
  albums: AlbumSummary[];
}

interface TrackRow {
  track_id: string;
  title: string;
  duration_ms: number;
  track_number: number;
  genres: string[];
  release_date: string;
  album_id: string;
  album_title: string;
  artist_id: string;
  artist_name: string;
  audio: TrackAudio | null;
}

interface AlbumRow {
  album_id: string;
  title: string;
  artist_id: string;
  artist_name: string;
  release_date: string;
  genres: string[];
  track_count: number;
}

const qualified = (alias: string, names: readonly string[]) => names.map((n) => `${alias}.${n}`).join(', ');
const trackColumns = (alias: string) =>
  qualified(alias, ['track_id', 'title', 'duration_ms', 'track_number', 'genres', 'release_date', 'album_id', 'album_title', 'artist_id', 'artist_name', 'audio']);
const albumColumns = (alias: string) => qualified(alias, ['album_id', 'title', 'artist_id', 'artist_name', 'release_date', 'genres', 'track_count']);

function toTrack(r: TrackRow): Track {
  const track: Track = {
    id: r.track_id,
    title: r.title,
    durationMs: r.duration_ms,
    trackNumber: r.track_number,
    genres: r.genres,
    releaseDate: r.release_date,
    albumId: r.album_id,
    albumTitle: r.album_title,
    artistId: r.artist_id,
    artistName: r.artist_name,
  };
  if (r.audio) track.audio = r.audio;
  return track;
}

const toAlbumSummary = (r: AlbumRow): AlbumSummary => ({
  id: r.album_id,
  title: r.title,
  artistId: r.artist_id,
  artistName: r.artist_name,
  releaseDate: r.release_date,
  genres: r.genres,
  trackCount: r.track_count,
});

export async function getTrack(sql: SqlExecutor, id: string): Promise<Track | undefined> {
  const [row] = await sql.query<TrackRow>(`select ${trackColumns('t')} from catalog_tracks t where t.track_id = $1`, [id]);
  return row && toTrack(row);
}

export async function getAlbum(sql: SqlExecutor, id: string): Promise<Album | undefined> {
  const [album] = await sql.query<AlbumRow>(`select ${albumColumns('al')} from catalog_albums al where al.album_id = $1`, [id]);
  if (!album) return undefined;
  const tracks = await sql.query<TrackRow>(`select ${trackColumns('t')} from catalog_tracks t where t.album_id = $1 order by t.track_number`, [id]);
  return {
    ...toAlbumSummary(album),
    tracks: tracks.map((t) => ({ id: t.track_id, title: t.title, durationMs: t.duration_ms, trackNumber: t.track_number, genres: t.genres })),
  };
}

export async function getArtist(sql: SqlExecutor, id: string): Promise<Artist | undefined> {
  const [artist] = await sql.query<{ artist_id: string; name: string; genres: string[]; added_at: Date }>(
    `select a.artist_id, a.name, a.genres, a.added_at from catalog_artists a where a.artist_id = $1`,
    [id],
  );
  if (!artist) return undefined;
  const albums = await sql.query<AlbumRow>(
    `select ${albumColumns('al')} from catalog_albums al where al.artist_id = $1 order by al.release_date desc, al.title, al.album_id`,
    [id],
  );
  return { id: artist.artist_id, name: artist.name, genres: artist.genres, addedAt: iso(artist.added_at), albums: albums.map(toAlbumSummary) };
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

// ---- search

export type SearchType = 'track' | 'album' | 'artist';
export const SEARCH_TYPES: readonly SearchType[] = ['track', 'album', 'artist'];

export interface SearchOptions {
  /** Which kinds of results to look for (default: all). */
  types?: readonly SearchType[];
  /** Per kind (1..50, default 20). */
  limit?: number;
}

export interface SearchResults {
  tracks: Track[];
  albums: AlbumSummary[];
  artists: ArtistSummary[];
}

/** Longer queries are cut: nobody types more, and trigram work grows with the length. */
export const MAX_QUERY_LENGTH = 200;
/** Word similarity from which a row counts as a typo match ("beatels" ~ "the beatles" is 0.5). */
export const TYPO_THRESHOLD = 0.4;
/** Below this many characters a query matches by prefix only: trigrams of "ab" match anything. */
const MIN_TYPO_QUERY = 3;

/**
 * The query's words as prefix terms (`'bohem':* & 'rhap':*`). The words are the lexemes that
 * to_tsvector finds in the text, each quoted as a tsquery operand (quotes and backslashes
 * escaped) inside Postgres: the user's text is never spliced into tsquery syntax. Null when the
 * text has no words.
 */
const PREFIX_QUERY = /* sql */ `
  to_tsquery('simple', (
    select string_agg('''' || replace(replace(w.lexeme, '\\', '\\\\'), '''', '''''') || ''':*', ' & ')
      from unnest(tsvector_to_array(to_tsvector('simple', $1::text))) as w(lexeme)))`;

/**
 * The match, rank and order shared by the three kinds (`x` is the row; `tieBreak` names the
 * output columns that order equal ranks). Rows that match the words (as prefixes) rank by ts_rank, then by
 * similarity. Typo matches are looked for only when no row matches the words as typed: next to
 * real matches they are noise ("beat" would bring "Beyoncé"), and the lookup is skipped.
 */
const matching = (view: string, columns: string, tieBreak: readonly string[]) => /* sql */ `
  with q as (select ${PREFIX_QUERY} as terms),
  matched as (
    select ${columns}, ts_rank(x.search, q.terms) as text_rank, word_similarity($1::text, x.search_text) as similarity
      from ${view} x, q
     where x.search @@ q.terms
     order by text_rank desc, similarity desc, ${qualified('x', tieBreak)}
     limit $3
  ),
  typos as (
    select ${columns}, 0::real as text_rank, word_similarity($1::text, x.search_text) as similarity
      from ${view} x
     where $2::boolean and not exists (select 1 from matched) and $1::text <% x.search_text
     order by similarity desc, ${qualified('x', tieBreak)}
     limit $3
  )
  select * from (select * from matched union all select * from typos) found
   order by found.text_rank desc, found.similarity desc, ${qualified('found', tieBreak)}`;

const SEARCH_TRACKS = matching('catalog_tracks', trackColumns('x'), ['title', 'track_id']);
const SEARCH_ALBUMS = matching('catalog_albums', albumColumns('x'), ['title', 'album_id']);
const SEARCH_ARTISTS = matching('catalog_artists', qualified('x', ['artist_id', 'name', 'genres']), ['name', 'artist_id']);

/**
 * Tracks, albums and artists matching `q`, best first: text matches (prefixes of every word) by
 * rank then similarity, or, when the words match nothing, typo matches by similarity. Runs in one
 * short transaction (it sets the typo threshold for itself), so it takes the client, not any
 * executor.
 */
export async function search(sql: SqlClient, q: string, options: SearchOptions = {}): Promise<SearchResults> {
  const results: SearchResults = { tracks: [], albums: [], artists: [] };
  // Control characters (NUL above all, which Postgres refuses in text) are word breaks.
  const text = foldForSearch(typeof q === 'string' ? q : '')
    .replace(/\p{C}+/gu, ' ')
    .slice(0, MAX_QUERY_LENGTH)
    .trim();
  const types = new Set((options.types ?? SEARCH_TYPES).filter((t) => SEARCH_TYPES.includes(t)));
  if (text.length === 0 || types.size === 0) return results;
  const params = [text, text.length >= MIN_TYPO_QUERY, clampLimit(options.limit)];
  await sql.transaction(async (tx) => {
    await tx.query(`select set_config('pg_trgm.word_similarity_threshold', $1, true)`, [String(TYPO_THRESHOLD)]);
    if (types.has('track')) {
      const rows = await tx.query<TrackRow>(SEARCH_TRACKS, params);
      results.tracks = rows.map(toTrack);
    }
    if (types.has('album')) {
      const rows = await tx.query<AlbumRow>(SEARCH_ALBUMS, params);
      results.albums = rows.map(toAlbumSummary);
    }
    if (types.has('artist')) {
      const rows = await tx.query<{ artist_id: string; name: string; genres: string[] }>(SEARCH_ARTISTS, params);
      results.artists = rows.map((r) => ({ id: r.artist_id, name: r.name, genres: r.genres }));
    }
  });
  return results;
}
