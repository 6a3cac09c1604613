/**
 * The collaborative part of a playlist: one Yjs document (DESIGN.md section 5).
 *
 * - `meta` (Y.Map): `name`, `description`.
 * - `entries` (Y.Map): entryId -> Y.Map { trackId, pos, addedBy, addedAt }. An entry id is new per
 *   occurrence, so a track can appear twice. The order is (pos, entryId), `pos` a fractional
 *   position key (position-key.ts). A move sets `pos`: two concurrent moves converge on one of the
 *   two places (the CRDT picks the same winner everywhere) without duplicating the entry; a remove
 *   deletes the entry's map, so it beats a concurrent move.
 *
 * Used by the sync server, the HTTP item routes, the items projection and tests. Every edit runs
 * in one transaction with the caller's origin. `ChangeTracker` turns transactions into the semantic
 * changes that PlaylistEdited carries for analysts.
 */
import * as Y from 'yjs';
import type { PlaylistChange } from './events.js';
import { keyBetween, keysBetween } from './position-key.js';

export const META = 'meta';
export const ENTRIES = 'entries';
/** Spotify's limit, and ours for the HTTP routes. */
export const MAX_ENTRIES = 10_000;

export interface Entry {
  entryId: string;
  trackId: string;
  pos: string;
  addedBy: string;
  addedAt: string;
}

const entriesMap = (doc: Y.Doc) => doc.getMap<Y.Map<unknown>>(ENTRIES);
const metaMap = (doc: Y.Doc) => doc.getMap<unknown>(META);

function readEntry(entryId: string, value: unknown): Entry | undefined {
  if (!(value instanceof Y.Map)) return undefined;
  const trackId = value.get('trackId');
  const pos = value.get('pos');
  if (typeof trackId !== 'string' || typeof pos !== 'string') return undefined;
  const addedBy = value.get('addedBy');
  const addedAt = value.get('addedAt');
  return { entryId, trackId, pos, addedBy: typeof addedBy === 'string' ? addedBy : '', addedAt: typeof addedAt === 'string' ? addedAt : '' };
}

const byOrder = (a: Entry, b: Entry) => (a.pos < b.pos ? -1 : a.pos > b.pos ? 1 : a.entryId < b.entryId ? -1 : a.entryId > b.entryId ? 1 : 0);

/** The entries in playlist order. Malformed entries (a client wrote garbage) are left out. */
export function listEntries(doc: Y.Doc): Entry[] {
  const out: Entry[] = [];
  for (const [entryId, value] of entriesMap(doc)) {
    const entry = readEntry(entryId, value);
    if (entry) out.push(entry);
  }
  return out.sort(byOrder);
}

/** One entry by id (undefined when it is not there, or malformed): O(1), for change tracking. */
export function entryById(doc: Y.Doc, entryId: string): Entry | undefined {
  return readEntry(entryId, entriesMap(doc).get(entryId));
}

/**
 * Calls `touched` after every transaction of `doc` with the entry ids it changed (added, removed
 * or changed inside) and whether it changed `meta`: O(changes), whatever the document's size.
 * Returns a function that stops it.
 */
export function observeTouched(doc: Y.Doc, touched: (entryIds: ReadonlySet<string>, meta: boolean) => void): () => void {
  let ids = new Set<string>();
  let meta = false;
  const onEntries = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>) => {
    for (const event of events) {
      if (event.path.length === 0) for (const key of (event as Y.YMapEvent<unknown>).keysChanged) ids.add(key);
      else ids.add(String(event.path[0]));
    }
  };
  const onMeta = () => (meta = true);
  const afterTransaction = () => {
    if (ids.size === 0 && !meta) return;
    const [changed, metaChanged] = [ids, meta];
    ids = new Set();
    meta = false;
    touched(changed, metaChanged);
  };
  entriesMap(doc).observeDeep(onEntries);
  metaMap(doc).observe(onMeta);
  doc.on('afterTransaction', afterTransaction);
  return () => {
    entriesMap(doc).unobserveDeep(onEntries);
    metaMap(doc).unobserve(onMeta);
    doc.off('afterTransaction', afterTransaction);
  };
}

export function readMeta(doc: Y.Doc): { name?: string; description?: string } {
  const meta = metaMap(doc);
  const name = meta.get('name');
  const description = meta.get('description');
  return { ...(typeof name === 'string' ? { name } : {}), ...(typeof description === 'string' ? { description } : {}) };
}

export interface InsertOptions {
  addedBy: string;
  addedAt: string;
  newId: () => string;
  random?: () => number;
  origin?: unknown;
}

/** Inserts tracks before the entry at `index` (clamped; the end when omitted). Returns the new entry ids. */
export function insertTracks(doc: Y.Doc, trackIds: readonly string[], index: number | undefined, options: InsertOptions): string[] {
  const entries = listEntries(doc);
  const at = Math.min(Math.max(index ?? entries.length, 0), entries.length);
  const ids = trackIds.map(() => options.newId());
  doc.transact(() => {
    const map = entriesMap(doc);
    const room = roomAt(map, entries, at, options.random);
    const keys = keysBetween(room.before, room.after, trackIds.length, options.random);
    trackIds.forEach((trackId, i) => {
      const entry = new Y.Map<unknown>();
      entry.set('trackId', trackId);
      entry.set('pos', keys[i]!);
      entry.set('addedBy', options.addedBy);
      entry.set('addedAt', options.addedAt);
      map.set(ids[i]!, entry);
    });
  }, options.origin);
  return ids;
}

/** Removes entries; returns the ids that were there. */
export function removeEntries(doc: Y.Doc, entryIds: readonly string[], origin?: unknown): string[] {
  const map = entriesMap(doc);
  const present = entryIds.filter((id) => map.has(id));
  if (present.length > 0) doc.transact(() => present.forEach((id) => map.delete(id)), origin);
  return present;
}

/**
 * Spotify's reorder: moves `rangeLength` entries starting at index `rangeStart` to before the
 * entry at index `insertBefore` (indexes in the order before the move; `insertBefore` may be the
 * length, for the end). Returns false when it changes nothing (the range moves onto itself).
 */
export function moveRange(
  doc: Y.Doc,
  rangeStart: number,
  insertBefore: number,
  rangeLength = 1,
  options: { random?: () => number; origin?: unknown } = {},
): boolean {
  const entries = listEntries(doc);
  if (rangeStart < 0 || rangeLength < 1 || rangeStart + rangeLength > entries.length || insertBefore < 0 || insertBefore > entries.length) {
    throw new RangeError(`cannot move ${rangeLength} entries from ${rangeStart} to before ${insertBefore} in a playlist of ${entries.length}`);
  }
  if (insertBefore >= rangeStart && insertBefore <= rangeStart + rangeLength) return false;
  const moving = entries.slice(rangeStart, rangeStart + rangeLength);
  const map = entriesMap(doc);
  doc.transact(() => {
    const room = roomAt(map, entries, insertBefore, options.random);
    const keys = keysBetween(room.before, room.after, rangeLength, options.random);
    moving.forEach((entry, i) => (map.get(entry.entryId) as Y.Map<unknown>).set('pos', keys[i]!));
  }, options.origin);
  return true;
}

/**
 * The keys to insert between at index `at`. Two devices that edited at once may have given two
 * entries the same key; when the entry at `at` does not sort strictly after its predecessor by
 * key, that run of entries is re-keyed (moved in place, within the caller's transaction) to make room.
 */
function roomAt(map: Y.Map<Y.Map<unknown>>, entries: readonly Entry[], at: number, random?: () => number): { before?: string; after?: string } {
  const before = entries[at - 1]?.pos;
  const after = entries[at]?.pos;
  if (before === undefined || after === undefined || after > before) return { before, after };
  let end = at;
  while (end < entries.length && entries[end]!.pos <= before) end += 1;
  const keys = keysBetween(before, entries[end]?.pos, end - at, random);
  for (let i = at; i < end; i += 1) map.get(entries[i]!.entryId)!.set('pos', keys[i - at]!);
  return { before, after: keys[0] };
}

/** Moves one entry to between two others (undefined: the start or end). */
export function moveEntry(doc: Y.Doc, entryId: string, after: string | undefined, before: string | undefined, options: { random?: () => number; origin?: unknown } = {}): boolean {
  const map = entriesMap(doc);
  const entry = map.get(entryId);
  if (!(entry instanceof Y.Map)) return false;
  const posOf = (id: string | undefined) => (id === undefined ? undefined : readEntry(id, map.get(id))?.pos);
  doc.transact(() => entry.set('pos', keyBetween(posOf(after), posOf(before), options.random)), options.origin);
  return true;
}

export function rename(doc: Y.Doc, name: string, origin?: unknown): void {
  doc.transact(() => metaMap(doc).set('name', name), origin);
}

export function describe(doc: Y.Doc, description: string, origin?: unknown): void {
  doc.transact(() => metaMap(doc).set('description', description), origin);
}

/**
 * Collects, per transaction, the semantic changes it made to a document: entries added, removed
 * or moved, renames and descriptions. Read them with `take(transaction)` in the document's
 * 'update' handler (observers run before it).
 */
export class ChangeTracker {
  private readonly changes = new WeakMap<Y.Transaction, PlaylistChange[]>();

  constructor(doc: Y.Doc) {
    entriesMap(doc).observeDeep((events, transaction) => {
      const list = this.listFor(transaction);
      const added = new Set<string>();
      for (const event of events) {
        if (event.path.length === 0) {
          for (const [entryId, change] of (event as Y.YMapEvent<unknown>).changes.keys) {
            if (change.action === 'delete') {
              list.push({ op: 'remove', entryId });
              continue;
            }
            const entry = readEntry(entryId, entriesMap(doc).get(entryId));
            if (change.action === 'update') list.push({ op: 'remove', entryId });
            if (entry) {
              added.add(entryId);
              list.push({ op: 'add', entryId, trackId: entry.trackId, pos: entry.pos });
            }
          }
        }
      }
      for (const event of events) {
        if (event.path.length !== 1) continue;
        const entryId = String(event.path[0]);
        if (added.has(entryId) || !(event as Y.YMapEvent<unknown>).changes.keys.has('pos')) continue;
        const entry = readEntry(entryId, entriesMap(doc).get(entryId));
        if (entry) list.push({ op: 'move', entryId, pos: entry.pos });
      }
    });
    metaMap(doc).observe((event, transaction) => {
      const list = this.listFor(transaction);
      const meta = readMeta(doc);
      if (event.changes.keys.has('name') && meta.name !== undefined) list.push({ op: 'rename', name: meta.name });
      if (event.changes.keys.has('description') && meta.description !== undefined) list.push({ op: 'describe', description: meta.description });
    });
  }

  private listFor(transaction: Y.Transaction): PlaylistChange[] {
    let list = this.changes.get(transaction);
    if (!list) {
      list = [];
      this.changes.set(transaction, list);
    }
    return list;
  }

  take(transaction: Y.Transaction): PlaylistChange[] {
    const list = this.changes.get(transaction) ?? [];
    this.changes.delete(transaction);
    return list;
  }
}
