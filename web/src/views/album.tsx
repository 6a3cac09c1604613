/** An album: cover, artist, year, genres and its tracks. */
import type { JSX } from 'preact';
import { getAlbum } from '../api/catalog.js';
import type { Track } from '../api/types.js';
import { href } from '../router.js';
import { Cover } from '../ui/cover.js';
import { duration, plural, year } from '../ui/format.js';
import { useResource } from '../ui/resource.js';
import { ErrorMessage, Loading } from '../ui/status.js';
import { TrackList } from '../ui/track-list.js';
import type { PlayHandler } from './play.js';

export function AlbumView({ id, play }: { id: string; play?: PlayHandler }): JSX.Element {
  const album = useResource((signal) => getAlbum(id, signal), [id]);
  if (album.error) return <ErrorMessage error={album.error} retry={album.reload} />;
  if (!album.data) return <Loading label="Loading the album" />;
  const a = album.data;
  const tracks: Track[] = a.tracks.map((t) => ({ ...t, releaseDate: a.releaseDate, albumId: a.id, albumTitle: a.title, artistId: a.artistId, artistName: a.artistName }));
  const total = tracks.reduce((sum, t) => sum + t.durationMs, 0);
  return (
    <>
      <header class="hero">
        <Cover albumId={a.id} title={a.title} size="large" src={a.coverUrl} />
        <div>
          <p class="eyebrow">Album</p>
          <h1>{a.title}</h1>
          <p>
            <a href={href({ name: 'artist', id: a.artistId })}>{a.artistName}</a> · {year(a.releaseDate)} · {plural(tracks.length, 'song')}, {duration(total)}
          </p>
          {a.genres.length > 0 && <p class="muted">{a.genres.join(', ')}</p>}
          {play && tracks.length > 0 && (
            <button type="button" class="button primary" onClick={() => play(tracks, 0, { type: 'album', id: a.id })}>
              Play
            </button>
          )}
        </div>
      </header>
      <TrackList tracks={tracks} label={`Songs of ${a.title}`} showAlbum={false} showCover={false} {...(play ? { onPlay: (i: number) => play(tracks, i, { type: 'album', id: a.id }) } : {})} />
    </>
  );
}
