/**
 * Facts a command needs from outside its own stream (does the user exist? how long is the
 * track?). The read models answer first; when they do not know (yet), the event store — the
 * source of truth — is asked, so a write right after another one is not refused for read-model lag.
 */
import { loadStream } from '../../app/handle-command.js';
import { catalogStream } from '../../domain/catalog/events.js';
import { playlistDecider, type PlaylistState } from '../../domain/playlist/decider.js';
import { playlistStream } from '../../domain/playlist/events.js';
import { userStream } from '../../domain/user/events.js';
import { getArtist, trackDurations } from '../../projections/sql/catalog.js';
import { usersExist } from '../../projections/sql/users.js';
import { playlistAccess } from '../../projections/sql/playlists.js';
import { canEdit, canManage, canRead, type PlaylistAccessFacts } from '../../domain/playlist/access.js';
import type { EventStore } from '../event-store/port.js';
import type { ApiDeps } from './context.js';

async function streamExists(store: EventStore, stream: string): Promise<boolean> {
  for await (const _event of store.readStream(stream, { direction: 'backwards', maxCount: 1 })) return true;
  return false;
}

export async function userExists(deps: ApiDeps, userId: string): Promise<boolean> {
  if ((await usersExist(deps.sql, [userId])).has(userId)) return true;
  return streamExists(deps.store, userStream(userId));
}

export async function artistExists(deps: ApiDeps, artistId: string): Promise<boolean> {
  if (await getArtist(deps.sql, artistId)) return true;
  return streamExists(deps.store, catalogStream(artistId));
}

/** The track's length from the catalog read model (undefined when it does not know the track). */
export async function trackDuration(deps: ApiDeps, trackId: string): Promise<number | undefined> {
  return (await trackDurations(deps.sql, [trackId])).get(trackId);
}

/** A playlist's lifecycle state from its stream. */
export async function playlistState(store: EventStore, playlistId: string): Promise<PlaylistState> {
  return (await loadStream(store, playlistDecider, playlistStream(playlistId))).state;
}

export type PlaylistAccessLevel = 'not_found' | 'deleted' | 'none' | 'read' | 'write' | 'manage';

/**
 * What `userId` may do with a playlist. The read model answers when it grants access; otherwise
 * the stream decides (the read model may not have seen the playlist, or a new collaborator, yet).
 */
export async function accessTo(deps: Pick<ApiDeps, 'store' | 'sql'>, playlistId: string, userId: string): Promise<PlaylistAccessLevel> {
  const stored = await playlistAccess(deps.sql, playlistId);
  if (stored && !stored.deleted && canRead(stored, userId)) return level(stored, userId);
  const state = await playlistState(deps.store, playlistId);
  if (state.status === 'none') return 'not_found';
  if (!canRead(state, userId)) return 'none';
  if (state.status === 'deleted') return 'deleted';
  return level(state, userId);
}

function level(facts: PlaylistAccessFacts, userId: string): PlaylistAccessLevel {
  if (canManage(facts, userId)) return 'manage';
  return canEdit(facts, userId) ? 'write' : 'read';
}
