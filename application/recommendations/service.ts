/**
 * The recommendation queries the edges share, over the live listening model: "for you" and
 * seeded radio (recommend.ts, with radio state in radio.ts), similar tracks, related artists, and
 * the popularity answers of discovery (a genre's top tracks, charts per genre). A new track with
 * no plays has no neighbours yet: it gets its artist's and its genres' popular tracks instead, and
 * an artist nobody has co-listened gets artists of its genres.
 */
import type { Cache } from '../../gateways/cache/port.js';
import type { Position } from '../../gateways/event-store/port.js';
import type { RecsModel } from '../../projections/recommendations/model.js';
import { utcDayOf } from '../../projections/recommendations/popularity.js';
import { TopK } from '../../projections/recommendations/top-k.js';
import { KNN_DEFAULTS } from './knn-scores.js';
import { RECOMMEND_DEFAULTS, Recommender, type Recommendation, type RecommendConfig, type Seeds } from './recommend.js';
import { RadioState } from './radio.js';

/** What the service reads: the model of now, and read-your-writes. */
export interface ModelSource {
  readonly model: RecsModel;
  waitFor(position: Position, timeoutMs: number): Promise<boolean>;
}

export interface Scored {
  id: string;
  score: number;
}

export type ChartWindow = 'day' | 'week' | 'all';

export interface ForYouQuery {
  userId: string;
  limit: number;
  nowMs: number;
  seeds: Seeds;
  /** Continue this radio: never serve what it served before. */
  radio?: string;
}

export interface ForYouAnswer {
  items: Recommendation[];
  /** The radio this page belongs to (seeded requests only). */
  radio?: string;
}

const WEEK_DAYS = 7;
const round = (score: number) => Math.round(score * 1e6) / 1e6;

export class RecommendationService {
  private recommender: Recommender | undefined;
  private readonly radios: RadioState;

  constructor(
    readonly source: ModelSource,
    cache: Cache,
    private readonly newRadioId: () => string,
    private readonly config: RecommendConfig = RECOMMEND_DEFAULTS,
  ) {
    this.radios = new RadioState(cache);
  }

  /** The recommender of the current model (a rebuilt model gets a new one). */
  private get current(): Recommender {
    const model = this.source.model;
    if (this.recommender?.model !== model) this.recommender = new Recommender(model, this.config);
    return this.recommender;
  }

  async forYou(query: ForYouQuery): Promise<ForYouAnswer> {
    const seeded = query.seeds.tracks.length + query.seeds.artists.length + query.seeds.genres.length > 0;
    if (!seeded && query.radio === undefined) {
      return { items: this.current.recommend({ userId: query.userId, limit: query.limit, nowMs: query.nowMs }) };
    }
    const radio = query.radio ?? this.newRadioId();
    const items = await this.radios.next(query.userId, radio, (served, lastServed) =>
      this.current.recommend({
        userId: query.userId,
        limit: query.limit,
        nowMs: query.nowMs,
        seeds: query.seeds,
        served: (trackId) => served.has(trackId),
        lastServed,
      }),
    );
    return { items, radio };
  }

  /** Whether the model knows the track from the catalog. */
  knowsTrack(trackId: string): boolean {
    const id = this.source.model.tracks.lookup(trackId);
    return id !== undefined && this.source.model.catalog.track(id) !== undefined;
  }

  /** Tracks co-listened with `trackId`, most similar first; for a track with none, its artist's and genres' popular tracks. */
  similarTracks(trackId: string, limit: number, nowMs: number): Scored[] {
    const model = this.source.model;
    const track = model.tracks.lookup(trackId);
    if (track === undefined) return [];
    const items: Scored[] = [];
    const taken = new Set<number>([track]);
    for (const { id, score } of model.trackCo.neighbours(track, limit * 2, KNN_DEFAULTS.normalisation)) {
      if (items.length >= limit) break;
      if (!model.catalog.track(id)) continue;
      taken.add(id);
      items.push({ id: model.tracks.name(id), score: round(score) });
    }
    const info = model.catalog.track(track);
    if (items.length >= limit || !info) return items;
    // Cold start: the same artist's popular tracks, then the genres', with scores below any neighbour's.
    const floor = items.length > 0 ? Math.min(...items.map((i) => i.score)) : 1;
    const fill = (candidates: ReadonlyArray<{ id: number }>, weight: number) => {
      for (const { id } of candidates) {
        if (items.length >= limit) return;
        if (taken.has(id)) continue;
        taken.add(id);
        items.push({ id: model.tracks.name(id), score: round((floor * weight) / (1 + items.length)) });
      }
    };
    const popular = this.current.popular;
    fill(popular.ofArtist(info.artist, nowMs, limit + 1), 0.5);
    for (const genre of info.genres) fill(popular.ofGenre(genre, nowMs), 0.25);
    return items;
  }

  /** Artists co-listened with `artistId`; for one with none, the most played artists of its genres. */
  relatedArtists(artistId: string, limit: number, nowMs: number): Scored[] {
    const model = this.source.model;
    const { catalog } = model;
    const artist = catalog.artists.lookup(artistId);
    if (artist === undefined) return [];
    const items: Scored[] = [];
    const taken = new Set<number>([artist]);
    for (const { id, score } of model.artistCo.neighbours(artist, limit, KNN_DEFAULTS.normalisation)) {
      taken.add(id);
      items.push({ id: catalog.artists.name(id), score: round(score) });
    }
    if (items.length >= limit) return items;
    const floor = items.length > 0 ? Math.min(...items.map((i) => i.score)) : 1;
    const byGenre = new TopK(limit);
    const today = utcDayOf(nowMs);
    const plays = new Map<number, number>();
    for (const genre of catalog.genresOfArtist(artist)) {
      for (const track of catalog.tracksOfGenre(genre)) {
        const other = catalog.artistOf(track);
        if (other === undefined || taken.has(other)) continue;
        plays.set(other, (plays.get(other) ?? 0) + this.current.popular.score(track, today) + 1e-3);
      }
    }
    for (const [other, score] of plays) byGenre.offer(other, score);
    const best = byGenre.sorted();
    const top = best[0]?.score ?? 1;
    for (const { id, score } of best) {
      if (items.length >= limit) break;
      items.push({ id: catalog.artists.name(id), score: round((0.25 * floor * score) / top) });
    }
    return items;
  }

  /** The most played tracks of a genre in a window (plays of 30 s or more), most first. */
  genreChart(genre: string, window: ChartWindow, limit: number, nowMs: number): Array<{ trackId: string; plays: number }> {
    const model = this.source.model;
    const id = model.catalog.genres.lookup(genre);
    if (id === undefined) return [];
    const today = utcDayOf(nowMs);
    const top = new TopK(limit);
    for (const track of model.catalog.tracksOfGenre(id)) {
      const plays =
        window === 'all' ? model.popularity.plays(track) : model.popularity.recentPlays(track, today, window === 'day' ? 1 : WEEK_DAYS);
      if (plays > 0) top.offer(track, plays);
    }
    return top.sorted().map(({ id: track, score }) => ({ trackId: model.tracks.name(track), plays: score }));
  }

  /** A genre's popular tracks now (the last week's plays, and a little of all time). */
  genreTop(genre: string, limit: number, nowMs: number): Scored[] {
    const model = this.source.model;
    const id = model.catalog.genres.lookup(genre);
    if (id === undefined) return [];
    return this.current.popular
      .ofGenre(id, nowMs)
      .filter((s) => s.score > 0)
      .slice(0, limit)
      .map((s) => ({ id: model.tracks.name(s.id), score: round(s.score) }));
  }
}
