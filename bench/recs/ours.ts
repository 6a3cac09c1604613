/**
 * Our recommenders on the evaluation split: "for you" at the split time, excluding everything the
 * listener touched before it (the same rule the baselines and the peer follow), in variants of
 * normalisation and diversity re-ranking.
 */
import type { Diversity } from '../../application/recommendations/rerank.js';
import { RECOMMEND_DEFAULTS, Recommender, type RecommendConfig } from '../../application/recommendations/recommend.js';
import type { Normalisation } from '../../projections/recommendations/co-occurrence.js';
import type { Dataset } from './dataset.js';
import { K } from './metrics.js';
import { userId } from './planted-catalog.js';

export interface Variant {
  name: string;
  normalisation: Normalisation;
  diversity: Diversity;
  /** Blend of artist, genre, new-release and popular candidates (false: item-kNN alone). */
  blend: boolean;
}

/** The planted index of a model track id (`t123` -> 123). */
export const plantedIndex = (name: string): number => Number(name.slice(1));

export function recommenderFor(dataset: Dataset, variant: Variant): Recommender {
  const config: RecommendConfig = {
    ...RECOMMEND_DEFAULTS,
    exclude: 'all',
    knn: { ...RECOMMEND_DEFAULTS.knn, normalisation: variant.normalisation },
    diversity: variant.diversity,
    blend: variant.blend ? RECOMMEND_DEFAULTS.blend : { artist: 0, genre: 0, fresh: 0, popular: 0 },
  };
  return new Recommender(dataset.model, config);
}

export function ourLists(dataset: Dataset, users: readonly number[], variant: Variant): { lists: Map<number, number[]>; latenciesMs: number[] } {
  const recommender = recommenderFor(dataset, variant);
  const lists = new Map<number, number[]>();
  const latenciesMs: number[] = [];
  for (const user of users) {
    const started = performance.now();
    const items = recommender.recommend({ userId: userId(user), limit: K, nowMs: dataset.splitMs });
    latenciesMs.push(performance.now() - started);
    lists.set(user, items.map((item) => plantedIndex(item.trackId)));
  }
  return { lists, latenciesMs };
}
