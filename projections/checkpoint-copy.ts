/**
 * The registry's copy of a cache projection's checkpoint. The checkpoint itself lives in the
 * cache, with the projection's writes; the copy is for status and for callers in other processes
 * waiting on it (remote-checkpoints.ts). It is written at most every `everyMs`, and the last commit
 * of a burst is always written, at the end of that interval: otherwise a caller elsewhere waiting
 * for the last events would wait for a commit that may never come.
 */
import type { Logger } from 'pino';
import type { Position } from '../gateways/event-store/port.js';
import type { SqlExecutor } from '../gateways/sql/port.js';
import { noteCheckpoint } from './registry.js';

export interface RunnerProgress {
  checkpoint: Position | null;
  /** Events applied by the runner so far (the copy adds what it applied since the last copy). */
  eventsApplied: number;
}

export class CheckpointCopy {
  private lastWrite = Number.NEGATIVE_INFINITY;
  private notedApplied = 0;
  private timer: NodeJS.Timeout | undefined;
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly sql: SqlExecutor,
    private readonly name: string,
    private readonly generation: number,
    /** The runner's progress as it is when a copy is written. */
    private readonly progress: () => RunnerProgress,
    private readonly logger: Logger,
    private readonly everyMs = 1_000,
  ) {}

  /** After a commit: the copy is written now, or at the end of the interval if one was written lately. */
  committed(): void {
    if (this.timer) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        void this.write();
      },
      Math.max(this.lastWrite + this.everyMs - Date.now(), 0),
    );
  }

  /**
   * The runner's run ends: a copy that is due is written now (or, with `write` false, after a lost
   * lock, dropped: another runner may already have written a newer one); waits for the copies under way.
   */
  async flush(write = true): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      if (write) void this.write();
    }
    await this.writes;
  }

  /** One write at a time, each of the progress as it is then: a copy never goes back. */
  private write(): Promise<void> {
    this.writes = this.writes.then(async () => {
      const { checkpoint, eventsApplied } = this.progress();
      if (checkpoint === null) return;
      this.lastWrite = Date.now();
      const applied = eventsApplied - this.notedApplied;
      this.notedApplied = eventsApplied;
      await noteCheckpoint(this.sql, this.name, this.generation, checkpoint, applied).catch((error: unknown) =>
        this.logger.debug({ err: error }, 'projection: could not copy its checkpoint to the registry'),
      );
    });
    return this.writes;
  }
}
