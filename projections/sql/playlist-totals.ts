/**
 * How many items each playlist holds and how long they last (playlist_items with the catalog's
 * track lengths), for lists of playlists that do not read every item (the OpenSubsonic edge).
 */
import type { SqlExecutor } from '../../gateways/sql/port.js';

export interface PlaylistTotals {
  items: number;
  durationMs: number;
}

export async function playlistTotals(sql: SqlExecutor, playlistIds: readonly string[]): Promise<Map<string, PlaylistTotals>> {
  if (playlistIds.length === 0) return new Map();
  const rows = await sql.query<{ playlist_id: string; items: number; duration_ms: string | number }>(
    `select i.playlist_id, count(*)::int as items, coalesce(sum(t.duration_ms), 0)::bigint as duration_ms
       from playlist_items i left join catalog_tracks t on t.track_id = i.track_id
      where i.playlist_id = any ($1::text[]) group by i.playlist_id`,
    [[...new Set(playlistIds)]],
  );
  return new Map(rows.map((r) => [r.playlist_id, { items: r.items, durationMs: Number(r.duration_ms) }]));
}
