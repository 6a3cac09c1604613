/** The shell: navigation, the current screen, notices and dialogs; sign-in when signed out. */
import type { JSX } from 'preact';
import { useEffect } from 'preact/hooks';
import { firstScreenSettled } from './api/http.js';
import { startMediaSession } from './player/media-session.js';
import { PlayerBar } from './player/player-bar.js';
import { playTracks } from './player/play.js';
import { startRemote, stopRemote } from './player/remote.js';
import { href, useRoute, type Route } from './router.js';
import { signOut, useSession } from './session.js';
import { useStore } from './store.js';
import { AddToPlaylistDialog } from './ui/add-to-playlist.js';
import { notices } from './ui/announce.js';
import { Icon, type IconName } from './ui/icons.js';
import { AlbumView } from './views/album.js';
import { ArtistView } from './views/artist.js';
import { Browse, GenreView } from './views/browse.js';
import { Charts } from './views/charts.js';
import { Friends } from './views/friends.js';
import { Home } from './views/home.js';
import type { PlayHandler } from './views/play.js';
import { PlaylistView } from './views/playlist.js';
import { Playlists } from './views/playlists.js';
import { Search } from './views/search.js';
import { SignIn } from './views/sign-in.js';
import { UserView } from './views/user.js';

const NAV: { route: Route; label: string; icon: IconName }[] = [
  { route: { name: 'home' }, label: 'Home', icon: 'home' },
  { route: { name: 'search', q: '' }, label: 'Search', icon: 'search' },
  { route: { name: 'browse' }, label: 'Browse', icon: 'grid' },
  { route: { name: 'playlists' }, label: 'Playlists', icon: 'list' },
  { route: { name: 'friends' }, label: 'Friends', icon: 'people' },
  { route: { name: 'charts' }, label: 'Charts', icon: 'chart' },
];

startMediaSession();

export function App(): JSX.Element {
  const session = useSession();
  const route = useRoute();
  const userId = session?.userId;
  useEffect(() => {
    if (!userId) return;
    // The player's requests (its state, this device's registration) wait for the first screen's
    // own request, so they do not slow the screen down.
    let stopped = false;
    void firstScreenSettled().then(() => !stopped && startRemote());
    return () => {
      stopped = true;
      stopRemote();
    };
  }, [userId]);
  if (!session) return <SignIn />;
  const play: PlayHandler = playTracks;
  return (
    <div class="shell">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href="/">
          <span class="brand-mark" aria-hidden="true" />
          Chorus
        </a>
        <div class="account">
          <span class="account-name">{session.displayName}</span>
          <button type="button" class="button small secondary" onClick={() => signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <nav class="nav" aria-label="Main">
        <ul>
          {NAV.map((item) => (
            <li key={item.label}>
              <a href={href(item.route)} aria-current={item.route.name === route.name ? 'page' : undefined}>
                <Icon name={item.icon} size={22} />
                <span>{item.label}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" class="main" tabIndex={-1}>
        <Screen route={route} play={play} />
      </main>
      <PlayerBar />
      <Notices />
      <AddToPlaylistDialog />
    </div>
  );
}

function Screen({ route, play }: { route: Route; play: PlayHandler | undefined }): JSX.Element {
  const withPlay = play ? { play } : {};
  switch (route.name) {
    case 'home':
    case 'signin':
      return <Home />;
    case 'search':
      return <Search q={route.q} {...withPlay} />;
    case 'album':
      return <AlbumView key={route.id} id={route.id} {...withPlay} />;
    case 'artist':
      return <ArtistView key={route.id} id={route.id} />;
    case 'playlist':
      return <PlaylistView key={route.id} id={route.id} {...withPlay} />;
    case 'playlists':
      return <Playlists />;
    case 'charts':
      return <Charts />;
    case 'friends':
      return <Friends />;
    case 'user':
      return <UserView key={route.id} id={route.id} />;
    case 'browse':
      return <Browse />;
    case 'genre':
      return <GenreView key={route.id} genre={route.id} />;
    case 'not-found':
      return <NotFound />;
  }
}

function NotFound(): JSX.Element {
  return (
    <>
      <h1>Page not found</h1>
      <p>
        There is nothing here. <a href="/">Go home</a>.
      </p>
    </>
  );
}

function Notices(): JSX.Element {
  const list = useStore(notices);
  return (
    <div class="notices" aria-live="polite" aria-atomic="false">
      {list.map((n) => (
        <p key={n.id} class={`notice-toast ${n.kind}`}>
          {n.text}
        </p>
      ))}
    </div>
  );
}
