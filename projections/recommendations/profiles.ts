/**
 * Each listener's profile: per track the plays (30 s on), the skips and when it was last played;
 * the current session; liked tracks and followed artists. Tracks are kept sorted by id in plain
 * arrays (binary search), a few dozen bytes per (user, track).
 */
import { newSessionState, type SessionState } from './sessions.js';

export interface TrackStats {
  track: number;
  plays: number;
  skips: number;
  /** Unix ms of the latest play or skip. */
  lastAtMs: number;
}

export class UserProfile {
  readonly session: SessionState = newSessionState();
  readonly likes = new Set<number>();
  readonly followedArtists = new Set<number>();
  /** Plays of 30 s or more, every track. */
  qualifyingPlays = 0;
  private readonly ids: number[] = [];
  private readonly plays: number[] = [];
  private readonly skips: number[] = [];
  private readonly lastAt: number[] = [];

  /** Records a play (or a skip) of `track`; returns the track's counts afterwards. */
  record(track: number, atMs: number, skip: boolean): { plays: number; skips: number } {
    let i = this.search(track);
    if (i < 0) {
      i = -i - 1;
      this.ids.splice(i, 0, track);
      this.plays.splice(i, 0, 0);
      this.skips.splice(i, 0, 0);
      this.lastAt.splice(i, 0, atMs);
    }
    if (skip) this.skips[i]! += 1;
    else {
      this.plays[i]! += 1;
      this.qualifyingPlays += 1;
    }
    if (atMs > this.lastAt[i]!) this.lastAt[i] = atMs;
    return { plays: this.plays[i]!, skips: this.skips[i]! };
  }

  stats(track: number): TrackStats | undefined {
    const i = this.search(track);
    return i < 0 ? undefined : { track, plays: this.plays[i]!, skips: this.skips[i]!, lastAtMs: this.lastAt[i]! };
  }

  /** Whether `track` was played or skipped at or after `sinceMs`. */
  playedSince(track: number, sinceMs: number): boolean {
    const i = this.search(track);
    return i >= 0 && this.lastAt[i]! >= sinceMs;
  }

  hasPlayed(track: number): boolean {
    return this.search(track) >= 0;
  }

  get distinctTracks(): number {
    return this.ids.length;
  }

  forEachTrack(visit: (track: number, plays: number, skips: number, lastAtMs: number) => void): void {
    for (let i = 0; i < this.ids.length; i++) visit(this.ids[i]!, this.plays[i]!, this.skips[i]!, this.lastAt[i]!);
  }

  /** Rough bytes held (8 per array slot plus fixed overheads). */
  get bytes(): number {
    return 200 + this.ids.length * 32 + this.session.window.length * 8 + (this.likes.size + this.followedArtists.size) * 40;
  }

  private search(track: number): number {
    const { ids } = this;
    let lo = 0;
    let hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = ids[mid]!;
      if (value === track) return mid;
      if (value < track) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }
}
