/** The shapes of the API answers the client reads (README's route table). */
export interface Track {
  id: string;
  title: string;
  durationMs: number;
  trackNumber: number;
  genres: string[];
  releaseDate: string;
  albumId: string;
  albumTitle: string;
  artistId: string;
  artistName: string;
  /** It has audio that GET /v1/tracks/:id/stream serves (servers before streaming: absent). */
  playable?: boolean;
  qualities?: Quality[];
  /** The recorded loudness (EBU R128), for normalisation. */
  loudness?: { integratedLufs: number; truePeakDbtp: number; loudnessRangeLu: number };
}

export type Quality = 'low' | 'high' | 'lossless';

export interface StreamOffer {
  trackId: string;
  quality: Quality;
  /** The progressive file (AAC in MP4, or the lossless original). */
  url: string;
  /** The HLS master playlist. */
  hls: string;
  bitrate: number;
  codec: string;
  mimeType?: string;
  durationMs: number;
  expiresAt: string;
}

export interface AlbumSummary {
  id: string;
  title: string;
  artistId: string;
  artistName: string;
  releaseDate: string;
  genres: string[];
  trackCount: number;
  /** The cover art, when the album has one (no token needed). */
  coverUrl?: string;
}

export interface Album extends AlbumSummary {
  tracks: { id: string; title: string; durationMs: number; trackNumber: number; genres: string[]; playable?: boolean }[];
}

export interface ArtistSummary {
  id: string;
  name: string;
  genres: string[];
}

export interface Artist extends ArtistSummary {
  albums: AlbumSummary[];
}

export interface SearchResults {
  tracks?: Track[];
  albums?: AlbumSummary[];
  artists?: ArtistSummary[];
}

export interface Page<T> {
  items: T[];
  total?: number;
}

export interface Me {
  userId: string;
  displayName: string;
  plan?: 'free' | 'premium' | string;
  followers?: number;
  following?: number;
}

export interface FollowUser {
  userId: string;
  displayName?: string;
  followedAt: string;
}

export interface Activity {
  userId: string;
  displayName?: string;
  trackId: string;
  playedAt: string;
}

export interface ChartEntry {
  trackId: string;
  plays: number;
}

export interface RecentPlay {
  trackId: string;
  playedAt: string;
  msPlayed: number;
}

export type Role = 'owner' | 'editor' | 'viewer';

export interface PlaylistSummary {
  id: string;
  name: string;
  ownerId: string;
  description: string;
  public: boolean;
  collaborative: boolean;
  role: Role;
}

export interface Playlist {
  id: string;
  ownerId: string;
  name: string;
  description: string;
  public: boolean;
  collaborative: boolean;
  collaborators: { userId: string; role: Exclude<Role, 'owner'> }[];
  items: { entryId: string; trackId: string; addedBy: string; addedAt: string }[];
}
