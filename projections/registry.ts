/**
 * The generations of every projection, in Postgres: which one serves queries (active), which one
 * is being built (building), their checkpoints and failures. A SQL projection's checkpoint moves
 * here in the same transaction as its rows, compare-and-set, so two runners can never both apply
 * a batch. A cache projection's authoritative checkpoint lives in the cache; this row keeps a copy
 * for status.
 */
import type { Position } from '../gateways/event-store/port.js';
import type { SqlClient, SqlExecutor } from '../gateways/sql/port.js';
import { POISON_DDL } from './poison.js';
import { physicalTable, type Projection } from './projection.js';

export type GenerationStatus = 'building' | 'active' | 'retired';

export interface Generation {
  name: string;
  generation: number;
  version: number;
  kind: Projection['kind'];
  status: GenerationStatus;
  checkpoint: Position | null;
  eventsApplied: number;
  error: string | null;
  errorEvent: string | null;
  updatedAt: Date;
}

const DDL = /* sql */ `
create table if not exists projection_generations (
  name text not null,
  generation int not null,
  version int not null,
  kind text not null,
  status text not null check (status in ('building', 'active', 'retired')),
  checkpoint text,
  events_applied bigint not null default 0,
  error text,
  error_event text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (name, generation)
);
create unique index if not exists projection_generations_one_active on projection_generations (name) where status = 'active';
`;

interface Row {
  name: string;
  generation: number;
  version: number;
  kind: Projection['kind'];
  status: GenerationStatus;
  checkpoint: string | null;
  events_applied: string;
  error: string | null;
  error_event: string | null;
  updated_at: Date;
}

const toGeneration = (row: Row): Generation => ({
  name: row.name,
  generation: row.generation,
  version: row.version,
  kind: row.kind,
  status: row.status,
  checkpoint: row.checkpoint,
  eventsApplied: Number(row.events_applied),
  error: row.error,
  errorEvent: row.error_event,
  updatedAt: row.updated_at,
});

/** Raised when the checkpoint moved under us: another runner applied this generation. */
export class CheckpointMovedError extends Error {
  override readonly name = 'CheckpointMovedError';
}

export async function ensureRegistry(sql: SqlClient): Promise<void> {
  await sql.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', ['chorus:projections:schema']);
    await tx.exec(DDL);
    await tx.exec(POISON_DDL);
  });
}

export async function listGenerations(sql: SqlExecutor, name?: string): Promise<Generation[]> {
  const rows = await sql.query<Row>(
    `select * from projection_generations where $1::text is null or name = $1 order by name, generation`,
    [name ?? null],
  );
  return rows.map(toGeneration);
}

/**
 * Adds a generation of `projection` (creating its tables, for a SQL projection) with the given
 * status. The first generation of a projection is active at once: there is nothing to serve
 * meanwhile. Later ones are built beside the active one.
 */
export async function createGeneration(sql: SqlClient, projection: Projection): Promise<Generation> {
  return sql.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`chorus:projections:${projection.name}`]);
    const [{ next, active } = { next: 1, active: 0 }] = await tx.query<{ next: number; active: number }>(
      `select coalesce(max(generation), 0) + 1 as next, count(*) filter (where status = 'active')::int as active
         from projection_generations where name = $1`,
      [projection.name],
    );
    const status: GenerationStatus = active === 0 ? 'active' : 'building';
    if (projection.kind === 'sql') {
      for (const [logical, ddl] of Object.entries(projection.tables)) {
        await tx.exec(ddl(physicalTable(logical, next)));
      }
      if (status === 'active') await pointViews(tx, projection, next);
    }
    const [row] = await tx.query<Row>(
      `insert into projection_generations (name, generation, version, kind, status) values ($1, $2, $3, $4, $5) returning *`,
      [projection.name, next, projection.version, projection.kind, status],
    );
    return toGeneration(row!);
  });
}

/** Makes `generation` the one that serves queries; the previous one is retired. */
export async function activateGeneration(sql: SqlClient, projection: Projection, generation: number): Promise<void> {
  await sql.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [`chorus:projections:${projection.name}`]);
    await tx.query(`update projection_generations set status = 'retired', updated_at = now() where name = $1 and status = 'active'`, [projection.name]);
    await tx.query(`update projection_generations set status = 'active', updated_at = now() where name = $1 and generation = $2`, [
      projection.name,
      generation,
    ]);
    if (projection.kind === 'sql') await pointViews(tx, projection, generation);
  });
}

async function pointViews(tx: SqlExecutor, projection: Extract<Projection, { kind: 'sql' }>, generation: number): Promise<void> {
  for (const logical of Object.keys(projection.tables)) {
    await tx.exec(`drop view if exists ${logical}; create view ${logical} as select * from ${physicalTable(logical, generation)};`);
  }
}

/**
 * Drops what generations retired at least `graceMs` ago left: their tables (SQL; cache keys are
 * dropped by the caller). The grace lets runners in other processes notice and stop first.
 */
export async function dropRetired(sql: SqlClient, projection: Projection, graceMs: number): Promise<Generation[]> {
  const retired = (await listGenerations(sql, projection.name)).filter(
    (g) => g.status === 'retired' && Date.now() - g.updatedAt.getTime() >= graceMs,
  );
  for (const g of retired) {
    if (projection.kind === 'sql') {
      for (const logical of Object.keys(projection.tables)) await sql.exec(`drop table if exists ${physicalTable(logical, g.generation)} cascade`);
    }
    await sql.query('delete from projection_poison_events where name = $1 and generation = $2', [projection.name, g.generation]);
    await sql.query('delete from projection_generations where name = $1 and generation = $2', [projection.name, g.generation]);
  }
  return retired;
}

/** A SQL projection generation's checkpoint moving from `from` to `to` with a batch of `applied` events. */
export interface CheckpointMove {
  name: string;
  generation: number;
  from: Position | null;
  to: Position;
  applied: number;
}

const moved = (move: CheckpointMove) => new CheckpointMovedError(`projection ${move.name} g${move.generation}: checkpoint moved by another runner`);

/** Moves a SQL projection's checkpoint inside its batch transaction; throws if another runner moved it. */
export async function advanceCheckpoint(tx: SqlExecutor, move: CheckpointMove): Promise<void> {
  const rows = await tx.query<{ name: string }>(
    `update projection_generations
        set checkpoint = $4, events_applied = events_applied + $5, updated_at = now(), error = null, error_event = null
      where name = $1 and generation = $2 and checkpoint is not distinct from $3
      returning name`,
    [move.name, move.generation, move.from, move.to, move.applied],
  );
  if (rows.length !== 1) throw moved(move);
}

/**
 * Moves several generations' checkpoints in one statement (a group commit's), compare-and-set
 * each; throws if another runner moved any of them (the caller rolls back: none moves).
 */
export async function advanceCheckpoints(tx: SqlExecutor, moves: readonly CheckpointMove[]): Promise<void> {
  const rows = await tx.query<{ name: string; generation: number }>(
    `update projection_generations g
        set checkpoint = m.to_position, events_applied = g.events_applied + m.applied, updated_at = now(), error = null, error_event = null
       from unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::bigint[]) as m(name, generation, from_position, to_position, applied)
      where g.name = m.name and g.generation = m.generation and g.checkpoint is not distinct from m.from_position
      returning g.name, g.generation`,
    [moves.map((m) => m.name), moves.map((m) => m.generation), moves.map((m) => m.from), moves.map((m) => m.to), moves.map((m) => m.applied)],
  );
  if (rows.length === moves.length) return;
  const done = new Set(rows.map((row) => `${row.name}#${row.generation}`));
  throw moved(moves.find((m) => !done.has(`${m.name}#${m.generation}`)) ?? moves[0]!);
}

/** Records a copy of a cache projection's checkpoint, for status (not authoritative). */
export async function noteCheckpoint(sql: SqlExecutor, name: string, generation: number, to: Position, applied: number): Promise<void> {
  await sql.query(
    `update projection_generations set checkpoint = $3, events_applied = events_applied + $4, updated_at = now(), error = null, error_event = null
      where name = $1 and generation = $2`,
    [name, generation, to, applied],
  );
}

export async function recordFailure(sql: SqlExecutor, name: string, generation: number, error: string, event: string): Promise<void> {
  await sql.query(`update projection_generations set error = $3, error_event = $4, updated_at = now() where name = $1 and generation = $2`, [
    name,
    generation,
    error,
    event,
  ]);
}
