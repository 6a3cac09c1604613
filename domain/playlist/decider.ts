/**
 * The playlist lifecycle: creation, details, visibility, collaborators, deletion. Only the owner
 * manages collaborators, visibility and deletion; the owner and editors change details. A deleted
 * playlist accepts nothing. Setting what is already set records nothing (idempotent).
 * Collaborative edits of the contents (PlaylistEdited) are decided by the sync server's document.
 */
import { MAX_DESCRIPTION_LENGTH, checkId, checkName, checkText, checkTime } from '../shared/checks.js';
import { assertNever, type Decider } from '../shared/decider.js';
import { reject } from '../shared/errors.js';
import { canEdit, canManage, canRead } from './access.js';
import { COLLABORATOR_ROLES, type CollaboratorRole, type PlaylistEvent } from './events.js';

export type PlaylistCommand =
  | {
      type: 'CreatePlaylist';
      playlistId: string;
      ownerId: string;
      name: string;
      description?: string;
      public?: boolean;
      collaborative?: boolean;
      at: string;
    }
  | { type: 'ChangePlaylistDetails'; playlistId: string; actorId: string; name?: string; description?: string; at: string }
  | { type: 'ChangePlaylistVisibility'; playlistId: string; actorId: string; public?: boolean; collaborative?: boolean; at: string }
  | { type: 'SetCollaborator'; playlistId: string; actorId: string; userId: string; role: CollaboratorRole; userExists: boolean; at: string }
  | { type: 'RemoveCollaborator'; playlistId: string; actorId: string; userId: string; at: string }
  | { type: 'DeletePlaylist'; playlistId: string; actorId: string; at: string };

export interface ActivePlaylist {
  status: 'active';
  playlistId: string;
  ownerId: string;
  name: string;
  description: string;
  public: boolean;
  collaborative: boolean;
  collaborators: ReadonlyMap<string, CollaboratorRole>;
}

/** A deleted playlist keeps who could see it, so that others learn nothing about it. */
export type PlaylistState = { status: 'none' } | ActivePlaylist | (Omit<ActivePlaylist, 'status'> & { status: 'deleted' });

function active(state: PlaylistState, playlistId: string, actorId: string): ActivePlaylist {
  if (state.status === 'none') return reject('PLAYLIST_NOT_FOUND', `playlist ${playlistId} does not exist`);
  // Someone who may not even see the playlist learns nothing about it.
  if (!canRead(state, actorId)) return reject('PLAYLIST_NOT_FOUND', `playlist ${playlistId} does not exist`);
  if (state.status === 'deleted') return reject('PLAYLIST_DELETED', `playlist ${playlistId} has been deleted`);
  return state;
}

export function decidePlaylist(command: PlaylistCommand, state: PlaylistState): PlaylistEvent[] {
  const playlistId = checkId(command.playlistId, 'playlistId');
  const at = checkTime(command.at, 'at');
  switch (command.type) {
    case 'CreatePlaylist': {
      if (state.status !== 'none') return reject('PLAYLIST_ALREADY_EXISTS', `playlist ${playlistId} exists already`);
      return [
        {
          type: 'PlaylistCreated',
          data: {
            playlistId,
            ownerId: checkId(command.ownerId, 'ownerId'),
            name: checkName(command.name, 'name'),
            description: checkText(command.description ?? '', 'description', MAX_DESCRIPTION_LENGTH),
            public: command.public ?? true,
            collaborative: command.collaborative ?? false,
            createdAt: at,
          },
        },
      ];
    }
    case 'ChangePlaylistDetails': {
      const playlist = active(state, playlistId, command.actorId);
      if (!canEdit(playlist, command.actorId)) return reject('FORBIDDEN', 'only the owner and editors change the details');
      const data: { playlistId: string; name?: string; description?: string; changedBy: string; at: string } = { playlistId, changedBy: command.actorId, at };
      if (command.name !== undefined) {
        const name = checkName(command.name, 'name');
        if (name !== playlist.name) data.name = name;
      }
      if (command.description !== undefined) {
        const description = checkText(command.description, 'description', MAX_DESCRIPTION_LENGTH);
        if (description !== playlist.description) data.description = description;
      }
      return data.name === undefined && data.description === undefined ? [] : [{ type: 'PlaylistDetailsChanged', data }];
    }
    case 'ChangePlaylistVisibility': {
      const playlist = active(state, playlistId, command.actorId);
      if (!canManage(playlist, command.actorId)) return reject('FORBIDDEN', 'only the owner changes the visibility');
      const data: { playlistId: string; public?: boolean; collaborative?: boolean; changedBy: string; at: string } = { playlistId, changedBy: command.actorId, at };
      if (command.public !== undefined && command.public !== playlist.public) data.public = command.public;
      if (command.collaborative !== undefined && command.collaborative !== playlist.collaborative) data.collaborative = command.collaborative;
      return data.public === undefined && data.collaborative === undefined ? [] : [{ type: 'PlaylistVisibilityChanged', data }];
    }
    case 'SetCollaborator': {
      const playlist = active(state, playlistId, command.actorId);
      if (!canManage(playlist, command.actorId)) return reject('FORBIDDEN', 'only the owner manages collaborators');
      const userId = checkId(command.userId, 'userId');
      if (!COLLABORATOR_ROLES.includes(command.role)) reject('VALIDATION_FAILED', `role must be one of ${COLLABORATOR_ROLES.join(', ')}`);
      if (userId === playlist.ownerId) return reject('VALIDATION_FAILED', 'the owner cannot also be a collaborator');
      if (!command.userExists) return reject('USER_NOT_FOUND', `user ${userId} does not exist`);
      const current = playlist.collaborators.get(userId);
      if (current === command.role) return [];
      return current === undefined
        ? [{ type: 'CollaboratorAdded', data: { playlistId, userId, role: command.role, addedBy: command.actorId, at } }]
        : [{ type: 'CollaboratorRoleChanged', data: { playlistId, userId, role: command.role, changedBy: command.actorId, at } }];
    }
    case 'RemoveCollaborator': {
      const playlist = active(state, playlistId, command.actorId);
      const userId = checkId(command.userId, 'userId');
      // The owner removes anyone; a collaborator may leave.
      if (!canManage(playlist, command.actorId) && userId !== command.actorId) {
        return reject('FORBIDDEN', 'only the owner manages collaborators (collaborators may remove themselves)');
      }
      return playlist.collaborators.has(userId) ? [{ type: 'CollaboratorRemoved', data: { playlistId, userId, removedBy: command.actorId, at } }] : [];
    }
    case 'DeletePlaylist': {
      const playlist = active(state, playlistId, command.actorId);
      if (!canManage(playlist, command.actorId)) return reject('FORBIDDEN', 'only the owner deletes a playlist');
      return [{ type: 'PlaylistDeleted', data: { playlistId, deletedBy: command.actorId, at } }];
    }
    default:
      return assertNever(command);
  }
}

export function evolvePlaylist(state: PlaylistState, event: PlaylistEvent): PlaylistState {
  if (event.type === 'PlaylistCreated') {
    const { playlistId, ownerId, name, description, collaborative } = event.data;
    return { status: 'active', playlistId, ownerId, name, description, public: event.data.public, collaborative, collaborators: new Map() };
  }
  if (state.status !== 'active') return state;
  switch (event.type) {
    case 'PlaylistDetailsChanged':
      return { ...state, name: event.data.name ?? state.name, description: event.data.description ?? state.description };
    case 'PlaylistVisibilityChanged':
      return { ...state, public: event.data.public ?? state.public, collaborative: event.data.collaborative ?? state.collaborative };
    case 'CollaboratorAdded':
    case 'CollaboratorRoleChanged':
      return { ...state, collaborators: new Map(state.collaborators).set(event.data.userId, event.data.role) };
    case 'CollaboratorRemoved': {
      const collaborators = new Map(state.collaborators);
      collaborators.delete(event.data.userId);
      return { ...state, collaborators };
    }
    case 'PlaylistDeleted':
      return { ...state, status: 'deleted' };
    case 'PlaylistEdited': {
      // The contents live in the CRDT document; its name and description are kept here too.
      let { name, description } = state;
      for (const change of event.data.changes) {
        if (change.op === 'rename') name = change.name;
        if (change.op === 'describe') description = change.description;
      }
      return name === state.name && description === state.description ? state : { ...state, name, description };
    }
    case 'PlaylistCompacted':
      return state;
    default:
      return assertNever(event);
  }
}

export const playlistDecider: Decider<PlaylistCommand, PlaylistEvent, PlaylistState> = {
  initialState: { status: 'none' },
  decide: decidePlaylist,
  evolve: evolvePlaylist,
};
