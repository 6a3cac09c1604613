/**
 * How much each track is played: in all, and per UTC day of `playedAt` for the last few days
 * (what "this week" charts and trending fallbacks read). Only plays of 30 s or more count. Day
 * buckets older than RETAINED_DAYS before the newest day seen are dropped, so which buckets exist
 * depends only on the plays applied, not on when they were processed.
 */
import { IntFloatMap } from './int-float-map.js';

const DAY_MS = 86_400_000;
export const RETAINED_DAYS = 8;

export const utcDayOf = (ms: number): number => Math.floor(ms / DAY_MS);

export class Popularity {
  private allTime = new Float64Array(16);
  private readonly days = new Map<number, IntFloatMap>();
  private newestDay = Number.NEGATIVE_INFINITY;

  record(track: number, playedAtMs: number): void {
    this.ensure(track);
    this.allTime[track]! += 1;
    const day = utcDayOf(playedAtMs);
    if (day <= this.newestDay - RETAINED_DAYS) return;
    let bucket = this.days.get(day);
    if (!bucket) this.days.set(day, (bucket = new IntFloatMap(64)));
    bucket.add(track, 1);
    if (day > this.newestDay) {
      this.newestDay = day;
      for (const old of this.days.keys()) if (old <= day - RETAINED_DAYS) this.days.delete(old);
    }
  }

  plays(track: number): number {
    return track < this.allTime.length ? this.allTime[track]! : 0;
  }

  /** Plays in the `days` UTC days ending with `today` (at most RETAINED_DAYS - 1 back). */
  recentPlays(track: number, today: number, days: number): number {
    let sum = 0;
    for (let d = today - days + 1; d <= today; d++) sum += this.days.get(d)?.get(track) ?? 0;
    return sum;
  }

  /** The tracks played in the window, with their plays. */
  windowCounts(today: number, days: number): Map<number, number> {
    const counts = new Map<number, number>();
    for (let d = today - days + 1; d <= today; d++) {
      this.days.get(d)?.forEach((track, plays) => counts.set(track, (counts.get(track) ?? 0) + plays));
    }
    return counts;
  }

  forEachAllTime(visit: (track: number, plays: number) => void): void {
    for (let t = 0; t < this.allTime.length; t++) if (this.allTime[t]! > 0) visit(t, this.allTime[t]!);
  }

  get bytes(): number {
    let bytes = this.allTime.byteLength;
    for (const bucket of this.days.values()) bytes += bucket.bytes;
    return bytes;
  }

  private ensure(index: number): void {
    if (index < this.allTime.length) return;
    let length = this.allTime.length;
    while (length <= index) length *= 2;
    const grown = new Float64Array(length);
    grown.set(this.allTime);
    this.allTime = grown;
  }
}
