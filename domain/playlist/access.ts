/**
 * Who may do what with a playlist. The owner does everything; editors edit the contents and the
 * details of a collaborative playlist (on a playlist that is not collaborative they read, as
 * viewers do); viewers read; anyone reads a public playlist.
 */
import type { CollaboratorRole } from './events.js';

export interface PlaylistAccessFacts {
  ownerId: string;
  public: boolean;
  collaborative: boolean;
  collaborators: ReadonlyMap<string, CollaboratorRole>;
}

export type PlaylistRole = 'owner' | CollaboratorRole;

export function roleOf(playlist: PlaylistAccessFacts, userId: string): PlaylistRole | undefined {
  if (playlist.ownerId === userId) return 'owner';
  return playlist.collaborators.get(userId);
}

export function canRead(playlist: PlaylistAccessFacts, userId: string): boolean {
  return playlist.public || roleOf(playlist, userId) !== undefined;
}

export function canEdit(playlist: PlaylistAccessFacts, userId: string): boolean {
  const role = roleOf(playlist, userId);
  return role === 'owner' || (role === 'editor' && playlist.collaborative);
}

export function canManage(playlist: PlaylistAccessFacts, userId: string): boolean {
  return roleOf(playlist, userId) === 'owner';
}
