/**
 * The `users` read model: every registered user (id, display name, username of a local account,
 * role, plan, country, registration time; removed users kept, marked) with the
 * follower and following counts kept in the row, and the follower graph of follows.ts, which
 * belongs to this projection so that the counts move in the same transaction as the edges.
 */
import { assertNever } from '../../domain/shared/decider.js';
import type { Plan, Role, UserEvent } from '../../domain/user/events.js';
import type { SqlExecutor } from '../../gateways/sql/port.js';
import { eventTypes, sqlProjection, type Recorded } from '../projection.js';
import { FOLLOW_TABLES, applyFollowGraph } from './follows.js';
import { clampLimit, clampOffset, idList, iso, type Page, type PageOptions } from './paging.js';

export const usersProjection = sqlProjection<UserEvent>({
  kind: 'sql',
  name: 'users',
  // 3: liked albums (album_likes).
  version: 3,
  handles: eventTypes<UserEvent>({
    UserRegistered: true,
    UserFollowed: true,
    UserUnfollowed: true,
    ArtistFollowed: true,
    ArtistUnfollowed: true,
    PlaylistFollowed: true,
    PlaylistUnfollowed: true,
    TrackLiked: true,
    TrackUnliked: true,
    AlbumLiked: true,
    AlbumUnliked: true,
    UserPlanChanged: true,
    UserCountryChanged: true,
    UserRoleChanged: true,
    UserProfileChanged: true,
    UserRemoved: true,
  }),
  tables: {
    users: (t) => /* sql */ `
      create table ${t} (
        user_id text primary key,
        display_name text not null,
        username text,
        role text not null default 'user',
        plan text not null default 'free',
        country text,
        registered_at timestamptz not null,
        removed_at timestamptz,
        followers int not null default 0,
        following int not null default 0
      );`,
    ...FOLLOW_TABLES,
  },
  async apply(tx, events, tables) {
    // A user registers before anyone can follow them or they follow anyone (the deciders check
    // both), so registrations first, then the graph, keeps the batch's order.
    await applyRegistrations(tx, events, tables.users!);
    await applyChanges(tx, events, tables.users!);
    await applyFollowGraph(tx, events, tables);
  },
});

async function applyRegistrations(tx: SqlExecutor, events: readonly Recorded<UserEvent>[], table: string): Promise<void> {
  const columns = { ids: [] as string[], names: [] as string[], times: [] as string[], usernames: [] as (string | null)[] };
  const roles: string[] = [];
  const plans: string[] = [];
  const countries: (string | null)[] = [];
  for (const e of events) {
    if (e.type !== 'UserRegistered') continue;
    const data = e.data;
    columns.ids.push(data.userId);
    columns.names.push(data.displayName);
    columns.times.push(data.registeredAt);
    columns.usernames.push(data.username ?? null);
    roles.push(data.role ?? 'user');
    plans.push(data.plan ?? 'free');
    countries.push(data.country ?? null);
  }
  if (columns.ids.length === 0) return;
  // Registering again records nothing (decider), so a user's first registration is the one.
  await tx.query(
    `insert into ${table} (user_id, display_name, registered_at, username, role, plan, country)
     select * from unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[])
     on conflict (user_id) do nothing`,
    [columns.ids, columns.names, columns.times, columns.usernames, roles, plans, countries],
  );
}

/** Role, plan, country, display name and removal, one statement per event in the batch's order (they are rare). */
async function applyChanges(tx: SqlExecutor, events: readonly Recorded<UserEvent>[], table: string): Promise<void> {
  for (const event of events) {
    switch (event.type) {
      case 'UserRoleChanged':
        await tx.query(`update ${table} set role = $2 where user_id = $1`, [event.data.userId, event.data.role]);
        break;
      case 'UserPlanChanged':
        await tx.query(`update ${table} set plan = $2 where user_id = $1`, [event.data.userId, event.data.plan]);
        break;
      case 'UserCountryChanged':
        await tx.query(`update ${table} set country = $2 where user_id = $1`, [event.data.userId, event.data.country]);
        break;
      case 'UserProfileChanged':
        await tx.query(`update ${table} set display_name = $2 where user_id = $1`, [event.data.userId, event.data.displayName]);
        break;
      case 'UserRemoved':
        await tx.query(`update ${table} set removed_at = $2 where user_id = $1`, [event.data.userId, event.data.at]);
        break;
      case 'UserRegistered': // applyRegistrations
      case 'UserFollowed': // the follow graph (follows.ts), from here on
      case 'UserUnfollowed':
      case 'ArtistFollowed':
      case 'ArtistUnfollowed':
      case 'PlaylistFollowed':
      case 'PlaylistUnfollowed':
      case 'TrackLiked':
      case 'TrackUnliked':
      case 'AlbumLiked':
      case 'AlbumUnliked':
        break;
      default:
        assertNever(event);
    }
  }
}

// ---- queries (read the `users` view)

export interface User {
  id: string;
  displayName: string;
  /** The name a local account signs in with (none for users of dev tokens or an identity provider). */
  username?: string;
  role: Role;
  plan: Plan;
  country: string | null;
  registeredAt: string;
  followers: number;
  following: number;
}

interface UserRow {
  user_id: string;
  display_name: string;
  username: string | null;
  role: Role;
  plan: Plan;
  country: string | null;
  registered_at: Date;
  followers: number;
  following: number;
}

const USER_COLUMNS = 'user_id, display_name, username, role, plan, country, registered_at, followers, following';

function toUser(row: UserRow): User {
  return {
    id: row.user_id,
    displayName: row.display_name,
    ...(row.username ? { username: row.username } : {}),
    role: row.role,
    plan: row.plan,
    country: row.country,
    registeredAt: iso(row.registered_at),
    followers: row.followers,
    following: row.following,
  };
}

/** A registered user who has not been removed. */
export async function getUser(sql: SqlExecutor, id: string): Promise<User | undefined> {
  const [row] = await sql.query<UserRow>(`select ${USER_COLUMNS} from users where user_id = $1 and removed_at is null`, [id]);
  return row && toUser(row);
}

/** Every user who has not been removed, in registration order (admins' list). */
export async function listUsers(sql: SqlExecutor, options: PageOptions = {}): Promise<Page<User>> {
  const limit = clampLimit(options.limit);
  const offset = clampOffset(options.offset);
  const rows = await sql.query<UserRow & { total: number }>(
    `select ${USER_COLUMNS}, count(*) over ()::int as total from users where removed_at is null
     order by registered_at, user_id limit $1 offset $2`,
    [limit, offset],
  );
  if (rows.length === 0 && offset > 0) {
    const [count] = await sql.query<{ total: number }>(`select count(*)::int as total from users where removed_at is null`);
    return { items: [], total: count?.total ?? 0 };
  }
  return { items: rows.map(toUser), total: rows[0]?.total ?? 0 };
}

/** Which of `ids` are registered users, not removed (at most 1,000 ids per call). */
export async function usersExist(sql: SqlExecutor, ids: readonly string[]): Promise<ReadonlySet<string>> {
  const wanted = idList(ids);
  if (wanted.length === 0) return new Set();
  const rows = await sql.query<{ user_id: string }>(`select user_id from users where user_id = any ($1::text[]) and removed_at is null`, [wanted]);
  return new Set(rows.map((r) => r.user_id));
}
