import { describe, expect, it } from 'vitest';
import { fold } from '../shared/decider.js';
import { attempt, given, isProgrammingError, thrownBy } from '../shared/given-when-then.js';
import { MAX_TRACK_MS, catalogDecider, type CatalogCommand } from './decider.js';
import type { CatalogEvent, TrackAudio } from './events.js';
import {
  type AddArtist,
  type ReleaseAlbum,
  type AttachTrackAudio,
  at,
  later,
  addArtist,
  artistAdded,
  track,
  release,
  albumReleased,
  mp3,
  attach,
  audioAttached,
  addedState,
} from './decider.fixtures.js';

describe('catalog decider: adding an artist', () => {
  it('adding an artist records ArtistAdded with the trimmed name and lower-cased, de-duplicated, sorted genres', () => {
    const state = given(catalogDecider)
      .when(addArtist({ name: '  The Band ', genres: ['Rock', ' indie ', 'ROCK'], at: '2024-05-01T14:00:00+02:00' }))
      .then([artistAdded]);
    expect(state).toStrictEqual({ status: 'added', artistId: 'art-1', name: 'The Band', genres: ['indie', 'rock'], albums: new Map(), tracks: new Map() });
  });

  it('an artist without genres gets an empty list', () => {
    given(catalogDecider)
      .when(addArtist({ genres: undefined }))
      .then([{ type: 'ArtistAdded', data: { artistId: 'art-1', name: 'The Band', genres: [], addedAt: at } }]);
  });

  it('adding the same artist again (same name and genres, at another time) records nothing', () => {
    given(catalogDecider, [artistAdded])
      .when(addArtist({ name: 'The Band ', genres: ['ROCK', 'indie'], at: later }))
      .then([]);
  });

  it('adding the same artist id with another name is rejected with CATALOG_CONFLICT', () => {
    given(catalogDecider, [artistAdded]).when(addArtist({ name: 'The Other Band' })).thenRejects('CATALOG_CONFLICT');
  });

  it('adding the same artist id with other genres is rejected with CATALOG_CONFLICT', () => {
    given(catalogDecider, [artistAdded])
      .when(addArtist({ genres: ['rock'] }))
      .thenRejects('CATALOG_CONFLICT');
  });

  it.each([
    ['a bad artistId', { artistId: 'art 1' }],
    ['an empty artistId', { artistId: '' }],
    ['an empty name', { name: '' }],
    ['a blank name', { name: ' \t ' }],
    ['a name over 200 characters', { name: 'n'.repeat(201) }],
    ['more than 20 genres', { genres: Array.from({ length: 21 }, (_, i) => `g${i}`) }],
    ['an empty genre', { genres: ['rock', ' '] }],
    ['a genre over 50 characters', { genres: ['g'.repeat(51)] }],
    ['a time that is not a time', { at: 'today' }],
  ] satisfies [string, Partial<AddArtist>][])('an artist with %s is rejected with VALIDATION_FAILED', (_what, over) => {
    given(catalogDecider).when(addArtist(over)).thenRejects('VALIDATION_FAILED');
  });

  it('a name of 200 characters, 20 genres and a genre of 50 characters are accepted', () => {
    const genres = [...Array.from({ length: 19 }, (_, i) => `g${i}`), 'g'.repeat(50)];
    given(catalogDecider)
      .when(addArtist({ name: 'n'.repeat(200), genres }))
      .then([{ type: 'ArtistAdded', data: { artistId: 'art-1', name: 'n'.repeat(200), genres: [...genres].sort(), addedAt: at } }]);
  });

  it('genres are a set: the same genres in another order are the same artist', () => {
    given(catalogDecider, [artistAdded]).when(addArtist({ genres: ['rock', 'indie'] })).then([]);
  });

  it('an album read back with its keys in another order (as jsonb stores them) is still the same album', () => {
    const event = catalogDecider.decide(release(), fold(catalogDecider, [artistAdded]))[0]!;
    const reordered = JSON.parse(JSON.stringify(event, (_k, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v)) as typeof event;
    given(catalogDecider, [artistAdded, reordered]).when(release()).then([]);
  });

  it('a command type the decider does not know is a programming error, not a DomainError', () => {
    const forged = { type: 'RemoveArtist', artistId: 'art-1' } as unknown as CatalogCommand;
    expect(thrownBy(() => catalogDecider.decide(forged, fold(catalogDecider, [artistAdded])))).toSatisfy(isProgrammingError);
  });
});

describe('catalog decider: releasing an album', () => {
  it('releasing an album records AlbumReleased and its tracks join the catalog', () => {
    const state = given(catalogDecider, [artistAdded]).when(release()).then([albumReleased]);
    const catalog = addedState(state);
    expect(catalog.albums).toStrictEqual(new Map([['alb-1', albumReleased.data]]));
    expect(catalog.tracks).toStrictEqual(
      new Map([
        ['trk-1', { albumId: 'alb-1' }],
        ['trk-2', { albumId: 'alb-1' }],
      ]),
    );
  });

  it('tracks are recorded in track-number order, with trimmed titles and normalised genres', () => {
    given(catalogDecider, [artistAdded])
      .when(
        release({
          title: ' First ',
          genres: ['Pop', 'pop'],
          tracks: [track(2, { title: ' Song 2 ', genres: ['Jazz'] }), track(1)],
        }),
      )
      .then([
        {
          type: 'AlbumReleased',
          data: {
            ...albumReleased.data,
            genres: ['pop'],
            tracks: [albumReleased.data.tracks[0]!, { ...albumReleased.data.tracks[1]!, genres: ['jazz'] }],
          },
        },
      ]);
  });

  it('releasing an album of an artist not in the catalog is rejected with ARTIST_NOT_FOUND', () => {
    given(catalogDecider).when(release()).thenRejects('ARTIST_NOT_FOUND');
  });

  it('an unknown artist is rejected before the album is validated', () => {
    given(catalogDecider).when(release({ tracks: [] })).thenRejects('ARTIST_NOT_FOUND');
  });

  it('a bad artistId is rejected with VALIDATION_FAILED before the artist is looked up', () => {
    given(catalogDecider).when(release({ artistId: '' })).thenRejects('VALIDATION_FAILED');
  });

  it('importing the identical album again records nothing', () => {
    given(catalogDecider, [artistAdded, albumReleased]).when(release()).then([]);
  });

  it('importing the same album with its tracks listed in another order records nothing', () => {
    given(catalogDecider, [artistAdded, albumReleased])
      .when(release({ tracks: [track(2), track(1)] }))
      .then([]);
  });

  it.each([
    ['another title', { title: 'Second' }],
    ['another release date', { releaseDate: '2024' }],
    ['other genres', { genres: ['rock'] }],
    ['a track more', { tracks: [track(1), track(2), track(3)] }],
    ['a track of another length', { tracks: [track(1), track(2, { durationMs: 1 })] }],
  ] satisfies [string, Partial<ReleaseAlbum>][])('the same album id with %s is rejected with CATALOG_CONFLICT', (_what, over) => {
    given(catalogDecider, [artistAdded, albumReleased]).when(release(over)).thenRejects('CATALOG_CONFLICT');
  });

  it('a new album with a track that already belongs to another album is rejected with CATALOG_CONFLICT', () => {
    given(catalogDecider, [artistAdded, albumReleased])
      .when(release({ albumId: 'alb-2', tracks: [track(3), track(1, { trackNumber: 2 })] }))
      .thenRejects('CATALOG_CONFLICT');
  });

  it('a second album with new tracks is recorded next to the first', () => {
    const state = given(catalogDecider, [artistAdded, albumReleased])
      .when(release({ albumId: 'alb-2', title: 'Second', tracks: [track(3, { trackNumber: 1 })] }))
      .then([
        {
          type: 'AlbumReleased',
          data: {
            albumId: 'alb-2',
            artistId: 'art-1',
            title: 'Second',
            releaseDate: '2024-05-01',
            genres: [],
            tracks: [{ trackId: 'trk-3', title: 'Song 3', durationMs: 180_003, trackNumber: 1, genres: [] }],
          },
        },
      ]);
    expect([...addedState(state).albums.keys()]).toStrictEqual(['alb-1', 'alb-2']);
    expect(addedState(state).tracks.get('trk-3')).toStrictEqual({ albumId: 'alb-2' });
  });

  it.each(['2024', '2024-05', '2024-05-01', '1999-12-31', '2024-02-29'])('a release date of %s is accepted', (releaseDate) => {
    given(catalogDecider, [artistAdded])
      .when(release({ releaseDate }))
      .then([{ type: 'AlbumReleased', data: { ...albumReleased.data, releaseDate } }]);
  });

  it.each(['', '24', '2024-5', '2024-5-1', '2024-13', '2024-00', '2024-05-00', '2024-05-32', '2024/05/01', '2024-05-01T00:00:00Z', ' 2024'])(
    'a release date of %j is rejected with VALIDATION_FAILED',
    (releaseDate) => {
      given(catalogDecider, [artistAdded]).when(release({ releaseDate })).thenRejects('VALIDATION_FAILED');
    },
  );

  it.each([
    ['a bad albumId', { albumId: 'alb 1' }],
    ['an empty title', { title: '  ' }],
    ['a title over 200 characters', { title: 't'.repeat(201) }],
    ['no tracks', { tracks: [] }],
    ['more than 500 tracks', { tracks: Array.from({ length: 501 }, (_, i) => track(i + 1)) }],
    ['more than 20 genres', { genres: Array.from({ length: 21 }, (_, i) => `g${i}`) }],
    ['a track id that appears twice', { tracks: [track(1), track(2, { trackId: 'trk-1' })] }],
    ['a track number used twice', { tracks: [track(1), track(2, { trackNumber: 1 })] }],
    ['a bad track id', { tracks: [track(1, { trackId: '#1' })] }],
    ['a track number of 0', { tracks: [track(1, { trackNumber: 0 })] }],
    ['a negative track number', { tracks: [track(1, { trackNumber: -1 })] }],
    ['a fractional track number', { tracks: [track(1, { trackNumber: 1.5 })] }],
    ['a duration of 0', { tracks: [track(1, { durationMs: 0 })] }],
    ['a negative duration', { tracks: [track(1, { durationMs: -1_000 })] }],
    ['a fractional duration', { tracks: [track(1, { durationMs: 1_000.5 })] }],
    ['a duration of NaN', { tracks: [track(1, { durationMs: Number.NaN })] }],
    ['a duration over 24 hours', { tracks: [track(1, { durationMs: MAX_TRACK_MS + 1 })] }],
    ['an empty track title', { tracks: [track(1, { title: '' })] }],
    ['a track title over 200 characters', { tracks: [track(1, { title: 't'.repeat(201) })] }],
    ['a track with an empty genre', { tracks: [track(1, { genres: [''] })] }],
  ] satisfies [string, Partial<ReleaseAlbum>][])('an album with %s is rejected with VALIDATION_FAILED', (_what, over) => {
    given(catalogDecider, [artistAdded]).when(release(over)).thenRejects('VALIDATION_FAILED');
  });

  it('an album with a bad albumId is rejected even when an album of the same content exists', () => {
    given(catalogDecider, [artistAdded, albumReleased])
      .when(release({ albumId: '' }))
      .thenRejects('VALIDATION_FAILED');
  });

  it('durations of 1 ms and of exactly 24 hours, 500 tracks, and track numbers with gaps are accepted', () => {
    const tracks = Array.from({ length: 500 }, (_, i) => track(i + 1, { trackNumber: (i + 1) * 2 }));
    tracks[0] = track(1, { trackNumber: 2, durationMs: 1 });
    tracks[499] = track(500, { trackNumber: 1_000, durationMs: MAX_TRACK_MS });
    const outcome = attempt(catalogDecider, release({ tracks }), fold(catalogDecider, [artistAdded]));
    expect('events' in outcome && outcome.events.map((e) => e.type)).toStrictEqual(['AlbumReleased']);
  });
});

describe('catalog decider: attaching audio', () => {
  it('attaching audio to a track records TrackAudioAttached with its album, and the track keeps the audio', () => {
    const state = given(catalogDecider, [artistAdded, albumReleased]).when(attach()).then([audioAttached()]);
    expect(addedState(state).tracks.get('trk-1')).toStrictEqual({ albumId: 'alb-1', audio: mp3 });
    expect(addedState(state).tracks.get('trk-2')).toStrictEqual({ albumId: 'alb-1' });
  });

  it('audio without a size is recorded without bytes', () => {
    const audio = { uri: 'file:a.flac', mimeType: 'audio/flac' };
    given(catalogDecider, [artistAdded, albumReleased])
      .when(attach({ audio }))
      .then([audioAttached(audio)]);
  });

  it('only the known fields of the audio are recorded', () => {
    const audio = { ...mp3, volume: 11 } as TrackAudio;
    given(catalogDecider, [artistAdded, albumReleased])
      .when(attach({ audio }))
      .then([audioAttached(mp3)]);
  });

  it('attaching the same audio again records nothing', () => {
    given(catalogDecider, [artistAdded, albumReleased, audioAttached()])
      .when(attach({ at: '2025-01-01T00:00:00.000Z' }))
      .then([]);
  });

  it('attaching other audio replaces it', () => {
    const ogg = { uri: 's3://audio/trk-1.ogg', mimeType: 'audio/ogg' };
    const state = given(catalogDecider, [artistAdded, albumReleased, audioAttached()])
      .when(attach({ audio: ogg }))
      .then([audioAttached(ogg)]);
    expect(addedState(state).tracks.get('trk-1')).toStrictEqual({ albumId: 'alb-1', audio: ogg });
  });

  it('learning the size of audio already attached records it again', () => {
    const withoutBytes = { uri: mp3.uri, mimeType: mp3.mimeType };
    given(catalogDecider, [artistAdded, albumReleased, audioAttached(withoutBytes)])
      .when(attach())
      .then([audioAttached()]);
  });

  it('attaching audio in a catalog with no artist is rejected with ARTIST_NOT_FOUND', () => {
    given(catalogDecider).when(attach()).thenRejects('ARTIST_NOT_FOUND');
  });

  it('attaching audio to a track not in the artist’s catalog is rejected with TRACK_NOT_FOUND', () => {
    given(catalogDecider, [artistAdded, albumReleased])
      .when(attach({ trackId: 'trk-9' }))
      .thenRejects('TRACK_NOT_FOUND');
  });

  it('an unknown track is rejected before bad audio', () => {
    given(catalogDecider, [artistAdded, albumReleased])
      .when(attach({ trackId: 'trk-9', audio: { uri: '', mimeType: 'text/plain' } }))
      .thenRejects('TRACK_NOT_FOUND');
  });

  it.each([
    ['a bad artistId', { artistId: 'art/1' }],
    ['a bad trackId', { trackId: 'trk 1' }],
    ['no audio', { audio: undefined as unknown as TrackAudio }],
    ['an empty uri', { audio: { ...mp3, uri: '' } }],
    ['a uri over 2000 characters', { audio: { ...mp3, uri: `s3://${'x'.repeat(1_996)}` } }],
    ['a video mime type', { audio: { ...mp3, mimeType: 'video/mp4' } }],
    ['a mime type with no subtype', { audio: { ...mp3, mimeType: 'audio/' } }],
    ['an upper-case mime type', { audio: { ...mp3, mimeType: 'Audio/MPEG' } }],
    ['a negative size', { audio: { ...mp3, bytes: -1 } }],
    ['a fractional size', { audio: { ...mp3, bytes: 1.5 } }],
    ['a time that is not a time', { at: 'later' }],
  ] satisfies [string, Partial<AttachTrackAudio>][])('audio with %s is rejected with VALIDATION_FAILED', (_what, over) => {
    given(catalogDecider, [artistAdded, albumReleased]).when(attach(over)).thenRejects('VALIDATION_FAILED');
  });

  it('a uri of exactly 2000 characters, a size of 0 and mime types like audio/mp4a-latm or audio/x-flac are accepted', () => {
    const state = fold(catalogDecider, [artistAdded, albumReleased]);
    for (const audio of [
      { uri: `s3://${'x'.repeat(1_995)}`, mimeType: 'audio/mpeg' },
      { uri: 'u', mimeType: 'audio/mp4a-latm', bytes: 0 },
      { uri: 'u', mimeType: 'audio/x-flac' },
      { uri: 'u', mimeType: 'audio/vnd.wave+xml' },
    ]) {
      expect(attempt(catalogDecider, attach({ audio }), state)).toStrictEqual({ events: [audioAttached(audio)] });
    }
  });
});

describe('catalog decider: evolve', () => {
  it('an event type evolve does not know is a programming error', () => {
    const forged = { type: 'ArtistRenamed', data: { artistId: 'art-1' } } as unknown as CatalogEvent;
    expect(thrownBy(() => catalogDecider.evolve(fold(catalogDecider, [artistAdded]), forged))).toSatisfy(isProgrammingError);
  });

  it('albums and audio before the artist is added are ignored', () => {
    expect(fold(catalogDecider, [albumReleased, audioAttached()])).toStrictEqual({ status: 'none' });
  });

  it('evolve does not mutate the state it is given', () => {
    const before = fold(catalogDecider, [artistAdded, albumReleased]);
    catalogDecider.evolve(before, audioAttached());
    catalogDecider.evolve(before, { ...albumReleased, data: { ...albumReleased.data, albumId: 'alb-2', tracks: [] } });
    expect(addedState(before).tracks.get('trk-1')).toStrictEqual({ albumId: 'alb-1' });
    expect([...addedState(before).albums.keys()]).toStrictEqual(['alb-1']);
  });
});
