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
export async function playlistState(deps: ApiDeps, playlistId: string): Promise<PlaylistState> {
  return (await loadStream(deps.store, playlistDecider, playlistStream(playlistId))).state;
}
