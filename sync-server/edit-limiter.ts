/**
 * Edits per second per user on the playlist sync socket: a token bucket per user on this node
 * (`rate` tokens a second, at most `burst` saved), decided at once for every update, and — when the
 * host gives a shared counter (Redis) — a fixed window counted across every node: each node adds
 * what its buckets let through (flushed every FLUSH_MS), and a user whose count in the window
 * passes `rate × WINDOW_SECONDS + burst` is refused on every node until the window ends. Without a
 * shared counter the limit holds per node.
 */

/**
 * Adds each user's `edits` to their count in the shared window of `windowSeconds`, all in one call;
 * resolves to each count and its window's remaining seconds, in the same order.
 */
export type SharedEditCount = (
  counts: ReadonlyArray<{ userId: string; edits: number }>,
  windowSeconds: number,
) => Promise<Array<{ count: number; resetInSeconds: number }>>;

export const EDIT_WINDOW_SECONDS = 5;
/**
 * How often a node adds what its buckets let through to the shared window: one call per flush for
 * every active user (one command on Redis), so Redis's work per edit falls as this grows; a user
 * can overshoot the shared window by at most what one node lets through in one interval.
 */
const FLUSH_MS = 500;

interface Bucket {
  tokens: number;
  at: number;
  /** Taken since the last flush to the shared counter. */
  unshared: number;
  /** Refused until this time (ms), because the shared window is over. */
  overUntil: number;
}

export class EditLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly timer: NodeJS.Timeout | undefined;
  private flushing = false;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly shared?: SharedEditCount,
    private readonly onSharedError?: (error: unknown) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.timer = setInterval(() => this.tick(), FLUSH_MS);
    this.timer.unref();
  }

  /** Takes one edit of `userId`: false when the user is over the limit (the edit is refused). */
  take(userId: string): boolean {
    const now = this.now();
    let bucket = this.buckets.get(userId);
    if (!bucket) {
      bucket = { tokens: this.burst, at: now, unshared: 0, overUntil: 0 };
      this.buckets.set(userId, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1_000) * this.rate);
    bucket.at = now;
    if (bucket.overUntil > now || bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    if (this.shared) bucket.unshared += 1;
    return true;
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** Sends the counts to the shared window, and forgets full buckets (users who stopped editing). */
  private tick(): void {
    const now = this.now();
    const flush: Array<[string, Bucket, number]> = [];
    for (const [userId, bucket] of this.buckets) {
      if (bucket.unshared > 0) {
        flush.push([userId, bucket, bucket.unshared]);
        bucket.unshared = 0;
      } else if (bucket.overUntil <= now && bucket.tokens + ((now - bucket.at) / 1_000) * this.rate >= this.burst) {
        this.buckets.delete(userId);
      }
    }
    if (!this.shared || flush.length === 0 || this.flushing) {
      // A flush still running: what was taken goes with the next one.
      for (const [, bucket, edits] of this.flushing ? flush : []) bucket.unshared += edits;
      return;
    }
    const shared = this.shared;
    const cap = this.rate * EDIT_WINDOW_SECONDS + this.burst;
    this.flushing = true;
    shared(
      flush.map(([userId, , edits]) => ({ userId, edits })),
      EDIT_WINDOW_SECONDS,
    )
      .then((counts) =>
        counts.forEach(({ count, resetInSeconds }, i) => {
          if (count <= cap) return;
          const [userId, bucket] = flush[i]!;
          bucket.overUntil = this.now() + resetInSeconds * 1_000;
          // Kept while refused, even if full.
          this.buckets.set(userId, bucket);
        }),
      )
      // A shared counter that cannot be reached leaves the per-node buckets to decide.
      .catch((error: unknown) => this.onSharedError?.(error))
      .finally(() => (this.flushing = false));
  }
}
