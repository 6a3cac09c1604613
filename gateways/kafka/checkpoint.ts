/**
 * The relay's checkpoints, in Postgres: per relay name, the position of the last event that the
 * broker acknowledged. It moves compare-and-set, so that even a relay that lost its lock cannot
 * move it backwards or past another's progress.
 */
import type { Position } from '../event-store/port.js';
import type { SqlClient, SqlExecutor } from '../sql/port.js';

const DDL = /* sql */ `
create table if not exists kafka_relay_checkpoints (
  name text primary key,
  position text not null,
  events_published bigint not null default 0,
  updated_at timestamptz not null default now()
);`;

export interface RelayCheckpoint {
  name: string;
  position: Position;
  /** Events acknowledged by the broker over the relay's life (a replayed event counts again). */
  eventsPublished: number;
  updatedAt: Date;
}

/** Raised when the checkpoint is not where this relay left it: another relay moved it. */
export class RelayCheckpointMovedError extends Error {
  override readonly name = 'RelayCheckpointMovedError';
}

export async function ensureRelaySchema(sql: SqlClient): Promise<void> {
  await sql.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', ['chorus:kafka-relay:schema']);
    await tx.exec(DDL);
  });
}

export async function readRelayCheckpoint(sql: SqlExecutor, name: string): Promise<RelayCheckpoint | undefined> {
  const rows = await sql.query<{ name: string; position: string; events_published: string; updated_at: Date }>(
    'select name, position, events_published::text, updated_at from kafka_relay_checkpoints where name = $1',
    [name],
  );
  const row = rows[0];
  return row && { name: row.name, position: row.position, eventsPublished: Number(row.events_published), updatedAt: row.updated_at };
}

/** Moves the checkpoint from `from` (null: none yet) to `to`; RelayCheckpointMovedError when it was elsewhere. */
export async function advanceRelayCheckpoint(
  sql: SqlExecutor,
  name: string,
  from: Position | null,
  to: Position,
  events: number,
): Promise<void> {
  const rows = await sql.query<{ ok: number }>(
    `insert into kafka_relay_checkpoints as c (name, position, events_published) values ($1, $3, $4)
       on conflict (name) do update
         set position = excluded.position, events_published = c.events_published + excluded.events_published, updated_at = now()
       where c.position is not distinct from $2::text
     returning 1 as ok`,
    [name, from, to, events],
  );
  if (rows.length === 0) {
    throw new RelayCheckpointMovedError(`kafka relay ${name}: the checkpoint is no longer at ${from ?? 'the start'}; another relay moved it`);
  }
}
