/** Commands, events and states the catalog decider's tests share (decider.test.ts, decider.properties.test.ts). */
import type { CatalogCommand, CatalogState, TrackInput } from './decider.js';
import type { AlbumReleased, ArtistAdded, TrackAudio, TrackAudioAttached } from './events.js';

export type AddArtist = Extract<CatalogCommand, { type: 'AddArtist' }>;
export type ReleaseAlbum = Extract<CatalogCommand, { type: 'ReleaseAlbum' }>;
export type AttachTrackAudio = Extract<CatalogCommand, { type: 'AttachTrackAudio' }>;

export const at = '2024-05-01T12:00:00.000Z';
export const later = '2024-06-01T09:00:00.000Z';

export const addArtist = (over: Partial<AddArtist> = {}): AddArtist => ({ type: 'AddArtist', artistId: 'art-1', name: 'The Band', genres: ['Rock', 'Indie'], at, ...over });
export const artistAdded: ArtistAdded = { type: 'ArtistAdded', data: { artistId: 'art-1', name: 'The Band', genres: ['indie', 'rock'], addedAt: at } };

export const track = (n: number, over: Partial<TrackInput> = {}): TrackInput => ({ trackId: `trk-${n}`, title: `Song ${n}`, durationMs: 180_000 + n, trackNumber: n, ...over });
export const release = (over: Partial<ReleaseAlbum> = {}): ReleaseAlbum => ({
  type: 'ReleaseAlbum',
  artistId: 'art-1',
  albumId: 'alb-1',
  title: 'First',
  releaseDate: '2024-05-01',
  tracks: [track(1), track(2)],
  ...over,
});
export const albumReleased: AlbumReleased = {
  type: 'AlbumReleased',
  data: {
    albumId: 'alb-1',
    artistId: 'art-1',
    title: 'First',
    releaseDate: '2024-05-01',
    genres: [],
    tracks: [
      { trackId: 'trk-1', title: 'Song 1', durationMs: 180_001, trackNumber: 1, genres: [] },
      { trackId: 'trk-2', title: 'Song 2', durationMs: 180_002, trackNumber: 2, genres: [] },
    ],
  },
};

export const mp3: TrackAudio = { uri: 's3://audio/trk-1.mp3', mimeType: 'audio/mpeg', bytes: 4_000_000 };
export const attach = (over: Partial<AttachTrackAudio> = {}): AttachTrackAudio => ({ type: 'AttachTrackAudio', artistId: 'art-1', trackId: 'trk-1', audio: mp3, at: later, ...over });
export const audioAttached = (audio: TrackAudio = mp3, trackId = 'trk-1'): TrackAudioAttached => ({
  type: 'TrackAudioAttached',
  data: { trackId, albumId: 'alb-1', artistId: 'art-1', audio, at: later },
});

export const addedState = (state: CatalogState) => {
  if (state.status !== 'added') throw new Error(`expected an added artist, got ${state.status}`);
  return state;
};
