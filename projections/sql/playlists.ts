/**
 * The `playlists` read model: each playlist's details (owner, name, description, public,
 * collaborative, deleted, created/updated) and its collaborators with their roles: what lists a
 * user's playlists and what decides who may read or edit one (domain/playlist/access.ts).
 *
 * A deleted playlist keeps its row, flagged, and its collaborators: queries treat it as gone, and
 * the access facts still say who could see it (so that others learn nothing about it). Renames
 * and descriptions arrive both as PlaylistDetailsChanged and as the `rename`/`describe` changes
 * of a collaborative PlaylistEdited; every edit moves `updatedAt`. The entries are the sync
 * server's read model, not this one's.
 *
 * A batch is folded in memory first, in event order, into its net effect (rows created, a patch
 * per playlist, the last change per collaborator), then written with a few statements.
 */
import type { PlaylistAccessFacts, PlaylistRole } from '../../domain/playlist/access.js';
import type { CollaboratorRole, PlaylistCompacted, PlaylistEvent } from '../../domain/playlist/events.js';
import { assertNever } from '../../domain/shared/decider.js';
import type { SqlExecutor } from '../../gateways/sql/port.js';
import { eventTypes, sqlProjection, type Recorded } from '../projection.js';
import { clampLimit, clampOffset, iso, type Page, type PageOptions } from './paging.js';

/**
 * Every playlist event but PlaylistCompacted, which changes nothing here (and carries a whole
 * document): not read at all.
 */
type Read = Exclude<PlaylistEvent, PlaylistCompacted>;

export const playlistsProjection = sqlProjection<Read>({
  kind: 'sql',
  name: 'playlists',
  version: 1,
  handles: eventTypes<Read>({
    PlaylistCreated: true,
    PlaylistDetailsChanged: true,
    PlaylistVisibilityChanged: true,
    CollaboratorAdded: true,
    CollaboratorRoleChanged: true,
    CollaboratorRemoved: true,
    PlaylistDeleted: true,
    PlaylistEdited: true,
  }),
  tables: {
    playlists: (t) => /* sql */ `
      create table ${t} (
        playlist_id text primary key,
        owner_id text not null,
        name text not null,
        description text not null,
        public boolean not null,
        collaborative boolean not null,
        deleted boolean not null default false,
        created_at timestamptz not null,
        updated_at timestamptz not null
      );
      create index ${t}_by_owner on ${t} (owner_id, created_at desc);`,
    playlist_collaborators: (t) => /* sql */ `
      create table ${t} (
        playlist_id text not null,
        user_id text not null,
        role text not null check (role in ('editor', 'viewer')),
        added_at timestamptz not null,
        primary key (playlist_id, user_id)
      );
      create index ${t}_by_user on ${t} (user_id);`,
  },
  async apply(tx, events, tables) {
    const batch = fold(events);
    const p = tables.playlists!;
    const c = tables.playlist_collaborators!;
    if (batch.created.size > 0) {
      await tx.query(
        `insert into ${p} (playlist_id, owner_id, name, description, public, collaborative, deleted, created_at, updated_at)
         select * from jsonb_to_recordset($1::jsonb) as r(playlist_id text, owner_id text, name text, description text, public boolean,
                                                          collaborative boolean, deleted boolean, created_at timestamptz, updated_at timestamptz)
         on conflict (playlist_id) do nothing`,
        [JSON.stringify([...batch.created.values()])],
      );
    }
    if (batch.patches.size > 0) {
      // Null means "unchanged"; a deleted playlist takes no more changes (as in the decider).
      await tx.query(
        `update ${p} p
            set name = coalesce(r.name, p.name),
                description = coalesce(r.description, p.description),
                public = coalesce(r.public, p.public),
                collaborative = coalesce(r.collaborative, p.collaborative),
                deleted = r.deleted,
                updated_at = greatest(p.updated_at, r.updated_at)
           from jsonb_to_recordset($1::jsonb) as r(playlist_id text, name text, description text, public boolean,
                                                    collaborative boolean, deleted boolean, updated_at timestamptz)
          where p.playlist_id = r.playlist_id and not p.deleted`,
        [JSON.stringify([...batch.patches.values()])],
      );
    }
    const removed = batch.collaborators.filter((x) => x.change.kind === 'remove');
    const added = batch.collaborators.filter((x) => x.change.kind === 'add');
    const changed = batch.collaborators.filter((x) => x.change.kind === 'role');
    if (removed.length > 0) {
      await tx.query(
        `delete from ${c} c using unnest($1::text[], $2::text[]) as r(playlist_id, user_id)
          where c.playlist_id = r.playlist_id and c.user_id = r.user_id`,
        [removed.map((x) => x.playlistId), removed.map((x) => x.userId)],
      );
    }
    if (added.length > 0) {
      // Added again after a removal in the same batch: the row may still be there.
      await tx.query(
        `insert into ${c} (playlist_id, user_id, role, added_at)
         select * from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
         on conflict (playlist_id, user_id) do update set role = excluded.role, added_at = excluded.added_at`,
        [added.map((x) => x.playlistId), added.map((x) => x.userId), added.map((x) => newRole(x.change)), added.map((x) => addTime(x.change))],
      );
    }
    if (changed.length > 0) {
      await tx.query(
        `update ${c} c set role = r.role
           from unnest($1::text[], $2::text[], $3::text[]) as r(playlist_id, user_id, role)
          where c.playlist_id = r.playlist_id and c.user_id = r.user_id`,
        [changed.map((x) => x.playlistId), changed.map((x) => x.userId), changed.map((x) => newRole(x.change))],
      );
    }
  },
});

// ---- folding a batch

interface PlaylistRow {
  playlist_id: string;
  owner_id: string;
  name: string;
  description: string;
  public: boolean;
  collaborative: boolean;
  deleted: boolean;
  created_at: string;
  updated_at: string;
}

/** Changes to a playlist created before the batch; null leaves a column as it is. */
interface Patch {
  playlist_id: string;
  name: string | null;
  description: string | null;
  public: boolean | null;
  collaborative: boolean | null;
  deleted: boolean;
  updated_at: string;
}

/** The net change to one collaborator: (re-)added, a new role on the current row, or removed. */
type CollaboratorChange = { kind: 'add'; role: CollaboratorRole; at: string } | { kind: 'role'; role: CollaboratorRole } | { kind: 'remove' };

const newRole = (change: CollaboratorChange) => (change.kind === 'remove' ? '' : change.role);
const addTime = (change: CollaboratorChange) => (change.kind === 'add' ? change.at : '');

interface Folded {
  created: Map<string, PlaylistRow>;
  patches: Map<string, Patch>;
  collaborators: Array<{ playlistId: string; userId: string; change: CollaboratorChange }>;
}

function fold(events: readonly Recorded<Read>[]): Folded {
  const created = new Map<string, PlaylistRow>();
  const patches = new Map<string, Patch>();
  const collaborators = new Map<string, { playlistId: string; userId: string; change: CollaboratorChange }>();

  /** What a later event of this playlist writes to: its new row, or its patch. */
  const target = (playlistId: string, at: string): PlaylistRow | Patch => {
    const row = created.get(playlistId) ?? patches.get(playlistId);
    if (row) {
      if (at > row.updated_at) row.updated_at = at;
      return row;
    }
    const patch: Patch = { playlist_id: playlistId, name: null, description: null, public: null, collaborative: null, deleted: false, updated_at: at };
    patches.set(playlistId, patch);
    return patch;
  };
  const collaborator = (playlistId: string, userId: string, change: (current: CollaboratorChange | undefined) => CollaboratorChange) => {
    const key = `${playlistId}\u0000${userId}`;
    collaborators.set(key, { playlistId, userId, change: change(collaborators.get(key)?.change) });
  };

  for (const e of events) {
    const playlistId = e.data.playlistId;
    if (e.type === 'PlaylistCreated') {
      const d = e.data;
      created.set(playlistId, {
        playlist_id: playlistId,
        owner_id: d.ownerId,
        name: d.name,
        description: d.description,
        public: d.public,
        collaborative: d.collaborative,
        deleted: false,
        created_at: d.createdAt,
        updated_at: d.createdAt,
      });
      continue;
    }
    const at = e.data.at;
    // After its deletion a playlist takes no more changes.
    if ((created.get(playlistId) ?? patches.get(playlistId))?.deleted) continue;
    switch (e.type) {
      case 'PlaylistDetailsChanged': {
        const d = e.data;
        const row = target(playlistId, at);
        if (d.name !== undefined) row.name = d.name;
        if (d.description !== undefined) row.description = d.description;
        break;
      }
      case 'PlaylistEdited': {
        const d = e.data;
        const row = target(playlistId, at);
        for (const change of d.changes) {
          if (change.op === 'rename') row.name = change.name;
          if (change.op === 'describe') row.description = change.description;
        }
        break;
      }
      case 'PlaylistVisibilityChanged': {
        const d = e.data;
        const row = target(playlistId, at);
        if (d.public !== undefined) row.public = d.public;
        if (d.collaborative !== undefined) row.collaborative = d.collaborative;
        break;
      }
      case 'PlaylistDeleted':
        target(playlistId, at).deleted = true;
        break;
      case 'CollaboratorAdded': {
        const d = e.data;
        target(playlistId, at);
        collaborator(playlistId, d.userId, () => ({ kind: 'add', role: d.role, at }));
        break;
      }
      case 'CollaboratorRoleChanged': {
        const d = e.data;
        target(playlistId, at);
        // A role changed after an add in this batch is still that add (with its time).
        collaborator(playlistId, d.userId, (current) => (current?.kind === 'add' ? { ...current, role: d.role } : { kind: 'role', role: d.role }));
        break;
      }
      case 'CollaboratorRemoved': {
        const d = e.data;
        target(playlistId, at);
        collaborator(playlistId, d.userId, () => ({ kind: 'remove' }));
        break;
      }
      default:
        assertNever(e);
    }
  }
  return { created, patches, collaborators: [...collaborators.values()] };
}

// ---- queries (read the views playlists and playlist_collaborators)

export interface Collaborator {
  userId: string;
  role: CollaboratorRole;
}

export interface Playlist {
  id: string;
  ownerId: string;
  name: string;
  description: string;
  public: boolean;
  collaborative: boolean;
  createdAt: string;
  updatedAt: string;
  /** In the order they were added. */
  collaborators: Collaborator[];
}

export interface PlaylistSummary extends Omit<Playlist, 'collaborators'> {
  /** The user's role on it: owner, or their collaborator role. */
  role: PlaylistRole;
}

/** The facts access.ts decides on, for a playlist that exists or did. */
export interface PlaylistAccess extends PlaylistAccessFacts {
  playlistId: string;
  deleted: boolean;
}

interface Row {
  playlist_id: string;
  owner_id: string;
  name: string;
  description: string;
  public: boolean;
  collaborative: boolean;
  deleted: boolean;
  created_at: Date;
  updated_at: Date;
}

const details = (r: Row) => ({
  id: r.playlist_id,
  ownerId: r.owner_id,
  name: r.name,
  description: r.description,
  public: r.public,
  collaborative: r.collaborative,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

async function collaboratorsOf(sql: SqlExecutor, playlistId: string): Promise<Collaborator[]> {
  const rows = await sql.query<{ user_id: string; role: CollaboratorRole }>(
    `select c.user_id, c.role from playlist_collaborators c where c.playlist_id = $1 order by c.added_at, c.user_id`,
    [playlistId],
  );
  return rows.map((r) => ({ userId: r.user_id, role: r.role }));
}

/** A playlist with its collaborators; undefined when there is none or it was deleted. */
export async function getPlaylist(sql: SqlExecutor, id: string): Promise<Playlist | undefined> {
  const [row] = await sql.query<Row>(`select p.* from playlists p where p.playlist_id = $1 and not p.deleted`, [id]);
  if (!row) return undefined;
  return { ...details(row), collaborators: await collaboratorsOf(sql, id) };
}

/** The playlists `userId` owns or collaborates on (not deleted), newest first. */
export async function playlistsOf(sql: SqlExecutor, userId: string, page: PageOptions = {}): Promise<Page<PlaylistSummary>> {
  const mine = /* sql */ `
    select p.*, 'owner' as role from playlists p where p.owner_id = $1 and not p.deleted
    union all
    select p.*, c.role from playlist_collaborators c join playlists p on p.playlist_id = c.playlist_id
     where c.user_id = $1 and not p.deleted`;
  const rows = await sql.query<Row & { role: PlaylistRole }>(
    `select m.* from (${mine}) m order by m.created_at desc, m.playlist_id limit $2 offset $3`,
    [userId, clampLimit(page.limit), clampOffset(page.offset)],
  );
  const [count] = await sql.query<{ total: number }>(`select count(*)::int as total from (${mine}) m`, [userId]);
  return { items: rows.map((r) => ({ ...details(r), role: r.role })), total: count?.total ?? 0 };
}

/** How many playlists `userId` owns (not deleted). */
export async function ownedPlaylistCount(sql: SqlExecutor, userId: string): Promise<number> {
  const [row] = await sql.query<{ n: number }>(`select count(*)::int as n from playlists p where p.owner_id = $1 and not p.deleted`, [userId]);
  return row?.n ?? 0;
}

/**
 * Who may do what with a playlist: the facts for access.ts, plus whether it was deleted (a
 * deleted playlist keeps them, so that those who could not see it learn nothing). Undefined when
 * there never was such a playlist.
 */
export async function playlistAccess(sql: SqlExecutor, id: string): Promise<PlaylistAccess | undefined> {
  const [row] = await sql.query<Row>(`select p.* from playlists p where p.playlist_id = $1`, [id]);
  if (!row) return undefined;
  const collaborators = await collaboratorsOf(sql, id);
  return {
    playlistId: row.playlist_id,
    ownerId: row.owner_id,
    public: row.public,
    collaborative: row.collaborative,
    deleted: row.deleted,
    collaborators: new Map(collaborators.map((c) => [c.userId, c.role])),
  };
}
