/**
 * What a user may do with a playlist: the access check the HTTP routes and the sync server's
 * upgrade share. The read model answers when it grants access; otherwise the stream decides (the
 * read model may not have seen the playlist, or a new collaborator, yet).
 */
import { canEdit, canManage, canRead, type PlaylistAccessFacts } from '../domain/playlist/access.js';
import { playlistAccess } from '../projections/sql/playlists.js';
import { playlistState, type FactSources } from './facts.js';

export type PlaylistAccessLevel = 'not_found' | 'deleted' | 'none' | 'read' | 'write' | 'manage';

export async function accessTo(sources: FactSources, playlistId: string, userId: string): Promise<PlaylistAccessLevel> {
  const stored = await playlistAccess(sources.sql, playlistId);
  if (stored && !stored.deleted && canRead(stored, userId)) return level(stored, userId);
  const state = await playlistState(sources.store, playlistId);
  if (state.status === 'none') return 'not_found';
  if (!canRead(state, userId)) return 'none';
  if (state.status === 'deleted') return 'deleted';
  return level(state, userId);
}

function level(facts: PlaylistAccessFacts, userId: string): PlaylistAccessLevel {
  if (canManage(facts, userId)) return 'manage';
  return canEdit(facts, userId) ? 'write' : 'read';
}
