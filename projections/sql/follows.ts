/**
 * The follower graph: user -> user follows (with follower and following counts), user -> artist
 * and user -> playlist follows, liked tracks and liked albums.
 *
 * These tables belong to the `users` projection (users.ts), not to a projection of their own: the
 * counts live in the `users` rows, a projection writes only its own tables, and counts that moved
 * in another transaction than the edges would disagree with them whenever the two projections
 * stood at different checkpoints. One projection keeps edges and counts in one transaction, so
 * `followers(...).total` always equals the number of rows it pages through.
 *
 * Within a batch the last event of a pair decides (follow, unfollow, follow = following, with the
 * last follow's time); the counts move by what actually changed in the table.
 */
import { assertNever } from '../../domain/shared/decider.js';
import type { UserEvent } from '../../domain/user/events.js';
import type { Recorded } from '../projection.js';
import type { SqlExecutor } from '../../gateways/sql/port.js';
import { clampLimit, clampOffset, idList, iso, type Page, type PageOptions } from './paging.js';

/** The graph's tables (logical name -> DDL), part of the `users` projection. */
export const FOLLOW_TABLES = {
  user_follows: (t: string) => /* sql */ `
    create table ${t} (
      follower_id text not null,
      followee_id text not null,
      at timestamptz not null,
      primary key (follower_id, followee_id)
    );
    create index ${t}_by_followee on ${t} (followee_id, at desc, follower_id);`,
  artist_follows: (t: string) => /* sql */ `
    create table ${t} (
      user_id text not null,
      artist_id text not null,
      at timestamptz not null,
      primary key (user_id, artist_id)
    );`,
  playlist_follows: (t: string) => /* sql */ `
    create table ${t} (
      user_id text not null,
      playlist_id text not null,
      at timestamptz not null,
      primary key (user_id, playlist_id)
    );
    create index ${t}_by_playlist on ${t} (playlist_id);`,
  track_likes: (t: string) => /* sql */ `
    create table ${t} (
      user_id text not null,
      track_id text not null,
      at timestamptz not null,
      primary key (user_id, track_id)
    );
    create index ${t}_by_user_at on ${t} (user_id, at desc, track_id);`,
  album_likes: (t: string) => /* sql */ `
    create table ${t} (
      user_id text not null,
      album_id text not null,
      at timestamptz not null,
      primary key (user_id, album_id)
    );
    create index ${t}_by_user_at on ${t} (user_id, at desc, album_id);`,
} as const;

/** One kind of edge: where it is stored, and the column names of its pair (from, to). */
interface EdgeKind {
  table: keyof typeof FOLLOW_TABLES;
  from: string;
  to: string;
}

const EDGE_KINDS = {
  users: { table: 'user_follows', from: 'follower_id', to: 'followee_id' },
  artists: { table: 'artist_follows', from: 'user_id', to: 'artist_id' },
  playlists: { table: 'playlist_follows', from: 'user_id', to: 'playlist_id' },
  likes: { table: 'track_likes', from: 'user_id', to: 'track_id' },
  albumLikes: { table: 'album_likes', from: 'user_id', to: 'album_id' },
} as const satisfies Record<string, EdgeKind>;

/** The kinds of edge that move no count: a batch's changes are written as they are. */
const PLAIN_EDGE_KINDS = (Object.keys(EDGE_KINDS) as Array<keyof typeof EDGE_KINDS>).filter((kind) => kind !== 'users');

type Edge = { kind: keyof typeof EDGE_KINDS; from: string; to: string; on: boolean; at: string };

/**
 * The edge a user event makes or unmakes; undefined for the events of the `users` row
 * (users.ts applies those).
 */
function edgeOf(e: Recorded<UserEvent>): Edge | undefined {
  switch (e.type) {
    case 'UserFollowed':
    case 'UserUnfollowed':
      return { kind: 'users', from: e.data.userId, to: e.data.followeeId, on: e.type === 'UserFollowed', at: e.data.at };
    case 'ArtistFollowed':
    case 'ArtistUnfollowed':
      return { kind: 'artists', from: e.data.userId, to: e.data.artistId, on: e.type === 'ArtistFollowed', at: e.data.at };
    case 'PlaylistFollowed':
    case 'PlaylistUnfollowed':
      return { kind: 'playlists', from: e.data.userId, to: e.data.playlistId, on: e.type === 'PlaylistFollowed', at: e.data.at };
    case 'TrackLiked':
    case 'TrackUnliked':
      return { kind: 'likes', from: e.data.userId, to: e.data.trackId, on: e.type === 'TrackLiked', at: e.data.at };
    case 'AlbumLiked':
    case 'AlbumUnliked':
      return { kind: 'albumLikes', from: e.data.userId, to: e.data.albumId, on: e.type === 'AlbumLiked', at: e.data.at };
    case 'UserRegistered':
    case 'UserPlanChanged':
    case 'UserCountryChanged':
    case 'UserRoleChanged':
    case 'UserProfileChanged':
    case 'UserRemoved':
      return undefined;
    default:
      return assertNever(e);
  }
}

/** The net change of a batch: per pair, the last event's verdict, as parallel columns for unnest. */
interface EdgeChanges {
  from: string[];
  to: string[];
  /** 't' (follow) or 'f' (unfollow): text, which the SqlParam port carries, cast to boolean. */
  on: string[];
  at: string[];
}

/** Per kind of edge, the last event of each pair in the batch (in batch order). */
function lastPerPair(events: readonly Recorded<UserEvent>[]): Map<Edge['kind'], EdgeChanges> {
  const last = new Map<Edge['kind'], Map<string, Edge>>();
  for (const e of events) {
    const edge = edgeOf(e);
    if (!edge) continue;
    let pairs = last.get(edge.kind);
    if (!pairs) last.set(edge.kind, (pairs = new Map()));
    pairs.set(`${edge.from}\u0000${edge.to}`, edge);
  }
  const out = new Map<Edge['kind'], EdgeChanges>();
  for (const [kind, pairs] of last) {
    const changes: EdgeChanges = { from: [], to: [], on: [], at: [] };
    for (const c of pairs.values()) {
      changes.from.push(c.from);
      changes.to.push(c.to);
      changes.on.push(c.on ? 't' : 'f');
      changes.at.push(c.at);
    }
    out.set(kind, changes);
  }
  return out;
}

const INPUT = /* sql */ `select * from unnest($1::text[], $2::text[], $3::boolean[], $4::timestamptz[]) as i(a, b, follow, at)`;

/**
 * Applies the graph's events of a batch: a few statements per kind of edge, whatever the batch
 * size. `tables` holds the physical names of the `users` projection's tables.
 */
export async function applyFollowGraph(tx: SqlExecutor, events: readonly Recorded<UserEvent>[], tables: Readonly<Record<string, string>>): Promise<void> {
  const changed = lastPerPair(events);
  const users = changed.get('users');
  if (users) {
    const t = tables.user_follows!;
    // Every part of one statement sees the table as it was before it: `before` tells which
    // changes are real, and only those move the counts.
    await tx.query(
      /* sql */ `
      with input as (${INPUT}),
      before as (
        select i.a, i.b, i.follow, (t.follower_id is not null) as existed
          from input i left join ${t} t on t.follower_id = i.a and t.followee_id = i.b
      ),
      removed as (
        delete from ${t} t using input i
         where not i.follow and t.follower_id = i.a and t.followee_id = i.b
      ),
      added as (
        insert into ${t} (follower_id, followee_id, at)
        select i.a, i.b, i.at from input i where i.follow
        on conflict (follower_id, followee_id) do update set at = excluded.at
      ),
      changed as (
        select before.a, before.b, case when before.follow then 1 else -1 end as delta
          from before where before.follow <> before.existed
      ),
      deltas as (
        select changed.a as user_id, 0 as followers, changed.delta as following from changed
        union all
        select changed.b as user_id, changed.delta as followers, 0 as following from changed
      )
      update ${tables.users} u
         set followers = u.followers + d.followers, following = u.following + d.following
        from (select deltas.user_id, sum(deltas.followers)::int as followers, sum(deltas.following)::int as following
                from deltas group by deltas.user_id) d
       where u.user_id = d.user_id`,
      [users.from, users.to, users.on, users.at],
    );
  }
  for (const name of PLAIN_EDGE_KINDS) {
    const changes = changed.get(name);
    if (!changes) continue;
    const kind = EDGE_KINDS[name];
    const t = tables[kind.table]!;
    await tx.query(
      /* sql */ `
      with input as (${INPUT}),
      removed as (
        delete from ${t} t using input i where not i.follow and t.${kind.from} = i.a and t.${kind.to} = i.b
      )
      insert into ${t} (${kind.from}, ${kind.to}, at)
      select i.a, i.b, i.at from input i where i.follow
      on conflict (${kind.from}, ${kind.to}) do update set at = excluded.at`,
      [changes.from, changes.to, changes.on, changes.at],
    );
  }
}

// ---- queries (read the views: user_follows, users, artist_follows, playlist_follows, track_likes, album_likes)

export interface FollowUser {
  userId: string;
  /** Absent when the user is not (yet) in the read model. */
  displayName?: string;
  followedAt: string;
}

interface FollowUserRow {
  user_id: string;
  display_name: string | null;
  at: Date;
}

const toFollowUser = (row: FollowUserRow): FollowUser =>
  row.display_name === null
    ? { userId: row.user_id, followedAt: iso(row.at) }
    : { userId: row.user_id, displayName: row.display_name, followedAt: iso(row.at) };

/** The two sides of the follower graph: the column naming `userId`, the other end, and its count in `users`. */
const SIDES = {
  followers: { self: 'followee_id', other: 'follower_id', count: 'followers' },
  following: { self: 'follower_id', other: 'followee_id', count: 'following' },
} as const;

/** Who follows `userId`, newest first. */
export function followers(sql: SqlExecutor, userId: string, page: PageOptions = {}): Promise<Page<FollowUser>> {
  return followPage(sql, 'followers', userId, page);
}

/** Whom `userId` follows, newest first. */
export function following(sql: SqlExecutor, userId: string, page: PageOptions = {}): Promise<Page<FollowUser>> {
  return followPage(sql, 'following', userId, page);
}

async function followPage(sql: SqlExecutor, side: keyof typeof SIDES, userId: string, page: PageOptions): Promise<Page<FollowUser>> {
  const { self, other, count } = SIDES[side];
  const rows = await sql.query<FollowUserRow>(
    `select f.${other} as user_id, u.display_name, f.at
       from user_follows f left join users u on u.user_id = f.${other}
      where f.${self} = $1
      order by f.at desc, f.${other}
      limit $2 offset $3`,
    [userId, clampLimit(page.limit), clampOffset(page.offset)],
  );
  const [total] = await sql.query<{ total: number }>(
    `select coalesce((select u.${count} from users u where u.user_id = $1),
                     (select count(*)::int from user_follows f where f.${self} = $1)) as total`,
    [userId],
  );
  return { items: rows.map(toFollowUser), total: total?.total ?? 0 };
}

export async function isFollowing(sql: SqlExecutor, userId: string, followeeId: string): Promise<boolean> {
  const rows = await sql.query(`select 1 from user_follows where follower_id = $1 and followee_id = $2`, [userId, followeeId]);
  return rows.length > 0;
}

const FOLLOW_EDGES = {
  users: { view: 'user_follows', self: 'follower_id', other: 'followee_id' },
  artists: { view: 'artist_follows', self: 'user_id', other: 'artist_id' },
  playlists: { view: 'playlist_follows', self: 'user_id', other: 'playlist_id' },
} as const;

/** Which of `ids` (users, artists or playlists) `userId` follows (at most 1,000 ids). */
export async function followsAmong(sql: SqlExecutor, userId: string, kind: keyof typeof FOLLOW_EDGES, ids: readonly string[]): Promise<ReadonlySet<string>> {
  const wanted = idList(ids);
  if (wanted.length === 0) return new Set();
  const { view, self, other } = FOLLOW_EDGES[kind];
  const rows = await sql.query<{ id: string }>(`select ${other} as id from ${view} where ${self} = $1 and ${other} = any ($2::text[])`, [userId, wanted]);
  return new Set(rows.map((r) => r.id));
}

async function edges(
  sql: SqlExecutor,
  view: 'artist_follows' | 'playlist_follows' | 'track_likes' | 'album_likes',
  column: string,
  userId: string,
  page: PageOptions,
): Promise<Page<{ id: string; at: string }>> {
  const rows = await sql.query<{ id: string; at: Date }>(
    `select e.${column} as id, e.at from ${view} e where e.user_id = $1 order by e.at desc, e.${column} limit $2 offset $3`,
    [userId, clampLimit(page.limit), clampOffset(page.offset)],
  );
  const [count] = await sql.query<{ total: number }>(`select count(*)::int as total from ${view} where user_id = $1`, [userId]);
  return { items: rows.map((r) => ({ id: r.id, at: iso(r.at) })), total: count?.total ?? 0 };
}

/** Artists `userId` follows, newest first. */
export async function followedArtists(sql: SqlExecutor, userId: string, page: PageOptions = {}): Promise<Page<{ artistId: string; followedAt: string }>> {
  const { items, total } = await edges(sql, 'artist_follows', 'artist_id', userId, page);
  return { items: items.map((e) => ({ artistId: e.id, followedAt: e.at })), total };
}

/** Playlists `userId` follows, newest first. */
export async function followedPlaylists(
  sql: SqlExecutor,
  userId: string,
  page: PageOptions = {},
): Promise<Page<{ playlistId: string; followedAt: string }>> {
  const { items, total } = await edges(sql, 'playlist_follows', 'playlist_id', userId, page);
  return { items: items.map((e) => ({ playlistId: e.id, followedAt: e.at })), total };
}

/** Tracks `userId` liked, newest first (the "Liked Songs" list). */
export async function likedTracks(sql: SqlExecutor, userId: string, page: PageOptions = {}): Promise<Page<{ trackId: string; likedAt: string }>> {
  const { items, total } = await edges(sql, 'track_likes', 'track_id', userId, page);
  return { items: items.map((e) => ({ trackId: e.id, likedAt: e.at })), total };
}

/** Albums `userId` liked (saved), newest first. */
export async function likedAlbums(sql: SqlExecutor, userId: string, page: PageOptions = {}): Promise<Page<{ albumId: string; likedAt: string }>> {
  const { items, total } = await edges(sql, 'album_likes', 'album_id', userId, page);
  return { items: items.map((e) => ({ albumId: e.id, likedAt: e.at })), total };
}

const STARRED = { tracks: EDGE_KINDS.likes, albums: EDGE_KINDS.albumLikes, artists: EDGE_KINDS.artists } as const;

/** When `userId` liked each of `ids` (tracks, albums) or followed it (artists), for those they did (at most 1,000 ids). */
export async function starredAmong(sql: SqlExecutor, userId: string, kind: keyof typeof STARRED, ids: readonly string[]): Promise<ReadonlyMap<string, string>> {
  const wanted = idList(ids);
  if (wanted.length === 0) return new Map();
  const { table: view, to: column } = STARRED[kind];
  const rows = await sql.query<{ id: string; at: Date }>(`select e.${column} as id, e.at from ${view} e where e.user_id = $1 and e.${column} = any ($2::text[])`, [userId, wanted]);
  return new Map(rows.map((r) => [r.id, iso(r.at)]));
}
