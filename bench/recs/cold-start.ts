/**
 * Cold start: listeners with no play before the split, who then listen in the test period. A new
 * listener tells us something when they sign up, as a listener of the product would:
 * - the genres they like (they seed a radio with `seedGenres`): the two genres that weigh most in
 *   their planted taste when they join (their clusters' genres, by the clusters' weights);
 * - a few artists they know (they follow them: `ArtistFollowed`): the artists of three tracks
 *   drawn from their taste as their plays would be (a cluster by its weight, a track by Zipf).
 * Each is measured on its own against most popular (everyone the same list), "popular in the
 * declared genres" (plain train counts, no model), and our answer with nothing declared.
 */
import type { RecordedEvent } from '../../gateways/event-store/port.js';
import { createRandom } from '../projections/random.js';
import type { Dataset } from './dataset.js';
import { tasteWeight } from './listeners.js';
import { K } from './metrics.js';
import { artistId, userId } from './planted-catalog.js';
import { plantedIndex, recommenderFor, type Variant } from './ours.js';

type Lists = Map<number, number[]>;

export interface Declared {
  /** Genre indexes, most liked first. */
  genres: Map<number, number[]>;
  /** Artist indexes followed. */
  artists: Map<number, number[]>;
}

const GENRES_DECLARED = 2;
const ARTISTS_FOLLOWED = 3;

/** What each cold listener declares when they join (seeded by `seed`, the same every run). */
export function declareTastes(dataset: Dataset, users: readonly number[], seed: number): Declared {
  const { catalog, listeners, config } = dataset;
  const genreCount = catalog.genreNames.length;
  // P(genre | cluster), by the Zipf shares of the cluster's tracks.
  const clusterGenre = new Float64Array(catalog.clusters * genreCount);
  for (let t = 0; t < catalog.tracks; t++) clusterGenre[catalog.trackCluster[t]! * genreCount + catalog.trackGenre[t]!]! += catalog.trackProbability[t]!;
  const random = createRandom(seed);
  const genres = new Map<number, number[]>();
  const artists = new Map<number, number[]>();
  for (const user of users) {
    const joinMs = listeners.joinMs[user]!;
    const weights = Array.from({ length: catalog.clusters }, (_, c) => tasteWeight(listeners, config, user, c, joinMs));
    const byGenre = new Float64Array(genreCount);
    weights.forEach((w, c) => {
      for (let g = 0; g < genreCount; g++) byGenre[g]! += w * clusterGenre[c * genreCount + g]!;
    });
    genres.set(
      user,
      Array.from(byGenre.keys())
        .sort((a, b) => byGenre[b]! - byGenre[a]! || a - b)
        .slice(0, GENRES_DECLARED),
    );
    const total = weights.reduce((a, b) => a + b, 0);
    const followed = new Set<number>();
    for (let attempt = 0; attempt < 20 && followed.size < ARTISTS_FOLLOWED; attempt++) {
      let target = random.next() * total;
      let cluster = 0;
      while (cluster < weights.length - 1 && (target -= weights[cluster]!) >= 0) cluster += 1;
      const cumulative = catalog.clusterCumulative[cluster]!;
      const draw = random.next() * cumulative[cumulative.length - 1]!;
      let rank = 0;
      while (rank < cumulative.length - 1 && cumulative[rank]! <= draw) rank += 1;
      followed.add(catalog.trackArtist[catalog.clusterTracks[cluster]![rank]!]!);
    }
    artists.set(user, [...followed]);
  }
  return { genres, artists };
}

/** Train popularity within the declared genres (no model): the plain answer to "popular in my genres". */
export function popularInGenresLists(dataset: Dataset, users: readonly number[], declared: Declared): Lists {
  const { catalog, trainPopularity, splitMs } = dataset;
  const byGenre = new Map<number, number[]>();
  const rankedOf = (genre: number) => {
    let ranked = byGenre.get(genre);
    if (!ranked) {
      ranked = [];
      for (let t = 0; t < catalog.tracks; t++) if (catalog.trackGenre[t] === genre && catalog.trackReleaseMs[t]! <= splitMs) ranked.push(t);
      ranked.sort((a, b) => trainPopularity[b]! - trainPopularity[a]! || a - b);
      byGenre.set(genre, ranked);
    }
    return ranked;
  };
  const lists: Lists = new Map();
  for (const user of users) {
    // Interleave the declared genres, the first liked one first.
    const sources = declared.genres.get(user)!.map(rankedOf);
    const list: number[] = [];
    for (let i = 0; list.length < K && sources.some((s) => i < s.length); i++) {
      for (const source of sources) if (i < source.length && list.length < K) list.push(source[i]!);
    }
    lists.set(user, list);
  }
  return lists;
}

/** Our radio on the declared genres (`seedGenres`), the first page. */
export function seededGenreLists(dataset: Dataset, users: readonly number[], declared: Declared, variant: Variant): Lists {
  const recommender = recommenderFor(dataset, variant);
  const lists: Lists = new Map();
  for (const user of users) {
    const genres = declared.genres.get(user)!.map((g) => dataset.catalog.genreNames[g]!);
    const items = recommender.recommend({ userId: userId(user), limit: K, nowMs: dataset.splitMs, seeds: { tracks: [], artists: [], genres } });
    lists.set(user, items.map((item) => plantedIndex(item.trackId)));
  }
  return lists;
}

/** The declared follows as the events the product records (applied to the model, before the split). */
export function followEvents(dataset: Dataset, declared: Declared): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  const at = new Date(dataset.splitMs - 1).toISOString();
  for (const [user, artists] of declared.artists) {
    for (const artist of artists) {
      events.push({
        id: `f${events.length}`,
        type: 'ArtistFollowed',
        stream: `follows-${userId(user)}`,
        revision: BigInt(events.length),
        position: `f${events.length}`,
        occurredAt: at,
        data: { userId: userId(user), artistId: artistId(artist), at },
        metadata: {},
      });
    }
  }
  return events;
}
