/** The example's two tables, in the analyst's own Postgres database. */
import type pg from 'pg';

export const DDL = /* sql */ `
create table if not exists plays_per_hour (
  hour timestamptz not null,       -- the UTC hour of playedAt
  track_id text not null,
  plays bigint not null,           -- TrackPlayed events of this track in this hour with msPlayed >= 30,000
  primary key (hour, track_id)
);
-- Every TrackPlayed event counted (or judged too short), by id: a second delivery finds its id here.
create table if not exists plays_per_hour_events (
  event_id uuid primary key,
  counted boolean not null,
  received_at timestamptz not null default now()
);`;

export async function ensureSchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', ['plays-per-hour:schema']);
    await client.query(DDL);
  } finally {
    await client.query('select pg_advisory_unlock(hashtext($1))', ['plays-per-hour:schema']).catch(() => undefined);
    client.release();
  }
}

export interface HourRow {
  hour: string;
  trackId: string;
  plays: number;
}

export async function readTable(pool: pg.Pool): Promise<HourRow[]> {
  const { rows } = await pool.query<{ hour: Date; track_id: string; plays: string }>(
    'select hour, track_id, plays from plays_per_hour order by hour, track_id',
  );
  return rows.map((row) => ({ hour: row.hour.toISOString(), trackId: row.track_id, plays: Number(row.plays) }));
}
