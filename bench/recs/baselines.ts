/**
 * Baselines, on the same split and listeners: random tracks, the most played tracks, and the
 * oracle that knows the planted taste (the ceiling): it ranks a track by the listener's weight
 * of its cluster at the split (drift included) times its Zipf share of the cluster, among
 * released tracks. None of them recommends what the listener played or skipped before.
 */
import { TopK } from '../../projections/recommendations/top-k.js';
import { createRandom } from '../projections/random.js';
import type { Dataset } from './dataset.js';
import { K } from './metrics.js';
import { tasteWeight } from './listeners.js';
import { trackId, userId } from './planted-catalog.js';

type Lists = Map<number, number[]>;

function seenBy(dataset: Dataset, user: number): (track: number) => boolean {
  const profile = dataset.model.profileOf(userId(user));
  const ids = dataset.model.tracks;
  return (track) => {
    const id = ids.lookup(trackId(track));
    return profile !== undefined && id !== undefined && profile.hasPlayed(id);
  };
}

export function randomLists(dataset: Dataset, users: readonly number[], seed: number): Lists {
  const random = createRandom(seed);
  const lists: Lists = new Map();
  for (const user of users) {
    const seen = seenBy(dataset, user);
    const list = new Set<number>();
    while (list.size < K) {
      const track = random.int(0, dataset.catalog.tracks - 1);
      if (!seen(track) && dataset.catalog.trackReleaseMs[track]! <= dataset.splitMs) list.add(track);
    }
    lists.set(user, [...list]);
  }
  return lists;
}

export function mostPopularLists(dataset: Dataset, users: readonly number[]): Lists {
  const ranked = Array.from(dataset.trainPopularity.keys()).sort((a, b) => dataset.trainPopularity[b]! - dataset.trainPopularity[a]! || a - b);
  const lists: Lists = new Map();
  for (const user of users) {
    const seen = seenBy(dataset, user);
    const list: number[] = [];
    for (const track of ranked) {
      if (list.length >= K) break;
      if (!seen(track)) list.push(track);
    }
    lists.set(user, list);
  }
  return lists;
}

export function oracleLists(dataset: Dataset, users: readonly number[]): Lists {
  const { catalog, listeners, config, splitMs } = dataset;
  const lists: Lists = new Map();
  for (const user of users) {
    const seen = seenBy(dataset, user);
    const clusterWeight = Array.from({ length: catalog.clusters }, (_, c) => tasteWeight(listeners, config, user, c, splitMs));
    const top = new TopK(K);
    for (let c = 0; c < catalog.clusters; c++) {
      const weight = clusterWeight[c]!;
      // Tracks of a cluster are in popularity order: stop once none can beat the list.
      for (const track of catalog.clusterTracks[c]!) {
        const score = weight * catalog.trackProbability[track]!;
        if (score < top.threshold) break;
        if (catalog.trackReleaseMs[track]! <= splitMs && !seen(track)) top.offer(track, score);
      }
    }
    lists.set(user, top.sorted().map((s) => s.id));
  }
  return lists;
}
