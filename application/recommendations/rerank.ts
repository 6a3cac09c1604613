/**
 * Diversity re-ranking of a relevance-ordered list, two ways:
 * - `artist-cap`: at most `maxPerArtist` tracks of one artist in each run of `limit` picks; the
 *   others wait for a later page (or the end, if nothing else is left);
 * - `mmr` (maximal marginal relevance, Carbonell & Goldstein 1998): pick greedily the candidate
 *   with the best λ·relevance − (1−λ)·(its greatest similarity to what was picked), where
 *   relevance is the score over the best score, and similarity of two tracks is 1 for the same
 *   artist, else the share of genres they have in common, halved.
 * The bench reports relevance and intra-list diversity of both (and of neither).
 */
import type { CatalogIndex } from '../../projections/recommendations/catalog-index.js';
import type { Candidate } from './candidates.js';

export type Diversity = { kind: 'none' } | { kind: 'artist-cap'; maxPerArtist: number } | { kind: 'mmr'; lambda: number };

export const DIVERSITY_DEFAULT: Diversity = { kind: 'mmr', lambda: 0.85 };

/** Similarity of two tracks for diversity: same artist 1, else half their genre overlap (Jaccard). */
export function trackLikeness(catalog: CatalogIndex, a: number, b: number): number {
  const x = catalog.track(a);
  const y = catalog.track(b);
  if (!x || !y) return 0;
  if (x.artist === y.artist) return 1;
  return 0.5 * jaccard(x.genres, y.genres);
}

export function jaccard(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 && b.length === 0) return 0;
  let shared = 0;
  for (const g of a) if (b.includes(g)) shared += 1;
  return shared / (a.length + b.length - shared);
}

/** How many of the best candidates `rerank` may look at for `limit` picks (undefined: all of them). */
export function rerankDepth(limit: number, diversity: Diversity): number | undefined {
  switch (diversity.kind) {
    case 'none':
      return limit;
    case 'mmr':
      return mmrPoolSize(limit);
    case 'artist-cap':
      return undefined; // held candidates may come from anywhere in the list
  }
}

const mmrPoolSize = (limit: number) => Math.max(limit * 5, limit);

/** Re-orders `ranked` (best first) and returns the first `limit`. */
export function rerank(ranked: readonly Candidate[], limit: number, diversity: Diversity, catalog: CatalogIndex): Candidate[] {
  switch (diversity.kind) {
    case 'none':
      return ranked.slice(0, limit);
    case 'artist-cap':
      return capPerArtist(ranked, limit, diversity.maxPerArtist, catalog);
    case 'mmr':
      return mmr(ranked, limit, diversity.lambda, catalog);
    default: {
      const never: never = diversity;
      throw new Error(`unknown diversity ${JSON.stringify(never)}`);
    }
  }
}

function capPerArtist(ranked: readonly Candidate[], limit: number, maxPerArtist: number, catalog: CatalogIndex): Candidate[] {
  const picked: Candidate[] = [];
  const held: Candidate[] = [];
  const perArtist = new Map<number, number>();
  for (const candidate of ranked) {
    if (picked.length >= limit) break;
    const artist = catalog.artistOf(candidate.track);
    const count = artist === undefined ? 0 : (perArtist.get(artist) ?? 0);
    if (count >= maxPerArtist) {
      held.push(candidate);
      continue;
    }
    if (artist !== undefined) perArtist.set(artist, count + 1);
    picked.push(candidate);
  }
  // Not enough variety to fill the list: the held ones come after, in order.
  for (const candidate of held) {
    if (picked.length >= limit) break;
    picked.push(candidate);
  }
  return picked;
}

/** MMR over the best `5 × limit` candidates (beyond them relevance is too low to matter). */
function mmr(ranked: readonly Candidate[], limit: number, lambda: number, catalog: CatalogIndex): Candidate[] {
  const pool = ranked.slice(0, mmrPoolSize(limit));
  const best = pool[0]?.score ?? 0;
  if (best <= 0) return pool.slice(0, limit);
  const maxLikeness = new Float64Array(pool.length);
  const taken = new Uint8Array(pool.length);
  const picked: Candidate[] = [];
  while (picked.length < limit && picked.length < pool.length) {
    let choice = -1;
    let choiceValue = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < pool.length; i++) {
      if (taken[i]) continue;
      const value = (lambda * pool[i]!.score) / best - (1 - lambda) * maxLikeness[i]!;
      if (value > choiceValue) {
        choiceValue = value;
        choice = i;
      }
    }
    taken[choice] = 1;
    const chosen = pool[choice]!;
    picked.push(chosen);
    for (let i = 0; i < pool.length; i++) {
      if (!taken[i]) maxLikeness[i] = Math.max(maxLikeness[i]!, trackLikeness(catalog, chosen.track, pool[i]!.track));
    }
  }
  return picked;
}
