/** Commands, events and states the playlist decider's tests share (decider.test.ts, decider.collaborators.test.ts, decider.properties.test.ts). */
import type { PlaylistCommand, PlaylistState } from './decider.js';
import type { CollaboratorRole, PlaylistCreated, PlaylistEvent } from './events.js';

export type Create = Extract<PlaylistCommand, { type: 'CreatePlaylist' }>;
export type ChangeDetails = Extract<PlaylistCommand, { type: 'ChangePlaylistDetails' }>;
export type ChangeVisibility = Extract<PlaylistCommand, { type: 'ChangePlaylistVisibility' }>;
export type SetCollaborator = Extract<PlaylistCommand, { type: 'SetCollaborator' }>;

export const at = '2024-05-01T12:00:00.000Z';
export const later = '2024-05-02T08:00:00.000Z';

export const create = (over: Partial<Create> = {}): Create => ({ type: 'CreatePlaylist', playlistId: 'pl-1', ownerId: 'owner', name: 'Road trip', at, ...over });
export const created = (over: Partial<PlaylistCreated['data']> = {}): PlaylistCreated => ({
  type: 'PlaylistCreated',
  data: { playlistId: 'pl-1', ownerId: 'owner', name: 'Road trip', description: '', public: true, collaborative: false, createdAt: at, ...over },
});
export const details = (actorId: string, over: Partial<ChangeDetails> = {}): ChangeDetails => ({ type: 'ChangePlaylistDetails', playlistId: 'pl-1', actorId, at: later, ...over });
export const visibility = (actorId: string, over: Partial<ChangeVisibility> = {}): ChangeVisibility => ({
  type: 'ChangePlaylistVisibility',
  playlistId: 'pl-1',
  actorId,
  at: later,
  ...over,
});
export const setCollaborator = (actorId: string, userId: string, role: CollaboratorRole, userExists = true): SetCollaborator => ({
  type: 'SetCollaborator',
  playlistId: 'pl-1',
  actorId,
  userId,
  role,
  userExists,
  at: later,
});
export const removeCollaborator = (actorId: string, userId: string): PlaylistCommand => ({ type: 'RemoveCollaborator', playlistId: 'pl-1', actorId, userId, at: later });
export const deletePlaylist = (actorId: string): PlaylistCommand => ({ type: 'DeletePlaylist', playlistId: 'pl-1', actorId, at: later });

export const added = (userId: string, role: CollaboratorRole): PlaylistEvent => ({ type: 'CollaboratorAdded', data: { playlistId: 'pl-1', userId, role, addedBy: 'owner', at } });
export const deleted: PlaylistEvent = { type: 'PlaylistDeleted', data: { playlistId: 'pl-1', deletedBy: 'owner', at } };
export const edited: PlaylistEvent = {
  type: 'PlaylistEdited',
  data: { playlistId: 'pl-1', update: 'AQID', changes: [{ op: 'add', entryId: 'e1', trackId: 'trk-1', pos: 'a0' }], editedBy: 'owner', at },
};

/** A playlist with an editor `ed` and a viewer `vi`. */
export const withTeam = (over: Partial<PlaylistCreated['data']> = {}): PlaylistEvent[] => [created(over), added('ed', 'editor'), added('vi', 'viewer')];

/** One command of each kind that needs an existing playlist, issued by `actorId`. */
export const everyCommandBy = (actorId: string): PlaylistCommand[] => [
  details(actorId, { name: 'New name' }),
  visibility(actorId, { public: false }),
  setCollaborator(actorId, 'newbie', 'viewer'),
  removeCollaborator(actorId, 'vi'),
  deletePlaylist(actorId),
];

export const activeState = (state: PlaylistState) => {
  if (state.status !== 'active') throw new Error(`expected an active playlist, got ${state.status}`);
  return state;
};
