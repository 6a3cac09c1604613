/** The first screen: your playlists, what friends play, this week's chart, what you played. */
import type { ComponentChildren, JSX } from 'preact';
import { playTracks } from '../player/play.js';
import { ForYou } from './discovery.js';
import { myPlaylists } from '../api/playlists.js';
import { getChart, getFeed, getRecentPlays } from '../api/social.js';
import type { Track } from '../api/types.js';
import { href } from '../router.js';
import { useSession } from '../session.js';
import { PlaylistCards } from './playlist-cards.js';
import { useResource } from '../ui/resource.js';
import { Empty, ErrorMessage, Loading } from '../ui/status.js';
import { timeAgo } from '../ui/format.js';
import { TrackList } from '../ui/track-list.js';
import { useTracks } from '../ui/tracks.js';

function greeting(now = new Date()): string {
  const hour = now.getHours();
  return hour < 5 ? 'Good night' : hour < 12 ? 'Good morning' : hour < 18 ? 'Good afternoon' : 'Good evening';
}

export function Home(): JSX.Element {
  const session = useSession();
  return (
    <>
      <h1>
        {greeting()}, {session?.displayName}
      </h1>
      <Section title="Your playlists" more={{ to: href({ name: 'playlists' }), label: 'All your playlists' }}>
        <HomePlaylists />
      </Section>
      <Section title="Recommended for you">
        <ForYou limit={8} />
      </Section>
      <Section title="Friends are listening to" more={{ to: href({ name: 'friends' }), label: 'All friend activity' }}>
        <FriendActivity limit={6} />
      </Section>
      <Section title="Top tracks this week" more={{ to: href({ name: 'charts' }), label: 'All charts' }}>
        <WeekChart />
      </Section>
      <Section title="Recently played">
        <RecentlyPlayed />
      </Section>
    </>
  );
}

export function Section({ title, more, children }: { title: string; more?: { to: string; label: string }; children: ComponentChildren }): JSX.Element {
  const id = `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section class="section" aria-labelledby={id}>
      <div class="section-head">
        <h2 id={id}>{title}</h2>
        {more && (
          <a href={more.to} class="more">
            {more.label}
          </a>
        )}
      </div>
      {children}
    </section>
  );
}

function HomePlaylists(): JSX.Element {
  const playlists = useResource((signal) => myPlaylists(signal), []);
  if (playlists.error) return <ErrorMessage error={playlists.error} retry={playlists.reload} />;
  if (!playlists.data) return <Loading label="Loading your playlists" />;
  if (playlists.data.items.length === 0) return <Empty>No playlists yet. Create one from Playlists.</Empty>;
  return <PlaylistCards playlists={playlists.data.items.slice(0, 8)} />;
}

export function FriendActivity({ limit }: { limit?: number }): JSX.Element {
  const feed = useResource((signal) => getFeed(signal), []);
  const items = feed.data?.items.slice(0, limit);
  const tracks = useTracks(items?.map((i) => i.trackId));
  if (feed.error) return <ErrorMessage error={feed.error} retry={feed.reload} />;
  if (!items || !tracks) return <Loading label="Loading friend activity" />;
  if (items.length === 0) return <Empty>Follow people to see what they listen to (Friends).</Empty>;
  const rows = items.flatMap((item) => {
    const track = tracks.get(item.trackId);
    return track ? [{ item, track }] : [];
  });
  const list = rows.map((r) => r.track);
  return (
    <TrackList
      label="What friends played"
      tracks={list}
      onPlay={(i) => playTracks(list, i, { type: 'feed' })}
      detail={(_, i) => (
        <>
          <a href={href({ name: 'user', id: rows[i]!.item.userId })}>{rows[i]!.item.displayName ?? rows[i]!.item.userId}</a>
          <span class="muted"> · {timeAgo(rows[i]!.item.playedAt)}</span>
        </>
      )}
    />
  );
}

function WeekChart(): JSX.Element {
  const chart = useResource((signal) => getChart('week', 10, signal), []);
  return <ChartList chart={chart} label="Top tracks this week" />;
}

export function ChartList({ chart, label }: { chart: ReturnType<typeof useResource<{ items: { trackId: string; plays: number }[] }>>; label: string }): JSX.Element {
  const tracks = useTracks(chart.data?.items.map((i) => i.trackId));
  if (chart.error) return <ErrorMessage error={chart.error} retry={chart.reload} />;
  if (!chart.data || !tracks) return <Loading label="Loading the chart" />;
  if (chart.data.items.length === 0) return <Empty>Nothing has been played enough to chart yet.</Empty>;
  const rows = chart.data.items.flatMap((item) => {
    const track = tracks.get(item.trackId);
    return track ? [{ track, plays: item.plays }] : [];
  });
  const list = rows.map((r) => r.track);
  return (
    <TrackList
      label={label}
      tracks={list}
      onPlay={(i) => playTracks(list, i, { type: 'chart' })}
      detail={(_, i) => <span class="muted">{rows[i]!.plays.toLocaleString()} plays</span>}
    />
  );
}

function RecentlyPlayed(): JSX.Element {
  const recent = useResource((signal) => getRecentPlays(signal), []);
  const tracks = useTracks(recent.data?.items.map((i) => i.trackId));
  if (recent.error) return <ErrorMessage error={recent.error} retry={recent.reload} />;
  if (!recent.data || !tracks) return <Loading label="Loading your recent plays" />;
  if (recent.data.items.length === 0) return <Empty>Nothing played yet.</Empty>;
  const rows: { track: Track; playedAt: string }[] = recent.data.items.flatMap((item) => {
    const track = tracks.get(item.trackId);
    return track ? [{ track, playedAt: item.playedAt }] : [];
  });
  return <TrackList label="Recently played" tracks={rows.map((r) => r.track)} detail={(_, i) => <span class="muted">{timeAgo(rows[i]!.playedAt)}</span>} />;
}
