/** How the catalog read model applies a batch of catalog events (see catalog.ts for the phases). */
import type { AlbumDetails, CatalogEvent, CatalogTrack } from '../../domain/catalog/events.js';
import type { SqlExecutor } from '../../gateways/sql/port.js';
import { assertNever } from '../../domain/shared/decider.js';

/** Lower case without accents: what both the rows and the queries are searched as. */
export function foldForSearch(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

type Tables = Readonly<Record<string, string>>;
type Batch = ReadonlyArray<CatalogEvent>;

const json = (rows: unknown[]) => JSON.stringify(rows);

type Of<T extends CatalogEvent['type']> = Extract<CatalogEvent, { type: T }>;

/** The last event of type `type` for each key in the batch, in batch order. */
function lastBy<T extends CatalogEvent['type'], K>(events: Batch, type: T, key: (e: Of<T>) => K): Array<Of<T>> {
  const isOfType = (e: CatalogEvent): e is Of<T> => e.type === type;
  const last = new Map<K, Of<T>>();
  for (const e of events) if (isOfType(e)) last.set(key(e), e);
  return [...last.values()];
}

export async function applyCatalogBatch(tx: SqlExecutor, events: Batch, tables: Tables): Promise<void> {
  const touchedTracks = new Set<string>();
  const touchedAlbums = new Set<string>();
  for (const e of events) {
    switch (e.type) {
      case 'ArtistAdded':
        break;
      case 'AlbumReleased':
      case 'AlbumDetailsChanged':
        touchedAlbums.add(e.data.albumId);
        break;
      case 'AlbumTrackAdded':
        touchedAlbums.add(e.data.albumId);
        touchedTracks.add(e.data.track.trackId);
        break;
      case 'TrackDetailsChanged':
        touchedTracks.add(e.data.track.trackId);
        break;
      case 'TrackAudioAttached':
      case 'TrackAvailabilityChanged':
        break;
      default:
        assertNever(e);
    }
  }
  await addArtists(tx, events, tables);
  await releaseAlbums(tx, events, tables);
  await addTracks(tx, events, tables);
  await changeAlbumDetails(tx, events, tables);
  await changeTrackDetails(tx, events, tables);
  await attachAudio(tx, events, tables);
  await changeAvailability(tx, events, tables);
  await deriveColumns(tx, tables, [...touchedTracks], [...touchedAlbums]);
}

async function addArtists(tx: SqlExecutor, events: Batch, tables: Tables): Promise<void> {
  const rows = events.flatMap((e) =>
    e.type === 'ArtistAdded'
      ? [{ artist_id: e.data.artistId, name: e.data.name, genres: e.data.genres, added_at: e.data.addedAt, mbid: e.data.musicbrainzId ?? null, name_f: foldForSearch(e.data.name), genres_f: foldForSearch(e.data.genres.join(' ')) }]
      : [],
  );
  if (rows.length === 0) return;
  await tx.query(
    `insert into ${tables.catalog_artists} (artist_id, name, genres, added_at, musicbrainz_id, search_text, search)
     select r.artist_id, r.name, r.genres, r.added_at, r.mbid, r.name_f,
            setweight(to_tsvector('simple', r.name_f), 'A') || setweight(to_tsvector('simple', r.genres_f), 'C')
       from jsonb_to_recordset($1::jsonb) as r(artist_id text, name text, genres text[], added_at timestamptz, mbid text, name_f text, genres_f text)
     on conflict (artist_id) do nothing`,
    [json(rows)],
  );
}

const albumRow = (a: AlbumDetails) => ({
  album_id: a.albumId,
  artist_id: a.artistId,
  title: a.title,
  release_date: a.releaseDate,
  genres: a.genres,
  mbid: a.musicbrainzId ?? null,
  cover: a.cover ?? null,
  title_f: foldForSearch(a.title),
  genres_f: foldForSearch(a.genres.join(' ')),
});

const trackRow = (albumId: string, artistId: string, t: CatalogTrack) => ({
  track_id: t.trackId,
  album_id: albumId,
  artist_id: artistId,
  title: t.title,
  duration_ms: t.durationMs,
  track_number: t.trackNumber,
  disc_number: t.discNumber ?? 1,
  credit: t.artist ?? null,
  mbid: t.musicbrainzId ?? null,
  own_genres: t.genres,
  markets: t.markets ?? null,
  title_f: foldForSearch(t.title),
  genres_f: foldForSearch(t.genres.join(' ')),
});

const TRACK_RECORD = `track_id text, album_id text, artist_id text, title text, duration_ms int, track_number int, disc_number int,
  credit text, mbid text, own_genres text[], markets text[], title_f text, genres_f text`;

/** Inserts tracks; album title, date, artist name, genres and search are filled by deriveColumns. */
async function insertTracks(tx: SqlExecutor, tables: Tables, rows: ReturnType<typeof trackRow>[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `insert into ${tables.catalog_tracks}
            (track_id, album_id, artist_id, artist_name, album_title, title, duration_ms, track_number, disc_number, credit, musicbrainz_id,
             own_genres, genres, title_folded, own_genres_folded, release_date, markets, search_text, search)
     select r.track_id, r.album_id, r.artist_id, '', '', r.title, r.duration_ms, r.track_number, r.disc_number, r.credit, r.mbid,
            r.own_genres, r.own_genres, r.title_f, r.genres_f, '', r.markets, '', ''::tsvector
       from jsonb_to_recordset($1::jsonb) as r(${TRACK_RECORD})
     on conflict (track_id) do nothing`,
    [json(rows)],
  );
}

async function releaseAlbums(tx: SqlExecutor, events: Batch, tables: Tables): Promise<void> {
  const albums = events.flatMap((e) => (e.type === 'AlbumReleased' ? [e.data] : []));
  if (albums.length === 0) return;
  await tx.query(
    `insert into ${tables.catalog_albums}
            (album_id, artist_id, artist_name, title, release_date, genres, track_count, musicbrainz_id, cover, title_folded, genres_folded, search_text, search)
     select r.album_id, r.artist_id, '', r.title, r.release_date, r.genres, 0, r.mbid, r.cover, r.title_f, r.genres_f, '', ''::tsvector
       from jsonb_to_recordset($1::jsonb)
            as r(album_id text, artist_id text, title text, release_date text, genres text[], mbid text, cover jsonb, title_f text, genres_f text)
     on conflict (album_id) do nothing`,
    [json(albums.map(albumRow))],
  );
  await insertTracks(tx, tables, albums.flatMap((a) => a.tracks.map((t) => trackRow(a.albumId, a.artistId, t))));
}

async function addTracks(tx: SqlExecutor, events: Batch, tables: Tables): Promise<void> {
  const rows = events.flatMap((e) => (e.type === 'AlbumTrackAdded' ? [trackRow(e.data.albumId, e.data.artistId, e.data.track)] : []));
  await insertTracks(tx, tables, rows);
}

async function changeAlbumDetails(tx: SqlExecutor, events: Batch, tables: Tables): Promise<void> {
  const changed = lastBy(events, 'AlbumDetailsChanged', (e) => e.data.albumId);
  if (changed.length === 0) return;
  await tx.query(
    `update ${tables.catalog_albums} al
        set title = r.title, release_date = r.release_date, genres = r.genres, musicbrainz_id = r.mbid, cover = r.cover,
            title_folded = r.title_f, genres_folded = r.genres_f
       from jsonb_to_recordset($1::jsonb)
            as r(album_id text, artist_id text, title text, release_date text, genres text[], mbid text, cover jsonb, title_f text, genres_f text)
      where al.album_id = r.album_id`,
    [json(changed.map((e) => albumRow(e.data)))],
  );
}

async function changeTrackDetails(tx: SqlExecutor, events: Batch, tables: Tables): Promise<void> {
  const changed = lastBy(events, 'TrackDetailsChanged', (e) => e.data.track.trackId);
  if (changed.length === 0) return;
  // Markets change by TrackAvailabilityChanged only (a revision carries the stored ones).
  await tx.query(
    `update ${tables.catalog_tracks} t
        set title = r.title, duration_ms = r.duration_ms, track_number = r.track_number, disc_number = r.disc_number, credit = r.credit,
            musicbrainz_id = r.mbid, own_genres = r.own_genres, title_folded = r.title_f, own_genres_folded = r.genres_f
       from jsonb_to_recordset($1::jsonb) as r(${TRACK_RECORD})
      where t.track_id = r.track_id`,
    [json(changed.map((e) => trackRow(e.data.albumId, e.data.artistId, e.data.track)))],
  );
}

async function attachAudio(tx: SqlExecutor, events: Batch, tables: Tables): Promise<void> {
  const attached = lastBy(events, 'TrackAudioAttached', (e) => e.data.trackId);
  if (attached.length === 0) return;
  const rows = attached.map(({ data: d }) => ({ track_id: d.trackId, audio: d.audio, renditions: d.renditions ?? null, hls: d.hls ?? null, loudness: d.loudness ?? null }));
  await tx.query(
    `update ${tables.catalog_tracks} t set audio = r.audio, renditions = r.renditions, hls = r.hls, loudness = r.loudness
       from jsonb_to_recordset($1::jsonb) as r(track_id text, audio jsonb, renditions jsonb, hls jsonb, loudness jsonb)
      where t.track_id = r.track_id`,
    [json(rows)],
  );
}

async function changeAvailability(tx: SqlExecutor, events: Batch, tables: Tables): Promise<void> {
  const changed = lastBy(events, 'TrackAvailabilityChanged', (e) => e.data.trackId);
  if (changed.length === 0) return;
  await tx.query(
    `update ${tables.catalog_tracks} t set available = r.available, markets = r.markets
       from jsonb_to_recordset($1::jsonb) as r(track_id text, available boolean, markets text[])
      where t.track_id = r.track_id`,
    [json(changed.map(({ data: d }) => ({ track_id: d.trackId, available: d.available, markets: d.markets })))],
  );
}

/**
 * What rows take from others: an album's artist name, track count and search; a track's album
 * title and date, artist name, genres (its own with its album's) and search. Weights: A for the
 * row's own title or name, B for the names around it (artist, album), C for genres.
 */
async function deriveColumns(tx: SqlExecutor, tables: Tables, trackIds: string[], albumIds: string[]): Promise<void> {
  if (albumIds.length > 0) {
    await tx.query(
      `update ${tables.catalog_albums} al
          set artist_name = coalesce(a.name, ''),
              track_count = (select count(*) from ${tables.catalog_tracks} t where t.album_id = al.album_id),
              search_text = al.title_folded || ' ' || coalesce(a.search_text, ''),
              search = setweight(to_tsvector('simple', al.title_folded), 'A')
                    || setweight(to_tsvector('simple', coalesce(a.search_text, '')), 'B')
                    || setweight(to_tsvector('simple', al.genres_folded), 'C')
         from ${tables.catalog_albums} x left join ${tables.catalog_artists} a on a.artist_id = x.artist_id
        where x.album_id = al.album_id and al.album_id = any ($1::text[])`,
      [albumIds],
    );
  }
  if (trackIds.length === 0 && albumIds.length === 0) return;
  await tx.query(
    `update ${tables.catalog_tracks} t
        set artist_name = x.artist_name, album_title = x.album_title, release_date = x.release_date, genres = x.genres,
            search_text = t.title_folded || ' ' || x.context,
            search = setweight(to_tsvector('simple', t.title_folded), 'A')
                  || setweight(to_tsvector('simple', x.context), 'B')
                  || setweight(to_tsvector('simple', t.own_genres_folded || ' ' || x.album_genres), 'C')
       from (select t2.track_id, coalesce(a.name, '') as artist_name, al.title as album_title, al.release_date,
                    coalesce((select array_agg(distinct g order by g) from unnest(t2.own_genres || al.genres) g), '{}') as genres,
                    coalesce(a.search_text, '') || ' ' || al.title_folded as context,
                    al.genres_folded as album_genres
               from ${tables.catalog_tracks} t2
               join ${tables.catalog_albums} al on al.album_id = t2.album_id
               left join ${tables.catalog_artists} a on a.artist_id = t2.artist_id
              where t2.track_id = any ($1::text[]) or t2.album_id = any ($2::text[])) x
      where t.track_id = x.track_id`,
    [trackIds, albumIds],
  );
}
