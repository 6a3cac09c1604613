/**
 * The statements that read one page of the global order (PostgresEventStore#readPage), and which
 * one a filter takes.
 *
 * Every page stops at the horizon (horizon.ts): below it no running transaction can still add an
 * event, so a reader never skips one that commits later.
 *
 * - By event type alone (the projections' filters): the `(event_type, transaction_id, seq)` index
 *   gives each type's next events in order; the page is the first `limit` of their merge, found
 *   from the index alone, and only those rows are read whole. A sparse filter reads its own events
 *   and nothing else: on the projections benchmark's history of 1,000,000 events, the users
 *   projection's 16 types hold 95,000 of them, which a walk of the global order read in full.
 * - Otherwise (stream prefixes, or no filter) the global order is walked in primary key order —
 *   the planner cannot be tempted into sorting everything that follows — up to the limit and, with
 *   a filter, within a window of it: `b` finds the window's last event from the primary key alone.
 *   Nothing is materialised but the two bounds, so a dense filter stops after about `limit` rows
 *   and a sparse one reads each row of the window once.
 */
import type { SqlParam } from '../../sql/port.js';
import { horizonSql } from './horizon.js';

export const EVENT_COLUMNS = /* sql */ `
  es_events.transaction_id::text as pos_tx, es_events.seq::text as pos_seq, es_events.event_id::text as id,
  es_events.stream_name, es_events.revision::text as rev, es_events.event_type, es_events.data,
  es_events.metadata, to_json(es_events.occurred_at at time zone 'UTC') as occurred_at`;

/** With a filter by stream, this many events are scanned per page, in position order, and then filtered. */
const FILTER_WINDOW = 5_000;

/** The horizon, and whether a transaction of another database holds it back; `$n`: the known foreign transactions. */
const horizonCte = (n: number) => /* sql */ `
  h as materialized (
    select x.horizon,
           coalesce((select m.transaction_id from es_events m order by m.transaction_id desc limit 1) >= x.horizon, false) as held_back
      from (select ${horizonSql(n)} as horizon) x
  )`;

/** $1/$2 cursor, $3 limit, $4 stream LIKE patterns, $5 types, $6 window, $7 foreign transactions. */
const READ_PAGE = /* sql */ `
  with ${horizonCte(7)},
  b as materialized (
    select e.transaction_id, e.seq from es_events e
     where $6::int is not null
       and (e.transaction_id, e.seq) > ($1::text::xid8, $2::bigint)
       and e.transaction_id < (select h.horizon from h)
     order by e.transaction_id, e.seq
     offset $6::int - 1 limit 1
  )
  select h.horizon::text as horizon, h.held_back, b.transaction_id::text || ':' || b.seq::text as window_end, m.*
    from h
    left join b on true
    left join lateral (
      select ${EVENT_COLUMNS}
        from es_events
       where (es_events.transaction_id, es_events.seq) > ($1::text::xid8, $2::bigint)
         and es_events.transaction_id < h.horizon
         and (es_events.transaction_id, es_events.seq) <= (coalesce(b.transaction_id, h.horizon), coalesce(b.seq, 0))
         and ($4::text[] is null or es_events.stream_name like any ($4::text[]))
         and ($5::text[] is null or es_events.event_type = any ($5::text[]))
       order by es_events.transaction_id, es_events.seq
       limit $3
    ) m on true`;

/** $1/$2 cursor, $3 limit, $4 types (distinct), $5 foreign transactions. */
const READ_PAGE_BY_TYPE = /* sql */ `
  with ${horizonCte(5)}
  select h.horizon::text as horizon, h.held_back, null::text as window_end, m.*
    from h
    left join lateral (
      select ${EVENT_COLUMNS}
        from (
          select p.tx, p.seq
            from unnest($4::text[]) as k(event_type)
           cross join lateral (
             select i.transaction_id as tx, i.seq
               from es_events i
              where i.event_type = k.event_type
                and (i.transaction_id, i.seq) > ($1::text::xid8, $2::bigint)
                and i.transaction_id < h.horizon
              order by i.transaction_id, i.seq
              limit $3
           ) p
           order by p.tx, p.seq
           limit $3
        ) f
        join es_events on es_events.transaction_id = f.tx and es_events.seq = f.seq
       order by es_events.transaction_id, es_events.seq
    ) m on true`;

/** The statement and parameters of one page after the cursor (`major`, `minor`). */
export function pageQuery(
  major: string,
  minor: string,
  limit: number,
  likePatterns: readonly string[] | undefined,
  eventTypes: readonly string[] | undefined,
  foreignTransactions: readonly string[],
): { text: string; params: SqlParam[] } {
  const byStream = likePatterns !== undefined && likePatterns.length > 0;
  const byType = eventTypes !== undefined && eventTypes.length > 0;
  if (byType && !byStream) return { text: READ_PAGE_BY_TYPE, params: [major, minor, limit, [...new Set(eventTypes)], foreignTransactions] };
  const window = byStream || byType ? Math.max(FILTER_WINDOW, limit) : null;
  return { text: READ_PAGE, params: [major, minor, limit, byStream ? likePatterns : null, byType ? [...eventTypes] : null, window, foreignTransactions] };
}
