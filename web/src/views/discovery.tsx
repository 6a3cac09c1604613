/**
 * Discovery on other screens: recommendations for you with the reason of each (home), songs
 * similar to one (the queue), artists related to one (artist pages). Each stays away on a server
 * without recommendations.
 */
import type { JSX } from 'preact';
import { getArtist, getTrack } from '../api/catalog.js';
import { getRecommendations, getRelatedArtists, getSimilar, unavailable, type Reason, type Recommendation } from '../api/discovery.js';
import type { Track } from '../api/types.js';
import { playTracks } from '../player/play.js';
import { href } from '../router.js';
import { Cover } from '../ui/cover.js';
import { useResource } from '../ui/resource.js';
import { Empty, ErrorMessage, Loading } from '../ui/status.js';
import { TrackList } from '../ui/track-list.js';
import { useTracks } from '../ui/tracks.js';

/** Why a song is recommended, in words ("Because you played Four Voices"). */
export function ReasonText({ reason }: { reason: Reason | undefined }): JSX.Element {
  const subject = useResource(async () => {
    if (!reason?.id) return undefined;
    if (reason.type === 'similar-to') return (await getTrack(reason.id)).title;
    if (reason.type === 'artist') return (await getArtist(reason.id)).name;
    return reason.id;
  }, [reason?.type, reason?.id]);
  const name = subject.data ?? reason?.id ?? '';
  switch (reason?.type) {
    case 'similar-to':
      return <span class="muted">Because you played {name}</span>;
    case 'artist':
      return <span class="muted">Because you listen to {name}</span>;
    case 'genre':
      return <span class="muted">Because you like {name}</span>;
    case 'new':
      return <span class="muted">New release</span>;
    case 'popular':
      return <span class="muted">Popular right now</span>;
    default:
      return <span class="muted">For you</span>;
  }
}

/** Home: recommendations, each with its first reason. Nothing at all on a server without them. */
export function ForYou({ limit = 10 }: { limit?: number }): JSX.Element | null {
  const recs = useResource((signal) => getRecommendations(limit, signal), [limit]);
  const tracks = useTracks(recs.data?.items.map((i) => i.trackId));
  if (recs.error) return unavailable(recs.error) ? <Empty>Recommendations are not served here yet.</Empty> : <ErrorMessage error={recs.error} retry={recs.reload} />;
  if (!recs.data || !tracks) return <Loading label="Loading recommendations" />;
  const rows = recs.data.items.flatMap((item): { item: Recommendation; track: Track }[] => {
    const track = tracks.get(item.trackId);
    return track ? [{ item, track }] : [];
  });
  if (rows.length === 0) return <Empty>Play a few songs: recommendations follow what you listen to.</Empty>;
  const list = rows.map((r) => r.track);
  return (
    <TrackList
      label="Recommended for you"
      tracks={list}
      onPlay={(i) => playTracks(list, i, { type: 'recommendations' })}
      detail={(_, i) => <ReasonText reason={rows[i]!.item.reasons[0]} />}
    />
  );
}

/** Songs similar to `trackId` (co-listened), to play or queue. */
export function SimilarSongs({ trackId, title }: { trackId: string; title: string }): JSX.Element | null {
  const similar = useResource((signal) => getSimilar(trackId, 8, signal), [trackId]);
  const tracks = useTracks(similar.data?.items.map((i) => i.trackId));
  if (similar.error || !similar.data || !tracks) return null;
  const list = similar.data.items.flatMap((i) => tracks.get(i.trackId) ?? []);
  if (list.length === 0) return null;
  return (
    <section aria-labelledby="similar-songs">
      <h2 id="similar-songs">Similar to {title}</h2>
      <TrackList tracks={list} label={`Similar to ${title}`} showAlbum={false} onPlay={(i) => playTracks(list, i, { type: 'recommendations' })} />
    </section>
  );
}

/** Artists whose listeners also listen to `artistId`. */
export function RelatedArtists({ artistId }: { artistId: string }): JSX.Element | null {
  const related = useResource(async (signal) => {
    const page = await getRelatedArtists(artistId, 8, signal);
    const artists = await Promise.allSettled(page.items.map((r) => getArtist(r.artistId, signal)));
    return artists.flatMap((a) => (a.status === 'fulfilled' ? [a.value] : []));
  }, [artistId]);
  if (related.error || !related.data || related.data.length === 0) return null;
  return (
    <section class="section" aria-labelledby="related-artists">
      <h2 id="related-artists">Fans also like</h2>
      <ul class="cards">
        {related.data.map((a) => (
          <li key={a.id} class="card">
            <Cover albumId={a.id} title={a.name} src={a.albums.find((al) => al.coverUrl)?.coverUrl} />
            <a class="card-title" href={href({ name: 'artist', id: a.id })}>
              {a.name}
            </a>
            <span class="card-sub">{a.genres.slice(0, 2).join(', ') || 'Artist'}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
