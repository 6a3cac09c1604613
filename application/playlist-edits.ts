/**
 * Playlist edits an edge makes on a user's behalf outside the sync server (the OpenSubsonic
 * edge's createPlaylist/updatePlaylist): lifecycle commands through the playlist decider, and the
 * items, name and description through the live collaborative document, so that the y-websocket
 * clients on the playlist see the edit at once and every edit converges.
 */
import { MAX_DESCRIPTION_LENGTH, checkName, checkText } from '../domain/shared/checks.js';
import { DomainError } from '../domain/shared/errors.js';
import type { PlaylistCommand } from '../domain/playlist/decider.js';
import { MAX_ENTRIES, describe, insertTracks, listEntries, readMeta, removeEntries, rename } from '../domain/playlist/document.js';
import { uuidv7 } from '../gateways/event-store/uuid.js';
import { trackDurations } from '../projections/sql/catalog.js';
import { ownedPlaylistCount } from '../projections/sql/playlists.js';
import type { FactSources } from './facts.js';
import { playlistState } from './facts.js';
import type { CommandMetadata } from './handle-command.js';
import { accessTo } from './playlist-access.js';
import { playlistCommandsDecider, runPlaylistCommands } from './playlist-commands.js';
import type { PlaylistDocumentEditor } from './playlist-documents/editor.js';

export interface PlaylistEditDeps extends FactSources {
  /** The live documents; none: item, name and description edits are refused. */
  documents?: PlaylistDocumentEditor;
  now: () => Date;
  /** Playlists a user may own (default 1,000). */
  maxPlaylistsPerUser?: number;
}

/** What changes in a playlist's items: entries removed by their index now, then tracks appended. */
export interface ItemChanges {
  /** Indexes in the playlist as it is at the moment of the edit (every one must exist). */
  removeIndexes?: readonly number[];
  /** Remove every entry first. */
  clear?: boolean;
  /** Tracks appended at the end, in order. */
  append?: readonly string[];
}

/** The documents, when `userId` may edit the playlist's items; refused (a DomainError) otherwise. */
export async function writableDocuments(deps: PlaylistEditDeps, playlistId: string, userId: string): Promise<PlaylistDocumentEditor> {
  const level = await accessTo(deps, playlistId, userId);
  if (level === 'not_found' || level === 'none') throw new DomainError('PLAYLIST_NOT_FOUND', `playlist ${playlistId} does not exist`);
  if (level === 'deleted') throw new DomainError('PLAYLIST_DELETED', `playlist ${playlistId} has been deleted`);
  if (level === 'read') throw new DomainError('FORBIDDEN', 'only the owner and the editors of a collaborative playlist change it');
  if (!deps.documents) throw new Error('collaborative editing is not running on this node');
  return deps.documents;
}

async function checkTracks(deps: PlaylistEditDeps, trackIds: readonly string[]): Promise<void> {
  const unique = [...new Set(trackIds)];
  for (let i = 0; i < unique.length; i += 1_000) {
    const chunk = unique.slice(i, i + 1_000);
    const known = await trackDurations(deps.sql, chunk);
    const missing = chunk.filter((t) => !known.has(t));
    if (missing.length > 0) throw new DomainError('TRACK_NOT_FOUND', `no such track: ${missing.slice(0, 10).join(', ')}`);
  }
}

/** Applies `changes` to the playlist's document at once (indexes read from the document as it is then). */
export async function changeItems(deps: PlaylistEditDeps, playlistId: string, userId: string, changes: ItemChanges): Promise<string | undefined> {
  const documents = await writableDocuments(deps, playlistId, userId);
  const append = changes.append ?? [];
  await checkTracks(deps, append);
  const edit = await documents.edit(playlistId, userId, (doc) => {
    const entries = listEntries(doc);
    const removed = new Set<string>();
    if (changes.clear) for (const entry of entries) removed.add(entry.entryId);
    for (const index of changes.removeIndexes ?? []) {
      const entry = Number.isInteger(index) ? entries[index] : undefined;
      if (!entry) throw new DomainError('VALIDATION_FAILED', `no entry at index ${index} (the playlist has ${entries.length})`);
      removed.add(entry.entryId);
    }
    if (entries.length - removed.size + append.length > MAX_ENTRIES) {
      throw new DomainError('VALIDATION_FAILED', `a playlist holds at most ${MAX_ENTRIES} items`);
    }
    removeEntries(doc, [...removed]);
    if (append.length > 0) insertTracks(doc, append, undefined, { addedBy: userId, addedAt: deps.now().toISOString(), newId: uuidv7 });
  });
  return edit.position;
}

export interface NewPlaylist {
  ownerId: string;
  name: string;
  description?: string;
  public?: boolean;
  trackIds?: readonly string[];
}

/** Creates a playlist (its document seeded with the name, description and tracks); its id and last position. */
export async function createPlaylist(deps: PlaylistEditDeps, playlist: NewPlaylist, metadata: CommandMetadata): Promise<{ playlistId: string; position: string | undefined }> {
  const max = deps.maxPlaylistsPerUser ?? 1_000;
  if ((await ownedPlaylistCount(deps.sql, playlist.ownerId)) >= max) {
    throw new DomainError('FORBIDDEN', `a user owns at most ${max} playlists; delete one before creating another`);
  }
  const trackIds = playlist.trackIds ?? [];
  if (trackIds.length > MAX_ENTRIES) throw new DomainError('VALIDATION_FAILED', `a playlist holds at most ${MAX_ENTRIES} items`);
  await checkTracks(deps, trackIds);
  const playlistId = uuidv7();
  const command: PlaylistCommand = {
    type: 'CreatePlaylist',
    playlistId,
    ownerId: playlist.ownerId,
    name: playlist.name,
    ...(playlist.description === undefined ? {} : { description: playlist.description }),
    ...(playlist.public === undefined ? {} : { public: playlist.public }),
    at: deps.now().toISOString(),
  };
  const created = await runPlaylistCommands(deps.store, playlistId, [command], metadata);
  const state = created.state;
  if (state.status !== 'active') throw new Error('a created playlist is active');
  const seeded = await deps.documents?.edit(playlistId, playlist.ownerId, (doc) => {
    rename(doc, state.name);
    if (state.description) describe(doc, state.description);
    if (trackIds.length > 0) insertTracks(doc, trackIds, undefined, { addedBy: playlist.ownerId, addedAt: deps.now().toISOString(), newId: uuidv7 });
  });
  return { playlistId, position: seeded?.position ?? created.position };
}

export interface DetailChanges {
  name?: string;
  description?: string;
  public?: boolean;
}

/**
 * Changes the name and description (in the document, as every edit of them) and the visibility
 * (a command), after checking the whole request against the playlist's state.
 */
export async function changeDetails(deps: PlaylistEditDeps, playlistId: string, actorId: string, changes: DetailChanges, metadata: CommandMetadata): Promise<string | undefined> {
  const at = deps.now().toISOString();
  const { name, description } = changes;
  const visibility: PlaylistCommand[] = changes.public === undefined ? [] : [{ type: 'ChangePlaylistVisibility', playlistId, actorId, public: changes.public, at }];
  const details: PlaylistCommand | undefined = name !== undefined || description !== undefined ? { type: 'ChangePlaylistDetails', playlistId, actorId, name, description, at } : undefined;
  if (!details || !deps.documents) {
    const commands = details ? [...visibility, details] : visibility;
    return commands.length > 0 ? (await runPlaylistCommands(deps.store, playlistId, commands, metadata)).position : undefined;
  }
  playlistCommandsDecider.decide([...visibility, details], await playlistState(deps.store, playlistId));
  let position = visibility.length > 0 ? (await runPlaylistCommands(deps.store, playlistId, visibility, metadata)).position : undefined;
  const edited = await deps.documents.edit(playlistId, actorId, (doc) => {
    const current = readMeta(doc);
    const newName = name === undefined ? undefined : checkName(name, 'name');
    const newDescription = description === undefined ? undefined : checkText(description, 'description', MAX_DESCRIPTION_LENGTH);
    if (newName !== undefined && newName !== current.name) rename(doc, newName);
    if (newDescription !== undefined && newDescription !== current.description) describe(doc, newDescription);
  });
  position = edited.position ?? position;
  return position;
}

/** Deletes the playlist (its owner only). */
export async function deletePlaylist(deps: PlaylistEditDeps, playlistId: string, actorId: string, metadata: CommandMetadata): Promise<string | undefined> {
  return (await runPlaylistCommands(deps.store, playlistId, [{ type: 'DeletePlaylist', playlistId, actorId, at: deps.now().toISOString() }], metadata)).position;
}
