/** The catalog's tracks as the sync server knows them: looked up through a hook, the ones found remembered. */
import { Lru } from '../application/lru.js';
import type { SyncHooks } from './hooks.js';
import type { TrackLookup } from './room.js';

/**
 * Which tracks exist, through the tracksExist hook (every track, when there is none); the ones
 * found are remembered (a track, once in the catalog, stays there).
 */
export function trackLookup(hooks: SyncHooks): TrackLookup {
  const found = new Lru<string, true>(100_000);
  const tracksExist = hooks.tracksExist;
  if (!tracksExist) return { known: () => true, lookup: async () => undefined };
  return {
    known: (trackId) => found.get(trackId) === true,
    async lookup(trackIds) {
      for (const trackId of await tracksExist(trackIds)) found.set(trackId, true);
    },
  };
}
