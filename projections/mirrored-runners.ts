/**
 * The statuses of projection runners that run in another thread of this process, as that thread
 * reports them (app/projections-thread.ts): what `Projections` answers from when its runners run
 * there. Read-your-writes waits on the reported positions, so a caller is answered as soon as the
 * thread has committed, without a registry read.
 */
import type { Position } from '../gateways/event-store/port.js';
import type { RunnerStatus } from './runner.js';
import { PositionWaiters } from './waiters.js';

export class MirroredRunners {
  private readonly statuses = new Map<string, RunnerStatus>();
  private readonly waiters = new Map<string, PositionWaiters>();

  constructor(private readonly compare: (a: Position, b: Position) => number) {}

  /** A runner's new status, as reported by the thread that runs it. */
  update(status: RunnerStatus): void {
    const k = key(status.name, status.generation);
    this.statuses.set(k, status);
    const waiters = this.waiters.get(k);
    if (!waiters) return;
    if (status.state === 'failed' || status.state === 'stopped') waiters.abandon();
    else if (status.processed !== null) waiters.reach(status.processed);
    if (waiters.size === 0) this.waiters.delete(k);
  }

  status(name: string, generation: number): RunnerStatus | undefined {
    return this.statuses.get(key(name, generation));
  }

  /** True while the runner of that generation runs and reports here. */
  running(name: string, generation: number): boolean {
    return this.statuses.get(key(name, generation))?.state === 'running';
  }

  /** Resolves true once the runner of that generation has processed `position`, false after `timeoutMs` or when it stops. */
  waitFor(name: string, generation: number, position: Position, timeoutMs: number): Promise<boolean> {
    const k = key(name, generation);
    const processed = this.statuses.get(k)?.processed;
    if (processed && this.compare(processed, position) >= 0) return Promise.resolve(true);
    let waiters = this.waiters.get(k);
    if (!waiters) this.waiters.set(k, (waiters = new PositionWaiters(this.compare)));
    return waiters.wait(position, timeoutMs);
  }

  /** The thread is gone (it stopped, or it failed and is being restarted): nothing it reported holds. */
  clear(): void {
    for (const waiters of this.waiters.values()) waiters.abandon();
    this.waiters.clear();
    this.statuses.clear();
  }
}

const key = (name: string, generation: number) => `${name}#${generation}`;
