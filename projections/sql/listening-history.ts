/**
 * The `listening-history` read model: every play, newest first per user by when it was played
 * (an offline play arriving late takes its place by `playedAt`, not by arrival).
 *
 * This is the busiest projection (most events are TrackPlayed), so a batch is one INSERT of
 * unnest()ed columns, and the table has one index: the primary key (user_id, played_at,
 * event_id), which serves the history query and makes the event id the row's key, so that a
 * replayed event (which the runner never delivers twice) would change nothing.
 */
import type { ListenEvent, PlayContext } from '../../domain/listens/events.js';
import { assertNever } from '../../domain/shared/decider.js';
import { reject } from '../../domain/shared/errors.js';
import type { SqlExecutor } from '../../gateways/sql/port.js';
import { eventTypes, sqlProjection } from '../projection.js';
import { clampLimit, iso } from './paging.js';

export const listeningHistoryProjection = sqlProjection<ListenEvent>({
  kind: 'sql',
  name: 'listening-history',
  version: 1,
  handles: eventTypes<ListenEvent>({ TrackPlayed: true }),
  tables: {
    listening_history: (t) => /* sql */ `
      create table ${t} (
        user_id text not null,
        played_at timestamptz not null,
        event_id uuid not null,
        track_id text not null,
        ms_played int not null,
        context_type text,
        context_id text,
        device_id text,
        primary key (user_id, played_at, event_id)
      );`,
  },
  async apply(tx, events, tables) {
    const cols = { id: [] as string[], user: [] as string[], track: [] as string[], at: [] as string[], ms: [] as number[] };
    // Ids are never empty (the deciders check them), so '' stands for "none" in text arrays.
    const opt = { contextType: [] as string[], contextId: [] as string[], device: [] as string[] };
    for (const e of events) {
      if (e.type !== 'TrackPlayed') assertNever(e.type);
      const play = e.data;
      cols.id.push(e.id);
      cols.user.push(play.userId);
      cols.track.push(play.trackId);
      cols.at.push(play.playedAt);
      cols.ms.push(play.msPlayed);
      opt.contextType.push(play.context?.type ?? '');
      opt.contextId.push(play.context?.id ?? '');
      opt.device.push(play.deviceId ?? '');
    }
    if (cols.id.length === 0) return;
    await tx.query(
      `insert into ${tables.listening_history} (event_id, user_id, track_id, played_at, ms_played, context_type, context_id, device_id)
       select i.id, i.user_id, i.track_id, i.played_at, i.ms, nullif(i.ctype, ''), nullif(i.cid, ''), nullif(i.device, '')
         from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::text[], $7::text[], $8::text[])
              as i(id, user_id, track_id, played_at, ms, ctype, cid, device)
       on conflict do nothing`,
      [cols.id, cols.user, cols.track, cols.at, cols.ms, opt.contextType, opt.contextId, opt.device],
    );
  },
});

// ---- queries (read the `listening_history` view)

export interface Play {
  eventId: string;
  trackId: string;
  playedAt: string;
  msPlayed: number;
  context?: PlayContext;
  deviceId?: string;
}

export interface HistoryPage {
  items: Play[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  next?: string;
}

export interface HistoryOptions {
  limit?: number;
  /**
   * Plays strictly older than this: an ISO-8601 time, or the `next` cursor of the previous page
   * (which also tells apart plays with the same `playedAt`).
   */
  before?: string;
}

interface PlayRow {
  event_id: string;
  track_id: string;
  played_at: Date;
  ms_played: number;
  context_type: PlayContext['type'] | null;
  context_id: string | null;
  device_id: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An upper bound that sorts after every event id with the same played_at. */
const MAX_UUID = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

function parseBefore(before: string | undefined): { at: string; id: string } | undefined {
  if (before === undefined) return undefined;
  const [time, id, ...rest] = typeof before === 'string' ? before.split('|') : [];
  const ms = time === undefined ? Number.NaN : Date.parse(time);
  if (Number.isNaN(ms) || rest.length > 0 || (id !== undefined && !UUID.test(id))) {
    return reject('VALIDATION_FAILED', `before must be an ISO-8601 time or a cursor from a previous page, got ${JSON.stringify(before)}`);
  }
  // A bare time means "strictly before it": every play at that very time is excluded too.
  return id === undefined ? { at: new Date(ms).toISOString(), id: '00000000-0000-0000-0000-000000000000' } : { at: new Date(ms).toISOString(), id };
}

/** `userId`'s plays, newest first by playedAt. */
export async function history(sql: SqlExecutor, userId: string, options: HistoryOptions = {}): Promise<HistoryPage> {
  const limit = clampLimit(options.limit);
  const cursor = parseBefore(options.before) ?? { at: 'infinity', id: MAX_UUID };
  const rows = await sql.query<PlayRow>(
    `select h.event_id::text as event_id, h.track_id, h.played_at, h.ms_played, h.context_type, h.context_id, h.device_id
       from listening_history h
      where h.user_id = $1 and (h.played_at, h.event_id) < ($2::timestamptz, $3::uuid)
      order by h.played_at desc, h.event_id desc
      limit $4`,
    [userId, cursor.at, cursor.id, limit + 1],
  );
  const items = rows.slice(0, limit).map(toPlay);
  const last = items[items.length - 1];
  return rows.length > limit && last ? { items, next: `${last.playedAt}|${last.eventId}` } : { items };
}

function toPlay(row: PlayRow): Play {
  const play: Play = { eventId: row.event_id, trackId: row.track_id, playedAt: iso(row.played_at), msPlayed: row.ms_played };
  if (row.context_type !== null) play.context = row.context_id === null ? { type: row.context_type } : { type: row.context_type, id: row.context_id };
  if (row.device_id !== null) play.deviceId = row.device_id;
  return play;
}
