/**
 * What an edit of a playlist document may do (DESIGN.md section 5), checked on the transaction
 * that applied it, before anyone else sees it:
 *
 * - only the two top-level maps, `meta` and `entries`;
 * - `meta` holds `name` (1-200 characters) and `description` (up to 1,000), as the HTTP routes
 *   allow; they may be set, never deleted;
 * - `entries` maps an entry id (an id: letters, digits, `._:@-`, up to 128) to a Y.Map of exactly
 *   `trackId` (an id of a track in the catalog), `pos` (a position key), `addedBy` (the user who
 *   added it) and `addedAt` (an ISO-8601 time, not in the future beyond the clock skew); an entry
 *   is added whole or removed, and afterwards only its `pos` changes;
 * - at most MAX_ENTRIES entries (checked by the caller, which counts them as they change).
 *
 * A breach is a `refusal`, except two fields a device may get wrong in good faith — `addedBy` of
 * entries that another user added (a client sends back what the server relayed to it and lost in
 * a crash) and `addedAt` ahead of the server's clock (a device whose clock runs fast) — which are
 * `repairs`: the caller rewrites them in the same transaction. Pure: the time, the sender and the
 * known tracks come in the context.
 */
import * as Y from 'yjs';
import { ENTRIES, META } from './document.js';
import { isPositionKey } from './position-key.js';
import { MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH } from '../shared/checks.js';

/** Ids in a document (entries, tracks, users): what the HTTP API accepts as an id. */
export const DOCUMENT_ID = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const ENTRY_FIELDS = ['addedAt', 'addedBy', 'pos', 'trackId'];

export interface EditRulesContext {
  /** The user whose rules apply to what a Yjs client id wrote; undefined: not checked (another node or the store checked it). */
  authorOf(clientId: number): string | undefined;
  /** Whether a track exists (undefined: the caller checked the tracks itself). */
  trackExists?(trackId: string): boolean;
  /** Now, and how far ahead of it an `addedAt` may be (clock skew). */
  now: number;
  maxClockSkewMs: number;
  /** Refuses text a store cannot hold (NUL, lone surrogates). */
  textProblem(text: string): string | undefined;
}

export interface Repair {
  entryId: string;
  field: 'addedBy' | 'addedAt';
  value: string;
}

export type EditVerdict = { kind: 'refused'; reason: string } | { kind: 'accepted'; repairs: Repair[] };

/** Checks what `transaction` changed in `doc` (call it inside the transaction, after the change). */
export function checkEdit(doc: Y.Doc, transaction: Y.Transaction, context: EditRulesContext): EditVerdict {
  const meta: unknown = doc.getMap<unknown>(META);
  const entries: unknown = doc.getMap<unknown>(ENTRIES);
  const repairs: Repair[] = [];
  for (const [changed, keys] of transaction.changed) {
    const type = changed as unknown as Y.AbstractType<unknown>;
    if (type._item?.deleted) continue;
    let problem: string | undefined;
    if (type === meta) problem = checkMeta(type as Y.Map<unknown>, keys, context);
    else if (type === entries) problem = checkEntries(type as Y.Map<unknown>, keys, transaction, context, repairs);
    else if (type._item?.parent === entries) problem = checkMovedEntry(type, keys);
    else problem = 'a change outside meta and entries (no other top-level type, no nested type)';
    if (problem) return refuse(problem);
  }
  return { kind: 'accepted', repairs };
}

function refuse(reason: string): EditVerdict {
  return { kind: 'refused', reason };
}

function checkMeta(meta: Y.Map<unknown>, keys: Set<string | null>, context: EditRulesContext): string | undefined {
  for (const key of keys) {
    if (key !== 'name' && key !== 'description') return `meta holds name and description only, not ${JSON.stringify(String(key).slice(0, 64))}`;
    const value = meta.get(key);
    if (typeof value !== 'string') return `meta.${key} must be a string (it cannot be deleted)`;
    const max = key === 'name' ? MAX_NAME_LENGTH : MAX_DESCRIPTION_LENGTH;
    if (value.length > max || (key === 'name' && value.length === 0)) return `meta.${key} must be ${key === 'name' ? 1 : 0} to ${max} characters`;
    const text = context.textProblem(value);
    if (text) return `meta.${key} ${text}`;
  }
  return undefined;
}

function checkEntries(entries: Y.Map<unknown>, keys: Set<string | null>, transaction: Y.Transaction, context: EditRulesContext, repairs: Repair[]): string | undefined {
  for (const entryId of keys) {
    if (entryId === null) return 'entries holds keyed entries only';
    if (!DOCUMENT_ID.test(entryId)) return `entry id ${JSON.stringify(entryId.slice(0, 64))} is not an id (letters, digits, ._:@-, up to 128)`;
    const value = entries.get(entryId);
    if (value === undefined) continue; // removed
    if (!(value instanceof Y.Map)) return `entry ${entryId} must be a map`;
    const item = value._item!;
    const isNew = item.id.clock >= (transaction.beforeState.get(item.id.client) ?? 0);
    if (!isNew) continue; // a concurrent set that lost to the entry already there
    const problem = checkNewEntry(entryId, value, item.id.client, context, repairs);
    if (problem) return problem;
  }
  return undefined;
}

function checkNewEntry(entryId: string, entry: Y.Map<unknown>, clientId: number, context: EditRulesContext, repairs: Repair[]): string | undefined {
  const keys = [...entry.keys()].sort();
  if (keys.length !== ENTRY_FIELDS.length || keys.some((key, i) => key !== ENTRY_FIELDS[i])) {
    return `entry ${entryId} must hold exactly trackId, pos, addedBy and addedAt`;
  }
  const [trackId, pos, addedBy, addedAt] = ['trackId', 'pos', 'addedBy', 'addedAt'].map((key) => entry.get(key));
  if (typeof trackId !== 'string' || !DOCUMENT_ID.test(trackId)) return `entry ${entryId}: trackId is not an id`;
  if (!isPositionKey(pos)) return `entry ${entryId}: pos is not a position key`;
  if (typeof addedBy !== 'string' || !DOCUMENT_ID.test(addedBy)) return `entry ${entryId}: addedBy is not an id`;
  if (typeof addedAt !== 'string' || !ISO_TIME.test(addedAt) || Number.isNaN(Date.parse(addedAt))) return `entry ${entryId}: addedAt is not an ISO-8601 time`;
  const author = context.authorOf(clientId);
  if (author === undefined) return undefined;
  if (context.trackExists && !context.trackExists(trackId)) return `entry ${entryId}: no track ${trackId} in the catalog`;
  if (addedBy !== author) repairs.push({ entryId, field: 'addedBy', value: author });
  if (Date.parse(addedAt) > context.now + context.maxClockSkewMs) repairs.push({ entryId, field: 'addedAt', value: new Date(context.now).toISOString() });
  return undefined;
}

/** An entry that was there before: only its position may change. */
function checkMovedEntry(entry: Y.AbstractType<unknown>, keys: Set<string | null>): string | undefined {
  for (const key of keys) {
    if (key !== 'pos') return `an entry's ${key === null ? 'content' : JSON.stringify(key.slice(0, 64))} cannot change after it is added (only pos)`;
    if (!isPositionKey((entry as Y.Map<unknown>).get('pos'))) return 'pos is not a position key';
  }
  return undefined;
}

/** Applies repairs (in the transaction that `checkEdit` checked). */
export function applyRepairs(doc: Y.Doc, repairs: readonly Repair[]): void {
  const entries = doc.getMap<unknown>(ENTRIES);
  for (const repair of repairs) (entries.get(repair.entryId) as Y.Map<unknown>).set(repair.field, repair.value);
}

/**
 * The track ids a Yjs update (its decoded structs) sets on entries (`trackId` values written with their key), for the
 * caller to look up before it applies the update. A trackId written otherwise is not listed, and
 * so is refused as unknown.
 */
export function trackIdsIn(structs: ReadonlyArray<Y.Item | Y.GC | Y.Skip>): string[] {
  const ids = new Set<string>();
  for (const struct of structs) {
    if (struct instanceof Y.Item && struct.parentSub === 'trackId' && struct.content instanceof Y.ContentAny) {
      const value = struct.content.arr[0];
      if (typeof value === 'string' && DOCUMENT_ID.test(value)) ids.add(value);
    }
  }
  return [...ids];
}
