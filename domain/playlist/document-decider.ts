/**
 * The stored side of a playlist's collaborative document: edits become PlaylistEdited, a
 * compaction becomes PlaylistCompacted (in parts). The edits were already decided by the live
 * document (the sync server applied them to it, checking who may write); what remains to decide
 * here is their shape. No state is needed: the stream's revision guards the rest (edits append to
 * a stream that exists, a compaction only at the revision it was built from).
 */
import { checkId, checkTime } from '../shared/checks.js';
import { assertNever, type Decider } from '../shared/decider.js';
import { reject } from '../shared/errors.js';
import type { PlaylistChange, PlaylistCompacted, PlaylistEdited } from './events.js';

/** One edit to store: the Yjs update (base64), what it meant, and who made it. */
export interface StoredEdit {
  update: string;
  changes: PlaylistChange[];
  actorId: string;
}

export type DocumentCommand =
  | { type: 'StoreEdits'; playlistId: string; edits: readonly StoredEdit[]; at: string }
  | {
      type: 'CompactDocument';
      playlistId: string;
      compactionId: string;
      /** The encoded state, cut into parts that each fit in one event. */
      parts: readonly string[];
      encoding: string;
      upToRevision: number;
      at: string;
    };

export type DocumentEvent = PlaylistEdited | PlaylistCompacted;

/**
 * The most JSON one PlaylistEdited's data may hold (an event is at most 1 MiB with its metadata).
 * A small update can mean a great many changes (one that removes 20,000 entries), so an edit whose
 * changes do not fit beside its update is stored as several events, appended together: the first
 * carries the update and the changes that fit, the next ones an empty update and the rest.
 */
export const MAX_EDIT_EVENT_BYTES = 768 * 1024;

/** A Yjs update that changes nothing (`Y.encodeStateAsUpdate(new Y.Doc())`), base64. */
export const EMPTY_UPDATE = 'AAA=';

function editEvents(playlistId: string, edit: StoredEdit, at: string): PlaylistEdited[] {
  const event = (update: string, changes: PlaylistChange[]): PlaylistEdited => ({
    type: 'PlaylistEdited',
    data: { playlistId, update, changes, editedBy: edit.actorId, at },
  });
  const whole = event(edit.update, edit.changes);
  // UTF-8 takes at most 3 bytes per UTF-16 unit: most edits are far below the limit, counted so.
  if (JSON.stringify(whole.data).length * 3 <= MAX_EDIT_EVENT_BYTES) return [whole];
  const fixed = jsonBytes(event(edit.update, []).data);
  const all = jsonBytes(edit.changes);
  if (fixed + all <= MAX_EDIT_EVENT_BYTES) return [whole];
  if (fixed > MAX_EDIT_EVENT_BYTES) return reject('VALIDATION_FAILED', `an edit's update is ${fixed} bytes stored, at most ${MAX_EDIT_EVENT_BYTES}`);
  const events: PlaylistEdited[] = [];
  let changes: PlaylistChange[] = [];
  let room = MAX_EDIT_EVENT_BYTES - fixed;
  for (const change of edit.changes) {
    const bytes = jsonBytes(change) + 1;
    if (bytes > room && changes.length > 0) {
      events.push(event(events.length === 0 ? edit.update : EMPTY_UPDATE, changes));
      changes = [];
      room = MAX_EDIT_EVENT_BYTES - jsonBytes(event(EMPTY_UPDATE, []).data);
    }
    if (bytes > room) return reject('VALIDATION_FAILED', `one change of an edit is ${bytes} bytes stored, at most ${room}`);
    changes.push(change);
    room -= bytes;
  }
  events.push(event(events.length === 0 ? edit.update : EMPTY_UPDATE, changes));
  return events;
}

/** UTF-8 bytes of the value's JSON. */
function jsonBytes(value: unknown): number {
  const text = JSON.stringify(value);
  let bytes = text.length;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    // 2 bytes below 0x800, 3 above; a surrogate pair's two units make 4.
    if (code >= 0x80) bytes += code < 0x800 || (code >= 0xd800 && code <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

export function decideDocument(command: DocumentCommand, _state: null): DocumentEvent[] {
  const playlistId = checkId(command.playlistId, 'playlistId');
  const at = checkTime(command.at, 'at');
  switch (command.type) {
    case 'StoreEdits':
      return command.edits.flatMap((edit) => editEvents(playlistId, edit, at));
    case 'CompactDocument': {
      if (command.parts.length === 0) return reject('VALIDATION_FAILED', 'a compaction has at least one part');
      const id = checkId(command.compactionId, 'compactionId');
      return command.parts.map((state, part) => ({
        type: 'PlaylistCompacted',
        data: { playlistId, id, part, parts: command.parts.length, state, encoding: command.encoding, upToRevision: command.upToRevision, at },
      }));
    }
    default:
      return assertNever(command);
  }
}

export const documentDecider: Decider<DocumentCommand, DocumentEvent, null> = {
  initialState: null,
  decide: decideDocument,
  evolve: (state) => state,
};
