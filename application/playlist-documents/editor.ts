/**
 * The port through which an edge other than the sync server (HTTP item routes, a Subsonic
 * playlist update) changes a playlist's live collaborative document: the change is applied to the
 * same document the WebSocket clients edit, so every edit converges, and is stored as
 * PlaylistEdited. The sync server implements it; app/ wires it in.
 */
import type * as Y from 'yjs';

export interface DocumentEdit<T> {
  /** What `change` returned. */
  result: T;
  /** The position of the stored PlaylistEdited; undefined when the change changed nothing. */
  position: string | undefined;
}

export interface PlaylistDocumentEditor {
  /** Applies `change` to the document on behalf of `actorId`; resolves once the edit is stored. */
  edit<T>(playlistId: string, actorId: string, change: (doc: Y.Doc) => T): Promise<DocumentEdit<T>>;
}
