/**
 * What the sync server asks of its host (app/sync.ts): who is calling, may they open this
 * playlist, its stored document, storing edits, and fan-out to other nodes. The server itself
 * knows nothing of Postgres, Redis or the event store.
 */
import type { PlaylistChange } from '../domain/playlist/events.js';

export type Access = { kind: 'granted'; canWrite: boolean } | { kind: 'not_found' } | { kind: 'forbidden' };

export interface StoredDocument {
  /** Updates to apply in order: the last compaction's state, then the edits after it. */
  updates: Uint8Array[];
  /** How many edits follow the last compaction (the server compacts again past a threshold). */
  editsSinceCompaction: number;
}

/** One edit to store: the Yjs update, what it meant, and who made it. */
export interface Edit {
  update: Uint8Array;
  changes: PlaylistChange[];
  actorId: string;
}

export interface SyncHooks {
  /** The user behind a token; undefined when it is missing or not valid. */
  authenticate(token: string | undefined): Promise<{ userId: string } | undefined>;
  access(playlistId: string, userId: string): Promise<Access>;
  load(playlistId: string): Promise<StoredDocument>;
  /** Stores edits durably, in order; resolves with the position of the last one. */
  store(playlistId: string, edits: readonly Edit[]): Promise<string>;
  /** Stores the whole document state, so that loading starts from here. */
  compact(playlistId: string, state: Uint8Array): Promise<void>;
  /** Tells other nodes about a stored update (best effort: they also follow the store). */
  publish?(playlistId: string, update: Uint8Array): void;
}
