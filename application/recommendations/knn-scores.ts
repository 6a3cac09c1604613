/**
 * Item-kNN scoring: each seed lends its weight to its K nearest neighbours, scaled by their
 * similarity; a candidate's score is the sum. Its reason is the seed that gave it the most.
 */
import type { Normalisation } from '../../projections/recommendations/co-occurrence.js';
import type { RecsModel } from '../../projections/recommendations/model.js';
import type { Seed } from './seeds.js';

export interface KnnConfig {
  /** Neighbours taken from each seed. */
  neighbours: number;
  normalisation: Normalisation;
}

export const KNN_DEFAULTS: KnnConfig = { neighbours: 50, normalisation: 'asymmetric' };

export interface KnnScore {
  score: number;
  /** The seed that contributed most. */
  because: number;
  best: number;
}

export function knnScores(model: RecsModel, seeds: readonly Seed[], excluded: (track: number) => boolean, config: KnnConfig = KNN_DEFAULTS): Map<number, KnnScore> {
  const scores = new Map<number, KnnScore>();
  for (const seed of seeds) {
    for (const { id, score } of model.trackCo.neighbours(seed.track, config.neighbours, config.normalisation)) {
      if (excluded(id)) continue;
      const contribution = seed.weight * score;
      const entry = scores.get(id);
      if (!entry) scores.set(id, { score: contribution, because: seed.track, best: contribution });
      else {
        entry.score += contribution;
        if (contribution > entry.best || (contribution === entry.best && seed.track < entry.because)) {
          entry.best = contribution;
          entry.because = seed.track;
        }
      }
    }
  }
  return scores;
}
