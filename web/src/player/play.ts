/** Playing a list from a screen: the shared player plays it on this browser, from the track chosen. */
import type { Track } from '../api/types.js';
import { announce } from '../ui/announce.js';
import type { PlayContext } from '../views/play.js';
import { command, deviceId } from './remote.js';

/** The server takes up to this many tracks at once: a longer list is cut around the chosen track. */
const MAX_TRACKS = 500;

export function playTracks(tracks: readonly Track[], index: number, context: PlayContext): void {
  const start = Math.max(0, Math.min(index, tracks.length - MAX_TRACKS));
  const ids = tracks.slice(start, start + MAX_TRACKS).map((t) => t.id);
  const shared = (context.type === 'album' || context.type === 'playlist' || context.type === 'artist') && context.id ? { context: { type: context.type, id: context.id } } : {};
  void command({ type: 'play', deviceId, trackIds: ids, offset: { position: index - start }, ...shared });
}

export async function addToQueue(track: Track): Promise<void> {
  const answer = await command({ type: 'queue', trackId: track.id });
  if (answer) announce(`Added ${track.title} to the queue`);
}
