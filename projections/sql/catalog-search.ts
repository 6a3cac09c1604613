/**
 * Catalog search. Two halves, both served by indexes:
 * - full text: a `tsvector` per row in the `simple` configuration (names are not stemmed), with
 *   weights A for the row's own title or name, B for the names around it (artist, album), C for
 *   genres; every word of the query is matched as a prefix, so "bohem" finds "Bohemian Rhapsody"
 *   while the user is still typing;
 * - typos: `pg_trgm` word similarity of the query against the row's names (`search_text`), so
 *   "beatels" finds "The Beatles"; looked for when the words as typed match nothing.
 * Text matches rank by ts_rank, then similarity. Accents are folded in TypeScript on both
 * sides (rows in catalog-writes.ts, the query here), so "beyonce" finds "Beyoncé" without `unaccent`.
 */
import type { SqlClient } from '../../gateways/sql/port.js';
import { albumColumns, qualified, toAlbumSummary, toTrack, trackColumns, type AlbumRow, type AlbumSummary, type ArtistSummary, type Track, type TrackRow } from './catalog-queries.js';
import { foldForSearch } from './catalog-writes.js';
import { clampLimit } from './paging.js';

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
