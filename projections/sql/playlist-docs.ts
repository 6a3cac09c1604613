/**
 * The documents of the playlist-items projection: kept in memory between batches, stored compactly.
 *
 * Stored: per playlist, a snapshot (the encoded state at some count of updates) and the updates
 * applied since, appended as they come. A new snapshot is written only once the updates since the
 * last one add up to its size (and at least SNAPSHOT_MIN_BYTES): what is written per byte of
 * updates stays below a small constant, so a large document fed by many small updates does not
 * rewrite its whole state each batch.
 *
 * In memory: the documents of recent batches (a bounded LRU per runner), each with the count of
 * updates it holds. A batch uses a cached document only if the stored count is the same — after a
 * rolled-back transaction (or any write elsewhere) the stored row differs and the document is
 * loaded again — so the cache never makes the read model differ from the events.
 */
import * as Y from 'yjs';
import { observeTouched } from '../../domain/playlist/document.js';
import type { SqlExecutor, SqlParam } from '../../gateways/sql/port.js';

export const PLAYLIST_DOCS_TABLES = {
  playlist_docs: (t: string) => /* sql */ `
    create table ${t} (
      playlist_id text primary key,
      seq bigint not null,
      snapshot bytea,
      snapshot_seq bigint not null,
      snapshot_bytes bigint not null,
      log_bytes bigint not null
    );`,
  playlist_doc_updates: (t: string) => /* sql */ `
    create table ${t} (
      playlist_id text not null,
      seq bigint not null,
      update bytea not null,
      primary key (playlist_id, seq)
    );`,
};

const SNAPSHOT_MIN_BYTES = 64 * 1024;
/** Documents kept in memory per runner, and the encoded bytes they may stand for in all. */
const CACHE_DOCS = 2_000;
const CACHE_BYTES = 128 * 1024 * 1024;

/** A playlist's document as a batch works on it, with what the batch's updates touched. */
export interface LiveDoc {
  readonly playlistId: string;
  readonly doc: Y.Doc;
  /** Updates applied to it so far (stored ones, then this batch's). */
  seq: number;
  snapshotSeq: number;
  snapshotBytes: number;
  logBytes: number;
  readonly touched: Set<string>;
  metaTouched: boolean;
  /** This batch's updates, to append to the log. */
  readonly pending: Uint8Array[];
}

interface Row {
  playlist_id: string;
  seq: string;
  snapshot_seq: string;
  snapshot_bytes: string;
  log_bytes: string;
}

type Tables = Readonly<Record<string, string>>;

class DocCache {
  private readonly docs = new Map<string, LiveDoc>();
  private bytes = 0;

  get(playlistId: string): LiveDoc | undefined {
    const live = this.docs.get(playlistId);
    if (live) {
      this.docs.delete(playlistId); // most recent last
      this.docs.set(playlistId, live);
    }
    return live;
  }

  set(live: LiveDoc): void {
    this.drop(live.playlistId);
    this.docs.set(live.playlistId, live);
    this.bytes += size(live);
    for (const [id, old] of this.docs) {
      if (this.docs.size <= CACHE_DOCS && this.bytes <= CACHE_BYTES) break;
      if (old === live) break;
      this.drop(id);
      old.doc.destroy();
    }
  }

  /** Forgets a document (it is not destroyed: a batch may be using it). */
  drop(playlistId: string): void {
    const old = this.docs.get(playlistId);
    if (!old) return;
    this.docs.delete(playlistId);
    this.bytes -= size(old);
  }
}

const size = (live: LiveDoc) => live.snapshotBytes + live.logBytes;

/** One cache per runner: its tables object lives as long as the runner does. */
const caches = new WeakMap<Tables, DocCache>();

/**
 * The documents of `playlistIds` as stored, from memory where the cached copy is current, else
 * loaded; each with its touched-set cleared and a tracker that fills it.
 */
export async function openDocs(tx: SqlExecutor, tables: Tables, playlistIds: readonly string[]): Promise<Map<string, LiveDoc>> {
  let cache = caches.get(tables);
  if (!cache) caches.set(tables, (cache = new DocCache()));
  const rows = await tx.query<Row>(
    `select playlist_id, seq::text, snapshot_seq::text, snapshot_bytes::text, log_bytes::text from ${tables.playlist_docs} where playlist_id = any ($1::text[])`,
    [playlistIds],
  );
  const stored = new Map(rows.map((row) => [row.playlist_id, row]));
  const out = new Map<string, LiveDoc>();
  const toLoad: Row[] = [];
  for (const playlistId of playlistIds) {
    const row = stored.get(playlistId);
    const cached = cache.get(playlistId);
    if (cached && cached.seq === Number(row?.seq ?? 0)) {
      out.set(playlistId, cached);
    } else {
      if (cached) {
        cache.drop(playlistId);
        cached.doc.destroy();
      }
      if (row) toLoad.push(row);
      else out.set(playlistId, track({ playlistId, doc: new Y.Doc(), seq: 0, snapshotSeq: 0, snapshotBytes: 0, logBytes: 0 }));
    }
  }
  for (const live of await loadDocs(tx, tables, toLoad)) out.set(live.playlistId, live);
  return out;
}

async function loadDocs(tx: SqlExecutor, tables: Tables, rows: readonly Row[]): Promise<LiveDoc[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.playlist_id);
  const snapshots = await tx.query<{ playlist_id: string; snapshot: Uint8Array | null }>(
    `select playlist_id, snapshot from ${tables.playlist_docs} where playlist_id = any ($1::text[])`,
    [ids],
  );
  const logs = await tx.query<{ playlist_id: string; update: Uint8Array }>(
    `select u.playlist_id, u.update from ${tables.playlist_doc_updates} u join ${tables.playlist_docs} d using (playlist_id)
      where u.playlist_id = any ($1::text[]) and u.seq > d.snapshot_seq order by u.playlist_id, u.seq`,
    [ids],
  );
  const docs = new Map(rows.map((row) => [row.playlist_id, new Y.Doc()]));
  for (const { playlist_id, snapshot } of snapshots) if (snapshot) Y.applyUpdate(docs.get(playlist_id)!, snapshot);
  for (const { playlist_id, update } of logs) Y.applyUpdate(docs.get(playlist_id)!, update);
  return rows.map((row) =>
    track({
      playlistId: row.playlist_id,
      doc: docs.get(row.playlist_id)!,
      seq: Number(row.seq),
      snapshotSeq: Number(row.snapshot_seq),
      snapshotBytes: Number(row.snapshot_bytes),
      logBytes: Number(row.log_bytes),
    }),
  );
}

function track(base: Omit<LiveDoc, 'touched' | 'metaTouched' | 'pending'>): LiveDoc {
  const live: LiveDoc = { ...base, touched: new Set(), metaTouched: false, pending: [] };
  observeTouched(live.doc, (ids, meta) => {
    for (const id of ids) live.touched.add(id);
    if (meta) live.metaTouched = true;
  });
  return live;
}

/** Applies one stored update to a document of the batch. */
export function applyUpdate(live: LiveDoc, update: Uint8Array): void {
  Y.applyUpdate(live.doc, update);
  live.pending.push(update);
  live.seq += 1;
  live.logBytes += update.byteLength;
}

/**
 * What a batch writes for its documents, for the caller's one statement (`docsWrite`): the new
 * updates of each document and its row. A document whose log has grown to its last snapshot's size
 * gets a new snapshot, written after that statement (`storeSnapshots`). Each document is kept in
 * memory for the next batch.
 */
export interface DocsWrite {
  /** The parameters of `docsWriteCtes`, in order. */
  params: SqlParam[];
  snapshots: Array<{ playlistId: string; state: Uint8Array }>;
}

export function docsWrite(tables: Tables, docs: Iterable<LiveDoc>): DocsWrite {
  const cache = caches.get(tables)!;
  const log: Array<{ playlistId: string; seq: number; update: string }> = [];
  const rows: LiveDoc[] = [];
  const snapshots: Array<{ playlistId: string; state: Uint8Array }> = [];
  for (const live of docs) {
    live.pending.forEach((update, i) => log.push({ playlistId: live.playlistId, seq: live.seq - live.pending.length + i + 1, update: Buffer.from(update).toString('base64') }));
    live.pending.length = 0;
    live.touched.clear();
    live.metaTouched = false;
    if (live.logBytes >= Math.max(live.snapshotBytes, SNAPSHOT_MIN_BYTES)) {
      const state = Y.encodeStateAsUpdate(live.doc);
      snapshots.push({ playlistId: live.playlistId, state });
      live.snapshotSeq = live.seq;
      live.snapshotBytes = state.byteLength;
      live.logBytes = 0;
    }
    rows.push(live);
    cache.set(live);
  }
  return {
    params: [
      log.map((l) => l.playlistId),
      log.map((l) => l.seq),
      log.map((l) => l.update),
      rows.map((r) => r.playlistId),
      rows.map((r) => r.seq),
      rows.map((r) => r.snapshotSeq),
      rows.map((r) => r.snapshotBytes),
      rows.map((r) => r.logBytes),
    ],
    snapshots,
  };
}

/**
 * The clauses of a WITH that write a `DocsWrite`, its parameters numbered from `from` (8 of them):
 * the updates appended to the log, and each document's row.
 */
export function docsWriteCtes(tables: Tables, from: number): string {
  const $ = (i: number) => `$${from + i}`;
  return `doc_log as (
      insert into ${tables.playlist_doc_updates} (playlist_id, seq, update)
      select p, s, decode(u, 'base64') from unnest(${$(0)}::text[], ${$(1)}::bigint[], ${$(2)}::text[]) as x(p, s, u)
    ), doc_rows as (
      insert into ${tables.playlist_docs} (playlist_id, seq, snapshot_seq, snapshot_bytes, log_bytes)
      select * from unnest(${$(3)}::text[], ${$(4)}::bigint[], ${$(5)}::bigint[], ${$(6)}::bigint[], ${$(7)}::bigint[])
      on conflict (playlist_id) do update
        set seq = excluded.seq, snapshot_seq = excluded.snapshot_seq, snapshot_bytes = excluded.snapshot_bytes, log_bytes = excluded.log_bytes
    )`;
}

/** Writes the new snapshots of a `DocsWrite` (after its rows), and drops the log they cover. */
export async function storeSnapshots(tx: SqlExecutor, tables: Tables, write: DocsWrite): Promise<void> {
  for (const { playlistId, state } of write.snapshots) {
    await tx.query(`update ${tables.playlist_docs} set snapshot = decode($2, 'base64') where playlist_id = $1`, [playlistId, Buffer.from(state).toString('base64')]);
    await tx.query(`delete from ${tables.playlist_doc_updates} where playlist_id = $1 and seq <= (select snapshot_seq from ${tables.playlist_docs} where playlist_id = $1)`, [
      playlistId,
    ]);
  }
}
