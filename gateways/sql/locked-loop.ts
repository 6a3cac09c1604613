/**
 * The loop of a job that one process runs at a time (a projection runner, the Kafka relay): ask
 * for an advisory lock; without it, stand by and ask again; with it, run the job until it ends,
 * fails or the loop is stopped, then let go of the lock. A failure waits the backoff (jittered,
 * doubling) before the next round, unless the job says to stop; a job's failure waits with the
 * lock still held. A run that ends without failing starts the backoff over, and so does one that
 * fails after running for a while (healthyRunMs): a job that runs for days would otherwise wait
 * longer after each passing failure, up to the longest step, however rare they are.
 */
import type { Backoff } from '../backoff.js';
import { sleep } from '../sleep.js';
import type { SqlClient, SqlLock } from './port.js';

const HEALTHY_RUN_MS = 10_000;

/** What to do after a failure: try again after the backoff, stand by (ask for the lock later), or stop. */
export type AfterFailure = 'retry' | 'standby' | 'stop';

export interface LockedLoop {
  sql: Pick<SqlClient, 'tryLock'>;
  lockName: string;
  /** Ends the loop: the job is expected to return soon after it aborts. */
  signal: AbortSignal;
  /** How long a process without the lock waits before asking again. */
  standbyMs: number;
  backoff: Backoff;
  /** Runs before each request for the lock (creating tables, say); a failure counts as the lock's. */
  prepare?: () => Promise<void>;
  /** A run that lasted this long before it failed was healthy: the backoff starts over (default 10 s). */
  healthyRunMs?: number;
  /** Runs the job while the lock is held. */
  run(lock: SqlLock): Promise<void>;
  /** Another process holds the lock (called every time it is found taken). */
  standby(): void;
  /**
   * A failure: while asking for the lock (or preparing), or of the job. Says what comes next; the
   * loop waits the backoff for 'retry' (call backoff.reset() first to wait the shortest step).
   */
  failed(error: unknown, during: 'lock' | 'run'): AfterFailure | Promise<AfterFailure>;
}

/** Runs the loop until `signal` aborts or `failed` says stop. */
export async function runLockedLoop(loop: LockedLoop): Promise<void> {
  const { signal } = loop;
  while (!signal.aborted) {
    let lock: SqlLock | undefined;
    let next: AfterFailure | undefined;
    try {
      await loop.prepare?.();
      lock = await loop.sql.tryLock(loop.lockName);
    } catch (error) {
      next = await loop.failed(error, 'lock');
    }
    if (lock === undefined) {
      next ??= 'standby';
      if (next === 'stop') return;
      if (next === 'standby') {
        loop.standby();
        await sleep(loop.standbyMs, signal);
      } else {
        await loop.backoff.wait(signal);
      }
      continue;
    }
    const started = performance.now();
    try {
      await loop.run(lock);
      loop.backoff.reset();
    } catch (error) {
      if (performance.now() - started >= (loop.healthyRunMs ?? HEALTHY_RUN_MS)) loop.backoff.reset();
      next = await loop.failed(error, 'run');
      if (next === 'stop') return;
      // Waits still holding the lock: this process stays the one that runs the job.
      if (next === 'standby') await sleep(loop.standbyMs, signal);
      else await loop.backoff.wait(signal);
    } finally {
      await lock.release().catch(() => undefined);
    }
  }
}
