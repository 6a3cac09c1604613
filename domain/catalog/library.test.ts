/** The catalog decider as a library scan and ingest use it: revisions, audio with renditions, availability, markets. */
import { describe, expect, it } from 'vitest';
import { given } from '../shared/given-when-then.js';
import { catalogDecider, type CatalogCommand, type CatalogState } from './decider.js';
import type { AlbumReleased, ArtistAdded, CatalogEvent, Rendition, TrackAudioAttached } from './events.js';

type ReviseAlbum = Extract<CatalogCommand, { type: 'ReviseAlbum' }>;
type AttachTrackAudio = Extract<CatalogCommand, { type: 'AttachTrackAudio' }>;

const at = '2024-05-01T12:00:00.000Z';
const mbid = '5b11f4ce-a62d-471e-81fc-a69a8278c7da';
const sha = (c: string) => `sha256:${c.repeat(64)}`;
const artistAdded: ArtistAdded = { type: 'ArtistAdded', data: { artistId: 'art-1', name: 'Band', genres: [], addedAt: at } };
const scanned = (over: Partial<ReviseAlbum> = {}): ReviseAlbum => ({
  type: 'ReviseAlbum',
  artistId: 'art-1',
  albumId: 'alb-1',
  title: 'Album',
  releaseDate: '',
  genres: ['rock'],
  tracks: [
    { trackId: 'trk-1', title: 'One', durationMs: 5_000, trackNumber: 1, discNumber: 1 },
    { trackId: 'trk-2', title: 'Two', durationMs: 6_000, trackNumber: 1, discNumber: 2, artist: 'Guest', musicbrainzId: mbid },
  ],
  ...over,
});
const released: AlbumReleased = {
  type: 'AlbumReleased',
  data: {
    albumId: 'alb-1',
    artistId: 'art-1',
    title: 'Album',
    releaseDate: '',
    genres: ['rock'],
    tracks: [
      { trackId: 'trk-1', title: 'One', durationMs: 5_000, trackNumber: 1, genres: [] },
      { trackId: 'trk-2', title: 'Two', durationMs: 6_000, trackNumber: 1, genres: [], discNumber: 2, artist: 'Guest', musicbrainzId: mbid },
    ],
  },
};

const rendition = (quality: 'low' | 'high', over: Partial<Rendition> = {}): Rendition => ({
  quality,
  format: 'progressive',
  file: `abc123/aac-${quality === 'low' ? 128 : 320}.m4a`,
  mimeType: 'audio/mp4',
  codec: 'mp4a.40.2',
  bitrate: quality === 'low' ? 128_000 : 320_000,
  bytes: 1_000,
  durationMs: 5_000,
  checksum: sha('a'),
  ...over,
});
const ingested = (over: Partial<AttachTrackAudio> = {}): AttachTrackAudio => ({
  type: 'AttachTrackAudio',
  artistId: 'art-1',
  trackId: 'trk-1',
  audio: { uri: 'media:tracks/trk-1/abc123/original.flac', mimeType: 'audio/flac', bytes: 9_000, codec: 'flac', durationMs: 5_000, lossless: true, checksum: sha('b') },
  renditions: [rendition('low'), rendition('high')],
  hls: { master: 'abc123/hls/master.m3u8', masterLow: 'abc123/hls/master-low.m3u8' },
  loudness: { integratedLufs: -14.2, truePeakDbtp: -1.1, loudnessRangeLu: 3.5 },
  source: { path: '/music/Band/Album/01 One.flac', bytes: 9_100, modifiedAt: at },
  at,
  ...over,
});
const attached = (command: AttachTrackAudio = ingested()): TrackAudioAttached => {
  const { type: _type, artistId, trackId, audio, at: when, ...media } = command;
  return { type: 'TrackAudioAttached', data: { trackId, albumId: 'alb-1', artistId, audio, at: when, ...media } };
};
const missing: CatalogEvent = {
  type: 'TrackAvailabilityChanged',
  data: { trackId: 'trk-1', albumId: 'alb-1', artistId: 'art-1', available: false, markets: null, reason: 'source-missing', at },
};

const trackState = (state: CatalogState, id: string) => (state.status === 'added' ? state.tracks.get(id) : undefined);

describe('catalog decider: a scanned album', () => {
  it('a new scanned album is released, with discs, guest artists and MusicBrainz ids, ordered by disc then number, with an unknown date', () => {
    given(catalogDecider, [artistAdded]).when(scanned()).then([released]);
  });

  it('the same album scanned again records nothing', () => {
    given(catalogDecider, [artistAdded, released]).when(scanned()).then([]);
  });

  it('a retagged track records TrackDetailsChanged with its details as they are now', () => {
    const state = given(catalogDecider, [artistAdded, released])
      .when(scanned({ tracks: [{ trackId: 'trk-1', title: 'One (remastered)', durationMs: 5_000, trackNumber: 1, genres: ['Pop'] }] }))
      .then([{ type: 'TrackDetailsChanged', data: { albumId: 'alb-1', artistId: 'art-1', track: { trackId: 'trk-1', title: 'One (remastered)', durationMs: 5_000, trackNumber: 1, genres: ['pop'] } } }]);
    if (state.status !== 'added') throw new Error('no artist');
    expect(state.albums.get('alb-1')!.tracks.map((t) => t.title)).toStrictEqual(['One (remastered)', 'Two']);
  });

  it('a file that joins the album records AlbumTrackAdded; the tracks the scan did not list stay', () => {
    const track = { trackId: 'trk-3', title: 'Three', durationMs: 7_000, trackNumber: 2, genres: [] };
    const state = given(catalogDecider, [artistAdded, released])
      .when(scanned({ tracks: [track] }))
      .then([{ type: 'AlbumTrackAdded', data: { albumId: 'alb-1', artistId: 'art-1', track } }]);
    if (state.status !== 'added') throw new Error('no artist');
    expect(state.albums.get('alb-1')!.tracks.map((t) => t.trackId)).toStrictEqual(['trk-1', 'trk-3', 'trk-2']);
    expect(state.tracks.get('trk-3')).toStrictEqual({ albumId: 'alb-1' });
  });

  it('changed album details (date, genres, cover) record AlbumDetailsChanged with the whole details', () => {
    const cover = { key: 'covers/alb-1/ab12.jpg', mimeType: 'image/jpeg', bytes: 900, checksum: sha('c'), width: 500, height: 500 };
    given(catalogDecider, [artistAdded, released])
      .when(scanned({ releaseDate: '2019', cover }))
      .then([{ type: 'AlbumDetailsChanged', data: { albumId: 'alb-1', artistId: 'art-1', title: 'Album', releaseDate: '2019', genres: ['rock'], cover } }]);
  });

  it('a scan keeps the markets a catalog gave the track', () => {
    const withMarkets: CatalogEvent = { type: 'TrackAvailabilityChanged', data: { ...missing.data, available: true, markets: ['SE'], reason: 'markets-changed' } };
    given(catalogDecider, [artistAdded, released, withMarkets]).when(scanned()).then([]);
  });

  it('two tracks with one number are accepted from a scan (files are what they are), not from a catalog file', () => {
    const tracks = [
      { trackId: 'trk-1', title: 'One', durationMs: 5_000, trackNumber: 1 },
      { trackId: 'trk-9', title: 'Also one', durationMs: 5_000, trackNumber: 1 },
    ];
    given(catalogDecider, [artistAdded]).when(scanned({ tracks })).then([{ type: 'AlbumReleased', data: { ...released.data, tracks: tracks.map((t) => ({ ...t, genres: [] })) } }]);
    given(catalogDecider, [artistAdded]).when({ ...scanned({ tracks, releaseDate: '2020' }), type: 'ReleaseAlbum' }).thenRejects('VALIDATION_FAILED');
  });

  it('a scanned track that belongs to another album is rejected with CATALOG_CONFLICT', () => {
    given(catalogDecider, [artistAdded, released])
      .when(scanned({ albumId: 'alb-2', tracks: [{ trackId: 'trk-1', title: 'One', durationMs: 5_000, trackNumber: 1 }] }))
      .thenRejects('CATALOG_CONFLICT');
  });

  it.each([
    ['a bad MusicBrainz id', { musicbrainzId: 'not-a-uuid' }],
    ['a disc number of 0', { tracks: [{ trackId: 'trk-1', title: 'One', durationMs: 5_000, trackNumber: 1, discNumber: 0 }] }],
    ['a blank track artist', { tracks: [{ trackId: 'trk-1', title: 'One', durationMs: 5_000, trackNumber: 1, artist: ' ' }] }],
    ['a cover outside the media store', { cover: { key: '../../etc/passwd', mimeType: 'image/jpeg', bytes: 1, checksum: sha('c'), width: 1, height: 1 } }],
    ['a cover that is not an image', { cover: { key: 'covers/a/b.jpg', mimeType: 'text/html', bytes: 1, checksum: sha('c'), width: 1, height: 1 } }],
    ['a market that is not a country code', { tracks: [{ trackId: 'trk-1', title: 'One', durationMs: 5_000, trackNumber: 1, markets: ['se'] }] }],
  ] satisfies [string, Partial<ReviseAlbum>][])('a scanned album with %s is rejected with VALIDATION_FAILED', (_what, over) => {
    given(catalogDecider, [artistAdded]).when(scanned(over)).thenRejects('VALIDATION_FAILED');
  });
});

describe('catalog decider: ingested audio', () => {
  it('audio with renditions, HLS playlists, loudness and its library file records all of it', () => {
    const state = given(catalogDecider, [artistAdded, released]).when(ingested()).then([attached()]);
    expect(trackState(state, 'trk-1')?.media?.renditions).toHaveLength(2);
  });

  it('the same ingest again records nothing; a touched file (new modification time) records the new source', () => {
    given(catalogDecider, [artistAdded, released, attached()]).when(ingested({ at: '2025-01-01T00:00:00Z' })).then([]);
    const touched = ingested({ source: { path: '/music/Band/Album/01 One.flac', bytes: 9_100, modifiedAt: '2025-01-01T00:00:00.000Z' } });
    given(catalogDecider, [artistAdded, released, attached()]).when(touched).then([attached(touched)]);
  });

  it('audio attached to a track whose file was missing makes it available again', () => {
    const state = given(catalogDecider, [artistAdded, released, attached(), missing])
      .when(ingested())
      .then([{ type: 'TrackAvailabilityChanged', data: { ...missing.data, available: true, reason: 'source-restored' } }]);
    expect(trackState(state, 'trk-1')?.unavailable).toBeUndefined();
  });

  it.each([
    ['a rendition file that climbs out of the track folder', { renditions: [rendition('low', { file: 'abc/../../x.m4a' })] }],
    ['a rendition file with an absolute path', { renditions: [rendition('low', { file: '/etc/passwd' })] }],
    ['a rendition of an unknown quality', { renditions: [rendition('low', { quality: 'ultra' as 'low' })] }],
    ['a rendition without a checksum', { renditions: [rendition('low', { checksum: 'md5:1' })] }],
    ['a rendition of zero length', { renditions: [rendition('low', { durationMs: 0 })] }],
    ['loudness that is not finite', { loudness: { integratedLufs: Number.NEGATIVE_INFINITY, truePeakDbtp: 0, loudnessRangeLu: 0 } }],
    ['a source path with a NUL', { source: { path: '/music/a\0b.flac', bytes: 1, modifiedAt: at } }],
    ['an HLS master outside the folder', { hls: { master: '../master.m3u8', masterLow: 'a/hls/master-low.m3u8' } }],
    ['an original checksum that is not sha256', { audio: { uri: 'media:x/y', mimeType: 'audio/flac', checksum: 'abc' } }],
  ] satisfies [string, Partial<AttachTrackAudio>][])('audio with %s is rejected with VALIDATION_FAILED', (_what, over) => {
    given(catalogDecider, [artistAdded, released]).when(ingested(over)).thenRejects('VALIDATION_FAILED');
  });
});

describe('catalog decider: availability and markets', () => {
  const change = (over: Partial<Extract<CatalogCommand, { type: 'ChangeTrackAvailability' }>> = {}): CatalogCommand => ({
    type: 'ChangeTrackAvailability',
    artistId: 'art-1',
    trackId: 'trk-1',
    available: false,
    reason: 'source-missing',
    at,
    ...over,
  });

  it('a removed file marks the track unavailable, once', () => {
    const state = given(catalogDecider, [artistAdded, released, attached()]).when(change()).then([missing]);
    expect(trackState(state, 'trk-1')).toMatchObject({ unavailable: true });
    given(catalogDecider, [artistAdded, released, attached(), missing]).when(change()).then([]);
  });

  it('limiting a track to markets records the whole availability; the same markets again record nothing', () => {
    const limited = { ...missing.data, available: true, markets: ['NO', 'SE'], reason: 'markets-changed' as const };
    const state = given(catalogDecider, [artistAdded, released])
      .when(change({ available: undefined, markets: ['SE', 'NO', 'SE'], reason: 'markets-changed' }))
      .then([{ type: 'TrackAvailabilityChanged', data: limited }]);
    if (state.status !== 'added') throw new Error('no artist');
    expect(state.albums.get('alb-1')!.tracks[0]!.markets).toStrictEqual(['NO', 'SE']);
    given(catalogDecider, [artistAdded, released, { type: 'TrackAvailabilityChanged', data: limited }])
      .when(change({ available: undefined, markets: ['NO', 'SE'], reason: 'markets-changed' }))
      .then([]);
  });

  it('re-importing a released album with other markets records the market changes only', () => {
    const { tracks, ...album } = released.data;
    const command: CatalogCommand = {
      type: 'ReleaseAlbum',
      ...album,
      releaseDate: '2020',
      tracks: tracks.map((t) => (t.trackId === 'trk-2' ? { ...t, markets: ['SE'] } : t)),
      at,
    };
    const importedFirst: CatalogEvent = { type: 'AlbumReleased', data: { ...released.data, releaseDate: '2020' } };
    given(catalogDecider, [artistAdded, importedFirst])
      .when(command)
      .then([{ type: 'TrackAvailabilityChanged', data: { trackId: 'trk-2', albumId: 'alb-1', artistId: 'art-1', available: true, markets: ['SE'], reason: 'markets-changed', at } }]);
  });

  it('an unknown track, a bad reason or bad markets are refused', () => {
    given(catalogDecider, [artistAdded, released]).when(change({ trackId: 'trk-9' })).thenRejects('TRACK_NOT_FOUND');
    given(catalogDecider, [artistAdded, released]).when(change({ reason: 'whim' as 'source-missing' })).thenRejects('VALIDATION_FAILED');
    given(catalogDecider, [artistAdded, released]).when(change({ markets: ['Sweden'] })).thenRejects('VALIDATION_FAILED');
    given(catalogDecider, [artistAdded, released]).when(change({ markets: 'SE' as unknown as string[] })).thenRejects('VALIDATION_FAILED');
  });
});
