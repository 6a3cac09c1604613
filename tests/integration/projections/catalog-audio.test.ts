/**
 * The catalog read model and what a library scan and ingest record: revisions, added tracks,
 * renditions, availability and markets, covers; in one batch and one event per batch alike.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogStream, type CatalogEvent, type Rendition } from '../../../domain/catalog/events.js';
import { catalogProjection, getAlbum, getAlbumCover, getStreamableTrack, getTrack, search } from '../../../projections/sql/catalog.js';
import { BACKENDS, openHarness, type ReadModelHarness } from '../../support/projection-harness.js';

const at = '2026-01-02T00:00:00.000Z';
const sha = (c: string) => `sha256:${c.repeat(64)}`;
const cover = { key: 'covers/al-1/abc.jpg', mimeType: 'image/jpeg', bytes: 100, checksum: sha('c'), width: 500, height: 500 };
const rendition = (quality: 'low' | 'high', format: 'progressive' | 'hls'): Rendition => ({
  quality,
  format,
  file: `v1/${format === 'hls' ? `hls/${quality === 'low' ? 128 : 320}/index.m3u8` : `aac-${quality === 'low' ? 128 : 320}.m4a`}`,
  mimeType: format === 'hls' ? 'application/vnd.apple.mpegurl' : 'audio/mp4',
  codec: 'mp4a.40.2',
  bitrate: quality === 'low' ? 128_000 : 320_000,
  bytes: 1_000,
  durationMs: 3_000,
  checksum: sha('a'),
});

const history = (artistId: string): CatalogEvent[] => [
  { type: 'ArtistAdded', data: { artistId, name: 'Café Band', genres: [], addedAt: at, musicbrainzId: '5b11f4ce-a62d-471e-81fc-a69a8278c7da' } },
  {
    type: 'AlbumReleased',
    data: {
      albumId: `${artistId}-al`,
      artistId,
      title: 'Scanned',
      releaseDate: '',
      genres: [],
      tracks: [
        { trackId: `${artistId}-1`, title: 'One', durationMs: 3_000, trackNumber: 1, genres: ['rock'] },
        { trackId: `${artistId}-2`, title: 'Two', durationMs: 3_000, trackNumber: 1, discNumber: 2, genres: [], artist: 'Guest', markets: ['SE'] },
      ],
    },
  },
  { type: 'AlbumTrackAdded', data: { albumId: `${artistId}-al`, artistId, track: { trackId: `${artistId}-3`, title: 'Three', durationMs: 3_000, trackNumber: 2, genres: ['jazz'] } } },
  { type: 'AlbumDetailsChanged', data: { albumId: `${artistId}-al`, artistId, title: 'Scanned Again', releaseDate: '2019', genres: ['folk'], cover } },
  { type: 'TrackDetailsChanged', data: { albumId: `${artistId}-al`, artistId, track: { trackId: `${artistId}-1`, title: 'One (Remastered)', durationMs: 3_000, trackNumber: 1, genres: ['pop'] } } },
  {
    type: 'TrackAudioAttached',
    data: {
      trackId: `${artistId}-1`,
      albumId: `${artistId}-al`,
      artistId,
      audio: { uri: `media:tracks/${artistId}-1/v1/original.flac`, mimeType: 'audio/flac', lossless: true },
      renditions: [rendition('low', 'progressive'), rendition('low', 'hls'), rendition('high', 'progressive'), rendition('high', 'hls')],
      hls: { master: 'v1/hls/master.m3u8', masterLow: 'v1/hls/master-low.m3u8' },
      loudness: { integratedLufs: -14, truePeakDbtp: -1, loudnessRangeLu: 3 },
      at,
    },
  },
  { type: 'TrackAvailabilityChanged', data: { trackId: `${artistId}-2`, albumId: `${artistId}-al`, artistId, available: true, markets: ['NO', 'SE'], reason: 'markets-changed', at } },
  { type: 'TrackAvailabilityChanged', data: { trackId: `${artistId}-1`, albumId: `${artistId}-al`, artistId, available: false, markets: null, reason: 'source-missing', at } },
];

describe.each(BACKENDS)('catalog read model with audio on %s', (backend) => {
  let h: ReadModelHarness;

  beforeAll(async () => {
    h = await openHarness(backend, 'rm_catalog_audio');
    await h.append(catalogStream('batch'), history('batch'));
    await h.catchUp([catalogProjection], { batchSize: 1_000 });
    for (const event of history('single')) await h.append(catalogStream('single'), [event]);
    await h.catchUp([catalogProjection], { batchSize: 1 });
  });
  afterAll(() => h?.close());

  it.each(['batch', 'single'])('applies revisions, added tracks, audio and availability (%s)', async (id) => {
    const album = await getAlbum(h.sql, `${id}-al`);
    expect(album).toMatchObject({ title: 'Scanned Again', releaseDate: '2019', genres: ['folk'], trackCount: 3, coverUrl: `/v1/albums/${id}-al/cover?v=${'c'.repeat(16)}` });
    expect(album!.tracks.map((t) => [t.id, t.discNumber, t.trackNumber, t.title, t.genres, t.credit ?? null])).toStrictEqual([
      [`${id}-1`, 1, 1, 'One (Remastered)', ['folk', 'pop'], null],
      [`${id}-3`, 1, 2, 'Three', ['folk', 'jazz'], null],
      [`${id}-2`, 2, 1, 'Two', ['folk'], 'Guest'],
    ]);
    const one = await getTrack(h.sql, `${id}-1`);
    expect(one).toMatchObject({ albumTitle: 'Scanned Again', releaseDate: '2019', available: false, playable: false, qualities: ['low', 'high'], loudness: { integratedLufs: -14 } });
    expect(await getTrack(h.sql, `${id}-2`)).toMatchObject({ markets: ['NO', 'SE'], available: true, playable: false, qualities: [] });
    expect(await getStreamableTrack(h.sql, `${id}-1`)).toMatchObject({ available: false, markets: null, lossless: true, hls: { master: 'v1/hls/master.m3u8' } });
    expect(await getAlbumCover(h.sql, `${id}-al`)).toStrictEqual(cover);
    expect(await getAlbumCover(h.sql, 'nope')).toBeUndefined();
  });

  it('finds retitled tracks and albums by their new names, accents folded', async () => {
    const found = await search(h.sql, 'remastered cafe', { types: ['track'] });
    expect(found.tracks.map((t) => t.id).sort()).toStrictEqual(['batch-1', 'single-1']);
    expect((await search(h.sql, 'scanned again', { types: ['album'] })).albums).toHaveLength(2);
  });
});
