/** Every projection Chorus runs, and which ones each kind of query reads (for read-your-writes). */
import { chartsProjection } from './cache/charts.js';
import { playCountsProjection } from './cache/play-counts.js';
import { recentPlaysProjection } from './cache/recent-plays.js';
import type { Projection } from './projection.js';
import { catalogProjection } from './sql/catalog.js';
import { feedProjection } from './sql/feed.js';
import { listeningHistoryProjection } from './sql/listening-history.js';
import { playlistItemsProjection } from './sql/playlist-items.js';
import { playerProjection } from './sql/player.js';
import { playlistsProjection } from './sql/playlists.js';
import { usersProjection } from './sql/users.js';

export const allProjections: readonly Projection[] = [
  usersProjection,
  catalogProjection,
  playlistsProjection,
  playlistItemsProjection,
  listeningHistoryProjection,
  feedProjection,
  playCountsProjection,
  chartsProjection,
  recentPlaysProjection,
  playerProjection,
];
