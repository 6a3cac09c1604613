/**
 * The `catalog` read model on Postgres and PGlite: artists, albums with their tracks in order,
 * audio, durations, and search (ranking, prefixes while typing, typos, accents, types, hostile
 * input).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogStream, type CatalogEvent, type CatalogTrack } from '../../../domain/catalog/events.js';
import {
  catalogProjection,
  getAlbum,
  getArtist,
  getTrack,
  search,
  trackDurations,
  type SearchResults,
} from '../../../projections/sql/catalog.js';
import { propertyParameters } from '../../support/property.js';
import { BACKENDS, openHarness, type ReadModelHarness } from '../../support/projection-harness.js';

const artist = (artistId: string, name: string, genres: string[]): CatalogEvent => ({
  type: 'ArtistAdded',
  data: { artistId, name, genres, addedAt: '2026-01-01T00:00:00.000Z' },
});

const album = (artistId: string, albumId: string, title: string, releaseDate: string, genres: string[], titles: string[]): CatalogEvent => ({
  type: 'AlbumReleased',
  data: {
    albumId,
    artistId,
    title,
    releaseDate,
    genres,
    tracks: titles.map((t, i): CatalogTrack => ({ trackId: `${albumId}-${i + 1}`, title: t, durationMs: 180_000 + i * 1_000, trackNumber: i + 1, genres: [] })),
  },
});

const audio = (artistId: string, albumId: string, trackId: string, uri: string): CatalogEvent => ({
  type: 'TrackAudioAttached',
  data: { trackId, albumId, artistId, audio: { uri, mimeType: 'audio/ogg' }, at: '2026-01-02T00:00:00.000Z' },
});

const titles = (results: SearchResults) => ({
  tracks: results.tracks.map((t) => t.title),
  albums: results.albums.map((a) => a.title),
  artists: results.artists.map((a) => a.name),
});

describe.each(BACKENDS)('catalog read model on %s', (backend) => {
  let h: ReadModelHarness;

  beforeAll(async () => {
    h = await openHarness(backend, 'rm_catalog');
    // Queen and the Beatles in one batch (artist and albums together)...
    await h.append(catalogStream('queen'), [
      artist('queen', 'Queen', ['rock']),
      album('queen', 'opera', 'A Night at the Opera', '1975-11-21', ['rock'], ['Death on Two Legs', 'Bohemian Rhapsody', 'Love of My Life']),
      album('queen', 'sha', 'Sheer Heart Attack', '1974-11-08', ['rock'], ['Brighton Rock', 'Killer Queen']),
      album('queen', 'notw', 'News of the World', '1977', ['rock', 'arena rock'], ['We Will Rock You', 'We Are the Champions']),
      audio('queen', 'opera', 'opera-2', 'audio/first.ogg'),
      audio('queen', 'opera', 'opera-2', 'audio/second.ogg'),
    ]);
    await h.append(catalogStream('beatles'), [
      artist('beatles', 'The Beatles', ['rock', 'pop']),
      album('beatles', 'abbey', 'Abbey Road', '1969-09-26', ['rock'], ['Come Together', 'Something', 'Here Comes the Sun']),
    ]);
    await h.catchUp([catalogProjection], { batchSize: 1_000 });
    // ...Beyoncé one event per batch.
    await h.append(catalogStream('beyonce'), [
      artist('beyonce', 'Beyoncé', ['pop', 'r&b']),
      album('beyonce', 'lemonade', 'Lemonade', '2016-04-23', ['pop'], ['Formation', 'Hold Up']),
    ]);
    await h.catchUp([catalogProjection], { batchSize: 1 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers artists with albums newest first, albums with tracks in order, tracks with their audio', async () => {
    const queen = await getArtist(h.sql, 'queen');
    expect(queen).toMatchObject({ id: 'queen', name: 'Queen', genres: ['rock'], addedAt: '2026-01-01T00:00:00.000Z' });
    expect(queen!.albums.map((a) => [a.title, a.releaseDate, a.trackCount])).toEqual([
      ['News of the World', '1977', 2],
      ['A Night at the Opera', '1975-11-21', 3],
      ['Sheer Heart Attack', '1974-11-08', 2],
    ]);
    const opera = await getAlbum(h.sql, 'opera');
    expect(opera).toMatchObject({ id: 'opera', title: 'A Night at the Opera', artistId: 'queen', artistName: 'Queen', releaseDate: '1975-11-21' });
    expect(opera!.tracks.map((t) => [t.trackNumber, t.title])).toEqual([
      [1, 'Death on Two Legs'],
      [2, 'Bohemian Rhapsody'],
      [3, 'Love of My Life'],
    ]);
    expect(await getTrack(h.sql, 'opera-2')).toEqual({
      id: 'opera-2',
      title: 'Bohemian Rhapsody',
      durationMs: 181_000,
      trackNumber: 2,
      discNumber: 1,
      genres: ['rock'],
      releaseDate: '1975-11-21',
      albumId: 'opera',
      albumTitle: 'A Night at the Opera',
      artistId: 'queen',
      artistName: 'Queen',
      audio: { uri: 'audio/second.ogg', mimeType: 'audio/ogg' },
      // Audio without renditions (attached by URI from a catalog file) is not streamed.
      playable: false,
      available: true,
      qualities: [],
    });
    expect(await getTrack(h.sql, 'opera-1')).not.toHaveProperty('audio');
    expect((await getTrack(h.sql, 'lemonade-1'))?.artistName).toBe('Beyoncé');
    expect(await getTrack(h.sql, 'nope')).toBeUndefined();
    expect(await getAlbum(h.sql, 'nope')).toBeUndefined();
    expect(await getArtist(h.sql, 'nope')).toBeUndefined();
    expect(await trackDurations(h.sql, ['opera-1', 'abbey-3', 'nope'])).toEqual(
      new Map([
        ['opera-1', 180_000],
        ['abbey-3', 182_000],
      ]),
    );
    expect(await trackDurations(h.sql, [])).toEqual(new Map());
  });

  it('finds by prefix while typing, and ranks titles above artist names above genres', async () => {
    expect(titles(await search(h.sql, 'bohem', { types: ['track'] })).tracks).toEqual(['Bohemian Rhapsody']);
    expect(titles(await search(h.sql, 'bohemian rh', { types: ['track'] })).tracks).toEqual(['Bohemian Rhapsody']);
    // "Killer Queen" has the word in its title (A); Queen's other songs only in the artist (B).
    const queen = titles(await search(h.sql, 'queen', { types: ['track'], limit: 50 }));
    expect(queen.tracks[0]).toBe('Killer Queen');
    expect(queen.tracks).toHaveLength(7);
    // Title (A) before genre-only matches (C).
    const rock = titles(await search(h.sql, 'rock', { types: ['track'], limit: 50 }));
    expect(rock.tracks.slice(0, 2).sort()).toEqual(['Brighton Rock', 'We Will Rock You']);
    expect(rock.tracks).toContain('Come Together');
    // Albums by title; the artist by name.
    expect(titles(await search(h.sql, 'abbey', { types: ['album'] })).albums).toEqual(['Abbey Road']);
    expect(titles(await search(h.sql, 'beat', { types: ['artist'] })).artists).toEqual(['The Beatles']);
  });

  it('tolerates typos and accents', async () => {
    expect(titles(await search(h.sql, 'beatels', { types: ['artist'] })).artists).toEqual(['The Beatles']);
    expect(titles(await search(h.sql, 'Beatels', { types: ['track'] })).tracks.sort()).toEqual(['Come Together', 'Here Comes the Sun', 'Something']);
    expect(titles(await search(h.sql, 'bohemain rapsody', { types: ['track'] })).tracks[0]).toBe('Bohemian Rhapsody');
    expect(titles(await search(h.sql, 'beyonce', { types: ['artist'] })).artists).toEqual(['Beyoncé']);
    expect(titles(await search(h.sql, 'BEYONCÉ formation', { types: ['track'] })).tracks).toEqual(['Formation']);
  });

  it('searches only the types asked for, clamps the limit, and answers nothing for no words', async () => {
    const all = await search(h.sql, 'queen');
    expect(all.artists.map((a) => a.name)).toEqual(['Queen']);
    expect(all.tracks.length).toBeGreaterThan(0);
    const artistsOnly = await search(h.sql, 'queen', { types: ['artist'] });
    expect(artistsOnly.tracks).toEqual([]);
    expect(artistsOnly.albums).toEqual([]);
    expect((await search(h.sql, 'queen', { types: ['track'], limit: 0 })).tracks).toHaveLength(1);
    expect((await search(h.sql, 'queen', { types: ['track'], limit: 2 })).tracks).toHaveLength(2);
    expect((await search(h.sql, 'queen', { types: ['track'], limit: 10_000 })).tracks).toHaveLength(7);
    const none = { tracks: [], albums: [], artists: [] };
    expect(await search(h.sql, '   ')).toEqual(none);
    expect(await search(h.sql, '!!! ???')).toEqual(none);
    expect(await search(h.sql, 'queen', { types: [] })).toEqual(none);
  });

  it('never fails on hostile input: tsquery syntax, quotes, backslashes (property)', async () => {
    for (const q of [`'`, `\\`, `a' | 'b`, `queen:* & !rock`, `(bohem`, `<->`, `\\' or 1=1 --`, `'bohem':*`, `"we will"`, `x'y\\z`]) {
      await expect(search(h.sql, q)).resolves.toBeDefined();
    }
    expect(titles(await search(h.sql, `bohem'`, { types: ['track'] })).tracks).toEqual(['Bohemian Rhapsody']);
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 30, unit: 'binary' }), async (q) => {
        const results = await search(h.sql, q, { limit: 5 });
        expect(results.tracks.length).toBeLessThanOrEqual(5);
      }),
      propertyParameters(backend === 'postgres' ? 40 : 20),
    );
  });

  it('rebuilds in big batches to what it built', async () => {
    const snapshot = async () => ({
      artists: await Promise.all(['queen', 'beatles', 'beyonce'].map((id) => getArtist(h.sql, id))),
      albums: await Promise.all(['opera', 'abbey', 'lemonade'].map((id) => getAlbum(h.sql, id))),
      search: await search(h.sql, 'queen rock'),
    });
    const before = await snapshot();
    await h.rebuild(catalogProjection, { batchSize: 1_000 });
    expect(await snapshot()).toEqual(before);
  });
});
