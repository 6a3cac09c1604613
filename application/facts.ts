/**
 * Facts a command needs from outside its own stream (does the user exist? how long is the
 * track?). The read models answer first; when they do not know (yet), the event store — the
 * source of truth — is asked, so a write right after another one is not refused for read-model lag.
 */
import { catalogStream } from '../domain/catalog/events.js';
import { playlistDecider, type PlaylistState } from '../domain/playlist/decider.js';
import { playlistStream } from '../domain/playlist/events.js';
import { userStream } from '../domain/user/events.js';
import type { EventStore } from '../gateways/event-store/port.js';
import type { SqlClient } from '../gateways/sql/port.js';
import { getAlbum, getArtist, trackDurations } from '../projections/sql/catalog.js';
import { usersExist } from '../projections/sql/users.js';
import { loadStream } from './handle-command.js';

/** What the facts are read from: the event store and the SQL read models. */
export interface FactSources {
  store: EventStore;
  sql: SqlClient;
}

async function streamExists(store: EventStore, stream: string): Promise<boolean> {
  for await (const _event of store.readStream(stream, { direction: 'backwards', maxCount: 1 })) return true;
  return false;
}

export async function userExists(sources: FactSources, userId: string): Promise<boolean> {
  if ((await usersExist(sources.sql, [userId])).has(userId)) return true;
  return streamExists(sources.store, userStream(userId));
}

export async function artistExists(sources: FactSources, artistId: string): Promise<boolean> {
  if (await getArtist(sources.sql, artistId)) return true;
  return streamExists(sources.store, catalogStream(artistId));
}

/**
 * Whether the catalog read model knows the album. An album is released inside its artist's
 * stream, which its id does not name, so the read model is the only place to ask.
 */
export async function albumExists(sources: Pick<FactSources, 'sql'>, albumId: string): Promise<boolean> {
  return (await getAlbum(sources.sql, albumId)) !== undefined;
}

/** The track's length from the catalog read model (undefined when it does not know the track). */
export async function trackDuration(sources: Pick<FactSources, 'sql'>, trackId: string): Promise<number | undefined> {
  return (await trackDurations(sources.sql, [trackId])).get(trackId);
}

/** A playlist's lifecycle state from its stream. */
export async function playlistState(store: EventStore, playlistId: string): Promise<PlaylistState> {
  return (await loadStream(store, playlistDecider, playlistStream(playlistId))).state;
}
