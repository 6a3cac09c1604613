/**
 * The horizon of the global order (schema.ts): events whose transaction id is below it are safe
 * to read in order. It is the oldest transaction of the statement's snapshot still running that
 * may write events here: every running transaction but those known to belong to another database
 * of the same server (they can never write to this es_events); with none left, the snapshot's
 * xmax. Without that list it is pg_snapshot_xmin: then any transaction open anywhere on the server
 * (another application's, a long report elsewhere) holds every reader back.
 *
 * The list is learnt (FOREIGN_SQL) when a read finds events held back, at most every
 * LEARN_EVERY_MS. A transaction's database never changes, so a learnt id stays true for good; one
 * whose database cannot be told (it ended meanwhile, or its backend is hidden from this role) is
 * simply not in the list and counts, so the horizon is never above a transaction of ours.
 */
import type { Logger } from 'pino';
import type { SqlExecutor } from '../../sql/port.js';

/** The horizon, with the known foreign transactions (`xid8[]`) as parameter `$n`. */
export const horizonSql = (n: number) => /* sql */ `(
  select coalesce((select min(x) from pg_snapshot_xip(q.snapshot) x where x <> all ($${n}::xid8[])), pg_snapshot_xmax(q.snapshot))
    from (select pg_current_snapshot() as snapshot) q)`;

/** The running transactions of other databases of this server (`xid8` as text). */
const FOREIGN_SQL = /* sql */ `
  select coalesce(array_agg(x::text), '{}') as foreign
    from pg_snapshot_xip(pg_current_snapshot()) x
   where xid(x) in (
           select a.backend_xid from pg_stat_activity a
            where a.backend_xid is not null and a.datname is not null and a.datname <> current_database()
           union all
           select p.transaction from pg_prepared_xacts p where p.database <> current_database())`;

const LEARN_EVERY_MS = 100;

export class ForeignTransactions {
  /** What is known now (`xid8` as text), to pass as the horizon's parameter. */
  known: string[] = [];
  private learntAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly sql: SqlExecutor,
    private readonly logger: Logger,
  ) {}

  /** Asks the server which running transactions are other databases'; true when that is news. */
  async learn(): Promise<boolean> {
    const now = performance.now();
    if (now - this.learntAt < LEARN_EVERY_MS) return false;
    this.learntAt = now;
    try {
      const [row] = await this.sql.query<{ foreign: string[] }>(FOREIGN_SQL);
      const learnt = row?.foreign ?? [];
      const news = learnt.some((x) => !this.known.includes(x));
      this.known = learnt;
      return news;
    } catch (error) {
      this.logger.debug({ err: error }, 'event store: could not tell which transactions belong to other databases');
      return false;
    }
  }
}
