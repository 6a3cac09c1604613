/**
 * What each user is playing now, as Subsonic apps report it (`scrobble` with `submission=false`)
 * and `getNowPlaying` lists: one entry per user and app, kept in memory for as long as the track
 * lasts (at least 10 minutes), like other Subsonic servers. It is not an event: nothing was played
 * yet. Each node keeps its own (an app talks to one node at a time behind a sticky balancer).
 */
export interface NowPlayingEntry {
  userId: string;
  trackId: string;
  /** The app (`c`). */
  client: string;
  startedAt: number;
  expiresAt: number;
}

const MIN_KEEP_MS = 10 * 60_000;
/** Entries kept at most (oldest dropped first). */
const MAX_ENTRIES = 10_000;

export class NowPlaying {
  private readonly entries = new Map<string, NowPlayingEntry>();

  report(userId: string, client: string, trackId: string, durationMs: number, now: number): void {
    const key = `${userId}\u0000${client}`;
    this.entries.delete(key);
    this.entries.set(key, { userId, trackId, client, startedAt: now, expiresAt: now + Math.max(durationMs, MIN_KEEP_MS) });
    if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Current entries, newest first. */
  list(now: number): NowPlayingEntry[] {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    return [...this.entries.values()].reverse();
  }
}
