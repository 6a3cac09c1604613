/** Browse: every genre (with how much of the catalog it holds) and the newest albums; a genre's page. */
import type { JSX } from 'preact';
import { getGenre, getGenres, getNewReleases, unavailable } from '../api/discovery.js';
import { playTracks } from '../player/play.js';
import { href } from '../router.js';
import { plural } from '../ui/format.js';
import { useResource } from '../ui/resource.js';
import { Empty, ErrorMessage, Loading } from '../ui/status.js';
import { TrackList } from '../ui/track-list.js';
import { Section } from './home.js';
import { AlbumCards } from './search.js';

function NotServed(): JSX.Element {
  return <Empty>Browsing is not served by this server yet.</Empty>;
}

export function Browse(): JSX.Element {
  const genres = useResource((signal) => getGenres(signal), []);
  const releases = useResource((signal) => getNewReleases(12, signal), []);
  return (
    <>
      <h1>Browse</h1>
      <Section title="New releases">
        {releases.error ? (
          unavailable(releases.error) ? <NotServed /> : <ErrorMessage error={releases.error} retry={releases.reload} />
        ) : !releases.data ? (
          <Loading label="Loading new releases" />
        ) : (
          <AlbumCards albums={releases.data.items} />
        )}
      </Section>
      <Section title="Genres">
        {genres.error ? (
          unavailable(genres.error) ? <NotServed /> : <ErrorMessage error={genres.error} retry={genres.reload} />
        ) : !genres.data ? (
          <Loading label="Loading genres" />
        ) : (
          <ul class="genres">
            {genres.data.items.map((g) => (
              <li key={g.genre}>
                <a class="genre-tile" href={href({ name: 'genre', id: g.genre })}>
                  <span class="genre-name">{g.genre}</span>
                  <span class="genre-count">
                    {plural(g.albums, 'album')}, {plural(g.tracks, 'song')}
                  </span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </>
  );
}

export function GenreView({ genre }: { genre: string }): JSX.Element {
  const page = useResource((signal) => getGenre(genre, signal), [genre]);
  return (
    <>
      <p class="eyebrow">Genre</p>
      <h1 class="genre-title">{genre}</h1>
      {page.error ? (
        unavailable(page.error) ? <NotServed /> : <ErrorMessage error={page.error} retry={page.reload} />
      ) : !page.data ? (
        <Loading label={`Loading ${genre}`} />
      ) : (
        <>
          <Section title="Top songs">
            {page.data.topTracks.length === 0 ? (
              <Empty>Nothing in {genre} has been played yet.</Empty>
            ) : (
              <TrackList tracks={page.data.topTracks} label={`Top songs in ${genre}`} onPlay={(i) => playTracks(page.data!.topTracks, i, { type: 'genre', id: genre })} />
            )}
          </Section>
          <Section title="New albums">{page.data.newAlbums.length === 0 ? <Empty>No albums.</Empty> : <AlbumCards albums={page.data.newAlbums} />}</Section>
        </>
      )}
    </>
  );
}
