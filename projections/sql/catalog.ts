/**
 * The `catalog` read model: artists, albums and tracks, with search (catalog-search.ts), the
 * queries of catalog-queries.ts, and what streaming needs: a track's renditions, whether it is
 * available and where (markets), its loudness; an album's cover.
 *
 * A batch is applied in phases: inserts (artists, albums, added tracks), then updates that each
 * set their own columns to the batch's last value for a row (album details, track details, audio,
 * availability), then the derived columns of touched rows (genres, track counts, search). The
 * deciders order a stream's events (an album before its changes), so phases keep that order.
 */
import type { CatalogEvent } from '../../domain/catalog/events.js';
import { eventTypes, sqlProjection } from '../projection.js';
import { applyCatalogBatch } from './catalog-writes.js';

export { foldForSearch } from './catalog-writes.js';
export * from './catalog-queries.js';
export * from './catalog-search.js';

const TRGM = 'create extension if not exists pg_trgm;';

export const catalogProjection = sqlProjection<CatalogEvent>({
  kind: 'sql',
  name: 'catalog',
  version: 2,
  handles: eventTypes<CatalogEvent>({
    ArtistAdded: true,
    AlbumReleased: true,
    AlbumTrackAdded: true,
    AlbumDetailsChanged: true,
    TrackDetailsChanged: true,
    TrackAudioAttached: true,
    TrackAvailabilityChanged: true,
  }),
  tables: {
    catalog_artists: (t) => /* sql */ `${TRGM}
      create table ${t} (
        artist_id text primary key,
        name text not null,
        genres text[] not null,
        added_at timestamptz not null,
        musicbrainz_id text,
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
        musicbrainz_id text,
        cover jsonb,
        title_folded text not null,
        genres_folded text not null,
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
        disc_number int not null default 1,
        credit text,
        musicbrainz_id text,
        own_genres text[] not null,
        genres text[] not null,
        title_folded text not null,
        own_genres_folded text not null,
        release_date text not null,
        markets text[],
        available boolean not null default true,
        audio jsonb,
        renditions jsonb,
        hls jsonb,
        loudness jsonb,
        search_text text not null,
        search tsvector not null
      );
      create index ${t}_by_album on ${t} (album_id, disc_number, track_number);
      create index ${t}_by_search on ${t} using gin (search);
      create index ${t}_by_trigrams on ${t} using gin (search_text gin_trgm_ops);`,
  },
  async apply(tx, events, tables) {
    await applyCatalogBatch(tx, events, tables);
  },
});
