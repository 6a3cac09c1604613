/**
 * Group commit for the SQL projections of one process: the batches that runners hand over while a
 * transaction is under way go together into the next one — each with its own checkpoint move, so
 * each batch still commits with its checkpoint, exactly once — instead of one transaction (and one
 * WAL flush) per projection per batch. At the head, where every runner commits a few events at a
 * time, this turns a commit per projection into a commit per turn.
 *
 * The works of a group run one after another in the transaction. When one of them fails (a poison
 * event, a checkpoint another runner moved), the whole transaction is rolled back and every work
 * of the group runs again alone, in its own transaction, so that only the one at fault fails (its
 * runner handles the failure as ever). A lost connection fails them all: their runners resume from
 * their checkpoints.
 */
import { SqlConnectionError, type SqlClient, type SqlExecutor } from '../gateways/sql/port.js';

interface Work {
  run(tx: SqlExecutor): Promise<unknown>;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

export class SqlCommitGroup {
  private queue: Work[] = [];
  private running = false;
  /** Transactions committed and works they carried (for status and benchmarks). */
  transactions = 0;
  works = 0;

  constructor(
    private readonly sql: SqlClient,
    private readonly maxWorks = 32,
  ) {}

  /** Runs `work` in a transaction shared with other works handed over meanwhile; resolves once it has committed. */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: work, resolve: resolve as (result: unknown) => void, reject });
      if (!this.running) {
        this.running = true;
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
      this.running = false;
    }
  }

  private async together(group: Work[]): Promise<void> {
    let results: unknown[];
    try {
      results = await this.sql.transaction(async (tx) => {
        const out: unknown[] = [];
        for (const work of group) out.push(await work.run(tx));
        return out;
      });
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
    group.forEach((work, i) => work.resolve(results[i]));
  }

  private async alone(work: Work): Promise<void> {
    try {
      const result = await this.sql.transaction((tx) => work.run(tx));
      this.transactions += 1;
      this.works += 1;
      work.resolve(result);
    } catch (error) {
      work.reject(error);
    }
  }
}
