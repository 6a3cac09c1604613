/** Songs, albums and artists with what the user added to them (stars, plays) and their cover art. */
import { playCounts } from '../../projections/cache/play-counts.js';
import { albumsWithCover, type ListedAlbum, type ListedArtist } from '../../projections/sql/catalog-browse.js';
import type { Track } from '../../projections/sql/catalog-queries.js';
import { starredAmong } from '../../projections/sql/follows.js';
import type { SubsonicDeps } from '../context.js';
import type { Payload } from '../envelope.js';
import { album, artist, song } from '../mapping.js';

/** When the user starred each of `ids`, in lookups of at most 1,000 ids. */
async function starredIn(deps: SubsonicDeps, userId: string, kind: 'tracks' | 'albums' | 'artists', ids: readonly string[]): Promise<ReadonlyMap<string, string>> {
  const unique = [...new Set(ids)];
  const found = new Map<string, string>();
  for (let i = 0; i < unique.length; i += 1_000) {
    for (const [id, at] of await starredAmong(deps.sql, userId, kind, unique.slice(i, i + 1_000))) found.set(id, at);
  }
  return found;
}

/** `covers`: the albums of `tracks` that have cover art, when the caller knows them already. */
export async function songsFor(deps: SubsonicDeps, userId: string, tracks: readonly Track[], knownCovers?: ReadonlySet<string>): Promise<Payload[]> {
  if (tracks.length === 0) return [];
  const ids = tracks.map((t) => t.id);
  const [starred, covers, counts] = await Promise.all([
    starredIn(deps, userId, 'tracks', ids),
    knownCovers ?? albumsWithCover(deps.sql, tracks.map((t) => t.albumId)),
    playCounts(deps.cache, deps.projections.cacheKeys('play-counts'), ids).catch(() => ids.map(() => 0)),
  ]);
  const plays = new Map(ids.map((id, i) => [id, counts[i] ?? 0]));
  return tracks.map((t) => song(t, { starred, covers, plays }));
}

/** The albums of `tracks` that have cover art (for songsFor). */
export function coversOf(deps: SubsonicDeps, tracks: readonly Track[]): Promise<ReadonlySet<string>> {
  return albumsWithCover(deps.sql, tracks.map((t) => t.albumId));
}

/** Albums with when the user starred them (answers kept per user only: catalog lists show no stars). */
export async function albumsFor(deps: SubsonicDeps, userId: string, albums: readonly ListedAlbum[]): Promise<Payload[]> {
  if (albums.length === 0) return [];
  const starred = await starredIn(deps, userId, 'albums', albums.map((a) => a.id));
  return albums.map((a) => album(a, { starred: starred.get(a.id) }));
}

export async function artistsFor(deps: SubsonicDeps, userId: string, artists: readonly ListedArtist[]): Promise<Payload[]> {
  if (artists.length === 0) return [];
  const starred = await starredIn(deps, userId, 'artists', artists.map((a) => a.id));
  return artists.map((a) => artist(a, starred.get(a.id)));
}
