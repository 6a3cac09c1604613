/**
 * What the sync server asks of its host (app/sync.ts): who is calling, may they open this
 * playlist, its stored document, storing edits, and fan-out to other nodes. The server itself
 * knows nothing of Postgres, Redis or the event store.
 */
import type { PlaylistChange } from '../domain/playlist/events.js';
import type { SharedEditCount } from './edit-limiter.js';

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

/** The edits of one playlist to store in one append. */
export interface EditBatch {
  playlistId: string;
  edits: readonly Edit[];
}

/**
 * How storing one playlist's batch went: stored at a position; failed for now (the store could not
 * be reached: try again); or refused for good (it would fail again: never retried).
 */
export type StoreOutcome =
  | { kind: 'stored'; position: string }
  | { kind: 'failed'; error: unknown }
  | { kind: 'refused'; error: Error };

export interface SyncHooks {
  /** The user behind a token; undefined when it is missing or not valid. */
  authenticate(token: string | undefined): Promise<{ userId: string } | undefined>;
  access(playlistId: string, userId: string): Promise<Access>;
  load(playlistId: string): Promise<StoredDocument>;
  /**
   * Stores the batches of several playlists durably, each batch's edits in order (one call: one
   * commit, where the store can); an outcome per batch, in order.
   */
  store(batches: readonly EditBatch[]): Promise<StoreOutcome[]>;
  /**
   * Stores the whole document state, so that loading starts from here. False when it stored
   * nothing because other edits kept landing meanwhile (the room tries again after its next batch).
   */
  compact(playlistId: string, state: Uint8Array): Promise<boolean>;
  /** Which of these tracks are in the catalog (without it, every track is taken). */
  tracksExist?(trackIds: readonly string[]): Promise<ReadonlySet<string>>;
  /**
   * Counts users' edits in a window shared by every node (Redis): adds each user's `edits`, answers
   * each window's count, in the same order, in one round trip (edit-limiter.ts). Without it, the
   * edit rate is limited per node.
   */
  countEdits?: SharedEditCount;
  /** Tells other nodes about an update as soon as it is applied (best effort: they also follow the store). */
  publish?(playlistId: string, update: Uint8Array): void;
}
