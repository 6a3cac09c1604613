/**
 * The event store's tables and functions. The same SQL runs on a PostgreSQL server and on PGlite.
 *
 * Global order is (transaction_id, seq). Readers only see events whose transaction id is below
 * the oldest transaction still running that may write here (store.ts, horizonSql: the snapshot's
 * running transactions but those of other databases): a transaction that took a lower seq but
 * commits later can therefore never be skipped — until it ends, nothing at or above its
 * transaction id is visible, and when it has committed its events sort before every later one.
 */
import type { SqlClient } from '../../sql/port.js';

export const NOTIFY_CHANNEL = 'chorus_events';
// 5: the append functions always run generic plans (see es_append_locked).
// 6: es_append_many writes the usual group by set, not append by append.
// 7: an index of events by type. 8: es_append_many looks up each stream's revision once.
const SCHEMA_VERSION = 8;
const SCHEMA_LOCK = 'chorus:event-store:schema';

const DDL = /* sql */ `
create table if not exists es_schema (
  version int primary key,
  applied_at timestamptz not null default now()
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

-- Reads filtered by event type (the projections' subscriptions) walk each type's events in the
-- global order (read-page.ts). Added in schema version 7.
create index if not exists es_events_type_position on es_events (event_type, transaction_id, seq);

-- Deleted streams (rare). A stream's revision is not stored: it is the highest revision of its
-- events, read through the (stream_name, revision) index while holding the stream's lock.
create table if not exists es_tombstones (
  stream_name text primary key,
  revision bigint not null,
  deleted_at timestamptz not null default now()
);

-- Processes with open subscriptions, so that appenders notify only when someone else listens.
create table if not exists es_listeners (
  listener_id uuid primary key,
  heartbeat_at timestamptz not null
);

-- Schema 2 kept a row per stream; only its tombstones carry over.
do $$
begin
  if to_regclass('es_streams') is not null then
    insert into es_tombstones (stream_name, revision)
      select stream_name, revision from es_streams where deleted
      on conflict do nothing;
    drop table es_streams;
  end if;
end $$;

-- Appends a batch to a stream whose lock the caller holds. Returns one row:
--   ok | duplicate      : revision = stream revision after the batch, tx/seq = its last event
--   wrong_expected      : revision = actual revision (-1: no stream)
--   deleted | id_conflict
-- Its statements run with generic plans: left to choose, Postgres plans the id pre-check anew on
-- every call (a custom plan), which costs several times what the whole append does otherwise.
-- Every statement looks rows up by an index whatever the values, so one plan serves them all.
create or replace function es_append_locked(p_stream text, p_expected text, p_events jsonb)
returns table (status text, revision bigint, tx xid8, seq bigint)
language plpgsql
set plan_cache_mode = force_generic_plan
as $fn$
declare
  v_count int := jsonb_array_length(p_events);
  v_current bigint;
  v_stored int;
  v_in_stream int;
  v_min bigint;
  v_max bigint;
begin
  -- A batch whose ids are all stored already, as one contiguous run in this stream, is a retry:
  -- answer with the original result and write nothing.
  select count(*)::int, count(*) filter (where e.stream_name = p_stream)::int, min(e.revision), max(e.revision)
    into v_stored, v_in_stream, v_min, v_max
    from es_events e
   where e.event_id = any (array(select (x->>'id')::uuid from jsonb_array_elements(p_events) x));
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

  if exists (select 1 from es_tombstones t where t.stream_name = p_stream) then
    return query select 'deleted'::text, null::bigint, null::xid8, null::bigint;
    return;
  end if;

  select coalesce(max(e.revision), -1) into v_current from es_events e where e.stream_name = p_stream;
  if (p_expected = 'no_stream' and v_current <> -1)
     or (p_expected = 'exists' and v_current = -1)
     or (p_expected ~ '^[0-9]+$' and p_expected::bigint <> v_current) then
    return query select 'wrong_expected'::text, v_current, null::xid8, null::bigint;
    return;
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
$fn$;

-- One append. Serialises the writers of the stream BEFORE this transaction writes anything: a
-- transaction id is assigned at the first write (a row lock counts), so taking the stream's lock
-- first guarantees that a later writer of the stream gets a higher transaction id than the one it
-- waited for, and per-stream revision order agrees with the global (transaction_id, seq) order.
-- (With a row lock instead, a waiter can take its id before the holder does, and sort before it.)
create or replace function es_append(p_stream text, p_expected text, p_events jsonb)
returns table (status text, revision bigint, tx xid8, seq bigint)
language plpgsql
set plan_cache_mode = force_generic_plan
as $fn$
begin
  perform pg_advisory_xact_lock(hashtextextended(p_stream, 0));
  return query select * from es_append_locked(p_stream, p_expected, p_events);
end;
$fn$;

-- Several appends in one transaction (group commit): p_appends is [{s, e, ev}, ...]. Every
-- stream's lock is taken first, in the order of the lock keys (so two groups cannot deadlock),
-- then the appends run in the given order; each answers for itself (a wrong expected revision
-- does not fail the others). Returns a row per append, by its index.
--
-- The usual group (each stream once, none deleted, no event id stored before) is written by set:
-- one look-up of every stream's revision, one insert of every event, in the given order. The
-- look-ups are materialised: inlined, each ran once per use of the revision in the check (twice a
-- stream, a quarter of the function's time, seen with auto_explain). Any other
-- group (a retry, a stream twice, a deleted stream) goes append by append (es_append_locked),
-- which tells those cases apart.
create or replace function es_append_many(p_appends jsonb)
returns table (idx int, status text, revision bigint, tx xid8, seq bigint)
language plpgsql
set plan_cache_mode = force_generic_plan
as $fn$
declare
  v_key bigint;
  v_append record;
  v_streams text[];
begin
  for v_key in
    select distinct hashtextextended(a->>'s', 0) from jsonb_array_elements(p_appends) a order by 1
  loop
    perform pg_advisory_xact_lock(v_key);
  end loop;
  v_streams := array(select a->>'s' from jsonb_array_elements(p_appends) a);
  if cardinality(v_streams) = (select count(distinct s) from unnest(v_streams) s)
     and not exists (select 1 from es_tombstones t where t.stream_name = any (v_streams))
     and not exists (
       select 1 from es_events e
        where e.event_id = any (array(
          select (x->>'id')::uuid from jsonb_array_elements(p_appends) a, jsonb_array_elements(a->'ev') x))
     ) then
    return query
      with a as materialized (
        select (x.n - 1)::int as i, x.a->>'s' as s, x.a->>'e' as e, x.a->'ev' as ev,
               jsonb_array_length(x.a->'ev') as cnt,
               coalesce((select max(m.revision) from es_events m where m.stream_name = x.a->>'s'), -1) as cur
          from jsonb_array_elements(p_appends) with ordinality as x(a, n)
      ), checked as (
        select a.*,
               not ((a.e = 'no_stream' and a.cur <> -1)
                    or (a.e = 'exists' and a.cur = -1)
                    or (a.e ~ '^[0-9]+$' and a.e::bigint <> a.cur)) as ok
          from a
      ), inserted as (
        insert into es_events (event_id, stream_name, revision, event_type, data, metadata, occurred_at)
        select (v.e->>'id')::uuid, c.s, c.cur + v.n, v.e->>'type', v.e->'data', v.e->'metadata',
               (v.e->>'occurredAt')::timestamptz
          from checked c, jsonb_array_elements(c.ev) with ordinality as v(e, n)
         where c.ok
         order by c.i, v.n
        returning es_events.stream_name, es_events.seq
      ), last as (
        select inserted.stream_name, max(inserted.seq) as seq from inserted group by inserted.stream_name
      )
      select c.i,
             case when c.ok then 'ok' else 'wrong_expected' end,
             case when c.ok then c.cur + c.cnt else c.cur end,
             case when c.ok then pg_current_xact_id() end,
             l.seq
        from checked c left join last l on l.stream_name = c.s
       order by c.i;
    return;
  end if;
  for v_append in
    select x.a, (x.n - 1)::int as i from jsonb_array_elements(p_appends) with ordinality as x(a, n) order by x.n
  loop
    return query
      select v_append.i, r.status, r.revision, r.tx, r.seq
        from es_append_locked(v_append.a->>'s', v_append.a->>'e', v_append.a->'ev') r;
  end loop;
end;
$fn$;

create or replace function es_delete_stream(p_stream text, p_expected text)
returns table (status text, revision bigint)
language plpgsql as $fn$
declare
  v_current bigint;
begin
  perform pg_advisory_xact_lock(hashtextextended(p_stream, 0));
  if exists (select 1 from es_tombstones t where t.stream_name = p_stream) then
    return query select 'deleted'::text, null::bigint;
    return;
  end if;
  select coalesce(max(e.revision), -1) into v_current from es_events e where e.stream_name = p_stream;
  if (p_expected = 'no_stream' and v_current <> -1)
     or (p_expected = 'exists' and v_current = -1)
     or (p_expected ~ '^[0-9]+$' and p_expected::bigint <> v_current) then
    return query select 'wrong_expected'::text, v_current;
    return;
  end if;
  insert into es_tombstones (stream_name, revision) values (p_stream, v_current);
  return query select 'ok'::text, v_current;
end;
$fn$;
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
