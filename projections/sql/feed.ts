/**
 * The `feed` read model (friend activity): each user's latest play, one row per user. "Latest"
 * is by playedAt, so an offline play that arrives after a newer one never replaces it; two plays
 * with the same playedAt go to the later event, so rebuilding in batches of any size gives the
 * same rows. The feed of a user joins whom they follow (the `users` projection's `user_follows`
 * view) with these rows when it is asked, so follows and plays never wait for each other.
 */
import type { ListenEvent, TrackPlayed } from '../../domain/listens/events.js';
import { assertNever } from '../../domain/shared/decider.js';
import type { SqlExecutor } from '../../gateways/sql/port.js';
import { eventTypes, sqlProjection } from '../projection.js';
import { clampLimit, iso } from './paging.js';

export const feedProjection = sqlProjection<ListenEvent>({
  kind: 'sql',
  name: 'feed',
  version: 1,
  handles: eventTypes<ListenEvent>({ TrackPlayed: true }),
  tables: {
    latest_plays: (t) => /* sql */ `
      create table ${t} (
        user_id text primary key,
        track_id text not null,
        played_at timestamptz not null,
        event_id uuid not null
      );`,
  },
  async apply(tx, events, tables) {
    // The batch's latest play per user (a later event wins a tie), then one upsert that keeps
    // a stored play that is newer.
    const latest = new Map<string, { play: TrackPlayed['data']; at: number; id: string }>();
    for (const e of events) {
      switch (e.type) {
        case 'TrackPlayed': {
          const play = e.data;
          const at = Date.parse(play.playedAt);
          const current = latest.get(play.userId);
          if (!current || at >= current.at) latest.set(play.userId, { play, at, id: e.id });
          break;
        }
        default:
          assertNever(e.type);
      }
    }
    if (latest.size === 0) return;
    const t = tables.latest_plays!;
    const rows = [...latest.values()];
    await tx.query(
      `insert into ${t} (user_id, track_id, played_at, event_id)
       select * from unnest($1::text[], $2::text[], $3::timestamptz[], $4::uuid[])
       on conflict (user_id) do update
         set track_id = excluded.track_id, played_at = excluded.played_at, event_id = excluded.event_id
         where excluded.played_at >= ${t}.played_at`,
      [rows.map((r) => r.play.userId), rows.map((r) => r.play.trackId), rows.map((r) => r.play.playedAt), rows.map((r) => r.id)],
    );
  },
});

// ---- queries (read the `latest_plays` view, and `user_follows` and `users` of the users projection)

export interface FriendActivity {
  userId: string;
  displayName?: string;
  trackId: string;
  playedAt: string;
}

/** What the people `userId` follows played last, newest first. */
export async function feed(sql: SqlExecutor, userId: string, options: { limit?: number } = {}): Promise<FriendActivity[]> {
  const rows = await sql.query<{ user_id: string; display_name: string | null; track_id: string; played_at: Date }>(
    `select l.user_id, u.display_name, l.track_id, l.played_at
       from user_follows f
       join latest_plays l on l.user_id = f.followee_id
       left join users u on u.user_id = l.user_id
      where f.follower_id = $1
      order by l.played_at desc, l.user_id
      limit $2`,
    [userId, clampLimit(options.limit)],
  );
  return rows.map((r) =>
    r.display_name === null
      ? { userId: r.user_id, trackId: r.track_id, playedAt: iso(r.played_at) }
      : { userId: r.user_id, displayName: r.display_name, trackId: r.track_id, playedAt: iso(r.played_at) },
  );
}

/** The projections `feed` reads: wait for both before answering a read-your-writes query. */
export const FEED_READS = ['feed', 'users'] as const;
