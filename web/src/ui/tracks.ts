/** The tracks of a list of ids (feed, charts, recent plays, playlists), fetched once each. */
import { useEffect, useState } from 'preact/hooks';
import { getTracks } from '../api/catalog.js';
import type { Track } from '../api/types.js';

export function useTracks(ids: readonly string[] | undefined): Map<string, Track> | undefined {
  const [tracks, setTracks] = useState<Map<string, Track> | undefined>();
  const key = ids?.join('\n');
  useEffect(() => {
    if (!ids) return;
    let live = true;
    void getTracks([...new Set(ids)]).then((list) => live && setTracks(new Map(list.map((t) => [t.id, t]))));
    return () => {
      live = false;
    };
  }, [key]);
  return tracks;
}
