/** An artist: genres, follow, albums (newest first). */
import type { JSX } from 'preact';
import { getArtist } from '../api/catalog.js';
import { Cover } from '../ui/cover.js';
import { useResource } from '../ui/resource.js';
import { ErrorMessage, Loading } from '../ui/status.js';
import { RelatedArtists } from './discovery.js';
import { FollowButton } from './follow-button.js';
import { AlbumCards } from './search.js';

export function ArtistView({ id }: { id: string }): JSX.Element {
  const artist = useResource((signal) => getArtist(id, signal), [id]);
  if (artist.error) return <ErrorMessage error={artist.error} retry={artist.reload} />;
  if (!artist.data) return <Loading label="Loading the artist" />;
  const a = artist.data;
  const albums = [...a.albums].sort((x, y) => y.releaseDate.localeCompare(x.releaseDate));
  return (
    <>
      <header class="hero">
        <Cover albumId={a.id} title={a.name} size="large" src={albums.find((al) => al.coverUrl)?.coverUrl} />
        <div>
          <p class="eyebrow">Artist</p>
          <h1>{a.name}</h1>
          {a.genres.length > 0 && <p class="muted">{a.genres.join(', ')}</p>}
          <FollowButton target="artists" id={a.id} name={a.name} />
        </div>
      </header>
      <section class="section" aria-labelledby="artist-albums">
        <h2 id="artist-albums">Albums</h2>
        <AlbumCards albums={albums} />
      </section>
      <RelatedArtists artistId={a.id} />
    </>
  );
}
