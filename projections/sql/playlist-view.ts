/**
 * A playlist as GET /v1/playlists/:id shows it, in one statement: its row (playlists), its
 * collaborators, its items in order and the name and description its document converged on
 * (playlist-items). Reads the views of both projections.
 */
import type { SqlExecutor } from '../../gateways/sql/port.js';
import type { PlaylistItem } from './playlist-items.js';
import type { Collaborator } from './playlists.js';

export interface PlaylistView {
  id: string;
  ownerId: string;
  name: string;
  description: string;
  public: boolean;
  collaborative: boolean;
  deleted: boolean;
  collaborators: Collaborator[];
  items: PlaylistItem[];
}

const VIEW = /* sql */ `
  select p.playlist_id as id, p.owner_id as "ownerId",
         coalesce(m.name, p.name) as name, coalesce(m.description, p.description) as description,
         p.public, p.collaborative, p.deleted,
         coalesce((select json_agg(json_build_object('userId', c.user_id, 'role', c.role) order by c.added_at, c.user_id)
                     from playlist_collaborators c where c.playlist_id = p.playlist_id), '[]'::json) as collaborators,
         coalesce((select json_agg(json_build_object('entryId', i.entry_id, 'trackId', i.track_id, 'addedBy', i.added_by, 'addedAt', i.added_at)
                                   order by i.pos, i.entry_id)
                     from playlist_items i where i.playlist_id = p.playlist_id), '[]'::json) as items
    from playlists p left join playlist_meta m on m.playlist_id = p.playlist_id
   where p.playlist_id = $1`;

export async function playlistView(sql: SqlExecutor, playlistId: string): Promise<PlaylistView | undefined> {
  const [row] = await sql.query<PlaylistView>(VIEW, [playlistId]);
  return row;
}
