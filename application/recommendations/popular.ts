/**
 * Popular tracks — everywhere, in a genre, of an artist — the fallbacks of cold start and the
 * tail of an endless radio. "Popular" is the last seven days' plays plus a twentieth of all-time
 * plays, so a new hit rises quickly and an old standard does not vanish. Lists over many tracks
 * (everything, a genre) are kept and recomputed when the model has moved on by more than 1% of
 * its plays or the day changed, so asking for them costs a lookup.
 */
import type { RecsModel } from '../../projections/recommendations/model.js';
import { utcDayOf } from '../../projections/recommendations/popularity.js';
import { TopK, type Scored } from '../../projections/recommendations/top-k.js';

export const TRENDING_DAYS = 7;
const ALL_TIME_SHARE = 0.05;
/** Longest list kept per genre and overall. */
export const POPULAR_KEPT = 500;

interface Kept {
  day: number;
  plays: number;
  list: Scored[];
}

export class PopularTracks {
  private global: Kept | undefined;
  private readonly genres = new Map<number, Kept>();

  constructor(private readonly model: RecsModel) {}

  score(track: number, today: number): number {
    const { popularity } = this.model;
    return popularity.recentPlays(track, today, TRENDING_DAYS) + ALL_TIME_SHARE * popularity.plays(track);
  }

  /** The most popular tracks of all, best first (at most POPULAR_KEPT). */
  overall(nowMs: number): readonly Scored[] {
    const today = utcDayOf(nowMs);
    if (this.fresh(this.global, today)) return this.global!.list;
    const top = new TopK(POPULAR_KEPT);
    const recent = this.model.popularity.windowCounts(today, TRENDING_DAYS);
    this.model.popularity.forEachAllTime((track, plays) => top.offer(track, (recent.get(track) ?? 0) + ALL_TIME_SHARE * plays));
    this.global = { day: today, plays: this.model.playsApplied, list: top.sorted() };
    return this.global.list;
  }

  /** The most popular tracks of a genre, best first (at most POPULAR_KEPT). */
  ofGenre(genre: number, nowMs: number): readonly Scored[] {
    const today = utcDayOf(nowMs);
    const kept = this.genres.get(genre);
    if (this.fresh(kept, today)) return kept!.list;
    const list = this.rank(this.model.catalog.tracksOfGenre(genre), today, POPULAR_KEPT);
    this.genres.set(genre, { day: today, plays: this.model.playsApplied, list });
    return list;
  }

  /** An artist's tracks, most popular first (computed each time: an artist has few). */
  ofArtist(artist: number, nowMs: number, limit: number): Scored[] {
    return this.rank(this.model.catalog.tracksOfArtist(artist), utcDayOf(nowMs), limit);
  }

  private rank(tracks: readonly number[], today: number, limit: number): Scored[] {
    const top = new TopK(limit);
    // Unplayed tracks rank by recency of release, below every played one.
    for (const track of tracks) {
      const score = this.score(track, today);
      top.offer(track, score > 0 ? score : -1 / (1 + Math.max(0, today - (this.model.catalog.track(track)?.releaseDay ?? 0))));
    }
    return top.sorted();
  }

  private fresh(kept: Kept | undefined, today: number): boolean {
    if (!kept || kept.day !== today) return false;
    const moved = this.model.playsApplied - kept.plays;
    return moved <= Math.max(100, 0.01 * kept.plays);
  }
}
