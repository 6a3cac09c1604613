/**
 * Per-user write limits: at most `max` writes per user in a sliding minute, counted across every
 * write route of this node (two nodes each allow `max`). Over it: 429 with Retry-After.
 */
import { HttpError } from './errors.js';

const WINDOW_MS = 60_000;
const MAX_TRACKED_USERS = 200_000;

export class WriteLimiter {
  /** Per user: the times of their writes within the window, oldest first. */
  private readonly writes = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a write by `userId`, or throws RATE_LIMITED. */
  take(userId: string): void {
    const now = this.now();
    const times = (this.writes.get(userId) ?? []).filter((t) => now - t < WINDOW_MS);
    if (times.length >= this.max) {
      const retryAfter = Math.max(1, Math.ceil((times[0]! + WINDOW_MS - now) / 1000));
      this.writes.set(userId, times);
      throw new HttpError('RATE_LIMITED', `too many writes: at most ${this.max} a minute; retry in ${retryAfter} s`, { 'retry-after': String(retryAfter) });
    }
    times.push(now);
    if (!this.writes.has(userId) && this.writes.size >= MAX_TRACKED_USERS) this.sweep(now);
    this.writes.set(userId, times);
  }

  private sweep(now: number): void {
    for (const [user, times] of this.writes) if (times.every((t) => now - t >= WINDOW_MS)) this.writes.delete(user);
  }
}
