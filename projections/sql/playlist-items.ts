/**
 * The items of each playlist, in order, and its name and description, derived from the stored Yjs
 * updates themselves — not from the semantic changes, whose event order does not decide concurrent
 * moves or renames the way the CRDT does.
 * Each playlist's document state is kept beside its items; a batch applies its playlists' updates
 * to their documents and rewrites only the entries the updates touched. Order is (pos, entryId)
 * compared byte-wise (collation "C"), as the document orders them.
 */
import * as Y from 'yjs';
import { ChangeTracker, listEntries, readMeta, type Entry } from '../../domain/playlist/document.js';
import type { RecordedEvent } from '../../gateways/event-store/port.js';
import type { SqlExecutor } from '../../gateways/sql/port.js';
import type { SqlProjection } from '../projection.js';

export const playlistItemsProjection: SqlProjection = {
  kind: 'sql',
  name: 'playlist-items',
  version: 2,
  // A compaction only restates what the edits before it hold (it is built from the stream).
  handles: ['PlaylistEdited'],
  tables: {
    playlist_docs: (t) => /* sql */ `
      create table ${t} (
        playlist_id text primary key,
        state text not null
      );`,
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
};

async function apply(tx: SqlExecutor, events: readonly RecordedEvent[], tables: Readonly<Record<string, string>>): Promise<void> {
  const updates = new Map<string, Uint8Array[]>();
  for (const event of events) {
    const playlistId = String(event.data.playlistId);
    const list = updates.get(playlistId) ?? [];
    list.push(Buffer.from(String(event.data.update), 'base64'));
    updates.set(playlistId, list);
  }
  const ids = [...updates.keys()];
  const stored = await tx.query<{ playlist_id: string; state: string }>(
    `select playlist_id, state from ${tables.playlist_docs} where playlist_id = any ($1::text[])`,
    [ids],
  );
  const states = new Map(stored.map((row) => [row.playlist_id, row.state]));

  const upserts: Array<Entry & { playlistId: string }> = [];
  const removals: Array<{ playlistId: string; entryId: string }> = [];
  const newStates: Array<{ playlistId: string; state: string }> = [];
  const metas: Array<{ playlistId: string; name: string | null; description: string | null }> = [];
  for (const [playlistId, list] of updates) {
    const doc = new Y.Doc();
    const state = states.get(playlistId);
    if (state) Y.applyUpdate(doc, Buffer.from(state, 'base64'));
    const tracker = new ChangeTracker(doc);
    const touched = new Set<string>();
    let metaTouched = false;
    doc.on('update', (_update: Uint8Array, _origin: unknown, _doc: Y.Doc, transaction: Y.Transaction) => {
      for (const change of tracker.take(transaction)) {
        if ('entryId' in change) touched.add(change.entryId);
        else metaTouched = true;
      }
    });
    for (const update of list) Y.applyUpdate(doc, update);
    const current = new Map(listEntries(doc).map((e) => [e.entryId, e]));
    for (const entryId of touched) {
      const entry = current.get(entryId);
      if (entry) upserts.push({ ...entry, playlistId });
      else removals.push({ playlistId, entryId });
    }
    if (metaTouched) {
      const meta = readMeta(doc);
      metas.push({ playlistId, name: meta.name ?? null, description: meta.description ?? null });
    }
    newStates.push({ playlistId, state: Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64') });
    doc.destroy();
  }

  if (removals.length > 0) {
    await tx.query(
      `delete from ${tables.playlist_items} i using unnest($1::text[], $2::text[]) as r(playlist_id, entry_id)
        where i.playlist_id = r.playlist_id and i.entry_id = r.entry_id`,
      [removals.map((r) => r.playlistId), removals.map((r) => r.entryId)],
    );
  }
  if (upserts.length > 0) {
    await tx.query(
      `insert into ${tables.playlist_items} (playlist_id, entry_id, track_id, pos, added_by, added_at)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
       on conflict (playlist_id, entry_id) do update
         set track_id = excluded.track_id, pos = excluded.pos, added_by = excluded.added_by, added_at = excluded.added_at`,
      [
        upserts.map((u) => u.playlistId),
        upserts.map((u) => u.entryId),
        upserts.map((u) => u.trackId),
        upserts.map((u) => u.pos),
        upserts.map((u) => u.addedBy),
        upserts.map((u) => u.addedAt),
      ],
    );
  }
  if (metas.length > 0) {
    await tx.query(
      `insert into ${tables.playlist_meta} (playlist_id, name, description) select * from unnest($1::text[], $2::text[], $3::text[])
       on conflict (playlist_id) do update set name = excluded.name, description = excluded.description`,
      [metas.map((m) => m.playlistId), metas.map((m) => m.name), metas.map((m) => m.description)],
    );
  }
  await tx.query(
    `insert into ${tables.playlist_docs} (playlist_id, state) select * from unnest($1::text[], $2::text[])
     on conflict (playlist_id) do update set state = excluded.state`,
    [newStates.map((s) => s.playlistId), newStates.map((s) => s.state)],
  );
}

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
