/**
 * Runs one generation of one projection: follows the event store from its checkpoint, applies
 * batches, and moves the checkpoint in the same transaction (Postgres) or the same atomic step
 * (cache) as the batch's writes, so a crash never double-applies or skips. One runner per
 * generation across processes holds its lock; the compare-and-set on the checkpoint keeps even a
 * runner that lost its lock from applying twice.
 *
 * An event the projection cannot apply because of what it holds (a poison event, poison.ts) is
 * skipped: the batch is retried one event at a time to find it, the events around it are applied,
 * and it is recorded, counted and logged, so one user's bad data never stops a read model for
 * everyone. Passing failures (a lost connection, a deadlock) resume from the checkpoint; a broken
 * projection (SQL that does not run, a half-applied cache transaction, or poison on every event)
 * stops with a clear log line and status.
 */
import type { Logger } from 'pino';
import { EventStoreUnavailableError } from '../gateways/event-store/errors.js';
import type { EventStore, Position, RecordedEvent, Subscription } from '../gateways/event-store/port.js';
import { START } from '../gateways/event-store/position.js';
import { CacheWriteError, type Cache } from '../gateways/cache/port.js';
import { SqlConnectionError, type SqlClient, type SqlLock } from '../gateways/sql/port.js';
import type { SqlCommitGroup } from './commit-group.js';
import { PoisonError, generationTarget, passPoison, writeBatch, type GenerationTarget } from './batch.js';
import type { Projection } from './projection.js';
import { CheckpointMovedError, listGenerations, recordFailure } from './registry.js';
import { CheckpointCopy } from './checkpoint-copy.js';
import { MAX_CONSECUTIVE_POISON, classifyApplyFailure, poisonSummary } from './poison.js';
import { Backoff } from '../gateways/backoff.js';
import { runLockedLoop } from '../gateways/sql/locked-loop.js';
import { sleep } from '../gateways/sleep.js';
import { PositionWaiters } from './waiters.js';
import type { RunnerState, RunnerStatus } from './runner-status.js';

export interface RunnerDeps {
  store: EventStore;
  sql: SqlClient;
  cache: Cache;
  logger: Logger;
  /** The process's group commit for SQL projections (one transaction for several runners' batches). */
  commits?: SqlCommitGroup;
  /** Events at which a batch is committed (default 500). */
  batchSize?: number;
  /**
   * The most events a batch may gather while the previous batch is still committing (default
   * 5,000 with the default batchSize, else batchSize). While catching up, commits are what limits:
   * the events that arrive during one go together into the next, so the fixed costs of a commit
   * (round trips, fsync, the checkpoint) are paid per thousands of events, not per 500. At the
   * head, batches stay as small as what arrives.
   */
  maxBatchSize?: number;
  /**
   * Called whenever the runner's state or processed position changes: a projections thread
   * mirrors its runners' statuses to the main thread with it (app/projections-thread.ts).
   */
  onStatus?: (status: RunnerStatus) => void;
}

export type { RunnerState, RunnerStatus } from './runner-status.js';

const LOCK_RETRY_MS = 1_000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;
const PROGRESS_PERSIST_MS = 250;
const DEFAULT_BATCH_SIZE = 500;
const DEFAULT_MAX_BATCH_SIZE = 5_000;

export class ProjectionRunner {
  private state: RunnerState = 'starting';
  private processed: Position | null = null;
  private checkpoint: Position | null = null;
  private pending: RecordedEvent[] = [];
  private progressHint: Position | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private readonly waiters: PositionWaiters;
  private readonly stopController = new AbortController();
  private subscription: Subscription | undefined;
  private loop: Promise<void> | undefined;
  private eventsApplied = 0;
  private batches = 0;
  private lastLagMs: number | null = null;
  private lastApplied: Position | null = null;
  private error: string | null = null;
  private poisoned = 0;
  /** Poison events skipped since the last event applied. */
  private consecutivePoison = 0;
  /** The registry's copy of the checkpoint (cache projections). */
  private readonly checkpointCopy: CheckpointCopy | undefined;
  private lastCommitAt = 0;
  private progressTimer: NodeJS.Timeout | undefined;
  /** The first flush failure of this run, for the loop to handle. */
  private failure: unknown;
  /** Counts runs (lock acquisitions); work queued by an earlier run is ignored. */
  private epoch = 0;
  private readonly batchSize: number;
  private readonly maxBatchSize: number;
  private readonly target: GenerationTarget;
  private readonly logger: Logger;
  /** Called after every commit (the manager watches building generations catch up). */
  onAdvance: ((processed: Position) => void) | undefined;

  constructor(
    private readonly deps: RunnerDeps,
    readonly projection: Projection,
    readonly generation: number,
  ) {
    this.batchSize = deps.batchSize ?? DEFAULT_BATCH_SIZE;
    this.maxBatchSize = Math.max(deps.maxBatchSize ?? (deps.batchSize === undefined ? DEFAULT_MAX_BATCH_SIZE : this.batchSize), this.batchSize);
    this.target = generationTarget(deps, projection, generation);
    this.waiters = new PositionWaiters((a, b) => deps.store.comparePositions(a, b));
    this.logger = deps.logger.child({ projection: projection.name, generation });
    if (projection.kind === 'cache') {
      const progress = () => ({ checkpoint: this.checkpoint, eventsApplied: this.eventsApplied });
      this.checkpointCopy = new CheckpointCopy(deps.sql, projection.name, generation, progress, this.logger);
    }
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    clearTimeout(this.progressTimer);
    await this.subscription?.close();
    await this.loop;
    await this.flushing.catch(() => undefined);
    if (this.state !== 'failed') this.setState('stopped');
    this.waiters.abandon();
  }

  status(): RunnerStatus {
    return {
      name: this.projection.name,
      generation: this.generation,
      state: this.state,
      processed: this.processed,
      eventsApplied: this.eventsApplied,
      batches: this.batches,
      lastLagMs: this.lastLagMs,
      lastApplied: this.lastApplied,
      error: this.error,
      poisoned: this.poisoned,
    };
  }

  /** Resolves true once everything up to `position` is in the read model, false on timeout. */
  waitFor(position: Position, timeoutMs: number): Promise<boolean> {
    return this.reached(position) ? Promise.resolve(true) : this.waiters.wait(position, timeoutMs);
  }

  reached(position: Position): boolean {
    return this.processed !== null && this.deps.store.comparePositions(this.processed, position) >= 0;
  }

  /** One runner per generation across processes: the others stand by (gateways/sql/locked-loop.ts). */
  private async run(): Promise<void> {
    const { signal } = this.stopController;
    await runLockedLoop({
      sql: this.deps.sql,
      lockName: `chorus:projection:${this.projection.name}:g${this.generation}`,
      signal,
      standbyMs: LOCK_RETRY_MS,
      backoff: new Backoff({ minMs: RETRY_MIN_MS, maxMs: RETRY_MAX_MS }),
      run: (lock) => this.runLocked(lock, signal),
      standby: () => {
        if (this.state !== 'waiting-for-lock') this.logger.info('projection: another runner holds this generation; waiting');
        this.setState('waiting-for-lock');
      },
      failed: async (error, during) => {
        if (during === 'lock') {
          this.logger.warn({ err: error }, 'projection: could not ask for its lock; retrying');
          return 'standby';
        }
        if (error instanceof PoisonError) {
          await this.fail(error);
          return 'stop';
        }
        if (error instanceof CheckpointMovedError) {
          this.logger.warn('projection: another runner moved the checkpoint; starting over from it');
        } else {
          this.logger.warn({ err: error }, `projection: interrupted (${describe(error)}); resuming from the checkpoint`);
        }
        return 'retry';
      },
    });
  }

  private async runLocked(lock: SqlLock, signal: AbortSignal): Promise<void> {
    const epoch = ++this.epoch;
    this.pending = [];
    this.progressHint = null;
    this.failure = undefined;
    this.checkpoint = await this.readCheckpoint();
    this.advanceProcessed(this.checkpoint);
    this.setState('running');
    this.logger.info({ checkpoint: this.checkpoint ?? 'start' }, 'projection: running');
    const subscription = this.deps.store.subscribeToAll({
      fromPosition: this.checkpoint ?? START,
      filter: { eventTypes: this.projection.handles },
      onProgress: (position) => this.onProgress(position, epoch),
    });
    this.subscription = subscription;
    let lockLost = false;
    void lock.lost.then(() => {
      lockLost = true;
      void subscription.close();
    });
    if (signal.aborted) await subscription.close();
    try {
      // Pipelined: while one batch commits, the subscription reads on and the next batch gathers
      // (up to maxBatchSize events, so memory stays bounded); it is committed as soon as the
      // previous commit is done.
      let inflight: Promise<void> | undefined;
      const flush = (): void => {
        const run = this.enqueueFlush(epoch);
        inflight = run;
        // A failure stays in `inflight` (and in this.failure) for the loop to throw.
        run.then(
          () => {
            if (inflight !== run) return;
            inflight = undefined;
            if (this.pending.length >= this.batchSize) flush();
          },
          () => undefined,
        );
      };
      for await (const event of subscription) {
        this.pending.push(event);
        // What the subscription has read already comes along at once, not one await per event.
        const more = subscription.takeBuffered?.(this.maxBatchSize - this.pending.length);
        if (more && more.length > 0) this.pending.push(...more);
        if (this.pending.length < this.batchSize) continue;
        if (this.failure !== undefined) throw this.failure;
        if (inflight === undefined) flush();
        else if (this.pending.length >= this.maxBatchSize) await inflight;
      }
      await inflight;
      if (this.failure !== undefined) throw this.failure;
      await this.enqueueFlush(epoch);
    } finally {
      await subscription.close();
      this.subscription = undefined;
      // The last copy, while the lock is held: no other runner's is newer (none after a lost lock).
      await this.flushing.catch(() => undefined);
      await this.checkpointCopy?.flush(!lockLost);
    }
    if (lockLost && !signal.aborted) throw new Error('lost the projection lock (its connection dropped)');
  }

  private onProgress(position: Position, epoch: number): void {
    if (epoch !== this.epoch) return;
    this.progressHint = position;
    // Called from inside the subscription while the loop waits for the next event: a failure is
    // handed to the loop by ending the subscription.
    this.enqueueFlush(epoch).catch(() => void this.subscription?.close());
  }

  /** Applies what is pending; one flush at a time. */
  private enqueueFlush(epoch: number): Promise<void> {
    const run = this.flushing.then(() => this.flushNow(epoch));
    this.flushing = run.catch(() => undefined);
    return run;
  }

  /**
   * Once a flush has failed, nothing more is applied or marked as processed in this run (the
   * events it took are not in the read model): the loop restarts from the stored checkpoint.
   */
  private async flushNow(epoch: number): Promise<void> {
    if (epoch !== this.epoch) return;
    if (this.failure !== undefined) throw this.failure;
    try {
      await this.flushPending();
    } catch (error) {
      this.failure ??= error;
      throw error;
    }
  }

  private async flushPending(): Promise<void> {
    // Paced (Projection.minCommitIntervalMs): what arrives meanwhile joins this commit.
    const wait = this.lastCommitAt + (this.projection.minCommitIntervalMs ?? 0) - performance.now();
    if (wait > 0 && this.pending.length > 0 && this.pending.length < this.batchSize) await sleep(wait, this.stopController.signal);
    const events = this.pending.splice(0);
    const hint = this.progressHint;
    let to = events.length > 0 ? events[events.length - 1]!.position : null;
    if (hint && (to === null || this.deps.store.comparePositions(hint, to) > 0)) to = hint;
    if (to === null || (this.checkpoint && this.deps.store.comparePositions(to, this.checkpoint) <= 0)) return;
    if (events.length === 0) {
      // Only filtered-out events passed: no writes, so the new position holds at once, and is
      // stored a little later (a restart would merely read those events again).
      this.advanceProcessed(to);
      this.scheduleProgressWrite(this.epoch);
      return;
    }
    await this.commit(events, to);
  }

  private scheduleProgressWrite(epoch: number): void {
    if (this.progressTimer) return;
    this.progressTimer = setTimeout(() => {
      this.progressTimer = undefined;
      this.flushing = this.flushing
        .then(() => {
          const target = this.processed;
          if (epoch !== this.epoch || this.failure !== undefined || this.pending.length > 0 || this.stopController.signal.aborted) return;
          if (!target || (this.checkpoint && this.deps.store.comparePositions(target, this.checkpoint) <= 0)) return;
          return this.commit([], target);
        })
        .catch((error: unknown) => this.logger.debug({ err: error }, 'projection: could not store progress'));
    }, PROGRESS_PERSIST_MS);
  }

  private async commit(events: RecordedEvent[], to: Position): Promise<void> {
    try {
      await this.commitBatch(events, to);
      if (events.length > 0) this.consecutivePoison = 0;
    } catch (error) {
      if (!(error instanceof PoisonError)) throw error;
      const failure = classifyApplyFailure(error.cause);
      if (failure === 'transient') throw new Error(`applying a batch failed: ${describe(error.cause)}`, { cause: error });
      if (events.length > 1 && !(error.cause instanceof CacheWriteError)) {
        // Find the event: one at a time, each applied, skipped or stopped at on its own.
        for (const event of events) await this.commit([event], event.position);
        if (this.deps.store.comparePositions(to, events[events.length - 1]!.position) > 0) await this.commitBatch([], to);
        return;
      }
      if (failure === 'fatal') throw error;
      await this.skip(events[0]!, error.cause);
    }
  }

  /** Moves the checkpoint past a poison event, recording it (with the checkpoint, for SQL). */
  private async skip(event: RecordedEvent, cause: unknown): Promise<void> {
    this.consecutivePoison += 1;
    if (this.consecutivePoison > MAX_CONSECUTIVE_POISON) {
      throw new PoisonError(event, new Error(`${this.consecutivePoison} events in a row could not be applied (the last: ${describe(cause)}); the projection itself looks broken`));
    }
    await passPoison(this.target, event, this.checkpoint, cause);
    this.checkpoint = event.position;
    this.poisoned += 1;
    this.logger.error(
      { err: cause, eventId: event.id, eventType: event.type, position: event.position, stream: event.stream },
      `projection SKIPPED a poison event it cannot apply (${poisonSummary(cause)}): ${event.type} ${event.id} in ${event.stream}; it goes on with the next`,
    );
    this.advanceProcessed(event.position);
  }

  private async commitBatch(events: RecordedEvent[], to: Position): Promise<void> {
    this.lastCommitAt = performance.now();
    await writeBatch(this.target, events, this.checkpoint, to);
    this.checkpoint = to;
    if (events.length > 0) {
      this.eventsApplied += events.length;
      this.batches += 1;
      this.lastLagMs = Date.now() - Date.parse(events[events.length - 1]!.occurredAt);
      this.lastApplied = events[events.length - 1]!.position;
    }
    this.checkpointCopy?.committed();
    this.advanceProcessed(to);
  }

  private advanceProcessed(position: Position | null): void {
    if (position === null) return;
    if (this.processed !== null && this.deps.store.comparePositions(position, this.processed) <= 0) return;
    this.processed = position;
    this.waiters.reach(position);
    this.onAdvance?.(position);
    this.deps.onStatus?.(this.status());
  }

  private setState(state: RunnerState): void {
    this.state = state;
    this.deps.onStatus?.(this.status());
  }

  private async readCheckpoint(): Promise<Position | null> {
    if (this.projection.kind === 'cache') return this.deps.cache.get(this.target.guardKey);
    const generations = await listGenerations(this.deps.sql, this.projection.name);
    return generations.find((g) => g.generation === this.generation)?.checkpoint ?? null;
  }

  private async fail(error: PoisonError): Promise<void> {
    const event = error.event;
    const where = event ? `${event.type} ${event.id} at ${event.position} in ${event.stream}` : 'a batch';
    this.error = `${error.message} (while applying ${where})`;
    this.logger.error(
      { err: error.cause, eventId: event?.id, eventType: event?.type, position: event?.position, stream: event?.stream },
      `projection FAILED on a poison event: ${this.error}. It stays stopped (other projections go on); fix the projection or the data, then restart.`,
    );
    await recordFailure(this.deps.sql, this.projection.name, this.generation, error.message, where).catch(() => undefined);
    this.setState('failed');
    this.waiters.abandon();
  }
}

function describe(error: unknown): string {
  if (error instanceof SqlConnectionError || error instanceof EventStoreUnavailableError) return 'connection lost';
  return error instanceof Error ? error.message : String(error);
}
