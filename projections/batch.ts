/**
 * Writing one batch of a projection generation: its read-model writes and its checkpoint together
 * (one Postgres transaction, or one guarded atomic step in the cache), compare-and-set on the
 * checkpoint so that two runners can never both apply it; and passing a poison event (poison.ts):
 * the checkpoint moves past it and it is recorded, nothing else is written.
 */
import { CacheWriteError, type Cache } from '../gateways/cache/port.js';
import type { Position, RecordedEvent } from '../gateways/event-store/port.js';
import { SqlConnectionError, type SqlClient, type SqlExecutor } from '../gateways/sql/port.js';
import { PROJECTION_COMMIT, type SqlCommitGroup } from './commit-group.js';
import { recordPoison } from './poison.js';
import { cacheKeyPrefix, physicalTable, type Projection } from './projection.js';
import { CheckpointMovedError, advanceCheckpoint, type CheckpointMove } from './registry.js';

/** One generation of one projection, where its writes go. */
export interface GenerationTarget {
  sql: SqlClient;
  /**
   * Commits a SQL batch of `events` events: its writes (`apply`) and its checkpoint move, in one
   * transaction, through the process's group commit (commit-group.ts) or on its own.
   */
  commitSql: (apply: (tx: SqlExecutor) => Promise<void>, move: CheckpointMove, events: number) => Promise<void>;
  cache: Cache;
  projection: Projection;
  generation: number;
  /** Logical -> physical table names (SQL projections). */
  tables: Readonly<Record<string, string>>;
  /** The generation's key space (cache projections). */
  keyPrefix: string;
  /** The cache key holding the authoritative checkpoint (cache projections). */
  guardKey: string;
}

export function generationTarget(
  deps: { sql: SqlClient; cache: Cache; commits?: SqlCommitGroup },
  projection: Projection,
  generation: number,
): GenerationTarget {
  const keyPrefix = cacheKeyPrefix(projection.name, generation);
  const commits = deps.commits;
  return {
    sql: deps.sql,
    commitSql: commits
      ? (apply, move, events) => commits.commit(apply, move, events)
      : (apply, move) =>
          deps.sql.transaction(async (tx) => {
            await apply(tx);
            await advanceCheckpoint(tx, move);
          }, PROJECTION_COMMIT),
    cache: deps.cache,
    projection,
    generation,
    tables: projection.kind === 'sql' ? Object.fromEntries(Object.keys(projection.tables).map((logical) => [logical, physicalTable(logical, generation)])) : {},
    keyPrefix,
    guardKey: `${keyPrefix}checkpoint`,
  };
}

/** `apply` failed on a batch (on `event`, when the batch was that event alone); `cause` says why. */
export class PoisonError extends Error {
  override readonly name = 'PoisonError';
  constructor(
    readonly event: RecordedEvent | undefined,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

const moved = (target: GenerationTarget) =>
  new CheckpointMovedError(`projection ${target.projection.name} g${target.generation}: checkpoint moved by another runner`);

/**
 * Applies `events` and moves the checkpoint from `from` to `to`. Throws PoisonError when `apply`
 * fails (a connection failure passes through as it is), CheckpointMovedError when another runner
 * moved the checkpoint.
 */
export async function writeBatch(target: GenerationTarget, events: readonly RecordedEvent[], from: Position | null, to: Position): Promise<void> {
  const { projection } = target;
  const only = events.length === 1 ? events[0] : undefined;
  if (projection.kind === 'sql') {
    const move = { name: projection.name, generation: target.generation, from, to, applied: events.length };
    const apply = async (tx: SqlExecutor): Promise<void> => {
      if (events.length === 0) return;
      try {
        await projection.apply(tx, events, target.tables);
      } catch (error) {
        throw error instanceof SqlConnectionError ? error : new PoisonError(only, error);
      }
    };
    await target.commitSql(apply, move, events.length);
    return;
  }
  let applied: boolean;
  try {
    applied = await target.cache.commit({ key: target.guardKey, expected: from, next: to }, (writer) => {
      try {
        projection.apply(writer, events, (suffix) => target.keyPrefix + suffix);
      } catch (error) {
        throw new PoisonError(only, error);
      }
    });
  } catch (error) {
    // A command failed inside EXEC: the batch is half applied and the checkpoint moved. The
    // projection stops, loudly (poison.ts calls this fatal); the read model needs a rebuild.
    if (error instanceof CacheWriteError) throw new PoisonError(only, error);
    throw error;
  }
  if (!applied) throw moved(target);
}

/** Moves the checkpoint from `from` past the poison `event`, recording it (with the checkpoint, for SQL). */
export async function passPoison(target: GenerationTarget, event: RecordedEvent, from: Position | null, cause: unknown): Promise<void> {
  const { projection } = target;
  if (projection.kind === 'sql') {
    await target.sql.transaction(async (tx) => {
      await recordPoison(tx, projection.name, target.generation, event, cause);
      await advanceCheckpoint(tx, { name: projection.name, generation: target.generation, from, to: event.position, applied: 0 });
    }, PROJECTION_COMMIT);
    return;
  }
  const passed = await target.cache.commit({ key: target.guardKey, expected: from, next: event.position }, () => undefined);
  if (!passed) throw moved(target);
  // The cache holds the checkpoint; the record goes to SQL right behind it (a crash between the
  // two loses the record, never the skip).
  await recordPoison(target.sql, projection.name, target.generation, event, cause);
}
