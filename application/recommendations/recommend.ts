/**
 * "For you" and seeded radio, over the listening model:
 * 1. seeds — the listener's recent and frequent tracks (for you), or the radio's seed tracks,
 *    the seed artists' best tracks and the tracks it served last (so a long radio drifts);
 * 2. candidates — the seeds' nearest neighbours (item-kNN), then, with smaller weights, the
 *    listener's (or the seeds') artists, genres and their new releases, and what is popular;
 *    cold listeners (few plays) lean on genres and popularity, warm ones on their neighbours;
 * 3. exclusions — what they played or skipped in the last day, the seeds, what this stream
 *    served already; tracks they skip more than they play are pushed down;
 * 4. diversity re-ranking (rerank.ts), then the first `limit`, each with its reasons.
 * When everything near the seeds has been served, the radio goes on with the seeds' genres and
 * then the whole catalogue by popularity: it ends only when every track has been served.
 */
import { utcDayOf } from '../../projections/recommendations/popularity.js';
import type { RecsModel } from '../../projections/recommendations/model.js';
import type { UserProfile } from '../../projections/recommendations/profiles.js';
import { affinitiesOf, shares, type Affinities } from './affinities.js';
import { CandidatePool, type Reason } from './candidates.js';
import { KNN_DEFAULTS, knnScores, type KnnConfig } from './knn-scores.js';
import { PopularTracks } from './popular.js';
import { DIVERSITY_DEFAULT, rerank, rerankDepth, type Diversity } from './rerank.js';
import { SEED_DEFAULTS, selectSeeds, type Seed, type SeedConfig } from './seeds.js';

const DAY_MS = 86_400_000;
/** An album is new for this many days after its release date. */
export const NEW_RELEASE_DAYS = 28;
/** A followed artist's best tracks are seeds of "for you", each weighing this much. */
const FOLLOWED_ARTIST_SEEDS = 3;
const FOLLOWED_SEED_WEIGHT = 0.5;

export interface Seeds {
  tracks: readonly string[];
  artists: readonly string[];
  genres: readonly string[];
}

export interface RecommendQuery {
  userId: string;
  limit: number;
  nowMs: number;
  seeds?: Seeds;
  /** Served already in this stream: never again. */
  served?: (trackId: string) => boolean;
  /** The last tracks this stream served, newest last: they steer what comes next. */
  lastServed?: readonly string[];
}

export interface Blend {
  artist: number;
  genre: number;
  fresh: number;
  popular: number;
}

export interface RecommendConfig {
  knn: KnnConfig;
  seeds: SeedConfig;
  diversity: Diversity;
  /** `last-day`: drop what was played in the last 24 h (the product); `all`: everything ever played (offline evaluation). */
  exclude: 'last-day' | 'all';
  blend: Blend;
  /** Below this many plays of 30 s or more a listener is cold: genres and popularity weigh more. */
  coldPlays: number;
}

export const RECOMMEND_DEFAULTS: RecommendConfig = {
  knn: KNN_DEFAULTS,
  seeds: SEED_DEFAULTS,
  diversity: DIVERSITY_DEFAULT,
  exclude: 'last-day',
  blend: { artist: 0.15, genre: 0.3, fresh: 0.2, popular: 0.1 },
  coldPlays: 5,
};

export interface Recommendation {
  trackId: string;
  score: number;
  reasons: Reason[];
}

export class Recommender {
  readonly popular: PopularTracks;
  /** The candidates of the list being made (recommend() is synchronous: one list at a time). */
  private readonly pool = new CandidatePool();

  constructor(
    readonly model: RecsModel,
    readonly config: RecommendConfig = RECOMMEND_DEFAULTS,
  ) {
    this.popular = new PopularTracks(model);
  }

  recommend(query: RecommendQuery): Recommendation[] {
    const { model, config } = this;
    const profile = model.profileOf(query.userId);
    const radio = query.seeds !== undefined && query.seeds.tracks.length + query.seeds.artists.length + query.seeds.genres.length > 0;
    const excluded = this.exclusions(profile, query);
    const pool = this.pool;
    pool.clear();
    const add = (track: number, score: number, reason: Reason) => {
      if (score > 0 && !excluded(track)) pool.add(track, score, reason);
    };

    const seeds = radio ? this.radioSeeds(query) : profile ? this.listenerSeeds(profile, query.nowMs) : [];
    const knn = knnScores(model, seeds, excluded, config.knn);
    let best = 0;
    for (const { score } of knn.values()) best = Math.max(best, score);
    for (const [track, { score, because }] of knn) add(track, score / best, { type: 'similar-to', id: model.tracks.name(because) });

    // How much the neighbours of seeds can say: a radio of tracks or artists, or a listener with a
    // few plays, leans on them; a radio of genres only, or a new listener, on genres and popularity.
    const warmth = radio ? (seeds.length > 0 ? 1 : 0) : Math.min(1, (profile?.qualifyingPlays ?? 0) / config.coldPlays);
    const affinities = radio ? this.seedAffinities(query.seeds!) : profile ? affinitiesOf(model, profile, query.nowMs, 10, config.seeds) : { artists: [], genres: [] };
    this.addArtists(affinities, query.nowMs, config.blend.artist, add);
    this.addGenres(affinities, query.nowMs, config.blend.genre * (1 - 0.8 * warmth), add);
    this.addNewReleases(affinities, query.nowMs, config.blend.fresh, add);
    const overall = this.popular.overall(query.nowMs);
    const top = overall[0]?.score ?? 0;
    // A radio keeps to its seeds: what is popular elsewhere comes only in its endless tail.
    const popularWeight = radio ? 0 : config.blend.popular * (1 - 0.9 * warmth);
    if (top > 0) for (const { id, score } of overall) add(id, (popularWeight * score) / top, { type: 'popular' });

    if (profile) pool.rescore((track, score) => score * 0.5 ** (profile.stats(track)?.skips ?? 0));
    const ranked = pool.ranked(rerankDepth(query.limit, config.diversity));
    const picked = rerank(ranked, query.limit, config.diversity, model.catalog);
    if (picked.length < query.limit) this.fillFromCatalog(picked, query.limit, excluded, affinities);
    return picked.map((c) => ({ trackId: model.tracks.name(c.track), score: round(c.score), reasons: c.reasons }));
  }

  private exclusions(profile: UserProfile | undefined, query: RecommendQuery): (track: number) => boolean {
    const { model, config } = this;
    const since = query.nowMs - DAY_MS;
    const seedTracks = new Set<number>();
    for (const name of query.seeds?.tracks ?? []) {
      const id = model.tracks.lookup(name);
      if (id !== undefined) seedTracks.add(id);
    }
    return (track) => {
      if (seedTracks.has(track) || !model.catalog.track(track)) return true;
      if (profile && (config.exclude === 'all' ? profile.hasPlayed(track) : profile.playedSince(track, since))) return true;
      return query.served !== undefined && query.served(model.tracks.name(track));
    };
  }

  /**
   * A listener's seeds: their recent and frequent tracks, and the best tracks of the artists they
   * follow (weaker: what a listener follows but has not played yet still points somewhere).
   */
  private listenerSeeds(profile: UserProfile, nowMs: number): Seed[] {
    const seeds = selectSeeds(profile, nowMs, this.config.seeds);
    if (profile.followedArtists.size === 0) return seeds;
    const taken = new Set(seeds.map((s) => s.track));
    for (const artist of profile.followedArtists) {
      for (const { id } of this.popular.ofArtist(artist, nowMs, FOLLOWED_ARTIST_SEEDS)) {
        if (!taken.has(id)) {
          taken.add(id);
          seeds.push({ track: id, weight: FOLLOWED_SEED_WEIGHT });
        }
      }
    }
    return seeds;
  }

  private radioSeeds(query: RecommendQuery): Seed[] {
    const { model } = this;
    const seeds = new Map<number, number>();
    const seed = (track: number | undefined, weight: number) => {
      if (track !== undefined) seeds.set(track, Math.max(seeds.get(track) ?? 0, weight));
    };
    for (const name of query.seeds!.tracks) seed(model.tracks.lookup(name), 1);
    for (const name of query.lastServed ?? []) seed(model.tracks.lookup(name), 0.5);
    for (const name of query.seeds!.artists) {
      const artist = model.catalog.artists.lookup(name);
      if (artist === undefined) continue;
      for (const { id } of this.popular.ofArtist(artist, query.nowMs, 3)) seed(id, 0.5);
    }
    return [...seeds].map(([track, weight]) => ({ track, weight }));
  }

  /** The radio's artists and genres: the seeds', and those of the seed tracks. */
  private seedAffinities(seeds: Seeds): Affinities {
    const { catalog } = this.model;
    const artists = new Map<number, number>();
    const genres = new Map<number, number>();
    const bump = (map: Map<number, number>, id: number | undefined, by: number) => {
      if (id !== undefined) map.set(id, (map.get(id) ?? 0) + by);
    };
    for (const name of seeds.artists) {
      const artist = catalog.artists.lookup(name);
      bump(artists, artist, 1);
      if (artist !== undefined) for (const genre of catalog.genresOfArtist(artist)) bump(genres, genre, 0.5);
    }
    for (const name of seeds.genres) bump(genres, catalog.genres.lookup(name), 1);
    for (const name of seeds.tracks) {
      const track = this.model.tracks.lookup(name);
      const info = track === undefined ? undefined : catalog.track(track);
      if (!info) continue;
      bump(artists, info.artist, 0.5);
      for (const genre of info.genres) bump(genres, genre, 0.5 / info.genres.length);
    }
    return { artists: shares(artists, 10), genres: shares(genres, 10) };
  }

  private addArtists(affinities: Affinities, nowMs: number, weight: number, add: (t: number, s: number, r: Reason) => void): void {
    for (const { id: artist, share } of affinities.artists) {
      const tracks = this.popular.ofArtist(artist, nowMs, 10);
      const reason: Reason = { type: 'artist', id: this.model.catalog.artists.name(artist) };
      tracks.forEach(({ id }, rank) => add(id, (weight * share) / (1 + rank), reason));
    }
  }

  private addGenres(affinities: Affinities, nowMs: number, weight: number, add: (t: number, s: number, r: Reason) => void): void {
    for (const { id: genre, share } of affinities.genres) {
      const tracks = this.popular.ofGenre(genre, nowMs);
      const top = tracks[0]?.score ?? 0;
      const reason: Reason = { type: 'genre', id: this.model.catalog.genres.name(genre) };
      for (const { id, score } of tracks) add(id, top > 0 && score > 0 ? (weight * share * score) / top : (weight * share) / 100, reason);
    }
  }

  /** Tracks of albums released in the last NEW_RELEASE_DAYS by the listener's artists or in their genres. */
  private addNewReleases(affinities: Affinities, nowMs: number, weight: number, add: (t: number, s: number, r: Reason) => void): void {
    const { catalog } = this.model;
    const today = utcDayOf(nowMs);
    const offer = (album: number, share: number) => {
      const info = catalog.album(album);
      if (!info || info.releaseDay > today || info.releaseDay <= today - NEW_RELEASE_DAYS) return;
      const freshness = 1 - (today - info.releaseDay) / NEW_RELEASE_DAYS;
      const reason: Reason = { type: 'new', id: catalog.albums.name(album) };
      info.tracks.forEach((track, i) => add(track, (weight * share * freshness) / (1 + i), reason));
    };
    for (const { id: artist, share } of affinities.artists) {
      const albums = new Set(catalog.tracksOfArtist(artist).map((t) => catalog.track(t)!.album));
      for (const album of albums) offer(album, share);
    }
    for (const { id: genre, share } of affinities.genres) for (const album of catalog.albumsOfGenre(genre)) offer(album, share / 2);
  }

  /** The endless tail: the seeds' genres deeper, then every track by popularity, then the rest. */
  private fillFromCatalog(picked: Array<{ track: number; score: number; reasons: Reason[] }>, limit: number, excluded: (t: number) => boolean, affinities: Affinities): void {
    const taken = new Set(picked.map((c) => c.track));
    const take = (track: number, reason: Reason) => {
      if (picked.length >= limit || taken.has(track) || excluded(track)) return;
      taken.add(track);
      picked.push({ track, score: 0, reasons: [reason] });
    };
    for (const { id: genre } of affinities.genres) {
      const reason: Reason = { type: 'genre', id: this.model.catalog.genres.name(genre) };
      for (const track of this.model.catalog.tracksOfGenre(genre)) take(track, reason);
    }
    for (let track = 0; track < this.model.tracks.size && picked.length < limit; track++) take(track, { type: 'popular' });
  }
}

const round = (score: number) => Math.round(score * 1e6) / 1e6;
