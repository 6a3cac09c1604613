/** Events of a `catalog-<artistId>` stream: an artist and everything they released. */
import type { DomainEvent } from '../shared/decider.js';

export interface CatalogTrack {
  trackId: string;
  title: string;
  durationMs: number;
  trackNumber: number;
  genres: string[];
}

export interface TrackAudio {
  /** Where the audio lives (a storage key or URL the streaming gateway understands). */
  uri: string;
  mimeType: string;
  bytes?: number;
}

export type ArtistAdded = DomainEvent<'ArtistAdded', { artistId: string; name: string; genres: string[]; addedAt: string }>;
export type AlbumReleased = DomainEvent<
  'AlbumReleased',
  { albumId: string; artistId: string; title: string; releaseDate: string; genres: string[]; tracks: CatalogTrack[] }
>;
export type TrackAudioAttached = DomainEvent<'TrackAudioAttached', { trackId: string; albumId: string; artistId: string; audio: TrackAudio; at: string }>;

export type CatalogEvent = ArtistAdded | AlbumReleased | TrackAudioAttached;

export const catalogStream = (artistId: string) => `catalog-${artistId}`;
