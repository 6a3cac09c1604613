/**
 * The items of each playlist, in order, and its name and description, derived from the stored Yjs
 * updates themselves — not from the semantic changes, whose event order does not decide concurrent
 * moves or renames the way the CRDT does.
 *
 * Each playlist's document is kept (playlist-docs.ts: in memory between batches, stored as a
 * snapshot plus the updates since); a batch applies its playlists' updates to their documents and
 * rewrites only the entries the updates touched, found as the updates apply: O(changes), not
 * O(document). Order is (pos, entryId) compared byte-wise (collation "C"), as the document orders
 * them.
 */
import { entryById, readMeta, type Entry } from '../../domain/playlist/document.js';
import { DOCUMENT_ID } from '../../domain/playlist/document-rules.js';
import { isPositionKey } from '../../domain/playlist/position-key.js';
import type {
  CollaboratorAdded,
  CollaboratorRemoved,
  CollaboratorRoleChanged,
  PlaylistCompacted,
  PlaylistCreated,
  PlaylistDeleted,
  PlaylistDetailsChanged,
  PlaylistEvent,
  PlaylistVisibilityChanged,
} from '../../domain/playlist/events.js';
import { assertNever } from '../../domain/shared/decider.js';
import type { SqlExecutor } from '../../gateways/sql/port.js';
import { eventTypes, sqlProjection, type Recorded } from '../projection.js';
import { PLAYLIST_DOCS_TABLES, applyUpdate, docsWrite, docsWriteCtes, openDocs, storeSnapshots } from './playlist-docs.js';

/**
 * The edits only. Left out: a compaction only restates what the edits before it hold (it is built
 * from the stream); the others change the playlist's details and access (the `playlists`
 * projection), not its document.
 */
type Read = Exclude<
  PlaylistEvent,
  | PlaylistCompacted
  | PlaylistCreated
  | PlaylistDetailsChanged
  | PlaylistVisibilityChanged
  | CollaboratorAdded
  | CollaboratorRoleChanged
  | CollaboratorRemoved
  | PlaylistDeleted
>;

export const playlistItemsProjection = sqlProjection<Read>({
  kind: 'sql',
  name: 'playlist-items',
  // 3: documents stored as a snapshot plus the updates since (was the whole state per batch).
  version: 3,
  handles: eventTypes<Read>({ PlaylistEdited: true }),
  tables: {
    ...PLAYLIST_DOCS_TABLES,
    playlist_meta: (t) => /* sql */ `
      create table ${t} (
        playlist_id text primary key,
        name text,
        description text
      );`,
    playlist_items: (t) => /* sql */ `
      create table ${t} (
        playlist_id text not null,
        entry_id text collate "C" not null,
        track_id text not null,
        pos text collate "C" not null,
        added_by text not null,
        added_at text not null,
        primary key (playlist_id, entry_id)
      );
      create index ${t}_in_order on ${t} (playlist_id, pos, entry_id);`,
  },
  apply,
});

async function apply(tx: SqlExecutor, events: readonly Recorded<Read>[], tables: Readonly<Record<string, string>>): Promise<void> {
  const updates = new Map<string, Uint8Array[]>();
  for (const event of events) {
    if (event.type !== 'PlaylistEdited') assertNever(event.type);
    const { playlistId, update } = event.data;
    const list = updates.get(playlistId) ?? [];
    list.push(Buffer.from(update, 'base64'));
    updates.set(playlistId, list);
  }
  const docs = await openDocs(tx, tables, [...updates.keys()]);

  const upserts: Array<Entry & { playlistId: string }> = [];
  const removals: Array<{ playlistId: string; entryId: string }> = [];
  const metas: Array<{ playlistId: string; name: string | null; description: string | null }> = [];
  for (const [playlistId, list] of updates) {
    const live = docs.get(playlistId)!;
    for (const update of list) applyUpdate(live, update);
    for (const entryId of live.touched) {
      const entry = entryById(live.doc, entryId);
      if (entry && storable(entry)) upserts.push({ ...entry, playlistId });
      else removals.push({ playlistId, entryId });
    }
    if (live.metaTouched) {
      const meta = readMeta(live.doc);
      metas.push({ playlistId, name: storableText(meta.name), description: storableText(meta.description) });
    }
  }

  // One statement writes the batch: entries gone, entries written, names, and the documents.
  const docsWritten = docsWrite(tables, docs.values());
  await tx.query(
    `with removed as (
       delete from ${tables.playlist_items} i using unnest($1::text[], $2::text[]) as r(playlist_id, entry_id)
        where i.playlist_id = r.playlist_id and i.entry_id = r.entry_id
     ), written as (
       insert into ${tables.playlist_items} (playlist_id, entry_id, track_id, pos, added_by, added_at)
       select * from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
       on conflict (playlist_id, entry_id) do update
         set track_id = excluded.track_id, pos = excluded.pos, added_by = excluded.added_by, added_at = excluded.added_at
     ), metas as (
       insert into ${tables.playlist_meta} (playlist_id, name, description) select * from unnest($9::text[], $10::text[], $11::text[])
       on conflict (playlist_id) do update set name = excluded.name, description = excluded.description
     ), ${docsWriteCtes(tables, 12)}
     select 1`,
    [
      removals.map((r) => r.playlistId),
      removals.map((r) => r.entryId),
      upserts.map((u) => u.playlistId),
      upserts.map((u) => u.entryId),
      upserts.map((u) => u.trackId),
      upserts.map((u) => u.pos),
      upserts.map((u) => u.addedBy),
      upserts.map((u) => u.addedAt),
      metas.map((m) => m.playlistId),
      metas.map((m) => m.name),
      metas.map((m) => m.description),
      ...docsWritten.params,
    ],
  );
  await storeSnapshots(tx, tables, docsWritten);
}

/**
 * Whether an entry may be written: events stored before the sync server checked every update
 * (domain/playlist/document-rules.ts) can hold entries no client may write now — an oversized
 * `pos` or id (indexed: the row would be refused), NUL in a field. Such an entry is left out, as
 * a malformed one is, instead of stopping the playlist's events as poison.
 */
function storable(entry: Entry): boolean {
  return (
    DOCUMENT_ID.test(entry.entryId) &&
    DOCUMENT_ID.test(entry.trackId) &&
    isPositionKey(entry.pos) &&
    entry.addedBy.length <= 128 &&
    entry.addedAt.length <= 64 &&
    !entry.addedBy.includes('\u0000') &&
    !entry.addedAt.includes('\u0000')
  );
}

/** Text of an old event that the database cannot hold (NUL) is left out. */
const storableText = (text: string | undefined): string | null => (text === undefined || text.includes('\u0000') ? null : text);

export interface PlaylistItem {
  entryId: string;
  trackId: string;
  addedBy: string;
  /** As the editing device wrote it (ISO-8601 from Chorus's own routes). */
  addedAt: string;
}

/** A playlist's items in order (the view `playlist_items`). */
export async function playlistItems(sql: SqlExecutor, playlistId: string): Promise<PlaylistItem[]> {
  const rows = await sql.query<{ entry_id: string; track_id: string; added_by: string; added_at: string }>(
    `select i.entry_id, i.track_id, i.added_by, i.added_at from playlist_items i where i.playlist_id = $1 order by i.pos, i.entry_id`,
    [playlistId],
  );
  return rows.map((r) => ({ entryId: r.entry_id, trackId: r.track_id, addedBy: r.added_by, addedAt: r.added_at }));
}

/**
 * The name and description the documents of `playlistIds` converged on (where one was ever set):
 * what GET answers, since concurrent renames are decided by the CRDT, not by event order.
 */
export async function playlistMeta(sql: SqlExecutor, playlistIds: readonly string[]): Promise<Map<string, { name?: string; description?: string }>> {
  if (playlistIds.length === 0) return new Map();
  const rows = await sql.query<{ playlist_id: string; name: string | null; description: string | null }>(
    `select m.playlist_id, m.name, m.description from playlist_meta m where m.playlist_id = any ($1::text[])`,
    [[...playlistIds]],
  );
  return new Map(
    rows.map((r) => [r.playlist_id, { ...(r.name === null ? {} : { name: r.name }), ...(r.description === null ? {} : { description: r.description }) }]),
  );
}
