/** Settings of the OpenSubsonic benchmark; each can be overridden from the environment. */
import { envNumber } from '../lib/env.js';

export interface Config {
  /** Length of each measured run (BENCH_SECONDS). */
  seconds: number;
  /** Untimed run of the same requests before each measured run (BENCH_WARMUP_SECONDS). */
  warmupSeconds: number;
  /** Concurrent keep-alive connections of the load generator (BENCH_CONNECTIONS). */
  connections: number;
  /** Artists of the generated catalog, about 18 tracks each (BENCH_SUBSONIC_ARTISTS). */
  artists: number;
  /** Songs of the playlist read by getPlaylist and GET /v1/playlists/:id (BENCH_SUBSONIC_PLAYLIST_ITEMS). */
  playlistItems: number;
  /** Albums per page of getAlbumList2 and of /v1/browse/new-releases (BENCH_SUBSONIC_PAGE). */
  page: number;
  /** Run only the scenarios whose group is named here, comma-separated (BENCH_SUBSONIC_ONLY=search,playlist). */
  only: string[] | undefined;
  /** Profile the server during this scenario's measured run (BENCH_SUBSONIC_PROFILE=<scenario id>). */
  profile: string | undefined;
  /** The load generator (BENCH_SUBSONIC_CLIENT): autocannon (bench/http/load.ts), or lean (lean-load.ts: answers' bodies skipped, not decoded). */
  client: 'autocannon' | 'lean';
}

export function readConfig(): Config {
  const only = process.env.BENCH_SUBSONIC_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
  return {
    seconds: envNumber('BENCH_SECONDS', 10),
    warmupSeconds: envNumber('BENCH_WARMUP_SECONDS', 3),
    connections: Math.round(envNumber('BENCH_CONNECTIONS', 50)),
    artists: Math.round(envNumber('BENCH_SUBSONIC_ARTISTS', 600)),
    playlistItems: Math.round(envNumber('BENCH_SUBSONIC_PLAYLIST_ITEMS', 100)),
    page: Math.round(envNumber('BENCH_SUBSONIC_PAGE', 20)),
    only: only && only.length > 0 ? only : undefined,
    profile: process.env.BENCH_SUBSONIC_PROFILE || undefined,
    client: clientOf(process.env.BENCH_SUBSONIC_CLIENT),
  };
}

function clientOf(value: string | undefined): Config['client'] {
  if (value === undefined || value === '' || value === 'autocannon') return 'autocannon';
  if (value === 'lean') return 'lean';
  throw new Error(`BENCH_SUBSONIC_CLIENT must be autocannon or lean, not ${value}`);
}
