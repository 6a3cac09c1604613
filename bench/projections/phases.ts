/**
 * Where the projection runners spend their time, measured without touching production code: the
 * benchmark wraps methods of the objects it created itself (the store's `readPage`, the SQL
 * client's `transaction`, the cache's `commit`) and each projection's `apply`. Times are
 * wall-clock sums; runners overlap one another (and a runner reads its next page while its last
 * batch commits), so the sums exceed the elapsed time.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { PostgresEventStore } from '../../gateways/event-store/postgres/store.js';
import type { Cache } from '../../gateways/cache/port.js';
import type { SqlClient, SqlExecutor, TransactionOptions } from '../../gateways/sql/port.js';
import type { CacheProjection, Projection, SqlProjection } from '../../projections/projection.js';

export interface Totals {
  calls: number;
  events: number;
  ms: number;
}

export interface PhaseReport {
  /** readPage calls by the filter's event types. */
  reads: Record<string, Totals>;
  /** Per projection: `apply` (building the batch's statements or commands, and for SQL running them). */
  apply: Record<string, Totals>;
  /** Per projection: the whole batch transaction (SQL: BEGIN, apply, checkpoint, COMMIT) or cache commit (apply, the guarded script). */
  write: Record<string, Totals>;
  /** Group commits (transactions carrying the batches of several SQL projections), by how many. */
  groups: Record<string, Totals>;
  /** Per cache projection: from asking to commit until its writes are queued (none since commits are one script each). */
  cacheWait: Record<string, Totals>;
  /** Pages the store read from Postgres, pages readers took from another reader's read, and times a reader waited to keep together. */
  pages?: { queried: number; shared: number; waits: number };
}

export interface Phases {
  /** The projections with `apply` timed (same names, versions and handles). */
  projections: Projection[];
  /** What was measured since the last take. */
  take(): PhaseReport;
}

/** Commit or transaction of no projection's batch: registry work and progress-only checkpoints. */
export const OTHER = '(registry, progress-only checkpoints)';
const GUARD_KEY = /^chorus:rm:(.+):g\d+:checkpoint$/;

export function instrument(store: PostgresEventStore, sql: SqlClient, cache: Cache, projections: readonly Projection[]): Phases {
  let report = empty();
  let pagesAt = { ...store.sharedPages.counts };
  const add = (group: Exclude<keyof PhaseReport, 'pages'>, key: string, ms: number, events = 0) => {
    const totals = (report[group][key] ??= { calls: 0, events: 0, ms: 0 });
    totals.calls += 1;
    totals.events += events;
    totals.ms += ms;
  };

  const readPage = store.readPage.bind(store);
  store.readPage = async (after, limit, filter, options) => {
    const started = performance.now();
    const page = await readPage(after, limit, filter, options);
    add('reads', filter?.eventTypes?.join(',') ?? 'all', performance.now() - started, page.events.length);
    return page;
  };

  // A transaction learns whose batches it carried when their projections' apply runs inside it
  // (found through the async context: a group commit hands apply an executor of its own). A group
  // commit's transaction counts in full for each projection it carried: what its batch waited.
  const owners = new AsyncLocalStorage<Set<string>>();
  const transaction = sql.transaction.bind(sql);
  sql.transaction = async <T>(work: (tx: SqlExecutor) => Promise<T>, options?: TransactionOptions): Promise<T> => {
    const carried = new Set<string>();
    const started = performance.now();
    try {
      return await owners.run(carried, () => transaction(work, options));
    } finally {
      const ms = performance.now() - started;
      if (carried.size === 0) add('write', OTHER, ms);
      for (const name of carried) add('write', name, ms);
      if (carried.size > 1) add('groups', `${carried.size} projections`, ms);
    }
  };

  const commit = cache.commit.bind(cache);
  cache.commit = async (guard, writes) => {
    const name = GUARD_KEY.exec(guard.key)?.[1] ?? OTHER;
    const started = performance.now();
    let writing = Number.NaN;
    try {
      return await commit(guard, (writer) => {
        writing = performance.now();
        writes(writer);
      });
    } finally {
      add('write', name, performance.now() - started);
      if (!Number.isNaN(writing)) add('cacheWait', name, writing - started);
    }
  };

  const timed = (projection: Projection): Projection => {
    const { name } = projection;
    if (projection.kind === 'sql') {
      const sqlProjection: SqlProjection = {
        ...projection,
        async apply(tx, events, tables) {
          owners.getStore()?.add(name);
          const started = performance.now();
          await projection.apply(tx, events, tables);
          add('apply', name, performance.now() - started, events.length);
        },
      };
      return sqlProjection;
    }
    const cacheProjection: CacheProjection = {
      ...projection,
      apply(writer, events, key) {
        const started = performance.now();
        projection.apply(writer, events, key);
        add('apply', name, performance.now() - started, events.length);
      },
    };
    return cacheProjection;
  };

  return {
    projections: projections.map(timed),
    take() {
      const now = { ...store.sharedPages.counts };
      const taken: PhaseReport = { ...report, pages: { queried: now.queried - pagesAt.queried, shared: now.shared - pagesAt.shared, waits: now.waits - pagesAt.waits } };
      report = empty();
      pagesAt = now;
      return taken;
    },
  };
}

function empty(): PhaseReport {
  return { reads: {}, apply: {}, write: {}, groups: {}, cacheWait: {} };
}
