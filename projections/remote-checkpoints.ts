/**
 * Read-your-writes for projections that run in another process: their stored checkpoints are
 * watched with one registry read every `pollMs` for all the callers waiting on this process, not
 * one read loop per caller (at a few hundred writes a second those loops were a third of a node's
 * CPU). A caller arriving while no read is under way starts one at once.
 */
import type { Position } from '../gateways/event-store/port.js';
import type { SqlExecutor } from '../gateways/sql/port.js';
import { listGenerations } from './registry.js';
import { PositionWaiters } from './waiters.js';

export class RemoteCheckpoints {
  private readonly waiters = new Map<string, PositionWaiters>();
  private polling: Promise<void> | undefined;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly compare: (a: Position, b: Position) => number,
    private readonly pollMs = 20,
  ) {}

  /** Resolves true once the active generation of `name` has a checkpoint at `position` or later, false after `timeoutMs`. */
  wait(name: string, position: Position, timeoutMs: number): Promise<boolean> {
    let waiters = this.waiters.get(name);
    if (!waiters) this.waiters.set(name, (waiters = new PositionWaiters(this.compare)));
    const answer = waiters.wait(position, timeoutMs);
    this.polling ??= this.poll().finally(() => (this.polling = undefined));
    return answer;
  }

  private async poll(): Promise<void> {
    for (;;) {
      for (const [name, waiters] of this.waiters) if (waiters.size === 0) this.waiters.delete(name);
      if (this.waiters.size === 0) return;
      const started = performance.now();
      try {
        for (const generation of await listGenerations(this.sql)) {
          if (generation.status === 'active' && generation.checkpoint) this.waiters.get(generation.name)?.reach(generation.checkpoint);
        }
      } catch {
        // The next read tries again; the callers' own timeouts bound their wait.
      }
      const rest = this.pollMs - (performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, Math.max(rest, 1)));
    }
  }
}
