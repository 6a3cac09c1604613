/**
 * Discovery (DESIGN.md section 12): recommendations with their reasons, similar tracks, related
 * artists, genres and new releases. A server without these routes answers 404 ROUTE_NOT_FOUND:
 * `unavailable(error)` tells a screen to say so (or a home section to stay away).
 */
import { api, query, seg } from './client.js';
import { rememberCovers } from './covers.js';
import { ApiError } from './http.js';
import type { AlbumSummary, Page, Track } from './types.js';

export interface Reason {
  type: 'similar-to' | 'artist' | 'genre' | 'popular' | 'new';
  id?: string;
}

export interface Recommendation {
  trackId: string;
  score: number;
  reasons: Reason[];
}

export interface GenreSummary {
  genre: string;
  tracks: number;
  albums: number;
}

export interface GenrePage {
  genre: string;
  topTracks: (Track & { score?: number })[];
  newAlbums: AlbumSummary[];
}

export const unavailable = (error: unknown): boolean => error instanceof ApiError && (error.code === 'ROUTE_NOT_FOUND' || error.status === 503);

export const getRecommendations = (limit = 20, signal?: AbortSignal) => api.get<Page<Recommendation>>(`/v1/me/recommendations${query({ limit })}`, signal);
export const getSimilar = (trackId: string, limit = 10, signal?: AbortSignal) =>
  api.get<Page<{ trackId: string; score: number }>>(`/v1/tracks/${seg(trackId)}/similar${query({ limit })}`, signal);
export const getRelatedArtists = (artistId: string, limit = 8, signal?: AbortSignal) =>
  api.get<Page<{ artistId: string; score: number }>>(`/v1/artists/${seg(artistId)}/related${query({ limit })}`, signal);

export const getGenres = (signal?: AbortSignal) => api.get<Page<GenreSummary>>('/v1/browse/genres', signal);
export const getGenre = (genre: string, signal?: AbortSignal) =>
  api.get<GenrePage>(`/v1/browse/genres/${seg(genre)}${query({ limit: 20 })}`, signal).then((page) => {
    rememberCovers(page.newAlbums);
    return page;
  });
export const getNewReleases = (limit = 20, signal?: AbortSignal) =>
  api.get<Page<AlbumSummary>>(`/v1/browse/new-releases${query({ limit })}`, signal).then((page) => {
    rememberCovers(page.items);
    return page;
  });
