/** How a screen asks the player to play a list of tracks (from `index`), and from what context. */
import type { Track } from '../api/types.js';

export interface PlayContext {
  type: 'album' | 'artist' | 'playlist' | 'search' | 'chart' | 'feed' | 'recommendations' | 'genre';
  id?: string;
}

export type PlayHandler = (tracks: readonly Track[], index: number, context: PlayContext) => void;
