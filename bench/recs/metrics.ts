/**
 * Offline metrics of top-K lists against the held-out test period, full-catalogue ranking (every
 * model ranks every track; nothing is sampled):
 * - Recall@K: share of a listener's relevant tracks in their list (averaged over listeners);
 * - NDCG@K: binary relevance, log2 discount, ideal = min(K, relevant) hits at the top;
 * - coverage: share of the catalogue recommended to anyone;
 * - intra-list diversity (ILD): mean over pairs in a list of 1 − genre overlap (Jaccard); and
 *   distinct artists per list, over its length;
 * - popularity bias: mean popularity percentile of recommended tracks (1 = the most played)
 *   against that of the relevant tracks themselves.
 */
import type { PlantedCatalog } from './planted-catalog.js';

export const K = 10;

export interface ListMetrics {
  users: number;
  recall: number;
  ndcg: number;
  coverage: number;
  ild: number;
  artistDiversity: number;
  popularityPercentile: number;
}

export interface Truth {
  relevant: ReadonlyMap<number, ReadonlySet<number>>;
  catalog: PlantedCatalog;
  /** Train plays per track. */
  popularity: Float64Array;
}

/** Percentile of each track's popularity (0 = least played, 1 = most). */
export function popularityPercentiles(popularity: Float64Array): Float64Array {
  const order = Array.from(popularity.keys()).sort((a, b) => popularity[a]! - popularity[b]! || a - b);
  const percentile = new Float64Array(popularity.length);
  order.forEach((track, rank) => (percentile[track] = popularity.length > 1 ? rank / (popularity.length - 1) : 1));
  return percentile;
}

export function evaluateLists(lists: ReadonlyMap<number, readonly number[]>, truth: Truth, percentile: Float64Array): ListMetrics {
  let recall = 0;
  let ndcg = 0;
  let ild = 0;
  let artistDiversity = 0;
  let popularity = 0;
  let popularityItems = 0;
  const covered = new Set<number>();
  let users = 0;
  for (const [user, relevant] of truth.relevant) {
    const list = (lists.get(user) ?? []).slice(0, K);
    users += 1;
    let dcg = 0;
    let hits = 0;
    list.forEach((track, rank) => {
      covered.add(track);
      popularity += percentile[track] ?? 0;
      popularityItems += 1;
      if (relevant.has(track)) {
        hits += 1;
        dcg += 1 / Math.log2(rank + 2);
      }
    });
    let ideal = 0;
    for (let rank = 0; rank < Math.min(K, relevant.size); rank++) ideal += 1 / Math.log2(rank + 2);
    recall += hits / relevant.size;
    ndcg += ideal > 0 ? dcg / ideal : 0;
    ild += intraListDiversity(list, truth.catalog);
    artistDiversity += list.length > 0 ? new Set(list.map((t) => truth.catalog.trackArtist[t])).size / list.length : 0;
  }
  return {
    users,
    recall: recall / users,
    ndcg: ndcg / users,
    coverage: covered.size / truth.catalog.tracks,
    ild: ild / users,
    artistDiversity: artistDiversity / users,
    popularityPercentile: popularityItems > 0 ? popularity / popularityItems : 0,
  };
}

/** Mean over pairs of 1 − Jaccard of genre sets (one genre per planted track: 1 if they differ). */
export function intraListDiversity(list: readonly number[], catalog: PlantedCatalog): number {
  if (list.length < 2) return 0;
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < list.length; i++) {
    for (let j = i + 1; j < list.length; j++) {
      sum += catalog.trackGenre[list[i]!] === catalog.trackGenre[list[j]!] ? 0 : 1;
      pairs += 1;
    }
  }
  return sum / pairs;
}

/** The same percentile measure over the relevant tracks: what an unbiased list would show. */
export function relevantPopularity(truth: Truth, percentile: Float64Array): number {
  let sum = 0;
  let count = 0;
  for (const relevant of truth.relevant.values()) {
    for (const track of relevant) {
      sum += percentile[track]!;
      count += 1;
    }
  }
  return count > 0 ? sum / count : 0;
}
