/**
 * Catalog reads, with tracks kept once fetched. Lists of track ids (charts, the feed, playlists)
 * become rows through `getTrack`, whose lookups made in the same moment go out together
 * (GET /v1/tracks?ids=, 50 at a time).
 */
import { api, query, seg } from './client.js';
import { rememberCovers } from './covers.js';
import { ApiError } from './http.js';
import type { Album, Artist, SearchResults, Track } from './types.js';

const tracks = new Map<string, Promise<Track>>();

export function search(q: string, signal?: AbortSignal): Promise<SearchResults> {
  return api.get<SearchResults>(`/v1/search${query({ q, type: 'track,album,artist', limit: 20 })}`, signal).then((results) => {
    for (const track of results.tracks ?? []) tracks.set(track.id, Promise.resolve(track));
    rememberCovers(results.albums ?? []);
    return results;
  });
}

const BATCH = 50;
let queued = new Map<string, { resolve(track: Track): void; reject(error: unknown): void }>();

function flush(): void {
  const batch = queued;
  queued = new Map();
  const ids = [...batch.keys()];
  for (let i = 0; i < ids.length; i += BATCH) {
    const chunk = ids.slice(i, i + BATCH);
    api.get<{ items: (Track | null)[] }>(`/v1/tracks${query({ ids: chunk.join(',') })}`).then(
      ({ items }) =>
        chunk.forEach((id, j) => {
          const track = items[j];
          if (track) batch.get(id)!.resolve(track);
          else batch.get(id)!.reject(new ApiError(404, 'TRACK_NOT_FOUND', `track ${id} does not exist`));
        }),
      (error: unknown) => chunk.forEach((id) => batch.get(id)!.reject(error)),
    );
  }
}

export function getTrack(id: string): Promise<Track> {
  let pending = tracks.get(id);
  if (!pending) {
    pending = new Promise<Track>((resolve, reject) => {
      if (queued.size === 0) queueMicrotask(flush);
      queued.set(id, { resolve, reject });
    });
    tracks.set(id, pending);
    pending.catch(() => tracks.delete(id));
  }
  return pending;
}

/** The tracks of `ids` (in order); ids that no longer resolve are left out. */
export async function getTracks(ids: readonly string[]): Promise<Track[]> {
  const settled = await Promise.allSettled(ids.map(getTrack));
  return settled.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
}

export function getAlbum(id: string, signal?: AbortSignal): Promise<Album> {
  return api.get<Album>(`/v1/albums/${seg(id)}`, signal).then((album) => {
    rememberCovers([album]);
    for (const t of album.tracks) {
      if (!tracks.has(t.id)) {
        tracks.set(t.id, Promise.resolve({ ...t, releaseDate: album.releaseDate, albumId: album.id, albumTitle: album.title, artistId: album.artistId, artistName: album.artistName }));
      }
    }
    return album;
  });
}

export function getArtist(id: string, signal?: AbortSignal): Promise<Artist> {
  return api.get<Artist>(`/v1/artists/${seg(id)}`, signal).then((artist) => {
    rememberCovers(artist.albums);
    return artist;
  });
}
