/**
 * What a listener leans to beyond single tracks: artists and genres, from their plays (weighted
 * like seeds: frequent and recent count more), their likes and the artists they follow. Shares
 * sum to 1 over the kept entries, best first.
 */
import type { RecsModel } from '../../projections/recommendations/model.js';
import type { UserProfile } from '../../projections/recommendations/profiles.js';
import { SEED_DEFAULTS, seedWeight, type SeedConfig } from './seeds.js';

export interface Affinity {
  id: number;
  share: number;
}

/** A followed artist counts as much as a track played this often, today. */
const FOLLOW_WEIGHT = 3;

export interface Affinities {
  artists: Affinity[];
  genres: Affinity[];
}

export function affinitiesOf(model: RecsModel, profile: UserProfile, nowMs: number, keep: number, config: SeedConfig = SEED_DEFAULTS): Affinities {
  const artists = new Map<number, number>();
  const genres = new Map<number, number>();
  const bump = (map: Map<number, number>, id: number, by: number) => map.set(id, (map.get(id) ?? 0) + by);
  profile.forEachTrack((track, plays, skips, lastAtMs) => {
    const weight = seedWeight(plays, skips, profile.likes.has(track), nowMs - lastAtMs, config);
    if (weight <= 0) return;
    const info = model.catalog.track(track);
    if (!info) return;
    bump(artists, info.artist, weight);
    for (const genre of info.genres) bump(genres, genre, weight / info.genres.length);
  });
  for (const artist of profile.followedArtists) {
    bump(artists, artist, FOLLOW_WEIGHT);
    const artistGenres = model.catalog.genresOfArtist(artist);
    for (const genre of artistGenres) bump(genres, genre, FOLLOW_WEIGHT / artistGenres.length);
  }
  return { artists: shares(artists, keep), genres: shares(genres, keep) };
}

/** The `keep` largest, as shares of their sum, best first (ties by id). */
export function shares(weights: ReadonlyMap<number, number>, keep: number): Affinity[] {
  const top = [...weights].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, keep);
  const total = top.reduce((sum, [, w]) => sum + w, 0);
  return total > 0 ? top.map(([id, w]) => ({ id, share: w / total })) : [];
}
