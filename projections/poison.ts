/**
 * Poison events: events a projection cannot apply because of what they hold (a value the database
 * refuses, data its code cannot read), as opposed to failures of the way there (a lost connection,
 * a deadlock), which resume from the checkpoint, and to bugs of the projection itself (SQL that
 * does not compile, a half-applied cache transaction), which stop it.
 *
 * A poison event is skipped, not fatal: the runner records it here (in the same transaction as the
 * checkpoint that passes it, for a SQL projection), counts it, logs it and goes on, so one user's
 * bad data never stops a read model for everyone else. A rebuild meets and skips the same events.
 */
import { CacheWriteError } from '../gateways/cache/port.js';
import type { Position, RecordedEvent } from '../gateways/event-store/port.js';
import { SqlConnectionError, SqlError, type SqlExecutor } from '../gateways/sql/port.js';

export type ApplyFailure = 'poison' | 'transient' | 'fatal';

/**
 * SQLSTATE classes (the first two characters) raised by the data of a statement: data exceptions
 * (22: an invalid value, a NUL byte), integrity constraints (23), program limits (54: an index row
 * too large). The same event fails the same way every time.
 */
const DATA_CLASSES = new Set(['22', '23', '54']);
/**
 * Classes of passing trouble: connection (08), rollbacks (40: serialization failure, deadlock),
 * resources (53), locks (55), cancellation and shutdown (57), system errors (58).
 */
const PASSING_CLASSES = new Set(['08', '40', '53', '55', '57', '58']);

/** What a failure of `apply` on a batch means. */
export function classifyApplyFailure(error: unknown): ApplyFailure {
  if (error instanceof SqlConnectionError) return 'transient';
  if (error instanceof CacheWriteError) return 'fatal';
  if (error instanceof SqlError) {
    const cls = error.sqlState?.slice(0, 2) ?? '';
    if (DATA_CLASSES.has(cls)) return 'poison';
    if (PASSING_CLASSES.has(cls)) return 'transient';
    return 'fatal';
  }
  // The projection's own code threw on what the event holds (a malformed payload).
  return 'poison';
}

/**
 * How many poison events in a row (with nothing applied between them) mean the projection itself
 * is broken rather than the data: it then stops, as on a fatal failure.
 */
export const MAX_CONSECUTIVE_POISON = 20;

/** The error as an operator may see it: its class and SQLSTATE, never SQL text or values. */
export function poisonSummary(error: unknown): string {
  if (error instanceof SqlError) return `database refused a value (SQLSTATE ${error.sqlState ?? 'unknown'})`;
  return `the projection could not read the event (${error instanceof Error ? error.name : typeof error})`;
}

export const POISON_DDL = /* sql */ `
create table if not exists projection_poison_events (
  name text not null,
  generation int not null,
  event_id text not null,
  event_type text not null,
  stream text not null,
  position text not null,
  summary text not null,
  detail text not null,
  recorded_at timestamptz not null default now(),
  primary key (name, generation, event_id)
);`;

export interface PoisonRecord {
  name: string;
  generation: number;
  eventId: string;
  eventType: string;
  stream: string;
  position: Position;
  /** Safe to show anywhere (no SQL text, no values). */
  summary: string;
  /** The full error, for operators (CLI status and logs only). */
  detail: string;
  recordedAt: Date;
}

export async function recordPoison(sql: SqlExecutor, name: string, generation: number, event: RecordedEvent, error: unknown): Promise<void> {
  const detail = error instanceof Error ? error.message : String(error);
  await sql.query(
    `insert into projection_poison_events (name, generation, event_id, event_type, stream, position, summary, detail)
     values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing`,
    [name, generation, event.id, event.type, event.stream, event.position, poisonSummary(error), detail.slice(0, 2_000)],
  );
}

/** The poison events of a projection (all generations, or one), oldest first. */
export async function listPoison(sql: SqlExecutor, name?: string, generation?: number): Promise<PoisonRecord[]> {
  const rows = await sql.query<{
    name: string;
    generation: number;
    event_id: string;
    event_type: string;
    stream: string;
    position: string;
    summary: string;
    detail: string;
    recorded_at: Date;
  }>(
    `select * from projection_poison_events
      where ($1::text is null or name = $1) and ($2::int is null or generation = $2)
      order by recorded_at, event_id`,
    [name ?? null, generation ?? null],
  );
  return rows.map((r) => ({
    name: r.name,
    generation: r.generation,
    eventId: r.event_id,
    eventType: r.event_type,
    stream: r.stream,
    position: r.position,
    summary: r.summary,
    detail: r.detail,
    recordedAt: r.recorded_at,
  }));
}

/** Poison events per generation, keyed `name#generation`. */
export async function countPoison(sql: SqlExecutor): Promise<Map<string, number>> {
  const rows = await sql.query<{ name: string; generation: number; n: number }>(
    `select name, generation, count(*)::int as n from projection_poison_events group by name, generation`,
  );
  return new Map(rows.map((r) => [`${r.name}#${r.generation}`, r.n]));
}
