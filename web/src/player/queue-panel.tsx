/** The queue: what plays now, the songs queued by hand (they play next), then the rest of the list. */
import type { JSX } from 'preact';
import { getTracks } from '../api/catalog.js';
import type { Track } from '../api/types.js';
import { useStore } from '../store.js';
import { useResource } from '../ui/resource.js';
import { Empty } from '../ui/status.js';
import { TrackList } from '../ui/track-list.js';
import { SimilarSongs } from '../views/discovery.js';
import { remote } from './remote.js';

const SHOWN = 50;

export function QueuePanel(): JSX.Element {
  const view = useStore(remote).view;
  const ids = view ? [...(view.trackId ? [view.trackId] : []), ...view.queue.slice(0, SHOWN).map((q) => q.trackId)] : [];
  const tracks = useResource(() => getTracks(ids), [ids.join(',')]);
  if (!view?.trackId) return <Empty>Nothing is playing. Play a song, an album or a playlist.</Empty>;
  const list = tracks.data ?? [];
  const now = list.slice(0, 1);
  const queued = list.slice(1, 1 + view.queued);
  const next = list.slice(1 + view.queued);
  const section = (title: string, id: string, items: Track[]) =>
    items.length > 0 && (
      <section aria-labelledby={id}>
        <h2 id={id}>{title}</h2>
        <TrackList tracks={items} label={title} showAlbum={false} />
      </section>
    );
  return (
    <>
      {section('Now playing', 'queue-now', now)}
      {section('Next in queue', 'queue-queued', queued)}
      {section('Next up', 'queue-next', next)}
      {view.queue.length === 0 && <Empty>Nothing after this song.</Empty>}
      {now[0] && <SimilarSongs trackId={now[0].id} title={now[0].title} />}
    </>
  );
}
