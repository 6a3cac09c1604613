/** Read-your-writes: callers waiting until a runner has processed a position, each with a timeout. */
import type { Position } from '../gateways/event-store/port.js';

export class PositionWaiters {
  private readonly waiters = new Set<{ position: Position; resolve: (ok: boolean) => void }>();

  constructor(private readonly compare: (a: Position, b: Position) => number) {}

  /** Callers waiting. */
  get size(): number {
    return this.waiters.size;
  }

  /** Resolves true once `reach` is called with `position` or later, false after `timeoutMs`. */
  wait(position: Position, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const waiter = {
        position,
        resolve: (ok: boolean) => {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          resolve(ok);
        },
      };
      const timer = setTimeout(() => waiter.resolve(false), timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Everything up to `position` is processed: the callers waiting for it are answered. */
  reach(position: Position): void {
    for (const waiter of [...this.waiters]) if (this.compare(position, waiter.position) >= 0) waiter.resolve(true);
  }

  /** The runner stops: every caller still waiting is answered false. */
  abandon(): void {
    for (const waiter of [...this.waiters]) waiter.resolve(false);
  }
}
