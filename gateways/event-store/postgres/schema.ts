/**
 * The event store's tables and functions. The same SQL runs on a PostgreSQL server and on PGlite.
 *
 * Global order is (transaction_id, seq). Readers only see events whose transaction id is below
 * the oldest transaction still running (pg_snapshot_xmin): a transaction that took a lower seq but
 * commits later can therefore never be skipped — until it ends, nothing at or above its
 * transaction id is visible, and when it has committed its events sort before every later one.
 */
import type { SqlClient } from '../../sql/port.js';

export const NOTIFY_CHANNEL = 'chorus_events';
const SCHEMA_VERSION = 2;
const SCHEMA_LOCK = 'chorus:event-store:schema';

const DDL = /* sql */ `
create table if not exists es_schema (
  version int primary key,
  applied_at timestamptz not null default now()
);

create table if not exists es_streams (
  stream_name text primary key,
  revision bigint not null,
  deleted boolean not null default false
);

create table if not exists es_events (
  transaction_id xid8 not null default pg_current_xact_id(),
  seq bigint generated always as identity,
  event_id uuid not null,
  stream_name text not null,
  revision bigint not null,
  event_type text not null,
  data jsonb not null,
  metadata jsonb not null,
  occurred_at timestamptz not null,
  constraint es_events_pkey primary key (transaction_id, seq),
  constraint es_events_event_id_key unique (event_id),
  constraint es_events_stream_revision_key unique (stream_name, revision)
);

-- Appends a batch in one statement. Returns one row:
--   ok | duplicate      : revision = stream revision after the batch, tx/seq = its last event
--   wrong_expected      : revision = actual revision (-1: no stream)
--   deleted | id_conflict
create or replace function es_append(p_stream text, p_expected text, p_events jsonb)
returns table (status text, revision bigint, tx xid8, seq bigint)
language plpgsql as $$
declare
  v_count int := jsonb_array_length(p_events);
  v_current bigint;
  v_deleted boolean;
  v_created boolean := false;
  v_stored int;
  v_in_stream int;
  v_min bigint;
  v_max bigint;
begin
  -- Serialise writers of this stream BEFORE this transaction writes anything. A transaction id is
  -- assigned at the first write (a row lock counts), so taking the stream's lock first guarantees
  -- that a later writer of the stream gets a higher transaction id than the one it waited for:
  -- per-stream revision order then agrees with the global (transaction_id, seq) order. (With only
  -- the row lock, a waiter can take its id before the holder does, and sort before it.)
  perform pg_advisory_xact_lock(hashtextextended(p_stream, 0));

  -- A batch whose ids are all stored already, as one contiguous run in this stream, is a retry:
  -- answer with the original result and write nothing.
  select count(*)::int, count(*) filter (where e.stream_name = p_stream)::int, min(e.revision), max(e.revision)
    into v_stored, v_in_stream, v_min, v_max
    from es_events e
   where e.event_id in (select (x->>'id')::uuid from jsonb_array_elements(p_events) x);
  if v_stored > 0 then
    if v_stored = v_count and v_in_stream = v_count and v_max - v_min + 1 = v_count then
      return query
        select 'duplicate'::text, e.revision, e.transaction_id, e.seq
          from es_events e where e.stream_name = p_stream and e.revision = v_max;
    else
      return query select 'id_conflict'::text, null::bigint, null::xid8, null::bigint;
    end if;
    return;
  end if;

  -- The advisory lock serialises this stream's writers, so a plain read of its row is stable.
  loop
    select s.revision, s.deleted into v_current, v_deleted
      from es_streams s where s.stream_name = p_stream;
    exit when found;
    if p_expected not in ('any', 'no_stream') then
      return query select 'wrong_expected'::text, -1::bigint, null::xid8, null::bigint;
      return;
    end if;
    insert into es_streams (stream_name, revision) values (p_stream, v_count - 1)
      on conflict (stream_name) do nothing;
    if found then
      v_current := -1;
      v_created := true;
      exit;
    end if;
    -- Only a writer bypassing es_append could have created it meanwhile: read it again.
  end loop;

  if not v_created then
    if v_deleted then
      return query select 'deleted'::text, v_current, null::xid8, null::bigint;
      return;
    end if;
    if p_expected = 'no_stream' or (p_expected ~ '^[0-9]+$' and p_expected::bigint <> v_current) then
      return query select 'wrong_expected'::text, v_current, null::xid8, null::bigint;
      return;
    end if;
    update es_streams s set revision = v_current + v_count where s.stream_name = p_stream;
  end if;

  return query
    with inserted as (
      insert into es_events (event_id, stream_name, revision, event_type, data, metadata, occurred_at)
      select (x.e->>'id')::uuid, p_stream, v_current + x.n, x.e->>'type', x.e->'data', x.e->'metadata',
             (x.e->>'occurredAt')::timestamptz
        from jsonb_array_elements(p_events) with ordinality as x(e, n)
       order by x.n
      returning es_events.seq
    )
    select 'ok'::text, v_current + v_count, pg_current_xact_id(), max(inserted.seq) from inserted;
end;
$$;

create or replace function es_delete_stream(p_stream text, p_expected text)
returns table (status text, revision bigint)
language plpgsql as $$
declare
  v_current bigint;
  v_deleted boolean;
begin
  perform pg_advisory_xact_lock(hashtextextended(p_stream, 0));
  select s.revision, s.deleted into v_current, v_deleted
    from es_streams s where s.stream_name = p_stream;
  if not found then
    if p_expected not in ('any', 'no_stream') then
      return query select 'wrong_expected'::text, -1::bigint;
      return;
    end if;
    insert into es_streams (stream_name, revision, deleted) values (p_stream, -1, true)
      on conflict (stream_name) do update set deleted = true;
    return query select 'ok'::text, -1::bigint;
    return;
  end if;
  if v_deleted then
    return query select 'deleted'::text, v_current;
    return;
  end if;
  if p_expected = 'no_stream' or (p_expected ~ '^[0-9]+$' and p_expected::bigint <> v_current) then
    return query select 'wrong_expected'::text, v_current;
    return;
  end if;
  update es_streams s set deleted = true where s.stream_name = p_stream;
  return query select 'ok'::text, v_current;
end;
$$;
`;

/** Creates or upgrades the schema. Safe to run from several processes at once. */
export async function ensureEventStoreSchema(sql: SqlClient): Promise<void> {
  const current = await sql
    .query<{ version: number }>('select max(version) as version from es_schema')
    .then((rows) => rows[0]?.version ?? 0)
    .catch(() => 0);
  if (current >= SCHEMA_VERSION) return;
  await sql.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [SCHEMA_LOCK]);
    await tx.exec(DDL);
    await tx.query('insert into es_schema (version) values ($1) on conflict do nothing', [SCHEMA_VERSION]);
  });
}
