/**
 * Group commit for the SQL projections of one process: the batches that runners hand over while a
 * transaction is under way go together into the next one — each with its own checkpoint move, so
 * each batch still commits with its checkpoint, exactly once — instead of one transaction (and one
 * WAL flush) per projection per batch. At the head, where every runner commits a few events at a
 * time, this turns a commit per projection into a commit per turn.
 *
 * In a group's transaction the batches' writes run side by side (each projection writes only its
 * own tables, so their order does not matter; the JS work of one overlaps the round trips of
 * another), then one statement moves every checkpoint, compare-and-set each. The round trips of a
 * turn are BEGIN, the batches' statements, one checkpoint statement and COMMIT, however many
 * projections it carries.
 *
 * Only small works are grouped: a work of `aloneFrom` events or more (a runner catching up) goes at
 * once, in a transaction of its own, beside the group and beside each other. Its commit's fixed
 * costs are already spread over many events, and grouping it would put every runner of the process
 * in one line on one connection, where the slowest projection's batch (seconds, while the catalog
 * builds its search indexes) holds back all the others and Postgres works on one batch at a time.
 *
 * When a work of a group fails (a poison event, a checkpoint another runner moved), the whole
 * transaction is rolled back and every work of the group runs again alone, in its own transaction,
 * so that only the one at fault fails (its runner handles the failure as ever). A lost connection
 * fails them all: their runners resume from their checkpoints.
 *
 * Every transaction here commits without waiting for its WAL flush (PROJECTION_COMMIT): a
 * projection's writes and its checkpoint commit together, and both are derived from the event
 * store, whose appends do wait. A database crash can lose the last of these commits (under a
 * second of them) but never half of one, so after a restart each projection finds its read model
 * and its checkpoint as they were at an earlier commit and applies the events after it again. What
 * this saves is the fsync per commit, which on a busy disk is most of a small batch's time.
 */
import pLimit from 'p-limit';
import { SqlConnectionError, type SqlClient, type SqlExecutor, type TransactionOptions } from '../gateways/sql/port.js';
import { advanceCheckpoint, advanceCheckpoints, type CheckpointMove } from './registry.js';

/**
 * Group transactions at once: works handed over while one is under way start the next at once
 * instead of waiting for it (a runner never has two batches under way, so its batches stay in order).
 */
const DEFAULT_LANES = 2;

/** Events from which a batch commits alone (below: a runner at the head, a few events at a time). */
const DEFAULT_ALONE_FROM = 100;

/** How a projection's transaction commits: without waiting for the WAL flush (see above). */
export const PROJECTION_COMMIT: TransactionOptions = { waitForFlush: false };

interface Work {
  /** The batch's writes (not its checkpoint). */
  apply(tx: SqlExecutor): Promise<void>;
  move: CheckpointMove;
}

interface Queued extends Work {
  resolve(): void;
  reject(error: unknown): void;
}

export class SqlCommitGroup {
  private queue: Queued[] = [];
  /** Group transactions under way (at most `lanes`). */
  private running = 0;
  /** Transactions committed and works they carried (for status and benchmarks). */
  transactions = 0;
  works = 0;

  constructor(
    private readonly sql: SqlClient,
    private readonly maxWorks = 32,
    private readonly aloneFrom = DEFAULT_ALONE_FROM,
    private readonly lanes = DEFAULT_LANES,
  ) {}

  /**
   * Applies a batch (`apply`, of `events` events) and moves its checkpoint, in a transaction shared
   * with other batches handed over meanwhile; resolves once it has committed. From `aloneFrom`
   * events on, it runs alone, at once.
   */
  commit(apply: (tx: SqlExecutor) => Promise<void>, move: CheckpointMove, events: number): Promise<void> {
    if (events >= this.aloneFrom) return this.single({ apply, move });
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ apply, move, resolve, reject });
      if (this.running < this.lanes && this.queue.length === 1) {
        this.running += 1;
        // At the end of this tick, so that works handed over together go together.
        queueMicrotask(() => void this.pump());
      }
    });
  }

  private async pump(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, this.maxWorks);
        if (group.length === 1) await this.alone(group[0]!);
        else await this.together(group);
      }
    } finally {
      this.running -= 1;
    }
  }

  private async together(group: Queued[]): Promise<void> {
    try {
      await this.sql.transaction(async (tx) => {
        const shared = oneAtATime(tx);
        const applied = await Promise.allSettled(group.map((work) => work.apply(shared)));
        const failed = applied.find((outcome) => outcome.status === 'rejected');
        if (failed) throw failed.reason;
        await advanceCheckpoints(
          tx,
          group.map((work) => work.move),
        );
      }, PROJECTION_COMMIT);
    } catch (error) {
      if (error instanceof SqlConnectionError) {
        for (const work of group) work.reject(error);
        return;
      }
      for (const work of group) await this.alone(work);
      return;
    }
    this.transactions += 1;
    this.works += group.length;
    for (const work of group) work.resolve();
  }

  private async alone(work: Queued): Promise<void> {
    try {
      await this.single(work);
      work.resolve();
    } catch (error) {
      work.reject(error);
    }
  }

  /** One work in a transaction of its own. */
  private async single(work: Work): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await work.apply(tx);
      await advanceCheckpoint(tx, work.move);
    }, PROJECTION_COMMIT);
    this.transactions += 1;
    this.works += 1;
  }
}

/**
 * The transaction's connection for batches written side by side: their statements go to it one at
 * a time, in the order asked (a connection runs one statement at a time; the driver will no longer
 * queue them itself), while the JS work of each batch goes on between them.
 */
function oneAtATime(tx: SqlExecutor): SqlExecutor {
  const limit = pLimit(1);
  return {
    query: (text, params) => limit(() => tx.query(text, params)),
    exec: (script) => limit(() => tx.exec(script)),
  };
}
