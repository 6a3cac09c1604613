/** Events of a `playlist-<playlistId>` stream. */
import type { DomainEvent } from '../shared/decider.js';

export type CollaboratorRole = 'editor' | 'viewer';
export const COLLABORATOR_ROLES: readonly CollaboratorRole[] = ['editor', 'viewer'];

/** One semantic change of a collaborative edit, so analysts read meaning without decoding CRDTs. */
export type PlaylistChange =
  | { op: 'add'; entryId: string; trackId: string; pos: string }
  | { op: 'remove'; entryId: string; trackId?: string }
  | { op: 'move'; entryId: string; pos: string }
  | { op: 'rename'; name: string }
  | { op: 'describe'; description: string };

export type PlaylistCreated = DomainEvent<
  'PlaylistCreated',
  { playlistId: string; ownerId: string; name: string; description: string; public: boolean; collaborative: boolean; createdAt: string }
>;
export type PlaylistDetailsChanged = DomainEvent<
  'PlaylistDetailsChanged',
  { playlistId: string; name?: string; description?: string; changedBy: string; at: string }
>;
export type PlaylistVisibilityChanged = DomainEvent<
  'PlaylistVisibilityChanged',
  { playlistId: string; public?: boolean; collaborative?: boolean; changedBy: string; at: string }
>;
export type CollaboratorAdded = DomainEvent<'CollaboratorAdded', { playlistId: string; userId: string; role: CollaboratorRole; addedBy: string; at: string }>;
export type CollaboratorRoleChanged = DomainEvent<
  'CollaboratorRoleChanged',
  { playlistId: string; userId: string; role: CollaboratorRole; changedBy: string; at: string }
>;
export type CollaboratorRemoved = DomainEvent<'CollaboratorRemoved', { playlistId: string; userId: string; removedBy: string; at: string }>;
export type PlaylistDeleted = DomainEvent<'PlaylistDeleted', { playlistId: string; deletedBy: string; at: string }>;
/** A collaborative edit: the Yjs update it produced (base64) and what it meant. */
export type PlaylistEdited = DomainEvent<
  'PlaylistEdited',
  { playlistId: string; update: string; changes: PlaylistChange[]; editedBy: string; at: string }
>;
/**
 * The whole document state as of `upToRevision`; loading starts from the last one. A state too
 * large for one event is cut into `parts` events (appended together) that share `id`, `part`
 * numbering them from 0; `state` is the part's text (`encoding` says how the bytes were packed).
 */
export type PlaylistCompacted = DomainEvent<
  'PlaylistCompacted',
  { playlistId: string; state: string; upToRevision: number; at: string; id?: string; part?: number; parts?: number; encoding?: string }
>;

export type PlaylistEvent =
  | PlaylistCreated
  | PlaylistDetailsChanged
  | PlaylistVisibilityChanged
  | CollaboratorAdded
  | CollaboratorRoleChanged
  | CollaboratorRemoved
  | PlaylistDeleted
  | PlaylistEdited
  | PlaylistCompacted;

export const playlistStream = (playlistId: string) => `playlist-${playlistId}`;
