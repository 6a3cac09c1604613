/**
 * The `users` read model: every registered user (id, display name, registration time) with the
 * follower and following counts kept in the row, and the follower graph of follows.ts, which
 * belongs to this projection so that the counts move in the same transaction as the edges.
 */
import { USER_EVENT_TYPES, type UserRegistered } from '../../domain/user/events.js';
import type { RecordedEvent } from '../../gateways/event-store/port.js';
import type { SqlExecutor } from '../../gateways/sql/port.js';
import type { SqlProjection } from '../projection.js';
import { FOLLOW_TABLES, applyFollowGraph } from './follows.js';
import { idList, iso } from './paging.js';

export const usersProjection: SqlProjection = {
  kind: 'sql',
  name: 'users',
  version: 1,
  handles: USER_EVENT_TYPES,
  tables: {
    users: (t) => /* sql */ `
      create table ${t} (
        user_id text primary key,
        display_name text not null,
        registered_at timestamptz not null,
        followers int not null default 0,
        following int not null default 0
      );`,
    ...FOLLOW_TABLES,
  },
  async apply(tx, events, tables) {
    // A user registers before anyone can follow them or they follow anyone (the deciders check
    // both), so registrations first, then the graph, keeps the batch's order.
    await applyRegistrations(tx, events, tables.users!);
    await applyFollowGraph(tx, events, tables);
  },
};

async function applyRegistrations(tx: SqlExecutor, events: readonly RecordedEvent[], table: string): Promise<void> {
  const ids: string[] = [];
  const names: string[] = [];
  const times: string[] = [];
  for (const e of events) {
    if (e.type !== 'UserRegistered') continue;
    const data = e.data as unknown as UserRegistered['data'];
    ids.push(data.userId);
    names.push(data.displayName);
    times.push(data.registeredAt);
  }
  if (ids.length === 0) return;
  // Registering again records nothing (decider), so a user's first registration is the one.
  await tx.query(
    `insert into ${table} (user_id, display_name, registered_at)
     select * from unnest($1::text[], $2::text[], $3::timestamptz[])
     on conflict (user_id) do nothing`,
    [ids, names, times],
  );
}

// ---- queries (read the `users` view)

export interface User {
  id: string;
  displayName: string;
  registeredAt: string;
  followers: number;
  following: number;
}

interface UserRow {
  user_id: string;
  display_name: string;
  registered_at: Date;
  followers: number;
  following: number;
}

export async function getUser(sql: SqlExecutor, id: string): Promise<User | undefined> {
  const [row] = await sql.query<UserRow>(
    `select user_id, display_name, registered_at, followers, following from users where user_id = $1`,
    [id],
  );
  return row && { id: row.user_id, displayName: row.display_name, registeredAt: iso(row.registered_at), followers: row.followers, following: row.following };
}

/** Which of `ids` are registered users (at most 1,000 ids per call). */
export async function usersExist(sql: SqlExecutor, ids: readonly string[]): Promise<ReadonlySet<string>> {
  const wanted = idList(ids);
  if (wanted.length === 0) return new Set();
  const rows = await sql.query<{ user_id: string }>(`select user_id from users where user_id = any ($1::text[])`, [wanted]);
  return new Set(rows.map((r) => r.user_id));
}
